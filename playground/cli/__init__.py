"""Headless runs: python -m playground {presets, spec, train, export-*, compare, paths, sweep}.

    presets                                       list the named presets
    spec  [--preset NAME | --spec FILE] [--set k=v ...]
                                                  print the resolved spec as JSON
    train (--preset NAME | --spec FILE) [--set k=v ...] [--epochs N] [--device D]
          [--out DIR] [--quiet]                   train and write the run's files to DIR
    export-script [--preset NAME | --spec FILE] [--set k=v ...] --out FILE.py
                                                  a standalone PyTorch script of the run (see export.py)
    export-onnx --run DIR, export-tensorboard --run DIR
                                                  a trained run's network as ONNX, its records as
                                                  TensorBoard events (optional extras onnx, tensorboard)
    compare, paths                                the optimizer lab (see lab.py)
    sweep                                         a spec trained over a grid or random samples of
                                                  up to three settings (see sweep.py)

Exit codes: 0 done (early stopping included), 2 invalid spec or arguments (the message
names the field), 3 training diverged (the files recorded so far are still written),
1 training failed with an unexpected error, 130 interrupted with Ctrl-C (files written
in both cases too).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..core.params import SpecError
from . import export, lab, sweep, train
from .common import EXIT_INVALID, print_errors
from .train import histogram_frame  # noqa: F401 - the layers/histograms file format, for tests and notebooks


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description="Neural-network playground, headless: list presets, resolve specs, train and save runs.",
        epilog="Exit codes: 0 done, 1 failed, 2 invalid spec or arguments, 3 training diverged.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_commands(commands)
    lab.add_commands(commands)
    sweep.add_commands(commands)
    export.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # usage errors exit 2 here, as argparse does
    try:
        command = next((m for m in (lab, sweep, export) if args.command in m.COMMANDS), train)
        return command.run(args)
    except SpecError as e:
        print_errors(e)
        return EXIT_INVALID
