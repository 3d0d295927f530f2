"""The optimizer lab on the command line: `compare` and `paths`.

    compare (--preset NAME | --spec FILE) --optimizers sgd,adam,rmsprop [--set k=v ...]
            [--epochs N] [--device D] [--target-loss X] [--out DIR] [--quiet]
            [--backend thread|process|ray [--ray ADDRESS]]
        race the optimizers on one spec (identical start, identical batches) and write
        spec.json, metrics.csv (one row per contestant and record, from step 0, with an
        `optimizer` column) and results.csv (final/best numbers per contestant)
    paths --function rosenbrock --optimizers sgd,momentum,adam [--start=X,Y] [--steps N] [--out DIR]
        walk each optimizer over a 2-D test function and write paths.csv
        (optimizer, step, x, y, loss, diverged)

Optimizers: names from the catalog or the shorthands momentum / nesterov (SGD with
momentum 0.9), with settings after a colon: "sgd:lr=0.1,momentum:lr=0.05,adam:lr=0.01:beta1=0.8".

Exit codes as for train: 0 done, 2 invalid input (the message names the flag or field),
1 failure, 130 interrupted. `compare` exits 3 only if every contestant diverged (one
diverging is a result, reported in results.csv); `paths` reports diverged paths in the file.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from ..core.params import SpecError
from .common import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    MAX_CLI_RECORDS,
    JobOutput,
    add_backend_option,
    add_spec_options,
    output_dir,
    resolve_spec,
    run_job,
)

COMMANDS = ("compare", "paths")
COMPARE_FILES = ("spec.json", "metrics.csv", "results.csv")


def add_commands(commands) -> None:
    """compare and paths, on the CLI's subparsers."""
    compare = commands.add_parser(
        "compare", help="race optimizers on one spec and write their curves and a results table",
        description="Train one spec with each optimizer from identical initial weights on identical "
                    "mini-batches; write spec.json, metrics.csv and results.csv to the output folder.")
    add_spec_options(compare, required=True)
    compare.add_argument("--optimizers", required=True, metavar="LIST",
                         help="2 to 8 optimizers, e.g. sgd,adam,rmsprop or sgd:lr=0.1,momentum:lr=0.05 "
                              "(momentum / nesterov = sgd with momentum 0.9)")
    compare.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    compare.add_argument("--device", metavar="D", help="shorthand for --set train.device=D")
    compare.add_argument("--target-loss", type=float, metavar="X",
                         help="also report the first recorded step at which the train loss is <= X")
    compare.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>-compare-<timestamp>)")
    compare.add_argument("--quiet", action="store_true", help="no progress lines")
    add_backend_option(compare, "where the race trains: here (thread), in a worker process (process) or on a Ray "
                                "cluster (ray); the same numbers and files either way")

    paths = commands.add_parser(
        "paths", help="walk optimizers over a 2-D test function and write paths.csv",
        description="Run each optimizer from one start point on a 2-D test function (rosenbrock, beale, "
                    "himmelblau, rastrigin, saddle, quadratic[:kappa=K]) and write paths.csv.")
    paths.add_argument("--function", required=True, metavar="NAME",
                       help="rosenbrock, beale, himmelblau, rastrigin, saddle or quadratic (quadratic:kappa=50)")
    paths.add_argument("--optimizers", required=True, metavar="LIST",
                       help="1 to 8 optimizers, e.g. sgd,momentum,adam or sgd:lr=0.001,adam:lr=0.05; without "
                            "an lr each uses the function's suggested one")
    paths.add_argument("--start", metavar="X,Y", help="start point (default: the function's own) within the plot "
                                                      "window and one window width around it (rosenbrock: x in "
                                                      "-6..6, y in -5..7); write --start=-1.5,2 when x is negative")
    paths.add_argument("--steps", type=int, default=500, metavar="N", help="updates per optimizer (default 500)")
    paths.add_argument("--out", metavar="DIR", help="output folder (default: runs/paths-<function>-<timestamp>)")


def run(args: argparse.Namespace) -> int:
    if args.command == "compare":
        return cmd_compare(args)
    return cmd_paths(args)


# --------------------------------------------------------------------------- compare

def cmd_compare(args: argparse.Namespace) -> int:
    from ..lab.contestants import check_count, parse_contestants

    spec = resolve_spec(args)
    contestants = parse_contestants(args.optimizers, field="--optimizers")
    check_count(contestants, field="--optimizers")
    if args.target_loss is not None and not math.isfinite(args.target_loss):
        raise SpecError(f"{args.target_loss} is not a finite number", "--target-loss")
    name = args.preset if args.preset is not None else Path(args.spec).stem
    naming = SimpleNamespace(out=args.out, preset=f"{name}-compare", spec=None)
    status, message, code, lines, out = run_job(args, CompareJob, spec, contestants, args.target_loss, args.quiet,
                                                naming=naming)
    lines.append(f"wrote {', '.join(COMPARE_FILES)} to {out}")
    if status in ("diverged", "failed"):
        print(f"error: {message}", file=sys.stderr)
    elif status == "interrupted":
        print(message, file=sys.stderr)
    print("\n".join(lines))
    return code


class CompareJob:
    """One `compare`: race, write the files, and say what to print. Runs here, or in a worker
    process or Ray actor (`--backend`), which sends the files back (naming None)."""

    def __init__(self, spec, contestants, target_loss: float | None, quiet: bool, naming: SimpleNamespace | None):
        self.spec, self.contestants, self.target_loss, self.quiet = spec, contestants, target_loss, quiet
        self.naming = naming

    def run(self) -> tuple[str, str, int, list[str], str | dict[str, bytes]]:
        """(status, message, exit code, the lines to print, the output folder or the files' bytes)."""
        from ..lab.race import Race, results_table

        race = Race(self.spec, self.contestants, history_points=MAX_CLI_RECORDS)  # SpecError: data/model problems
        with JobOutput(self.naming, COMPARE_FILES) as output:
            out = output.folder
            status, message, code = "done", "", EXIT_OK
            started = time.perf_counter()
            progress = _Progress(enabled=not self.quiet)
            try:
                while not race.finished:
                    race.run(race.total_steps, deadline=time.perf_counter() + 0.5)
                    progress.update(race)
                message = race.summary()
                if all(e.status == "diverged" for e in race.entries):
                    status, code = "diverged", EXIT_DIVERGED
            except KeyboardInterrupt:
                status, message, code = "interrupted", f"Interrupted at step {race.step}.", EXIT_INTERRUPTED
            except Exception as e:  # noqa: BLE001 - as in train: a failure is a status, and the files are kept
                status, code = "failed", EXIT_FAILED
                message = f"Race failed at step {race.step}: {type(e).__name__}: {e}"
            seconds = time.perf_counter() - started

            snap = race.snapshot(status, message)
            write_compare(snap, out, self.target_loss)
            table = results_table(snap, self.target_loss)
            where = output.result()
        lines = [_results_text(table, snap.metric), f"{message} {race.step} steps in {seconds:.1f} s on {snap.device}"]
        return status, message, code, lines, where


def write_compare(snap, out: Path, target_loss: float | None = None) -> None:
    import pandas as pd

    from ..lab.race import results_table

    (out / "spec.json").write_text(snap.spec.to_json() + "\n", encoding="utf-8")
    frames = []
    for c in snap.contestants:
        history = c.history.drop(columns=["examples_per_sec"])  # timing would make runs differ
        history.insert(0, "optimizer", c.label)
        frames.append(history)
    pd.concat(frames, ignore_index=True).to_csv(out / "metrics.csv", index=False)
    results_table(snap, target_loss).to_csv(out / "results.csv", index=False)


def _results_text(table, metric: str) -> str:
    width = max(len(label) for label in table["optimizer"])
    lines = [f"{'optimizer':<{width}}  {'status':<8}  {'train loss':>10}  {'test loss':>10}  {'test ' + metric:>9}  "
             f"{'ms/step':>7}"]
    for _, row in table.iterrows():
        lines.append(f"{row['optimizer']:<{width}}  {row['status']:<8}  {row['final_train_loss']:>10.4g}  "
                     f"{row['final_test_loss']:>10.4g}  {row[f'final_test_{metric}']:>9.4g}  "
                     f"{row['ms_per_step']:>7.3f}")
    return "\n".join(lines)


class _Progress:
    """A line on stderr per 10% of the race."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._last = -1

    def update(self, race) -> None:
        if not self.enabled:
            return
        tenth = int(10 * race.step / max(1, race.total_steps))
        if tenth == self._last:
            return
        self._last = tenth
        losses = ", ".join(f"{e.label} {e.trainer.history.records[-1].train_loss:.4g}"
                           + (" (diverged)" if e.status == "diverged" else "") for e in race.entries)
        print(f"{100 * race.step / max(1, race.total_steps):3.0f}% step {race.step}/{race.total_steps}  "
              f"train loss: {losses}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- paths

def parse_start(text: str | None):
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        point = tuple(float(p) for p in parts)
    except ValueError:
        point = ()
    if len(point) != 2 or not all(math.isfinite(v) for v in point):
        raise SpecError(f"{text!r} is not a point; write two numbers like --start=-1.5,2", "--start")
    return point


def cmd_paths(args: argparse.Namespace) -> int:
    from ..lab.contestants import MAX_CONTESTANTS, parse_contestants
    from ..lab.paths import MAX_STEPS, path_summary, run_paths
    from ..lab.testfunctions import check_start, get_function

    function = get_function(args.function, field="--function")
    contestants = parse_contestants(args.optimizers, field="--optimizers", defaults=function.defaults)
    if len(contestants) > MAX_CONTESTANTS:
        raise SpecError(f"{len(contestants)} optimizers given; paths take 1 to {MAX_CONTESTANTS}", "--optimizers")
    start = parse_start(args.start)
    if start is not None:
        start = check_start(function, start, "--start")  # before any folder is made
    if not 1 <= args.steps <= MAX_STEPS:
        raise SpecError(f"{args.steps} is out of range; must be between 1 and {MAX_STEPS}", "--steps")
    out = output_dir(SimpleNamespace(out=args.out, preset=f"paths-{function.name}", spec=None))
    started = time.perf_counter()
    paths = run_paths(function, contestants, start=start, steps=args.steps)
    seconds = time.perf_counter() - started
    paths.to_csv(out / "paths.csv", index=False)

    summary = path_summary(paths)
    width = max(len(label) for label in summary["optimizer"])
    print(f"{function.label}: {function.formula}; start ({paths['x'].iloc[0]:g}, {paths['y'].iloc[0]:g}), "
          f"{args.steps} steps")
    for _, row in summary.iterrows():
        where = f"({row['x']:.4g}, {row['y']:.4g}) f = {row['loss']:.4g}"
        if row["status"] == "diverged":
            print(f"{row['optimizer']:<{width}}  diverged at step {row['diverged_at']} (overflowed float32); "
                  f"last finite at step {row['steps']}: {where}")
        else:
            print(f"{row['optimizer']:<{width}}  {where}")
    diverged = summary[summary["status"] == "diverged"]
    if len(diverged):
        print(f"{len(diverged)} of {len(summary)} paths diverged ({', '.join(diverged['optimizer'])}): a smaller "
              "learning rate keeps them on the surface; paths.csv ends each at its last finite step, "
              "marked diverged")
    print(f"{seconds:.2f} s; wrote paths.csv to {out}")
    return EXIT_OK
