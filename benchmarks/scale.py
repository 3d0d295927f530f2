"""Issue 14's three figures of scale, in one run, each a ratio against a baseline measured in the
same process:

1. Two sessions training at once: total updates a second of two runs of the default circle spec,
   as a multiple of one run alone, on threads of this process and in worker processes. Target:
   at least 1.7x.
2. A race of 4 contestants (sgd, momentum, adam, rmsprop on the circle preset): its time as a
   multiple of one run of the same spec alone. Target: at most 1.5x.
3. A sweep of 64 small-MLP variants (learning rate x batch size x hidden units): network-epochs a
   second in the worker pool, as a multiple of the same 64 trained one after another. Target:
   at least 10x.

    .venv/bin/python benchmarks/scale.py [--seconds 6] [--epochs 10] [--quick]

The race and the sweep train one after another in this process or spread over the workers; no
batching of many networks into one (vmap) yet, so on a machine of C cores figures 2 and 3 are
bounded by about 4/1 (race) and C (sweep). Noisy on a shared VM: run it when the machine is quiet.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend_scaling import updates_per_second  # noqa: E402  (this folder: sys.path[0] for a script)

from playground.core.server_share import ServerShare, cpu_count  # noqa: E402
from playground.core.spec import Spec  # noqa: E402
from playground.lab.race import Race, parse_contestants  # noqa: E402
from playground.lab.sweep import expand, grid_axis, run_sweep  # noqa: E402
from playground.train.backends import make_worker_pool  # noqa: E402
from playground.train.remote import RemoteRunner  # noqa: E402
from playground.train.runner import Runner  # noqa: E402
from playground.train.trainer import Trainer  # noqa: E402

LONG = Spec().with_overrides(**{"train.epochs": 10_000})
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
    spec = Spec().with_overrides(**{"train.epochs": epochs})
    start = time.perf_counter()
    Trainer(spec).run(10**9)
    one = time.perf_counter() - start
    race = Race(spec, parse_contestants(RACERS))
    start = time.perf_counter()
    while not race.finished:
        race.run(race.total_steps)
    four = time.perf_counter() - start
    print(f"2. race of 4 ({RACERS}), {epochs} epochs: {four:.2f} s vs one run {one:.2f} s "
          f"= {four / one:.2f}x   (target <= 1.5x)")


def sweep_of_64(epochs: int, pool) -> None:
    base = Spec().with_overrides(**{"train.epochs": epochs})
    variants = expand(base, [grid_axis(text) for text in SWEEP_AXES])
    assert len(variants) == 64, len(variants)
    network_epochs = len(variants) * epochs
    timings = {}
    for backend in ("thread", "process"):
        start = time.perf_counter()
        run_sweep(variants, backend, pool=pool if backend == "process" else None)
        timings[backend] = time.perf_counter() - start
    sequential, pooled = timings["thread"], timings["process"]
    print(f"3. sweep of 64 variants x {epochs} epochs: one after another {network_epochs / sequential:,.1f} "
          f"network-epochs/s; {len(pool.workers)} workers {network_epochs / pooled:,.1f} = "
          f"{sequential / pooled:.2f}x   (target >= 10x)")


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
