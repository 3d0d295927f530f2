"""Optimizer lab costs: a race of 4 contestants against one run of the same spec, and the
2-D paths of 6 optimizers x 1000 steps, in one process.

Two races per spec, timed interleaved with single runs (medians):

  same optimizer   the spec's own optimizer at four learning rates: each contestant costs
                   exactly one run, so race / one run shows the race's own overhead on top of
                   4x (identical starts, per-contestant RNG and timing, weight snapshots).
                   Target: at most 4.4x.
  mixed            sgd, momentum, adam, rmsprop against the same four trained alone one after
                   another (race / 4 alone; target about 1.0x). Against one run of the spec
                   this is more than 4x simply because Adam and RMSprop cost more per step
                   than SGD; that ratio is printed too.

Then the median seconds for 6 optimizers x 1000 path steps on Rosenbrock.

    .venv/bin/python benchmarks/race_and_paths.py [--repeats 7] [--epochs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from playground.core.presets import get_preset
from playground.core.spec import Choice, Spec
from playground.lab.contestants import Contestant, parse_contestants
from playground.lab.paths import run_paths
from playground.lab.race import Race
from playground.train.trainer import Trainer

MIXED = "sgd,momentum,adam,rmsprop"
PATH_OPTIMIZERS = "sgd,momentum,nesterov,adam,rmsprop,adagrad"
SPECS = {
    "circle 2-4-2-1 tanh sgd (TF default)": Spec(),
    "circle 8-dropout-4 tanh sgd": Spec().with_overrides(**{"model.layers": [
        {"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.2}, {"kind": "linear", "units": 4}]}),
    "digits-mlp 64-64-32-10 relu adam": get_preset("digits-mlp"),
}


def same_optimizer(spec: Spec) -> list[Contestant]:
    """The spec's own optimizer at its learning rate x 1, 1/2, 2, 1/4."""
    own = spec.train.optimizer
    return [Contestant(f"{own.name} lr x{f:g}", Choice(own.name, {**own.params, "lr": own["lr"] * f}))
            for f in (1.0, 0.5, 2.0, 0.25)]


def one_run(spec: Spec) -> float:
    trainer = Trainer(spec)
    start = time.perf_counter()
    trainer.run(trainer.total_steps)
    return time.perf_counter() - start


def alone(spec: Spec, contestants: list[Contestant]) -> float:
    """The contestants one after another, each a plain Trainer."""
    return sum(one_run(spec.with_overrides(**{"train.optimizer": c.optimizer.to_dict()})) for c in contestants)


def race(spec: Spec, contestants: list[Contestant]) -> float:
    r = Race(spec, contestants)
    start = time.perf_counter()
    r.run(r.total_steps)
    return time.perf_counter() - start


def paths() -> float:
    start = time.perf_counter()
    run_paths("rosenbrock", PATH_OPTIMIZERS, steps=1000)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    Trainer(Spec())  # settles the thread count the engine uses, for every side alike
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); median of {args.repeats}, "
          f"{args.epochs} epochs, runs interleaved\n")
    print("ratios from medians, and in brackets from the fastest of each (less hurt by a busy machine)\n")
    print(f"{'spec':38} {'one run':>8} {'race same':>10} {'ratio':>14}   {'4 alone':>8} {'race mixed':>10} "
          f"{'ratio':>14} {'vs one':>7}")
    for name, spec in SPECS.items():
        spec = spec.with_overrides(**{"train.epochs": args.epochs})
        same, mixed = same_optimizer(spec), parse_contestants(MIXED)
        short = spec.with_overrides(**{"train.epochs": 1})
        one_run(short), race(short, same), alone(short, mixed), race(short, mixed)  # warm-up
        times: dict[str, list[float]] = {"one": [], "same": [], "alone": [], "mixed": []}
        for _ in range(args.repeats):  # interleaved so drift on a busy machine hits every side
            times["one"].append(one_run(spec))
            times["same"].append(race(spec, same))
            times["alone"].append(alone(spec, mixed))
            times["mixed"].append(race(spec, mixed))
        o, s, a, m = (statistics.median(times[k]) for k in ("one", "same", "alone", "mixed"))
        o_, s_, a_, m_ = (min(times[k]) for k in ("one", "same", "alone", "mixed"))
        print(f"{name:38} {o:7.3f}s {s:9.3f}s {s / o:5.2f}x ({s_ / o_:4.2f}x)   {a:7.3f}s {m:9.3f}s "
              f"{m / a:5.2f}x ({m_ / a_:4.2f}x) {m / o:6.2f}x")

    paths()  # warm-up
    times = [paths() for _ in range(args.repeats)]
    print(f"\npaths: 6 optimizers x 1000 steps on rosenbrock: {statistics.median(times):.3f} s "
          f"(median of {args.repeats}; min {min(times):.3f} s)")


if __name__ == "__main__":
    main()
