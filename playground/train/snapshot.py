"""Snapshot: a plain copy of everything the UI or a report shows about a run, at one moment.

Taken under the trainer's lock and detached from it (numpy arrays and DataFrames that
nothing else mutates), so charts can be drawn from it on any thread while training goes on.
A snapshot is assembled from three parts: the run's facts (fixed for the run), its progress
(step, edges, visuals) and its telemetry records; a worker process sends each part only when
it changed (train/remote.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.datasets import Dataset
from ..families.network import NonDenseLayer
from .telemetry import LAYER_STAT_NAMES, Record
from .trainer import Trainer, Visuals

STATUSES = ("ready", "running", "paused", "done", "diverged", "failed")


@dataclass
class Snapshot:
    status: str  # one of STATUSES
    message: str  # why it is paused/done/diverged/failed, or ""
    step: int
    epoch: float
    total_steps: int
    steps_per_epoch: int
    examples_per_sec: float
    device: str
    task: str  # "binary" | "multiclass" | "regression"
    metric: str  # "acc" | "r2": history has train_<metric> and test_<metric>
    loss_name: str
    optimizer: str
    parameter_count: int
    layer_labels: list[str]  # the probe's parameter groups (MLP: dense layers "hidden 1", ..., "output")
    dense_labels: list[str]  # the network diagram's columns after the inputs ("hidden 1", ..., "output")
    widths: list[int]  # nodes per column of the network diagram (inputs, then each dense layer)
    activations: list[str]  # per dense layer
    history: pd.DataFrame  # step, epoch, lr, train_loss, test_loss, train_<m>, test_<m>, the system's
    #                        extra scalars by name (a GAN's two losses), examples_per_sec
    layers: pd.DataFrame  # long form: step, layer, grad_norm, grad_mean_abs, update_ratio, weight_norm
    hist_steps: np.ndarray  # (T,) steps of the histogram rows
    weight_edges: list[np.ndarray]  # per layer (parameter group), (bins + 1,)
    weight_counts: list[np.ndarray]  # per layer, (T, bins)
    bias_edges: list[np.ndarray]
    bias_counts: list[np.ndarray]  # per layer, (T, bins); all zero for a layer without biases
    visuals: Visuals | None
    dataset: Dataset  # immutable; shared, not copied
    non_dense_layers: list[NonDenseLayer] = field(default_factory=list)  # dropout / norms, frozen records
    queue_place: int = 0  # while "running": 0 if training, else its place in the server's queue (server_share)

    @property
    def latest(self) -> dict:
        return self.history.iloc[-1].to_dict() if len(self.history) else {}


@dataclass(frozen=True)
class RunFacts:
    """What a snapshot says of a run that stays the same from its first step to its last."""

    total_steps: int
    steps_per_epoch: int
    device: str
    task: str
    metric: str
    loss_name: str
    parameter_count: int
    layer_labels: list[str]
    dense_labels: list[str]
    widths: list[int]
    activations: list[str]
    extra_names: tuple[str, ...]
    dataset: Dataset
    non_dense_layers: list[NonDenseLayer]


@dataclass(frozen=True)
class Progress:
    """What a snapshot says of a run that changes as it trains, besides its records."""

    step: int
    epoch: float
    optimizer: str
    weight_edges: list[np.ndarray]
    bias_edges: list[np.ndarray]
    visuals: Visuals | None


def run_facts(trainer: Trainer) -> RunFacts:
    return RunFacts(
        total_steps=trainer.total_steps, steps_per_epoch=trainer.steps_per_epoch, device=_device_text(trainer),
        task=trainer.head.task, metric=trainer.head.metric_name, loss_name=trainer.head.loss_name,
        parameter_count=trainer.network.parameter_count(), layer_labels=list(trainer.probe.labels),
        dense_labels=list(trainer.network.dense_labels), widths=trainer.network.widths,
        activations=list(trainer.network.activations), extra_names=tuple(trainer.system.extra_names),
        dataset=trainer.dataset, non_dense_layers=list(trainer.network.non_dense),
    )


def progress_and_records(trainer: Trainer) -> tuple[Progress, list[Record]]:
    """Taken together under the trainer's lock. The edges are copied: a histogram's range grows
    in place."""
    with trainer.lock:
        records = list(trainer.history.records)
        progress = Progress(
            step=trainer.step, epoch=trainer.epoch, optimizer=trainer.optimizer_choice.name,
            weight_edges=[h.edges.copy() for h in trainer.probe.weight_histograms],
            bias_edges=[h.edges.copy() for h in trainer.probe.bias_histograms], visuals=trainer.visuals,
        )
    return progress, records


def take_snapshot(trainer: Trainer, status: str, message: str, queue_place: int = 0) -> Snapshot:
    progress, records = progress_and_records(trainer)
    return assemble_snapshot(run_facts(trainer), progress, records, status, message, queue_place)


def assemble_snapshot(facts: RunFacts, progress: Progress, records: list[Record], status: str, message: str,
                      queue_place: int = 0) -> Snapshot:
    """The Snapshot of a run from its parts, wherever they were taken (this process, or a worker's:
    train/remote.py). `records` are not changed; the snapshot holds copies of their numbers."""
    metric = facts.metric
    history = pd.DataFrame({
        "step": [r.step for r in records],
        "epoch": [r.epoch for r in records],
        "lr": [r.lr for r in records],
        "train_loss": [r.train_loss for r in records],
        "test_loss": [r.test_loss for r in records],
        f"train_{metric}": [r.train_metric for r in records],
        f"test_{metric}": [r.test_metric for r in records],
        **{name: [r.scalars.get(name, np.nan) for r in records] for name in facts.extra_names},
        "examples_per_sec": [r.examples_per_sec for r in records],
    })
    labels = facts.layer_labels
    stats = np.stack([r.layer_stats for r in records])  # (T, L, 4)
    layers = pd.DataFrame({
        "step": np.repeat(history["step"].to_numpy(), len(labels)),
        "layer": np.tile(labels, len(records)),
        **{name: stats[:, :, i].ravel() for i, name in enumerate(LAYER_STAT_NAMES)},
    })
    weight_counts = [np.stack([r.weight_hist[i] for r in records]) for i in range(len(labels))]
    bias_counts = [np.stack([r.bias_hist[i] for r in records]) for i in range(len(labels))]
    # Each record's speed covers one epoch or so and jumps about; the status shows a median.
    recent = [r.examples_per_sec for r in records[-8:] if r.examples_per_sec > 0]
    speed = float(np.median(recent)) if recent else 0.0
    return Snapshot(
        status=status, message=message, step=progress.step, epoch=progress.epoch,
        total_steps=facts.total_steps, steps_per_epoch=facts.steps_per_epoch,
        examples_per_sec=speed, device=facts.device, task=facts.task, metric=metric,
        loss_name=facts.loss_name, optimizer=progress.optimizer,
        parameter_count=facts.parameter_count, layer_labels=list(labels),
        dense_labels=list(facts.dense_labels), widths=list(facts.widths),
        activations=list(facts.activations),
        history=history, layers=layers, hist_steps=history["step"].to_numpy(),
        weight_edges=progress.weight_edges, weight_counts=weight_counts,
        bias_edges=progress.bias_edges, bias_counts=bias_counts,
        visuals=progress.visuals, dataset=facts.dataset, non_dense_layers=list(facts.non_dense_layers),
        queue_place=queue_place,
    )


def _device_text(trainer: Trainer) -> str:
    from ..core.devices import describe_device

    return describe_device(trainer.device)
