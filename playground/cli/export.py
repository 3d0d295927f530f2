"""The `export-script` command: a spec (--preset, --spec, --set, --epochs as for `train`) written
as a standalone PyTorch script that reproduces its run (export/script.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.params import SpecError
from .common import EXIT_OK, add_spec_options, resolve_spec

COMMANDS = ("export-script",)


def add_commands(commands) -> None:
    p = commands.add_parser(
        "export-script", help="write a standalone PyTorch script that reproduces a run",
        description="Write the spec's run as one readable Python file that needs only torch and numpy: "
                    "`python FILE` generates the data, builds the network, trains it with the same seeds "
                    "and prints its metrics as CSV, the same numbers `train` records on the CPU.")
    add_spec_options(p, required=False)
    p.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    p.add_argument("--out", metavar="FILE", required=True, help="the script to write, e.g. circle.py")


def run(args: argparse.Namespace) -> int:
    from ..export.script import render_script  # imported here: the other commands need none of it

    spec = resolve_spec(args)
    out = Path(args.out)
    if out.is_dir():
        raise SpecError(f"{args.out!r} is a folder; give the file to write, e.g. {out / 'run.py'}", "--out")
    if out.suffix != ".py":
        raise SpecError(f"{args.out!r} does not end in .py; name the script e.g. circle.py", "--out")
    title = args.preset or (Path(args.spec).stem if args.spec else "run")
    text = render_script(spec, title=title, file_name=out.name)  # SpecError naming the field if not exportable
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise SpecError(f"cannot write {args.out!r}: {e.strerror or e}", "--out") from None
    print(f"wrote {out}: run it with `python {out}` (needs torch and numpy)")
    return EXIT_OK
