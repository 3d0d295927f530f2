"""The export commands: `export-script`, a spec (--preset, --spec, --set, --epochs as for `train`)
written as a standalone PyTorch script that reproduces its run (export/script.py); `export-onnx`,
the network of a run `train --out` wrote, as ONNX checked against onnxruntime (the [onnx] extra);
`export-tensorboard`, that run's records as TensorBoard event files (the [tensorboard] extra)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.params import SpecError
from .common import EXIT_FAILED, EXIT_OK, add_spec_options, load_spec_file, resolve_spec

COMMANDS = ("export-script", "export-onnx", "export-tensorboard")
ONNX_TOLERANCE = 1e-4  # largest difference allowed between onnxruntime's outputs and torch's


def add_commands(commands) -> None:
    p = commands.add_parser(
        "export-script", help="write a standalone PyTorch script that reproduces a run",
        description="Write the spec's run as one readable Python file that needs only torch and numpy: "
                    "`python FILE` generates the data, builds the network, trains it with the same seeds "
                    "and prints its metrics as CSV, the same numbers `train` records on the CPU.")
    add_spec_options(p, required=False)
    p.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    p.add_argument("--out", metavar="FILE", required=True, help="the script to write, e.g. circle.py")

    onnx = commands.add_parser(
        "export-onnx", help="write a trained network as ONNX, checked against onnxruntime",
        description="Read a run's folder (what `train --out DIR` wrote: spec.json, summary.json, "
                    "model.safetensors), rebuild its network with the trained weights and write it as ONNX "
                    "(model.onnx in that folder unless --out says otherwise), then run it with onnxruntime on "
                    "the test split and compare with torch. Needs the optional extra: pip install '.[onnx]'.")
    onnx.add_argument("--run", metavar="DIR", required=True, help="a folder `train --out` wrote")
    onnx.add_argument("--out", metavar="FILE", help="the ONNX file to write (default: DIR/model.onnx)")

    board = commands.add_parser(
        "export-tensorboard", help="write a run's records as TensorBoard event files",
        description="Read a run's folder (what `train --out DIR` wrote: metrics.csv, layers.csv, "
                    "histograms.csv) and write its scalars and weight histograms as TensorBoard event files "
                    "(DIR/tensorboard unless --out says otherwise); then `tensorboard --logdir DIR/tensorboard`. "
                    "Needs the optional extra: pip install '.[tensorboard]'.")
    board.add_argument("--run", metavar="DIR", required=True, help="a folder `train --out` wrote")
    board.add_argument("--out", metavar="LOGDIR", help="the folder to write the events to (default: DIR/tensorboard)")


def run(args: argparse.Namespace) -> int:
    if args.command == "export-onnx":
        return cmd_export_onnx(args)
    if args.command == "export-tensorboard":
        return cmd_export_tensorboard(args)
    return cmd_export_script(args)


def _run_folder(path: str, names: tuple[str, ...], require_extra) -> Path:
    """A folder `train --out` wrote, holding `names`, for a command whose optional extra
    `require_extra()` checks; SpecError naming --run if the extra is missing or it is not one."""
    try:
        require_extra()
    except RuntimeError as e:  # the message says how to install the extra
        raise SpecError(str(e), "--run") from None
    folder = Path(path)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise SpecError(f"{path!r} has no {', '.join(missing)}; give a folder `train --out DIR` wrote", "--run")
    return folder


def cmd_export_script(args: argparse.Namespace) -> int:
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


def cmd_export_onnx(args: argparse.Namespace) -> int:
    import torch
    from safetensors.torch import load_file

    from ..data.datasets import load_dataset
    from ..export.onnx_export import onnxruntime_outputs, require_onnx, to_onnx
    from ..families import build_model

    folder = _run_folder(args.run, ("spec.json", "summary.json", "model.safetensors"), require_onnx)
    spec = load_spec_file(str(folder / "spec.json"))
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    network = build_model(spec.model, tuple(summary["input_shape"]), summary["n_outputs"], spec.train.seed,
                          summary["task"])
    state = load_file(folder / "model.safetensors")
    try:
        network.module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise SpecError(f"model.safetensors does not fit the network spec.json builds: {e}", "--run") from None
    x_test = torch.as_tensor(load_dataset(spec.data).x_test)  # (N, F): what the trainer feeds the module
    try:
        model = to_onnx(network.module, x_test[:2])
    except Exception as e:  # noqa: BLE001 - the exporter raises many kinds; say which network and why
        print(f"error: torch could not export this {spec.model.family} network to ONNX: {type(e).__name__}: {e}",
              file=sys.stderr)
        return EXIT_FAILED
    out = Path(args.out) if args.out else folder / "model.onnx"
    out.write_bytes(model)
    with torch.no_grad():
        want = network.module.eval()(x_test).numpy()
    difference = float(abs(onnxruntime_outputs(model, x_test.numpy()) - want).max())
    print(f"wrote {out}; onnxruntime matches torch on the {len(x_test)} test examples within {difference:.2g}")
    if difference > ONNX_TOLERANCE:
        print(f"error: onnxruntime's outputs differ from torch's by {difference:.3g} (more than {ONNX_TOLERANCE:g})",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_export_tensorboard(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..export.tensorboard_export import require_tensorboard, write_events

    folder = _run_folder(args.run, ("metrics.csv", "layers.csv", "histograms.csv"), require_tensorboard)
    logdir = Path(args.out) if args.out else folder / "tensorboard"
    if logdir.exists() and not logdir.is_dir():
        raise SpecError(f"{str(logdir)!r} exists and is not a folder", "--out")
    write_events(logdir, *(pd.read_csv(folder / name) for name in ("metrics.csv", "layers.csv", "histograms.csv")))
    print(f"wrote TensorBoard events to {logdir}: tensorboard --logdir {logdir}")
    return EXIT_OK
