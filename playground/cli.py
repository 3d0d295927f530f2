"""Headless runs: python -m playground {presets, spec, train, compare, paths}.

    presets                                       list the named presets
    spec  [--preset NAME | --spec FILE] [--set k=v ...]
                                                  print the resolved spec as JSON
    train (--preset NAME | --spec FILE) [--set k=v ...] [--epochs N] [--device D]
          [--out DIR] [--quiet]                   train and write the run's files to DIR
    compare, paths                                the optimizer lab (see cli_lab.py)

Exit codes: 0 done (early stopping included), 2 invalid spec or arguments (the message
names the field), 3 training diverged (the files recorded so far are still written),
1 training failed with an unexpected error, 130 interrupted with Ctrl-C (files written
in both cases too).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from . import cli_lab, untrusted
from .params import SpecError
from .presets import PRESETS, get_preset
from .spec import Spec

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# The CLI keeps every record (the UI thins old ones to stay fast); past this many the
# history thins as in the UI, to bound memory on very long runs.
MAX_CLI_RECORDS = 100_000

FILES = ("spec.json", "metrics.csv", "layers.csv", "histograms.csv", "model.safetensors", "model.pt",
         "summary.json")


# --------------------------------------------------------------------------- arguments

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description="Neural-network playground, headless: list presets, resolve specs, train and save runs.",
        epilog="Exit codes: 0 done, 1 failed, 2 invalid spec or arguments, 3 training diverged.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("presets", help="list the named presets", description="List the named presets.")

    def add_spec_options(p: argparse.ArgumentParser, required: bool) -> None:
        source = p.add_mutually_exclusive_group(required=required)
        source.add_argument("--preset", metavar="NAME", help="start from a named preset (see `presets`)")
        source.add_argument("--spec", metavar="FILE", help="start from a spec JSON file (as `spec` prints)")
        p.add_argument("--set", dest="sets", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                       help="override a setting by its dotted key, e.g. train.optimizer.lr=0.1 "
                            "(repeatable; `spec` shows every key)")

    spec = commands.add_parser("spec", help="print the resolved spec as JSON",
                               description="Print the full resolved spec as JSON (the default spec if no "
                                           "preset or file is given).")
    add_spec_options(spec, required=False)

    train = commands.add_parser("train", help="train a spec and write its metrics, telemetry and weights",
                                description="Train a preset or a spec file and write spec.json, metrics.csv, "
                                            "layers.csv, histograms.csv, model.safetensors, model.pt and "
                                            "summary.json to the output folder.")
    add_spec_options(train, required=True)
    train.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    train.add_argument("--device", metavar="D", help="shorthand for --set train.device=D (auto, cpu, cuda, mps)")
    train.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>-<timestamp>)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    cli_lab.add_commands(commands, add_spec_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # usage errors exit 2 here, as argparse does
    try:
        if args.command == "presets":
            return cmd_presets()
        if args.command == "spec":
            return cmd_spec(args)
        if args.command in cli_lab.COMMANDS:
            return cli_lab.run(args)
        return cmd_train(args)
    except SpecError as e:
        _print_errors(e)
        return EXIT_INVALID


def _print_errors(error: SpecError) -> None:
    for field, message in error.errors:
        print(f"error: {field}: {message}" if field else f"error: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- spec resolution

def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """["a.b=1", "c.d=x=y"] -> {"a.b": "1", "c.d": "x=y"}; later settings win."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"{item!r} is not KEY=VALUE; write e.g. --set train.optimizer.lr=0.1", "--set")
        pairs[key.strip()] = value
    return pairs


def load_spec_file(path: str) -> Spec:
    file = Path(path)
    if not file.is_file():
        raise SpecError(f"no such file {path!r}" if not file.exists() else f"{path!r} is not a file", "--spec")
    if file.stat().st_size > untrusted.MAX_JSON_CHARS * 4:  # refused before it is read into memory
        raise SpecError(f"{path!r} is {file.stat().st_size:,} bytes; a spec file is a few kB", "--spec")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read {path!r}: {e}", "--spec") from None
    try:
        return Spec.from_json(text)
    except SpecError as e:  # name the file for whole-file problems (bad JSON, not an object)
        raise SpecError([(f or f"--spec {path}", m) for f, m in e.errors]) from None


def resolve_spec(args: argparse.Namespace) -> Spec:
    """Preset or file (or the default spec), then --set overrides, then --epochs/--device."""
    if args.preset is not None:
        base = get_preset(args.preset)
    elif args.spec is not None:
        base = load_spec_file(args.spec)
    else:
        base = Spec()
    pairs = parse_sets(args.sets)
    if getattr(args, "epochs", None) is not None:
        pairs["train.epochs"] = args.epochs
    if getattr(args, "device", None) is not None:
        pairs["train.device"] = args.device
    return Spec.from_flat(pairs, base=base) if pairs else base


# --------------------------------------------------------------------------- presets, spec

def cmd_presets() -> int:
    width = max(len(name) for name in PRESETS)
    for preset in PRESETS.values():
        print(f"{preset.name:<{width}}  {preset.description}")
    return EXIT_OK


def cmd_spec(args: argparse.Namespace) -> int:
    print(resolve_spec(args).to_json())
    return EXIT_OK


# --------------------------------------------------------------------------- train

def _run_name(args: argparse.Namespace) -> str:
    return args.preset if args.preset is not None else Path(args.spec).stem


def _output_dir(args: argparse.Namespace) -> Path:
    if args.out:
        out = Path(args.out)
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{_run_name(args)}-{stamp}"
        n = 1
        while out.exists():  # two runs in the same second
            n += 1
            out = Path("runs") / f"{_run_name(args)}-{stamp}-{n}"
    if out.exists() and not out.is_dir():
        raise SpecError(f"{str(out)!r} exists and is not a folder", "--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SpecError(f"cannot create {str(out)!r}: {e.strerror or e}", "--out") from None
    return out


def cmd_train(args: argparse.Namespace) -> int:
    # Imported here: `presets` and `spec` need no data, model or training code.
    from .trainer import Diverged, Trainer

    spec = resolve_spec(args)
    started = time.perf_counter()
    # Files keep every record of the run (up to MAX_CLI_RECORDS) rather than thinning old ones.
    # SpecError here for data, loss/task, device and model-size problems.
    trainer = Trainer(spec, history_points=MAX_CLI_RECORDS)
    out = _output_dir(args)

    progress = Progress(sys.stderr, enabled=not args.quiet)
    status, message, code = "done", "", EXIT_OK
    train_started = time.perf_counter()
    try:
        while not trainer.finished:
            trainer.run(trainer.total_steps, deadline=time.perf_counter() + progress.interval)
            progress.update(trainer, train_started)
        message = trainer.stop_reason or "Finished all epochs."
    except Diverged as e:
        status, message, code = "diverged", str(e), EXIT_DIVERGED
    except KeyboardInterrupt:
        status, message, code = "interrupted", f"Interrupted at step {trainer.step}.", EXIT_INTERRUPTED
    except Exception as e:  # noqa: BLE001 - as in the runner: a failure is a status, and the files are kept
        status, code = "failed", EXIT_FAILED
        message = f"Training failed at step {trainer.step}: {type(e).__name__}: {e}"
    train_seconds = time.perf_counter() - train_started
    progress.close(trainer, train_started)

    summary = write_run(trainer, out, status, message, train_seconds, time.perf_counter() - started)
    if status in ("diverged", "failed"):
        print(f"error: {message}", file=sys.stderr)
    elif status == "interrupted":
        print(message, file=sys.stderr)
    print(_final_line(summary))
    print(f"wrote {', '.join(FILES)} to {out}")
    return code


def _final_line(summary: dict) -> str:
    """'done: step 2500, epoch 100; train loss ..., test acc ...; 1.1 s on cpu'."""
    final, metric = summary["final"], summary["metric"]
    parts = [f"{summary['status']}: step {summary['steps']}, epoch {round(summary['epochs'], 2):g}"]
    if final:
        at = "" if final["step"] == summary["steps"] else f" (last recorded at step {final['step']})"
        parts.append(f"train loss {_fmt(final['train_loss'])}, test loss {_fmt(final['test_loss'])}, "
                     f"train {metric} {_fmt(final[f'train_{metric}'])}, test {metric} "
                     f"{_fmt(final[f'test_{metric}'])}{at}")
    parts.append(f"{summary['train_seconds']:.1f} s on {summary['device']}")
    return "; ".join(parts)


def _fmt(value) -> str:
    return "nan" if value is None else f"{value:.4g}"


class Progress:
    """A one-line progress bar on stderr: carriage returns on a terminal, a line per 10% otherwise."""

    WIDTH = 24

    def __init__(self, stream: TextIO, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.interval = 0.1 if self.tty else 0.5  # seconds of training between updates
        self._last_tenth = -1
        self._last_step = -1
        self._width = 0

    def update(self, trainer, started: float, final: bool = False) -> None:
        if not self.enabled:
            return
        line = self._line(trainer, started)
        if self.tty:
            pad = max(0, self._width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self._width = len(line)
        else:
            tenth = int(10 * trainer.step / max(1, trainer.total_steps))
            if (tenth == self._last_tenth and not final) or trainer.step == self._last_step:
                return
            self._last_tenth, self._last_step = tenth, trainer.step
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self, trainer, started: float) -> None:
        if not self.enabled:
            return
        self.update(trainer, started, final=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, trainer, started: float) -> str:
        fraction = trainer.step / max(1, trainer.total_steps)
        filled = int(round(fraction * self.WIDTH))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        elapsed = time.perf_counter() - started
        speed = trainer.step * trainer.batch_size / elapsed if elapsed > 0 else 0.0
        last = trainer.history.records[-1]
        metric = trainer.head.metric_name
        epochs = trainer.total_steps / trainer.steps_per_epoch
        return (f"[{bar}] {100 * fraction:3.0f}% step {trainer.step}/{trainer.total_steps} "
                f"epoch {trainer.epoch:.1f}/{epochs:g} loss {last.train_loss:.4f}/{last.test_loss:.4f} "
                f"{metric} {last.train_metric:.3f}/{last.test_metric:.3f} {speed:,.0f} ex/s")


# --------------------------------------------------------------------------- files

def write_run(trainer, out: Path, status: str, message: str, train_seconds: float, wall_seconds: float) -> dict:
    """Write every file of a run to `out`; returns the summary dict."""
    import torch
    from safetensors.torch import save_file

    from .families import data_inputs
    from .snapshot import take_snapshot

    snap = take_snapshot(trainer, status, message)
    (out / "spec.json").write_text(trainer.spec.to_json() + "\n", encoding="utf-8")

    metrics = snap.history.drop(columns=["examples_per_sec"])  # timing would make runs differ
    metrics.to_csv(out / "metrics.csv", index=False)
    snap.layers.to_csv(out / "layers.csv", index=False)
    histogram_frame(snap).to_csv(out / "histograms.csv", index=False)

    state = {k: v.detach().cpu().contiguous() for k, v in trainer.module.state_dict().items()}
    save_file(state, str(out / "model.safetensors"))
    torch.save(state, out / "model.pt")

    metric = snap.metric
    final = _row(metrics, len(metrics) - 1)
    losses = metrics["test_loss"].to_numpy()
    best = _row(metrics, int(np.nanargmin(losses))) if np.isfinite(losses).any() else None
    summary = {
        "status": status,
        "message": message,
        "steps": trainer.step,
        "total_steps": trainer.total_steps,
        "epochs": round(trainer.epoch, 6),
        "steps_per_epoch": trainer.steps_per_epoch,
        "train_seconds": round(train_seconds, 3),
        "wall_seconds": round(wall_seconds, 3),
        "examples_per_sec": round(trainer.step * trainer.batch_size / train_seconds, 1) if train_seconds > 0 else 0.0,
        "device": snap.device,
        "task": snap.task,
        "loss": snap.loss_name,
        "metric": metric,
        "final": final,
        "best_test_loss": best,
        "dataset": trainer.dataset.name,
        "n_inputs": trainer.dataset.n_inputs,
        # One example's shape as the model takes it ((C, H, W) for a CNN): with spec.json,
        # families.build_model(spec.model, input_shape, n_outputs, seed) rebuilds the module.
        "input_shape": list(data_inputs(trainer.spec.model, trainer.dataset)),
        "n_outputs": trainer.head.n_outputs,
        "parameter_count": snap.parameter_count,
        "layers": snap.layer_labels,
        "files": list(FILES),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _row(frame: pd.DataFrame, i: int) -> dict:
    """Row i of the metrics as plain JSON values ({} when there are no rows)."""
    if i < 0:
        return {}
    row = {k: _number(v) for k, v in frame.iloc[i].items()}
    row["step"] = int(frame["step"].iloc[i])
    return row


def _number(value):
    """numpy scalars -> plain Python; NaN/inf -> None (JSON has no NaN)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def histogram_frame(snap) -> pd.DataFrame:
    """Long form: step, layer, param (weight|bias), bin_left, bin_right, count; every bin of every row."""
    frames = []
    steps = snap.hist_steps
    for label, w_edges, w_counts, b_edges, b_counts in zip(snap.layer_labels, snap.weight_edges,
                                                           snap.weight_counts, snap.bias_edges, snap.bias_counts):
        for param, edges, counts in (("weight", w_edges, w_counts), ("bias", b_edges, b_counts)):
            n_rows, bins = counts.shape  # (T, bins)
            frames.append(pd.DataFrame({
                "step": np.repeat(steps, bins),
                "layer": label,
                "param": param,
                "bin_left": np.tile(edges[:-1], n_rows),
                "bin_right": np.tile(edges[1:], n_rows),
                "count": np.rint(counts).astype(np.int64).ravel(),
            }))
    columns = ["step", "layer", "param", "bin_left", "bin_right", "count"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
