"""The runs a page has trained: each one's spec, how far it got and its curves, kept as the next
run replaces it, so that runs can be compared (the Curves tab overlays earlier runs' test loss and
lists what differed). Bounded: the last KEEP runs, each curve thinned to MAX_POINTS.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import pandas as pd

from ..core.spec import Spec
from .snapshot import Snapshot

KEEP = 10  # runs remembered
MAX_POINTS = 300  # per run's curve
_CURVE = ("step", "epoch", "train_loss", "test_loss")


@dataclass(frozen=True)
class RunRecord:
    number: int  # 1, 2, ... in the order the runs were trained
    spec: Spec
    status: str  # where it stopped: "done", "diverged", "paused", ...
    step: int
    curve: pd.DataFrame  # step, epoch, train_loss, test_loss, train_<metric>, test_<metric>
    metric: str  # "acc" | "r2"

    def final(self, column: str) -> float:
        return float(self.curve[column].iloc[-1]) if len(self.curve) else float("nan")


class RunHistory:
    """The last KEEP runs, oldest first."""

    def __init__(self) -> None:
        self.runs: deque[RunRecord] = deque(maxlen=KEEP)
        self._count = 0

    def keep(self, spec: Spec, snap: Snapshot) -> RunRecord | None:
        """Remember the run `snap` shows, trained from `spec`, unless it took no step or is the run
        remembered last: a run kept as it ended, then reset (or given another learning rate, which
        applies without a reset), is kept once, with the spec it ended with."""
        if snap.step == 0 or not len(snap.history):
            return None
        last = self.runs[-1] if self.runs else None
        if last is not None and last.step == snap.step \
                and last.final("test_loss") == snap.history["test_loss"].iloc[-1]:
            return None
        columns = [c for c in (*_CURVE, f"train_{snap.metric}", f"test_{snap.metric}") if c in snap.history]
        curve = snap.history[columns]
        if len(curve) > MAX_POINTS:
            curve = curve.iloc[:: -(-len(curve) // MAX_POINTS)]
        self._count += 1
        record = RunRecord(self._count, spec, snap.status, snap.step, curve.reset_index(drop=True), snap.metric)
        self.runs.append(record)
        return record


def differences(old: Spec, new: Spec, limit: int = 4) -> str:
    """What `old` sets differently from `new`, in its own values: 'train.optimizer.lr 0.1, layers
    8-8' (at most `limit` settings, then '+2 more'); '' when they are the same."""
    a, b = old.to_flat(), new.to_flat()
    changed = [k for k in a if not k.startswith("model.layers") and a.get(k) != b.get(k)]
    parts = [f"{k} {a[k]}" for k in changed]
    if old.model.layers != new.model.layers:
        parts.append("layers " + "-".join(str(c.params.get("units", c.params.get("hidden", c.name)))
                                          for c in old.model.layers))
    shown = parts[:limit]
    return ", ".join(shown) + (f", +{len(parts) - limit} more" if len(parts) > limit else "")
