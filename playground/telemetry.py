"""What we measure inside training: per-layer gradient and update statistics, weight
histograms over bins that stay fixed (and only ever double in range), and a bounded,
thinned history of records.

Everything is computed on the training device and copied to the host in one transfer per
record, so telemetry costs a handful of kernel launches, not a sync per number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

LAYER_STAT_NAMES = ("grad_norm", "grad_mean_abs", "update_ratio", "weight_norm")


def dense_layer_stats(layers: list[nn.Linear], weights_before: list[torch.Tensor] | None) -> torch.Tensor:
    """(L, 4) on the device: ‖∇W‖₂, mean |∇W|, ‖ΔW‖/‖W‖ over the last update, ‖W‖₂.

    Statistics are of the weight matrices (biases left out, as is usual for these plots).
    Missing gradients (before the first step) and updates give NaN.
    """
    rows = []
    nan = None
    for i, layer in enumerate(layers):
        w = layer.weight.detach()
        g = layer.weight.grad
        if nan is None:
            nan = torch.tensor(float("nan"), device=w.device)
        w_norm = torch.linalg.vector_norm(w)
        if g is None:
            g_norm = g_mean = nan
        else:
            g_norm, g_mean = torch.linalg.vector_norm(g), g.abs().mean()
        if weights_before is None:
            ratio = nan
        else:
            ratio = torch.linalg.vector_norm(w - weights_before[i]) / w_norm.clamp_min(1e-12)
        rows.append(torch.stack([g_norm, g_mean, ratio, w_norm]))
    return torch.stack(rows)


class GrowingHistogram:
    """Histogram counts of one tensor over time, on bins that stay put.

    Bins are `bins` equal cells over [-limit, limit]. When a value falls outside, the
    range doubles (as often as needed) and every stored row is re-binned exactly: with a
    bin count divisible by 4 each new cell is two old cells, and the old range lands in
    the middle half. Values are never clamped, so each row sums to the tensor's size.
    """

    def __init__(self, bins: int, initial_values: torch.Tensor):
        self.bins = max(4, 4 * math.ceil(bins / 4))
        biggest = float(initial_values.detach().abs().max()) if initial_values.numel() else 0.0
        self.limit = _nice_ceiling(max(0.25, 1.25 * biggest))
        self._pending_doublings = 0

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(-self.limit, self.limit, self.bins + 1)

    def grow_to(self, biggest: float) -> None:
        """Double the range until it covers |values| <= biggest; `rebin` then fixes old rows."""
        while biggest > self.limit:
            self.limit *= 2
            self._pending_doublings += 1

    def counts(self, values: torch.Tensor) -> torch.Tensor:
        """(bins,) counts on the device, over the current range (call grow_to first)."""
        return torch.histc(values.detach().float(), bins=self.bins, min=-self.limit, max=self.limit)

    @property
    def needs_rebin(self) -> bool:
        return self._pending_doublings > 0

    def rebin(self, rows: list[np.ndarray]) -> None:
        """Apply the range doublings since the last call to earlier rows, in place."""
        for _ in range(self._pending_doublings):
            quarter = self.bins // 4
            for row in rows:
                merged = row.reshape(-1, 2).sum(axis=1)  # (bins/2,) pairs of old cells
                row[:] = 0
                row[quarter:quarter + self.bins // 2] = merged
        self._pending_doublings = 0


def _nice_ceiling(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 x 10^k that is >= x, so axis ticks read cleanly."""
    exponent = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exponent >= x * (1 - 1e-6):  # float32 0.2 * 1.25 is a hair above 0.25
            return m * 10**exponent
    return 10 ** (exponent + 1)


@dataclass
class Record:
    """One row of telemetry, taken every `telemetry.every_steps` updates."""

    step: int
    epoch: float
    lr: float
    train_loss: float
    test_loss: float
    train_metric: float
    test_metric: float
    examples_per_sec: float
    layer_stats: np.ndarray  # (L, 4): LAYER_STAT_NAMES per dense layer
    weight_hist: list[np.ndarray] = field(default_factory=list)  # per dense layer, (bins,)
    bias_hist: list[np.ndarray] = field(default_factory=list)


class BoundedHistory:
    """Records in step order, at most `capacity` of them however long a run goes.

    When full, the older half is thinned to every second record, so recent steps stay
    dense and the whole run stays visible with a resolution that halves with age.
    The first record (step 0) is always kept.
    """

    def __init__(self, capacity: int):
        self.capacity = max(4, capacity)
        self.records: list[Record] = []

    def append(self, record: Record) -> None:
        self.records.append(record)
        if len(self.records) > self.capacity:
            half = len(self.records) // 2
            older, newer = self.records[:half], self.records[half:]
            self.records = older[::2] + newer

    def __len__(self) -> int:
        return len(self.records)
