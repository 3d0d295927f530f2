"""python -m playground sweep: train one spec for every combination of a few settings' values.

    sweep (--preset NAME | --spec FILE) [--set k=v ...] (--grid KEY=V1,V2,... | --random KEY=LO..HI[:log]) ...
          [--samples N] [--seed S] [--epochs N] [--backend process|thread|ray [--ray ADDRESS]] [--workers N]
          [--no-stack] [--out DIR] [--quiet]

Writes spec.json (the base), sweep.json (the swept settings and their values) and results.csv
(one row per variant, in the sweep's order: its settings, status, steps, final and best scores,
seconds, message). Prints the variants ranked by test loss.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from ..core.params import SpecError
from .common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_backend_option,
    add_spec_options,
    chosen_backend,
    job_pool,
    output_dir,
    resolve_spec,
)

COMMANDS = ("sweep",)
FILES = ("spec.json", "sweep.json", "results.csv")


def add_commands(commands) -> None:
    sweep = commands.add_parser(
        "sweep", help="train a spec for every combination of up to three settings' values; write results.csv",
        description="Train the spec once per variant: every combination of the --grid values, or --samples draws "
                    "from the --random ranges. Variants train in worker processes, one per core, unless "
                    "--backend thread. Writes spec.json, sweep.json and results.csv to the output folder.")
    add_spec_options(sweep, required=True)
    sweep.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                       help="a setting and its values, e.g. train.optimizer.lr=0.001,0.01,0.1 (repeatable)")
    sweep.add_argument("--random", action="append", default=[], metavar="KEY=LO..HI[:log]",
                       help="a setting drawn from a range, e.g. train.optimizer.lr=0.0001..1:log (repeatable; "
                            "with --samples)")
    sweep.add_argument("--samples", type=int, default=16, metavar="N", help="variants drawn for --random (default 16)")
    sweep.add_argument("--seed", type=int, default=0, help="seed of the --random draws (default 0)")
    sweep.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    add_backend_option(sweep, "where variants train: worker processes (process), Ray actors (ray) or one after "
                              "another in this process (thread)", default="process")
    sweep.add_argument("--workers", type=int, metavar="N", help="worker processes (default: one per core)")
    sweep.add_argument("--no-stack", dest="stack", action="store_false",
                       help="train every variant alone, not stacked with those that share its batches (the same "
                            "numbers within float rounding; slower)")
    sweep.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>-sweep-<timestamp>)")
    sweep.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from ..lab.sweep import MAX_SAMPLES, expand, grid_axis, random_axis, run_sweep

    base = resolve_spec(args)
    if args.grid and args.random:
        raise SpecError("sweep either a grid (--grid) or random samples (--random), not both", "--random")
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise SpecError(f"{args.samples} samples; between 1 and {MAX_SAMPLES}", "--samples")
    if args.workers is not None and args.workers < 1:
        raise SpecError(f"{args.workers} workers; at least 1", "--workers")
    backend = chosen_backend(args, "process")
    draws = random.Random(args.seed)
    axes = [grid_axis(g) for g in args.grid] or [random_axis(r, args.samples, draws) for r in args.random]
    variants = expand(base, axes, paired=bool(args.random))
    name = args.preset if args.preset is not None else Path(args.spec).stem
    out = output_dir(SimpleNamespace(out=args.out, preset=f"{name}-sweep", spec=None))
    (out / "spec.json").write_text(base.to_json())
    (out / "sweep.json").write_text(json.dumps(
        {"kind": "random" if args.random else "grid", "seed": args.seed if args.random else None,
         "settings": {a.key: list(a.values) for a in axes}, "variants": len(variants), "backend": backend,
         "stacked": args.stack}, indent=2))

    finished = 0
    started = time.perf_counter()

    def progress(index: int, result) -> None:
        nonlocal finished
        finished += 1
        if not args.quiet:
            where = ", ".join(f"{k}={v}" for k, v in result.settings.items())
            loss = result.scores.get("test_loss")
            print(f"[{finished}/{len(variants)}] {where}: {result.status}"
                  + (f", test loss {loss:.4g}" if loss is not None else ""), file=sys.stderr, flush=True)

    code = EXIT_OK
    try:
        pool = job_pool("ray", args) if backend == "ray" else None  # worker processes: run_sweep's own
        try:
            results = run_sweep(variants, backend, workers=args.workers,
                                on_result=progress, pool=pool, stack=args.stack)
        finally:
            if pool is not None:
                pool.close()
    except KeyboardInterrupt:
        print("Interrupted: no results.csv written.", file=sys.stderr)
        return EXIT_INTERRUPTED
    table = write_results(results, out)
    seconds = time.perf_counter() - started
    failed = (table["status"] == "failed").sum()
    if failed:
        code = EXIT_FAILED
        print(f"error: {failed} of {len(table)} variants failed; see the message column of results.csv",
              file=sys.stderr)
    print(ranked_text(table))
    print(f"{len(table)} variants in {seconds:.1f} s ({backend}); wrote {', '.join(FILES)} to {out}")
    return code


def write_results(results, out: Path):
    import pandas as pd

    table = pd.DataFrame([r.row() for r in results])
    table.to_csv(out / "results.csv", index=False)
    return table


def ranked_text(table, rows: int = 10) -> str:
    """The best variants by final test loss (diverged and failed ones last)."""
    shown = table.drop(columns=["message"]).sort_values("test_loss", na_position="last") \
        if "test_loss" in table else table
    text = shown.head(rows).to_string(index=False, float_format=lambda x: f"{x:.4g}")
    more = f"\n... and {len(table) - rows} more in results.csv" if len(table) > rows else ""
    return text + more
