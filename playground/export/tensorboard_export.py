"""A run's files as TensorBoard event files: the optional extra `pip install '.[tensorboard]'`.

    write_events(logdir, metrics, layers, histograms)
        metrics     metrics.csv's frame: step, epoch, lr, train_/test_ loss and score, ...
        layers      layers.csv's: step, layer, grad_norm, grad_mean_abs, update_ratio, weight_norm
        histograms  histograms.csv's: step, layer, param, bin_left, bin_right, count

Scalars go under "loss/train", "loss/test", "acc/test" (or "r2/..."), "lr", "epoch" and
"<stat>/<layer>"; the weight and bias histograms under "weights/<layer>" and "biases/<layer>",
with the playground's own bins (add_histogram_raw), so TensorBoard draws what the page drew.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

INSTALL_HINT = "TensorBoard files need the optional extra: pip install '.[tensorboard]'"
LAYER_STATS = ("grad_norm", "grad_mean_abs", "update_ratio", "weight_norm")
PLURAL = {"weight": "weights", "bias": "biases"}


def require_tensorboard() -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None


def scalar_tag(column: str) -> str:
    """"train_loss" -> "loss/train", "test_acc" -> "acc/test"; others as they are ("lr")."""
    split, _, name = column.partition("_")
    return f"{name}/{split}" if split in ("train", "test") and name else column


def write_events(logdir: Path, metrics: pd.DataFrame, layers: pd.DataFrame, histograms: pd.DataFrame) -> None:
    require_tensorboard()
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(log_dir=str(logdir)) as writer:
        for column in metrics.columns.drop("step"):
            for step, value in zip(metrics["step"], metrics[column]):
                if np.isfinite(value):  # NaN: not measured (a record before any update)
                    writer.add_scalar(scalar_tag(column), float(value), int(step))
        for row in layers.itertuples(index=False):
            for stat in LAYER_STATS:
                value = getattr(row, stat)
                if np.isfinite(value):
                    writer.add_scalar(f"{stat}/{row.layer}", float(value), int(row.step))
        for (step, layer, param), bins in histograms.groupby(["step", "layer", "param"], sort=True):
            counts = bins["count"].to_numpy(np.float64)
            if counts.sum() == 0:  # a layer without biases
                continue
            centres = (bins["bin_left"].to_numpy() + bins["bin_right"].to_numpy()) / 2  # sums from the bins
            filled = np.flatnonzero(counts)
            writer.add_histogram_raw(
                f"{PLURAL[param]}/{layer}", min=float(bins["bin_left"].iloc[filled[0]]),
                max=float(bins["bin_right"].iloc[filled[-1]]), num=int(counts.sum()),
                sum=float((counts * centres).sum()), sum_squares=float((counts * centres ** 2).sum()),
                bucket_limits=bins["bin_right"].tolist(), bucket_counts=counts.tolist(), global_step=int(step))
