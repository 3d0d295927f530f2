"""The `presets`, `spec` and `train` commands: list the presets, print a resolved spec, and train
one spec, writing its files (FILES) to the output folder."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TextIO

import numpy as np
import pandas as pd

from ..core.presets import PRESETS
from .common import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    MAX_CLI_RECORDS,
    JobOutput,
    add_backend_option,
    add_spec_options,
    resolve_spec,
    run_job,
)

FILES = ("spec.json", "metrics.csv", "layers.csv", "histograms.csv", "model.safetensors", "model.pt",
         "summary.json")
SAMPLES = "samples.txt"  # also written for a model of text: samples of what it writes (families/rnn/sampling.py)


def add_commands(commands) -> None:
    """presets, spec and train, on the CLI's subparsers."""
    commands.add_parser("presets", help="list the named presets", description="List the named presets.")
    spec = commands.add_parser("spec", help="print the resolved spec as JSON",
                               description="Print the full resolved spec as JSON (the default spec if no "
                                           "preset or file is given).")
    add_spec_options(spec, required=False)

    train = commands.add_parser("train", help="train a spec and write its metrics, telemetry and weights",
                                description="Train a preset or a spec file and write spec.json, metrics.csv, "
                                            "layers.csv, histograms.csv, model.safetensors, model.pt and "
                                            "summary.json to the output folder (and samples.txt, generated "
                                            "text at temperatures 0.5 and 1, for a recurrent network on text).")
    add_spec_options(train, required=True)
    train.add_argument("--epochs", type=int, metavar="N", help="shorthand for --set train.epochs=N")
    train.add_argument("--device", metavar="D", help="shorthand for --set train.device=D (auto, cpu, cuda, mps)")
    train.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>-<timestamp>)")
    add_backend_option(train, "where it trains: here (thread), in a worker process (process) or on a Ray cluster "
                              "(ray); the same numbers and files either way")
    train.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.command == "presets":
        return cmd_presets()
    if args.command == "spec":
        return cmd_spec(args)
    return cmd_train(args)


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

def cmd_train(args: argparse.Namespace) -> int:
    spec = resolve_spec(args)
    naming = SimpleNamespace(out=args.out, preset=args.preset, spec=args.spec)
    summary, status, message, code, out = run_job(args, TrainingJob, spec, args.quiet, naming=naming)
    if status in ("diverged", "failed"):
        print(f"error: {message}", file=sys.stderr)
    elif status == "interrupted":
        print(message, file=sys.stderr)
    print(_final_line(summary))
    print(f"wrote {', '.join(summary['files'])} to {out}")
    return code


class TrainingJob:
    """One `train`: build, train to the end (a progress bar on stderr), write the files. Runs here,
    or in a worker process or Ray actor (`--backend`), which sends the files back (naming None)."""

    def __init__(self, spec, quiet: bool, naming: SimpleNamespace | None):
        self.spec, self.quiet, self.naming = spec, quiet, naming

    def run(self) -> tuple[dict, str, str, int, str | dict[str, bytes]]:
        """(summary, status, message, exit code, the output folder, or the files' bytes by name)."""
        # Imported here: `presets` and `spec` need no data, model or training code.
        from ..train.trainer import Diverged, Trainer

        started = time.perf_counter()
        # Files keep every record of the run (up to MAX_CLI_RECORDS) rather than thinning old ones.
        # SpecError here for data, loss/task, device and model-size problems.
        trainer = Trainer(self.spec, history_points=MAX_CLI_RECORDS)
        with JobOutput(self.naming, run_files(trainer)) as output:
            out = output.folder
            progress = Progress(sys.stderr, enabled=not self.quiet)
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
            where = output.result()
        return summary, status, message, code, where


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

def text_views(trainer):
    """What a network trained on text shows of itself, a frozen copy that writes samples
    (families/rnn/sampling.py's TextViews), or None for any other run."""
    from ..families.rnn.views import RecurrentViews

    family = trainer.compute_visuals().family
    return family.text if isinstance(family, RecurrentViews) else None


def run_files(trainer) -> tuple[str, ...]:
    """The files a run of `trainer` writes: FILES, and SAMPLES for a network that writes text."""
    return (*FILES, SAMPLES) if text_views(trainer) is not None else FILES


def write_run(trainer, out: Path, status: str, message: str, train_seconds: float, wall_seconds: float) -> dict:
    """Write every file of a run to `out`; returns the summary dict."""
    import torch

    from ..export import files
    from ..families import data_inputs
    from ..train.snapshot import take_snapshot

    snap = take_snapshot(trainer, status, message)
    (out / "spec.json").write_bytes(files.spec_json(trainer.spec))
    views = text_views(trainer)
    written = (*FILES, SAMPLES) if views is not None else FILES
    if views is not None:
        from ..families.rnn.sampling import samples_report

        (out / SAMPLES).write_text(samples_report(views), encoding="utf-8")
    (out / "metrics.csv").write_bytes(files.metrics_csv(snap))
    (out / "layers.csv").write_bytes(files.layers_csv(snap))
    histogram_frame(snap).to_csv(out / "histograms.csv", index=False)

    state = {k: v.detach().cpu().contiguous() for k, v in trainer.system.state_dict().items()}  # every network
    (out / "model.safetensors").write_bytes(files.weights_safetensors(state))
    torch.save(state, out / "model.pt")
    metrics = snap.history.drop(columns=["examples_per_sec"])  # timing would make runs differ

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
        "files": list(written),
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
