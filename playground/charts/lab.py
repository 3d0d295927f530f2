"""The optimizer lab's charts: race curves and loss landscapes (paths on 2-D test functions:
lab/paths.py). Pure functions of a RaceSnapshot or a Landscape.

Every optimizer keeps one colour everywhere: OPTIMIZER_COLORS[contestant.color] in a race,
and for a paths DataFrame the order in which labels first appear.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .curves import MAX_POINTS, downsample
from .figure import Figure, trace
from .style import GUIDE, OPTIMIZER_COLORS, base_layout, curve_style, log_axis, message_figure

# A light sequential scale for loss surfaces, so the optimizer colours drawn on top stay readable.
SURFACE_SCALE = [[0.0, "#ffffff"], [0.35, "#dde5ea"], [1.0, "#6f8592"]]
MARK = "#263238"  # start, minima and centre markers

METRIC_TITLES = {"train_loss": "Train loss", "test_loss": "Test loss", "train_acc": "Train accuracy (%)",
                 "test_acc": "Test accuracy (%)", "train_r2": "Train R²", "test_r2": "Test R²",
                 "grad_norm": "Gradient norm (all weights)"}


def legend_below(fig: Figure, height: int, extra: int = 0) -> Figure:
    """Legend in rows under the x axis: lab charts have long labels and up to 8 of them,
    which on top would run into the title."""
    bottom = 120 + extra
    plot_height = max(120, height - 44 - bottom)
    fig.update_layout(margin=dict(b=bottom), legend=dict(orientation="h", x=0.0, xanchor="left",
                                                          y=-62 / plot_height, yanchor="top"))
    return fig


def optimizer_color(index: int) -> str:
    return OPTIMIZER_COLORS[int(index) % len(OPTIMIZER_COLORS)]


# --------------------------------------------------------------------------- race curves

def race_curves_figure(snap, metric: str = "test_loss", log_y: bool = False, height: int = 380,
                       max_points: int = MAX_POINTS) -> Figure:
    """One curve per contestant of `metric` against the step: train_loss, test_loss, train_acc,
    test_acc (or *_r2, *_metric: the task's own), grad_norm. A diverged contestant ends in an
    x at its divergence step, drawn at its last recorded value. A log axis labels decades only."""
    if metric.endswith("_metric") or metric.endswith("_acc") or metric.endswith("_r2"):
        metric = f"{metric.split('_')[0]}_{snap.metric}"
    if metric not in METRIC_TITLES:
        raise ValueError(f"unknown metric {metric!r}; one of train_loss, test_loss, train_acc, test_acc, grad_norm")
    percent = metric.endswith("_acc")
    scale = 100.0 if percent else 1.0
    fig = Figure()
    drawn = []  # every y drawn, for a log axis's range
    for c in snap.contestants:
        history = downsample(c.history, max_points)
        color = optimizer_color(c.color)
        y = history[metric].to_numpy(dtype=float) * scale
        drawn.append(y)
        fig.add_trace(trace(
            "scatter", x=history["step"].to_numpy(), y=y, name=c.label, **curve_style(len(y)),
            legendgroup=c.label, line=dict(color=color, width=2.5), marker=dict(color=color, size=6),
            hovertemplate=f"{c.label}<br>step %{{x}}<br>{METRIC_TITLES[metric]} %{{y:.4g}}<extra></extra>",
        ))
        if c.status == "diverged":
            values = c.history[metric].to_numpy(dtype=float) * scale
            finite = values[np.isfinite(values)]
            at = finite[-1] if finite.size else (np.nan if log_y else 0.0)
            fig.add_trace(trace(
                "scatter", x=[c.diverged_step], y=[at], mode="markers", name=f"{c.label} diverged",
                legendgroup=c.label,
                showlegend=False, marker=dict(symbol="x", size=13, color=color, line=dict(width=1, color=color)),
                hovertemplate=f"{c.label} diverged at step %{{x}}<extra></extra>",
            ))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    title = METRIC_TITLES[metric]
    axis = log_axis(np.concatenate(drawn)) if log_y and drawn else dict(type="log" if log_y else "linear")
    fig.update_yaxes(axis, title_text=title if metric != "grad_norm" else "‖∇W‖")
    if percent and not log_y:
        fig.update_yaxes(range=[0, 101])
    return legend_below(base_layout(fig, title, height, uirevision=f"race-{metric}-{log_y}"), height)


# --------------------------------------------------------------------------- loss landscapes

def landscape_line_figure(line: pd.DataFrame, log_y: bool = False, show_test: bool = True,
                          height: int = 380) -> Figure:
    """Loss along the straight line from the shared start (alpha 0) to each contestant's
    weights now (alpha 1); test loss dashed."""
    if not len(line):
        return message_figure("Nothing to draw yet.", "Loss from the start to now", height)
    fig = Figure()
    drawn = []
    for label, part in line.groupby("optimizer", sort=False):
        color = optimizer_color(part["color"].iloc[0])
        splits = [("train_loss", "solid", 2.5)] + ([("test_loss", "dash", 1.6)] if show_test else [])
        for column, dash, width in splits:
            split = column.split("_")[0]
            y = part[column].to_numpy(dtype=float)
            drawn.append(y)
            fig.add_trace(trace(
                "scatter", x=part["alpha"].to_numpy(), y=y, mode="lines",
                name=label if split == "train" else f"{label} (test)", legendgroup=label,
                showlegend=split == "train", line=dict(color=color, dash=dash, width=width),
                hovertemplate=f"{label}<br>α = %{{x:.3g}}<br>{split} loss %{{y:.4g}}<extra></extra>",
            ))
    for alpha, text in ((0.0, "start"), (1.0, "now")):
        fig.add_vline(x=alpha, line=dict(color=GUIDE, dash="dot", width=1.2))
        fig.add_annotation(text=text, font=dict(size=12, color="#607d8b"), showarrow=False, x=alpha, xref="x",
                           xanchor="left", y=1, yref="y domain", yanchor="top")  # the line's top right
    fig.update_xaxes(title_text="α  (θ = θ₀ + α·(θ_now − θ₀))")
    fig.update_yaxes(log_axis(np.concatenate(drawn)) if log_y else dict(type="linear"),
                     title_text="loss" + ("  (test dashed)" if show_test else ""))
    return legend_below(base_layout(fig, "Loss from the start to now", height,
                                     uirevision=f"landscape-line-{log_y}"), height)


def landscape_surface_figure(landscape, log_z: bool = True, height: int = 580) -> Figure:
    """Contours of the loss on the 2-D slice, the centre as a star, every contestant's
    projected weight path (start as a small circle, now as a dot)."""
    z = landscape.loss
    finite = z[np.isfinite(z)]
    use_log = log_z and finite.size and finite.min() > 0
    colorbar = dict(thickness=12, outlinewidth=0, len=0.9, title=dict(text="loss", side="top"))
    if use_log:
        shown = np.log10(z)
        low, high = math.floor(np.nanmin(shown)), math.ceil(np.nanmax(shown))
        ticks = np.arange(low, high + 1)
        colorbar.update(tickvals=ticks, ticktext=[f"{10.0 ** t:g}" for t in ticks])
    else:
        shown = z
    fig = Figure(trace(
        "contour", x=landscape.alphas, y=landscape.betas, z=shown, colorscale=SURFACE_SCALE, ncontours=24,
        contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="#90a4ae"),
        colorbar=colorbar, customdata=z, hovertemplate="(%{x:.3g}, %{y:.3g})<br>loss %{customdata:.4g}<extra></extra>",
        name="loss"))
    for label, path in landscape.paths.groupby("optimizer", sort=False):
        color = optimizer_color(path["color"].iloc[0])
        shown_path = downsample(path, MAX_POINTS)
        fig.add_trace(trace(
            "scatter", x=shown_path["a"].to_numpy(), y=shown_path["b"].to_numpy(), mode="lines+markers", name=label,
            legendgroup=label, line=dict(color=color, width=2.2), marker=dict(size=4, color=color),
            customdata=shown_path["step"].to_numpy(),
            hovertemplate=f"{label}<br>step %{{customdata}}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>"))
        ends = path.iloc[[0, -1]]
        fig.add_trace(trace(
            "scatter", x=ends["a"].to_numpy(), y=ends["b"].to_numpy(), mode="markers", legendgroup=label,
            showlegend=False,
            marker=dict(symbol=["circle-open", "circle"], size=[9, 10], color=color, line=dict(width=2, color=color)),
            customdata=ends["step"].to_numpy(),
            hovertemplate=f"{label}<br>step %{{customdata}}<extra></extra>"))
    fig.add_trace(trace(
        "scatter", x=[0.0], y=[0.0], mode="markers", name=f"centre: {landscape.center_label}",
        marker=dict(symbol="star", size=15, color="#ffd54f", line=dict(width=1.2, color=MARK)),
        hovertemplate=f"{landscape.center_label} now<br>loss {landscape.center_loss:.4g}<extra></extra>"))
    names = (("direction 1", "direction 2") if landscape.directions == "random"
             else ("principal direction 1", "principal direction 2"))
    span = (float(landscape.alphas[0]), float(landscape.alphas[-1]))
    fig.update_xaxes(title_text=names[0], range=list(span), showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=names[1], range=[float(landscape.betas[0]), float(landscape.betas[-1])],
                     showgrid=False, zeroline=False)
    what = "filter-normalised random directions" if landscape.directions == "random" else "principal directions"
    fig = base_layout(fig, f"Loss around {landscape.center_label} ({what})", height,
                      uirevision=f"landscape-{landscape.directions}-{landscape.center_label}")
    return legend_below(fig, height)
