"""Training curves over steps: loss, accuracy or R², learning rate (snapshot.history -> Figure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .figure import Figure, trace
from .style import SPLIT_COLORS, SPLIT_DASH, TRAIN, base_layout, curve_style, layer_colors, legend_under, log_axis

MAX_POINTS = 400  # per trace: a browser redraws a few charts several times a second


def downsample(df: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """At most `max_points` rows, evenly spread, always keeping the first and the last row.

    Works on any row order the caller chose (history is in step order). A cheap stride, not
    an average: every drawn point is a real measurement, hover values stay honest.
    """
    n = len(df)
    return df if n <= max_points else df.iloc[thin_index(n, max_points)]


def thin_index(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """The rows downsample keeps of n: at most max_points, evenly spread, first and last included."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max(2, max_points)).round().astype(int))


def _split_traces(fig: Figure, history: pd.DataFrame, column: str, label: str, scale: float = 1.0,
                  fmt: str = ".4g", unit: str = "") -> list[np.ndarray]:
    """One line per split (train solid, test dashed); hover shows step, epoch and value.
    A short history also draws its points: at step 0 there is one record and no line.
    Returns the y values drawn (per split)."""
    drawn = []
    for split in ("train", "test"):
        name = f"{split}_{column}"
        if name not in history:
            continue
        drawn.append(history[name].to_numpy(dtype=float) * scale)
        fig.add_trace(trace(
            "scatter", x=history["step"].to_numpy(), y=drawn[-1],
            customdata=history["epoch"].to_numpy(dtype=float),
            name=split, **curve_style(len(history)),
            line=dict(color=SPLIT_COLORS[split], dash=SPLIT_DASH[split], width=2.5),
            marker=dict(color=SPLIT_COLORS[split], size=7),
            hovertemplate=f"step %{{x}} · epoch %{{customdata:.2f}}<br>{split} {label} %{{y:{fmt}}}{unit}"
                          "<extra></extra>",
        ))
    return drawn


def loss_figure(snap, log_y: bool = False, height: int = 300, max_points: int = MAX_POINTS,
                earlier: tuple = ()) -> Figure:
    """Train and test loss against the step; `earlier`: (label, curve frame) of earlier runs, whose
    test loss is drawn under this run's as thin dotted lines, for comparison."""
    history = downsample(snap.history, max_points)
    fig = Figure()
    drawn = []
    for (label, curve), color in zip(earlier, layer_colors(max(len(earlier), 1))):
        drawn.append(curve["test_loss"].to_numpy(dtype=float))
        fig.add_trace(trace("scatter", x=curve["step"].to_numpy(), y=drawn[-1], name=label, mode="lines",
                            line=dict(color=color, dash="dot", width=1.5), opacity=0.8,
                            hovertemplate=f"{label}<br>step %{{x}} · test loss %{{y:.4g}}<extra></extra>"))
    drawn += _split_traces(fig, history, "loss", "loss")
    fig.update_xaxes(title_text="step", rangemode="tozero")
    if log_y:
        fig.update_yaxes(log_axis(np.concatenate(drawn)))
    else:
        fig.update_yaxes(type="linear", rangemode="tozero")
    fig.update_yaxes(title_text=f"loss ({snap.loss_name})")
    fig = base_layout(fig, "Loss", height, uirevision=f"loss-{log_y}")
    return legend_under(fig, 2 + len(earlier)) if earlier else fig


def metric_figure(snap, height: int = 300, max_points: int = MAX_POINTS) -> Figure:
    """Accuracy in % (classification) or R² (regression) per split, against the step."""
    history = downsample(snap.history, max_points)
    fig = Figure()
    if snap.metric == "acc":
        _split_traces(fig, history, "acc", "accuracy", scale=100.0, fmt=".1f", unit="%")
        fig.update_yaxes(title_text="accuracy (%)", range=[0, 101])
        title = "Accuracy"
    else:
        values = np.concatenate(_split_traces(fig, history, "r2", "R²", fmt=".3f"))
        finite = values[np.isfinite(values)]
        # R² starts far below 0 for an untrained model; show from -1 so the useful part is readable.
        low = max(-1.0, float(finite.min())) if finite.size else 0.0
        fig.update_yaxes(title_text="R²", range=[min(low, 0.0) - 0.02, 1.02])
        title = "R² (1 = perfect fit)"
    fig.update_xaxes(title_text="step", rangemode="tozero")
    return base_layout(fig, title, height)


def lr_figure(snap, height: int = 240, max_points: int = MAX_POINTS) -> Figure:
    """The learning rate the optimizer used at each recorded step (log scale when it spans 10x)."""
    history = downsample(snap.history, max_points)
    lr = history["lr"].to_numpy(dtype=float)
    fig = Figure(trace(
        "scatter", x=history["step"].to_numpy(), y=lr, customdata=history["epoch"].to_numpy(dtype=float),
        name="learning rate", **curve_style(len(history)), line=dict(color=TRAIN, width=2.5, shape="hv"),
        marker=dict(color=TRAIN, size=7),
        hovertemplate="step %{x} · epoch %{customdata:.2f}<br>learning rate %{y:.3g}<extra></extra>",
    ))
    positive = lr[np.isfinite(lr) & (lr > 0)]
    log_y = positive.size > 0 and positive.max() / positive.min() >= 10
    fig.update_xaxes(title_text="step", rangemode="tozero")
    if log_y:
        fig.update_yaxes(log_axis(positive))
    else:
        fig.update_yaxes(type="linear", exponentformat="none")
        if positive.size:
            fig.update_yaxes(range=[0, 1.15 * positive.max()])
    fig.update_yaxes(title_text="learning rate")
    return base_layout(fig, "Learning rate", height, legend=False)
