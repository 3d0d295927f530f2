"""Issue 14's three figures of scale, in one run, each a ratio against a baseline measured in the
same process:

1. Two sessions training at once: total updates a second of two runs of the default circle spec,
   as a multiple of one run alone, on threads of this process and in worker processes. Target:
   at least 1.7x.
2. A race of 4 contestants (sgd, momentum, adam, rmsprop on the circle preset): its time as a
   multiple of one run of the default spec alone, and of the contestants' mean time alone; one
   by one and stacked (train/stacked.py). Target: at most 1.5x.
3. A sweep of 64 small-MLP variants (learning rate x batch size x hidden units): network-epochs a
   second in the worker pool, stacked, and both, as a multiple of the same 64 trained one after
   another, each alone. Target: at least 10x.

    .venv/bin/python benchmarks/scale.py [--seconds 6] [--epochs 10] [--quick]

The race is measured stacked (its four networks trained as one, train/stacked.py) and one by one.
Noisy on a shared VM: run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend_scaling import updates_per_second  # noqa: E402  (this folder: sys.path[0] for a script)

from playground.core.server_share import ServerShare, cpu_count  # noqa: E402
from playground.core.spec import Spec  # noqa: E402
from playground.lab.contestants import parse_contestants  # noqa: E402
from playground.lab.race import Race  # noqa: E402
from playground.lab.sweep import expand, grid_axis, run_sweep, stack_chunks  # noqa: E402
from playground.train.backends import make_worker_pool  # noqa: E402
from playground.train.remote import RemoteRunner  # noqa: E402
from playground.train.runner import Runner  # noqa: E402
from playground.train.trainer import Trainer  # noqa: E402

LONG = Spec().with_overrides(**{"train.epochs": 10_000})
REPEATS = 5
RACERS = "sgd,momentum,adam:lr=0.01,rmsprop:lr=0.01"
SWEEP_AXES = ("train.optimizer.lr=0.003,0.01,0.03,0.1", "train.batch_size=5,10,25,50",
              "model.layers.0.units=2,4,8,16")


def two_sessions(seconds: float, pool) -> None:
    share = ServerShare(max_runs=1000)
    alone = Runner(LONG, share=share)
    one = updates_per_second([alone], seconds)
    alone.close()
    print(f"1. two sessions at once (one run alone on a thread: {one:,.0f} updates/s)")
    for backend in ("thread", "process"):
        if backend == "thread":
            runners = [Runner(LONG, share=share) for _ in range(2)]
        else:
            runners = [RemoteRunner(LONG, pool=pool, share=share) for _ in range(2)]
        total = updates_per_second(runners, seconds)
        for r in runners:
            r.close()
        print(f"   {backend:7s}: {total:,.0f} updates/s = {total / one:.2f}x one run   (target >= 1.7x)")


def race_of_four(epochs: int) -> None:
    """The race stacked (one network of 4 rows, train/stacked.py) and one by one, against the
    default run alone and against the mean of the four contestants each run alone."""
    spec = Spec().with_overrides(**{"train.epochs": epochs})
    contestants = parse_contestants(RACERS)
    solo = [spec.with_overrides(**{"train.optimizer": c.optimizer.to_dict()}) for c in contestants]

    def race(stacked: bool) -> None:
        r = Race(spec, contestants)
        if not stacked:
            r.stacked = None  # the one-by-one path, which races that cannot stack take
        r.run(10**9)

    Trainer(spec).run(10**9)  # warm-up: first calls into torch are slow
    times: dict[str, list[float]] = {"one": [], "alone": [], "one by one": [], "stacked": []}
    for _ in range(REPEATS):  # interleaved, so that a noisy spell hits every kind alike
        times["one"].append(_seconds(lambda: Trainer(spec).run(10**9)))
        times["alone"].append(sum(_seconds(lambda s=s: Trainer(s).run(10**9)) for s in solo) / len(solo))
        times["one by one"].append(_seconds(lambda: race(False)))
        times["stacked"].append(_seconds(lambda: race(True)))
    one, mean_alone = statistics.median(times["one"]), statistics.median(times["alone"])
    print(f"2. race of 4 ({RACERS}), {epochs} epochs, median of {REPEATS}: one default run alone {one:.3f} s, "
          f"the four contestants alone {mean_alone:.3f} s on average")
    for kind in ("one by one", "stacked"):
        four = statistics.median(times[kind])
        print(f"   {kind:10s}: {four:.3f} s = {four / one:.2f}x the default run, {four / mean_alone:.2f}x the "
              f"contestants' mean   (target <= 1.5x)")


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def sweep_of_64(epochs: int, pool) -> None:
    base = Spec().with_overrides(**{"train.epochs": epochs})
    variants = expand(base, [grid_axis(text) for text in SWEEP_AXES])
    assert len(variants) == 64, len(variants)
    network_epochs = len(variants) * epochs
    chunks = stack_chunks(variants)
    run_sweep(variants[::16], "thread", stack=False)  # warm-up: the first runs in a process are slow
    timings = {}
    for label, backend, stack in (("alone", "thread", False), ("workers", "process", False),
                                  ("stacked", "thread", True), ("stacked+workers", "process", True)):
        start = time.perf_counter()
        run_sweep(variants, backend, pool=pool if backend == "process" else None, stack=stack)
        timings[label] = time.perf_counter() - start
    sequential = timings["alone"]
    print(f"3. sweep of 64 variants x {epochs} epochs ({len(chunks)} stacked chunks of "
          f"{'/'.join(sorted({str(len(c)) for c in chunks}))}); one after another, alone: "
          f"{network_epochs / sequential:,.1f} network-epochs/s")
    for label, seconds in timings.items():
        if label != "alone":
            print(f"   {label:16s}: {network_epochs / seconds:,.1f} network-epochs/s = {sequential / seconds:.2f}x"
                  f"   (target >= 10x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long figure 1 trains each backend")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of the race and of each sweep variant")
    parser.add_argument("--quick", action="store_true", help="2 s and 2 epochs: a check that it runs")
    args = parser.parse_args()
    seconds, epochs = (2.0, 2) if args.quick else (args.seconds, args.epochs)
    cores = cpu_count()
    pool = make_worker_pool(cores)
    pool.warm_up()
    print(f"{cores} cores, {len(pool.workers)} workers")
    two_sessions(seconds, pool)
    race_of_four(epochs)
    sweep_of_64(epochs, pool)
    pool.close()


if __name__ == "__main__":
    main()
