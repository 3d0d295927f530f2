"""Optimizer race: 2..8 optimizers trained on one spec from the same start, in lock-step.

    contestants = parse_contestants("sgd,momentum,adam:lr=0.01")   # contestants.py
    race = Race(spec, contestants)          # one Trainer per contestant; only train.optimizer differs
    race.run(race.total_steps)              # every contestant takes one batch per round
    results_table(race.snapshot(), target_loss=0.3)

Fair by construction: a Trainer draws its initial weights from `train.seed` (families/mlp/model.py's
build_network seeds torch before drawing) and its batch order from its own generator seeded with
`train.seed`, so every contestant starts from bit-identical weights and sees the identical
sequence of mini-batches (tests/test_race.py checks both). Dropout masks come from each
Trainer's private copy of torch's generator, seeded with `train.seed` too (core/rng.py), so with
dropout the masks are identical as well.

Contestants of one dense network (no dropout or batch norm) train as one stacked network
(train/stacked.py): one forward and one backward pass a round serve them all, and each steps its
own optimizer; their numbers equal separate runs within float tolerance. Others step one by one.

A contestant whose loss or weights become NaN/inf is marked `diverged` (with the message and
step) and the race goes on without it. `RaceRunner` runs a Race in its own thread with the
same commands and semantics as runner.Runner.
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..core.jobs import BackgroundTraining
from ..core.server_share import ServerShare
from ..core.spec import Choice, Spec
from ..data.datasets import Dataset
from ..train.snapshot import Snapshot, take_snapshot
from ..train.stacked import StackedTrainers, why_not_stackable
from ..train.telemetry import BoundedHistory
from ..train.trainer import Diverged, Trainer, Visuals, repeat_steps
from .contestants import Contestant, check_count, unique_labels
from .landscape import LossProbe, flat_parameters

PATH_POINTS = 200  # weight snapshots kept per contestant (thinned like the history)
PATH_FLOATS = 4_000_000  # at most this many stored weights per contestant (16 MB), whatever the model size
CONTESTANT_STATUSES = ("running", "done", "diverged")

# --------------------------------------------------------------------------- the race

@dataclass
class Entry:
    """One contestant while racing: its trainer and how it is doing."""

    label: str
    optimizer: Choice
    color: int  # index into charts.style.OPTIMIZER_COLORS
    trainer: Trainer
    status: str = "running"  # one of CONTESTANT_STATUSES
    message: str = ""
    diverged_step: int | None = None
    seconds: float = 0.0  # wall time inside train_step, records included
    timed_steps: int = 0
    path: BoundedHistory = None  # (step, flat parameters on the CPU) at record steps

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / self.timed_steps if self.timed_steps else math.nan


@dataclass
class ContestantSnapshot:
    label: str
    optimizer: str  # catalog name ("sgd" for the momentum alias too)
    settings: dict[str, Any]  # the optimizer's full settings
    color: int
    status: str
    message: str
    diverged_step: int | None
    step: int
    seconds_per_step: float
    history: pd.DataFrame  # Snapshot.history columns + grad_norm (total over dense-layer weights)
    visuals: Visuals | None
    snapshot: Snapshot  # everything the single-run charts draw (surface, histograms, ...)
    parameters: torch.Tensor  # (P,) current weights, flattened, CPU copy
    buffers: dict[str, torch.Tensor]  # BatchNorm running statistics etc. (CPU copies; often empty)
    path_steps: np.ndarray  # (T,) steps of the kept weight snapshots
    path_vectors: tuple[torch.Tensor, ...]  # T vectors (P,), shared with the race (never modified)

    @property
    def grad_norm(self) -> pd.DataFrame:
        return self.history[["step", "grad_norm"]]

    @functools.cached_property
    def path(self) -> torch.Tensor:
        """(T, P) the kept weights, stacked on first use (snapshots are taken several times a
        second; the landscape needs the stack only when it is drawn)."""
        return torch.stack(self.path_vectors)


@dataclass
class RaceSnapshot:
    status: str  # ready | running | paused | done | failed
    message: str
    step: int  # the furthest contestant's step
    epoch: float
    total_steps: int
    steps_per_epoch: int
    task: str
    metric: str  # "acc" | "r2"
    loss_name: str
    device: str
    contestants: list[ContestantSnapshot]
    initial_parameters: torch.Tensor  # (P,) shared by every contestant
    probe: LossProbe  # evaluates the loss at any flat weight vector (landscape.py)
    dataset: Dataset
    spec: Spec
    queue_place: int = 0  # while "running": 0 if racing, else its place in the server's queue (server_share)

    def contestant(self, key: int | str) -> ContestantSnapshot:
        if isinstance(key, int):
            return self.contestants[key]
        for c in self.contestants:
            if c.label == key:
                return c
        raise KeyError(key)


class Race:
    """Contestants stepped in lock-step, one batch each per round, synchronously."""

    def __init__(self, spec: Spec, contestants: Sequence[Contestant], uploads=None, allow_paths: bool = True,
                 history_points: int | None = None, path_points: int = PATH_POINTS):
        check_count(contestants)
        contestants = unique_labels(contestants)
        self.spec = spec
        entries: list[Entry] = []
        dataset = None
        for i, c in enumerate(contestants):
            own = spec.with_overrides(**{"train.optimizer": c.optimizer.to_dict()})
            trainer = Trainer(own, dataset=dataset, uploads=uploads, allow_paths=allow_paths,
                              history_points=history_points)
            dataset = trainer.dataset  # loaded once, shared (datasets are immutable)
            entries.append(Entry(c.label, c.optimizer, i, trainer))
        self.entries = entries
        # Contestants of one dense network train as one stacked network (train/stacked.py):
        # one forward and backward pass a round for all of them; others step one by one.
        trainers = [e.trainer for e in entries]
        self.stacked = StackedTrainers(trainers) if not why_not_stackable(trainers) else None
        first = entries[0].trainer
        self.probe = LossProbe.from_trainer(first)
        self.initial_parameters = flat_parameters(first.module)
        n_params = self.initial_parameters.numel()
        capacity = max(4, min(path_points, PATH_FLOATS // max(1, n_params)))
        for e in entries:
            e.path = BoundedHistory(capacity)
            e.path.append((0, flat_parameters(e.trainer.module)))
        self.lock = threading.Lock()  # guards statuses and weight paths against a reading thread

    # ------------------------------------------------------------------ facts

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.entries]

    @property
    def trainers(self) -> list[Trainer]:
        return [e.trainer for e in self.entries]

    @property
    def step(self) -> int:
        return max(e.trainer.step for e in self.entries)

    @property
    def total_steps(self) -> int:
        return self.entries[0].trainer.total_steps

    @property
    def steps_per_epoch(self) -> int:
        return self.entries[0].trainer.steps_per_epoch

    @property
    def finished(self) -> bool:
        return all(e.status != "running" for e in self.entries)

    def summary(self) -> str:
        """'3 finished, 1 diverged (sgd lr=10).' and the like."""
        done = [e for e in self.entries if e.status == "done"]
        diverged = [e.label for e in self.entries if e.status == "diverged"]
        parts = []
        if done:
            parts.append(f"{len(done)} finished")
        if diverged:
            parts.append(f"{len(diverged)} diverged ({', '.join(diverged)})")
        running = len(self.entries) - len(done) - len(diverged)
        if running:
            parts.append(f"{running} running")
        return ", ".join(parts) + "."

    # ------------------------------------------------------------------ stepping

    def step_all(self) -> int:
        """One round: every running contestant takes one batch. Returns how many stepped."""
        running = [i for i, e in enumerate(self.entries) if e.status == "running"]
        if not running:
            return 0
        if self.stacked is not None:
            started = time.perf_counter()
            diverged = self.stacked.step(running)
            share = (time.perf_counter() - started) / len(running)  # a stacked round's time, shared
            for i in running:
                self._after_step(self.entries[i], diverged.get(i), share)
            return len(running)
        for i in running:
            e = self.entries[i]
            started = time.perf_counter()
            try:
                e.trainer.train_step()
                err = None
            except Diverged as caught:
                err = caught
            self._after_step(e, err, time.perf_counter() - started)
        return len(running)

    def _after_step(self, e: Entry, diverged: Diverged | None, seconds: float) -> None:
        """A contestant's bookkeeping after its step: time, status, the weights kept for paths."""
        trainer = e.trainer
        if diverged is not None:
            with self.lock:
                e.status, e.message, e.diverged_step = "diverged", str(diverged), diverged.step
        e.seconds += seconds
        e.timed_steps += 1
        if e.status == "running" and trainer.finished:
            with self.lock:
                e.status, e.message = "done", trainer.stop_reason or "Finished all epochs."
        if e.status != "diverged" and trainer.history.records[-1].step == trainer.step:
            self._keep_weights(e)

    def run(self, max_rounds: int, deadline: float = math.inf, keep_going=None, record_last: bool = False) -> int:
        """Up to `max_rounds` rounds, until time.perf_counter() passes `deadline`, or until
        `keep_going()` (checked after every round) is false. Returns rounds taken.
        record_last: every contestant ends with a record of where its last step led."""
        for e in self.entries:
            e.trainer.module.train()
            e.trainer.watch(record_last)
        try:
            taken = repeat_steps(self.step_all, lambda: self.finished, max_rounds, deadline, keep_going)
        finally:
            for e in self.entries:
                e.trainer.watch(False)
        if record_last and taken:
            for e in self.entries:
                if e.status != "diverged":
                    self._record_if_new(e)
        return taken

    def _record_if_new(self, entry: Entry) -> None:
        try:
            if entry.trainer.record_if_new() is not None:
                self._keep_weights(entry)
        except Diverged as err:  # NaN weights surface in the record: the contestant diverged
            with self.lock:
                entry.status, entry.message, entry.diverged_step = "diverged", str(err), err.step

    def _keep_weights(self, entry: Entry) -> None:
        vector = flat_parameters(entry.trainer.module)
        if not torch.isfinite(vector).all():
            return
        with self.lock:
            entry.path.append((entry.trainer.step, vector))

    def compute_visuals(self, only_stale: bool = True) -> None:
        """Decision surfaces etc. for each contestant whose pictures are older than its step."""
        for e in self.entries:
            visuals = e.trainer.visuals
            if only_stale and visuals is not None and visuals.step == e.trainer.step:
                continue
            try:
                e.trainer.compute_visuals()
            except Exception:  # noqa: BLE001 - NaN weights may not draw; the status says why
                pass

    # ------------------------------------------------------------------ reading

    def snapshot(self, status: str | None = None, message: str | None = None, queue_place: int = 0) -> RaceSnapshot:
        """Plain copies of everything the lab page draws (safe to take from another thread)."""
        if status is None:
            status = "done" if self.finished else ("ready" if self.step == 0 else "paused")
        if message is None:
            message = self.summary() if self.finished else ""
        contestants = [self._contestant_snapshot(e) for e in self.entries]
        first = self.entries[0].trainer
        step = max(c.step for c in contestants)
        return RaceSnapshot(
            status=status, message=message, step=step, epoch=step / first.steps_per_epoch,
            total_steps=first.total_steps, steps_per_epoch=first.steps_per_epoch, task=first.head.task,
            metric=first.head.metric_name, loss_name=first.head.loss_name,
            device=contestants[0].snapshot.device, contestants=contestants,
            initial_parameters=self.initial_parameters, probe=self.probe, dataset=first.dataset, spec=self.spec,
            queue_place=queue_place,
        )

    def _contestant_snapshot(self, e: Entry) -> ContestantSnapshot:
        with self.lock:
            status, message, diverged_step = e.status, e.message, e.diverged_step
            path = list(e.path.records)
        snap = take_snapshot(e.trainer, status, message)
        history = snap.history.copy()
        n_layers = len(snap.layer_labels)
        grad = snap.layers["grad_norm"].to_numpy(dtype=float).reshape(len(history), n_layers)  # (T, L)
        history["grad_norm"] = np.sqrt((grad ** 2).sum(axis=1))  # NaN before the first update
        module = e.trainer.module
        return ContestantSnapshot(
            label=e.label, optimizer=e.optimizer.name, settings=dict(e.optimizer.params), color=e.color,
            status=status, message=message, diverged_step=diverged_step, step=snap.step,
            seconds_per_step=e.seconds_per_step, history=history, visuals=snap.visuals, snapshot=snap,
            parameters=flat_parameters(module),
            buffers={k: v.detach().cpu().clone() for k, v in module.named_buffers()},
            path_steps=np.array([s for s, _ in path], dtype=np.int64),
            path_vectors=tuple(v for _, v in path),
        )


# --------------------------------------------------------------------------- results

def results_table(race: Race | RaceSnapshot, target_loss: float | None = None,
                  target: str = "train_loss") -> pd.DataFrame:
    """One row per contestant: final and best train/test loss and metric, steps to reach
    `target_loss` on the `target` curve (first recorded step at or below it; NaN if never or
    no target), milliseconds per step (NaN before the first), status. Numbers come from the
    recorded histories.

    A contestant's status is its own once it has finished or diverged; until then it is the
    race's (ready before the first step, running, paused, failed), so the table never says
    "running" of a race that is not."""
    snap = race.snapshot() if isinstance(race, Race) else race
    m = snap.metric
    rows = []
    for c in snap.contestants:
        h = c.history
        last = h.iloc[-1]
        row: dict[str, Any] = {
            "optimizer": c.label, "name": c.optimizer, "settings": json.dumps(c.settings, sort_keys=True),
            "status": snap.status if c.status == "running" else c.status, "steps": c.step,
            "final_train_loss": float(last["train_loss"]), "best_train_loss": _nanmin(h["train_loss"]),
            "final_test_loss": float(last["test_loss"]), "best_test_loss": _nanmin(h["test_loss"]),
            f"final_train_{m}": float(last[f"train_{m}"]), f"best_train_{m}": _nanmax(h[f"train_{m}"]),
            f"final_test_{m}": float(last[f"test_{m}"]), f"best_test_{m}": _nanmax(h[f"test_{m}"]),
            "steps_to_target": math.nan,
            "ms_per_step": 1e3 * c.seconds_per_step,
            "diverged_step": math.nan if c.diverged_step is None else c.diverged_step,
        }
        if target_loss is not None:
            reached = h["step"][h[target].to_numpy(dtype=float) <= target_loss]
            row["steps_to_target"] = float(reached.iloc[0]) if len(reached) else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs.update(target_loss=target_loss, target=target, metric=m)
    return table


def _nanmin(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    return float(np.nanmin(v)) if np.isfinite(v).any() else math.nan


def _nanmax(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    return float(np.nanmax(v)) if np.isfinite(v).any() else math.nan


# --------------------------------------------------------------------------- the thread

class RaceRunner(BackgroundTraining):
    """A Race in its own thread; commands and semantics as train/runner.py's Runner (core/jobs.py).

    Statuses: ready, running, paused, done (every contestant finished or diverged), failed.
    Per-contestant statuses (running, done, diverged) are in the snapshot. A step is one
    round: every running contestant takes one batch.
    """

    thread_name = "playground-race"

    def __init__(self, spec: Spec, contestants: Sequence[Contestant], uploads=None, visual_interval: float = 0.2,
                 share: ServerShare | None = None):
        self._uploads = uploads
        super().__init__(self._build(spec, contestants, uploads), visual_interval, share)  # SpecError here

    @staticmethod
    def _build(spec: Spec, contestants: Sequence[Contestant], uploads) -> Race:
        race = Race(spec, contestants, uploads=uploads, allow_paths=False)
        race.compute_visuals(only_stale=False)
        return race

    @property
    def race(self) -> Race:
        """The current race (read-only use; it is trained on the runner's thread)."""
        return self._job

    @property
    def spec(self) -> Spec:
        return self._job.spec

    @property
    def contestants(self) -> list[Contestant]:
        return [Contestant(e.label, e.optimizer) for e in self._job.entries]

    @property
    def steps_per_epoch(self) -> int:
        return self._job.steps_per_epoch

    def reset(self, spec: Spec | None = None, contestants: Sequence[Contestant] | None = None,
              uploads=None) -> None:
        """Start over from step 0 (new spec and/or contestants if given). Raises SpecError for
        bad input, leaving the current race as it was."""
        uploads = self._uploads if uploads is None else uploads
        self._replace_job(self._build(spec or self._job.spec, contestants or self.contestants, uploads))
        self._uploads = uploads

    def snapshot(self) -> RaceSnapshot:
        race, status, message, place = self._current()
        return race.snapshot(status, message, place)

    def results_table(self, target_loss: float | None = None, target: str = "train_loss") -> pd.DataFrame:
        return results_table(self.snapshot(), target_loss, target)

    def _finished_message(self, race: Race) -> str:
        return race.summary()
