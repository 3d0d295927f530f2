"""What watching costs: training throughput while a viewer redraws the page's charts, against
the same run unwatched, in one process; and the memory of one session after 100k steps.

The viewer stands in for a browser tab: every 0.5 s (the page's redraw interval) it takes a
snapshot and builds the figures the page shows by default, serialised to JSON as Streamlit
would send them (and, as a worst case, every figure of every tab). Target: watched
throughput >= 0.8x unwatched.

    .venv/bin/python benchmarks/live_view.py [--seconds 8] [--steps 100000]
"""

from __future__ import annotations

import argparse
import gc
import resource
import threading
import time

from playground import charts
from playground.core.spec import Spec
from playground.train.runner import Runner

SPEC = Spec().with_overrides(**{"train.epochs": 10_000})


def build_page(snap) -> int:
    """The figures the main page redraws for one snapshot in its default view (the network,
    the decision surface, and the open Curves tab; other tabs are drawn only when opened);
    returns the bytes it would send."""
    figures = [charts.network_figure(snap), charts.decision_surface_figure(snap), charts.loss_figure(snap),
               charts.metric_figure(snap), charts.lr_figure(snap)]
    return sum(len(f.to_json()) for f in figures if f is not None)


def build_every_figure(snap) -> int:
    """All of the page's figures at once: the worst case, every tab open at the same time."""
    figures = [
        charts.weight_histogram_figure(snap, 0), charts.weight_evolution_figure(snap, 0),
        charts.gradient_norm_figure(snap), charts.gradient_bars_figure(snap), charts.update_ratio_figure(snap),
        charts.neuron_maps_figure(snap, 0),
    ]
    return build_page(snap) + sum(len(f.to_json()) for f in figures if f is not None)


def steps_per_second(seconds: float, watched: bool, page=build_page) -> tuple[float, int]:
    runner = Runner(SPEC)
    stop = threading.Event()
    redraws = [0]

    def viewer() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            page(runner.snapshot())
            redraws[0] += 1
            stop.wait(max(0.0, 0.5 - (time.perf_counter() - started)))

    thread = threading.Thread(target=viewer, daemon=True)
    runner.start()
    if watched:
        thread.start()
    time.sleep(seconds)
    steps = runner.snapshot().step
    stop.set()
    runner.close()
    if watched:
        thread.join()
    return steps / seconds, redraws[0]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def memory_after(steps: int) -> list[tuple[int, float, int]]:
    """(step, peak RSS MiB, history rows) at checkpoints while one runner trains `steps` steps,
    recording every 10 steps (10x the default density) and snapshotting like a viewer."""
    spec = SPEC.with_overrides(**{"telemetry.every_steps": 10})
    runner = Runner(spec)
    checkpoints = [steps // 10, steps // 2, steps]
    out = []
    for target in checkpoints:
        runner.step(target - runner.snapshot().step)
        while runner.snapshot().step < target:
            build_page(runner.snapshot())
            time.sleep(0.5)
        gc.collect()
        snap = runner.snapshot()
        out.append((snap.step, rss_mib(), len(snap.history)))
    runner.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    build_page(Runner(SPEC).snapshot())  # warm-up: imports, plotly templates
    for name, page in (("default view", build_page), ("every tab at once", build_every_figure)):
        alone, watched = [], []
        for _ in range(3):  # interleaved
            alone.append(steps_per_second(args.seconds, watched=False)[0])
            rate, redraws = steps_per_second(args.seconds, watched=True, page=page)
            watched.append(rate)
        a, w = sorted(alone)[1], sorted(watched)[1]
        print(f"{name:18}: unwatched {a:,.0f} steps/s, watched {w:,.0f} steps/s "
              f"({redraws / args.seconds:.1f} redraws/s): ratio {w / a:.2f} (target >= 0.8)")
    rows = memory_after(args.steps)
    base = rows[0][1]
    for step, rss, history in rows:
        print(f"after {step:>7,} steps: peak RSS {rss:7.1f} MiB ({rss / base:.2f}x the first checkpoint), "
              f"{history} history rows")


if __name__ == "__main__":
    main()
