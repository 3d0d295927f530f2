"""The optimizer lab's charts: race curves, paths on 2-D test functions (still and animated),
loss landscapes. Pure functions of a RaceSnapshot, a paths DataFrame or a Landscape.

Every optimizer keeps one colour everywhere: OPTIMIZER_COLORS[contestant.color] in a race,
and for a paths DataFrame the order in which labels first appear.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .curves import MAX_POINTS, downsample
from .style import GUIDE, OPTIMIZER_COLORS, base_layout, message_figure

# A light sequential scale for loss surfaces, so the optimizer colours drawn on top stay readable.
SURFACE_SCALE = [[0.0, "#ffffff"], [0.35, "#dde5ea"], [1.0, "#6f8592"]]
LOG_FLOOR = 1e-12  # log-scale curves draw smaller values (exact zeros) at this height
MARK = "#263238"  # start, minima and centre markers

METRIC_TITLES = {"train_loss": "Train loss", "test_loss": "Test loss", "train_acc": "Train accuracy (%)",
                 "test_acc": "Test accuracy (%)", "train_r2": "Train R²", "test_r2": "Test R²",
                 "grad_norm": "Gradient norm (all weights)"}


def _legend_below(fig: go.Figure, height: int, extra: int = 0) -> go.Figure:
    """Legend in rows under the x axis: lab charts have long labels and up to 8 of them,
    which on top would run into the title."""
    bottom = 120 + extra
    plot_height = max(120, height - 44 - bottom)
    fig.update_layout(margin=dict(b=bottom), legend=dict(orientation="h", x=0.0, xanchor="left",
                                                          y=-62 / plot_height, yanchor="top"))
    return fig


def optimizer_color(index: int) -> str:
    return OPTIMIZER_COLORS[int(index) % len(OPTIMIZER_COLORS)]


def _label_colors(labels) -> dict[str, str]:
    """Colours by order of first appearance (a paths DataFrame has no colour column)."""
    return {label: optimizer_color(i) for i, label in enumerate(pd.unique(pd.Series(labels)))}


# --------------------------------------------------------------------------- race curves

def race_curves_figure(snap, metric: str = "test_loss", log_y: bool = False, height: int = 380,
                       max_points: int = MAX_POINTS) -> go.Figure:
    """One curve per contestant of `metric` against the step: train_loss, test_loss, train_acc,
    test_acc (or *_r2, *_metric: the task's own), grad_norm. A diverged contestant ends in an
    x at its divergence step, drawn at its last recorded value."""
    if metric.endswith("_metric") or metric.endswith("_acc") or metric.endswith("_r2"):
        metric = f"{metric.split('_')[0]}_{snap.metric}"
    if metric not in METRIC_TITLES:
        raise ValueError(f"unknown metric {metric!r}; one of train_loss, test_loss, train_acc, test_acc, grad_norm")
    percent = metric.endswith("_acc")
    scale = 100.0 if percent else 1.0
    fig = go.Figure()
    for c in snap.contestants:
        history = downsample(c.history, max_points)
        color = optimizer_color(c.color)
        y = history[metric].to_numpy(dtype=float) * scale
        fig.add_trace(go.Scatter(
            x=history["step"].to_numpy(), y=y, name=c.label, mode="lines", legendgroup=c.label,
            line=dict(color=color, width=2.5),
            hovertemplate=f"{c.label}<br>step %{{x}}<br>{METRIC_TITLES[metric]} %{{y:.4g}}<extra></extra>",
        ))
        if c.status == "diverged":
            values = c.history[metric].to_numpy(dtype=float) * scale
            finite = values[np.isfinite(values)]
            at = finite[-1] if finite.size else (np.nan if log_y else 0.0)
            fig.add_trace(go.Scatter(
                x=[c.diverged_step], y=[at], mode="markers", name=f"{c.label} diverged", legendgroup=c.label,
                showlegend=False, marker=dict(symbol="x", size=13, color=color, line=dict(width=1, color=color)),
                hovertemplate=f"{c.label} diverged at step %{{x}}<extra></extra>",
            ))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    title = METRIC_TITLES[metric]
    fig.update_yaxes(title_text=title if metric != "grad_norm" else "‖∇W‖", type="log" if log_y else "linear")
    if percent and not log_y:
        fig.update_yaxes(range=[0, 101])
    return _legend_below(base_layout(fig, title, height, uirevision=f"race-{metric}-{log_y}"), height)


# --------------------------------------------------------------------------- paths on test functions

def _shown_values(z: np.ndarray, log: bool) -> tuple[np.ndarray, dict]:
    """What the colours encode (log10 f for functions with a huge range) and a colorbar whose
    ticks read in f itself."""
    colorbar = dict(thickness=12, outlinewidth=0, len=0.75, title=dict(text="f", side="top"))
    if not log:
        return z, colorbar
    shown = np.log10(np.maximum(z, 0.0) + 1e-3)
    decades = np.arange(math.floor(np.nanmin(shown)), math.ceil(np.nanmax(shown)) + 1)
    colorbar.update(tickvals=decades, ticktext=[f"{10.0 ** d:g}" for d in decades])
    return shown, colorbar


def _function_contour(function, resolution: int = 160) -> go.Contour:
    xs, ys, z = function.grid(resolution)
    shown, colorbar = _shown_values(z, function.log_scale)
    return go.Contour(x=xs, y=ys, z=shown, colorscale=SURFACE_SCALE, ncontours=28, showscale=True,
                      contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="#90a4ae"),
                      colorbar=colorbar, hoverinfo="skip", name=function.label)


def _png_data_uri(rgb: np.ndarray) -> str:
    """(H, W, 3) uint8 -> 'data:image/png;base64,...' (zlib only; no imaging library)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[row].tobytes() for row in range(h))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _scale_rgb(t: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> (..., 3) uint8 along SURFACE_SCALE."""
    stops = np.array([s for s, _ in SURFACE_SCALE])
    colors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in SURFACE_SCALE], dtype=float)
    return np.stack([np.interp(t, stops, colors[:, k]) for k in range(3)], axis=-1).round().astype(np.uint8)


def _function_backdrop(function, resolution: int, bands: int = 28) -> tuple[dict, go.Scatter]:
    """The function as a banded layout image (like filled contours) plus an invisible scatter
    carrying the colorbar. Contour and heatmap traces vanish while plotly.js plays frames
    (plotly.js #4491, plotly.py #2151); a layout image is not a trace and stays put."""
    xs, ys, z = function.grid(resolution)
    shown, colorbar = _shown_values(z, function.log_scale)
    low, high = float(np.nanmin(shown)), float(np.nanmax(shown))
    t = np.floor((shown - low) / max(high - low, 1e-12) * bands).clip(0, bands - 1) / (bands - 1)
    image = _png_data_uri(_scale_rgb(t)[::-1])  # image rows run top (y max) to bottom
    (x0, x1), (y0, y1) = function.domain
    layout_image = dict(source=image, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                        sizing="stretch", layer="below")
    scale_carrier = go.Scatter(
        x=[x0, x0], y=[y0, y0], mode="markers", showlegend=False, hoverinfo="skip", name=function.label,
        marker=dict(size=0.1, opacity=0, color=[low, high], colorscale=SURFACE_SCALE, showscale=True,
                    colorbar=colorbar))
    return layout_image, scale_carrier


def _landmark_traces(function, start: tuple[float, float]) -> list[go.Scatter]:
    traces = []
    if function.minima:
        mx, my = zip(*function.minima)
        traces.append(go.Scatter(x=mx, y=my, mode="markers", name="minimum",
                                 marker=dict(symbol="star", size=16, color="#ffd54f", line=dict(width=1.2, color=MARK)),
                                 hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>"))
    if function.saddles:
        sx, sy = zip(*function.saddles)
        traces.append(go.Scatter(x=sx, y=sy, mode="markers", name="saddle point",
                                 marker=dict(symbol="diamond", size=13, color="#ffd54f", line=dict(width=1.2, color=MARK)),
                                 hovertemplate="saddle point (%{x:.4g}, %{y:.4g})<extra></extra>"))
    traces.append(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                             marker=dict(symbol="circle", size=12, color="white", line=dict(width=2, color=MARK)),
                             hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>"))
    return traces


def _path_trace(label: str, color: str, path: pd.DataFrame, max_points: int) -> go.Scatter:
    path = downsample(path, max_points)
    return go.Scatter(
        x=path["x"].to_numpy(), y=path["y"].to_numpy(), mode="lines+markers", name=label, legendgroup=label,
        line=dict(color=color, width=2.2), marker=dict(size=3, color=color),
        customdata=np.stack([path["step"].to_numpy(), path["loss"].to_numpy()], axis=1),
        hovertemplate=f"{label}<br>step %{{customdata[0]}}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata[1]:.4g}}"
                      "<extra></extra>",
    )


def _head_trace(label: str, color: str, path: pd.DataFrame) -> go.Scatter:
    """The path's current point: a dot, or an x where the path diverged."""
    last = path.iloc[-1:] if len(path) else path
    diverged = bool(len(last) and last["diverged"].iloc[0])
    return go.Scatter(
        x=last["x"].to_numpy(), y=last["y"].to_numpy(), mode="markers", name=f"{label} now", legendgroup=label,
        showlegend=False, marker=dict(symbol="x" if diverged else "circle", size=12 if diverged else 10, color=color,
                                      line=dict(width=1.5, color="white" if not diverged else color)),
        hovertemplate=f"{label}{' diverged' if diverged else ''}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    )


def _paths_start(function, paths: pd.DataFrame) -> tuple[float, float]:
    first = paths[paths["step"] == 0]
    if len(first):
        return float(first["x"].iloc[0]), float(first["y"].iloc[0])
    return function.start


def _frame_axes(fig: go.Figure, function) -> None:
    (x0, x1), (y0, y1) = function.domain
    fig.update_xaxes(title_text="x", range=[x0, x1], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(title_text="y", range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1,
                     constrain="domain")


def paths_figure(function, paths: pd.DataFrame, step: int | None = None, height: int = 580,
                 max_points: int = 1200, resolution: int = 160) -> go.Figure:
    """The function's contours with each optimizer's path up to `step` (default: all of it);
    minima as stars, a saddle point as a diamond, the start as a white dot. Paths keep up to
    `max_points` points each: thinning an oscillating path draws zig-zags as long jumps."""
    colors = _label_colors(paths["optimizer"])
    shown = paths if step is None else paths[paths["step"] <= step]
    fig = go.Figure(_function_contour(function, resolution))
    for trace in _landmark_traces(function, _paths_start(function, paths)):
        fig.add_trace(trace)
    for label, color in colors.items():
        path = shown[shown["optimizer"] == label]
        fig.add_trace(_path_trace(label, color, path, max_points))
        if len(path):
            fig.add_trace(_head_trace(label, color, path))
    _frame_axes(fig, function)
    fig = base_layout(fig, f"{function.label}: {function.formula}", height, uirevision=f"paths-{function.name}")
    return _legend_below(fig, height)


def paths_loss_figure(paths: pd.DataFrame, log_y: bool | None = None, height: int = 360,
                      max_points: int = MAX_POINTS) -> go.Figure:
    """f along each path against the step. log_y None: log scale unless some value is negative
    (a saddle); on a log scale values below 1e-12 (exact zeros) are drawn at 1e-12."""
    if not len(paths):
        return message_figure("No paths yet.", "Loss along the paths", height)
    loss = paths["loss"].to_numpy(dtype=float)
    if log_y is None:
        log_y = bool(np.nanmin(loss) >= 0)
    fig = go.Figure()
    for label, color in _label_colors(paths["optimizer"]).items():
        path = downsample(paths[paths["optimizer"] == label], max_points)
        y = path["loss"].to_numpy(dtype=float)
        fig.add_trace(go.Scatter(
            x=path["step"].to_numpy(), y=np.maximum(y, LOG_FLOOR) if log_y else y, customdata=y, name=label,
            mode="lines", line=dict(color=color, width=2.2),
            hovertemplate=f"{label}<br>step %{{x}}<br>f = %{{customdata:.4g}}<extra></extra>",
        ))
        if len(path) and bool(path["diverged"].iloc[-1]):
            fig.add_trace(go.Scatter(
                x=path["step"].to_numpy()[-1:], y=(np.maximum(y, LOG_FLOOR) if log_y else y)[-1:], mode="markers",
                showlegend=False, marker=dict(symbol="x", size=12, color=color),
                hovertemplate=f"{label} diverged after step %{{x}}<extra></extra>"))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    fig.update_yaxes(title_text="f(x, y)", type="log" if log_y else "linear", exponentformat="power")
    return _legend_below(base_layout(fig, "Loss along the paths", height, uirevision=f"paths-loss-{log_y}"), height)


ANIMATION_CONTROLS = 118  # px the Play/Pause row and the slider add under the plot


def paths_animation_figure(function, paths: pd.DataFrame, frames: int = 60, height: int = 600,
                           points_per_path: int = 150, resolution: int = 120) -> go.Figure:
    """paths_figure as an animation: `frames` evenly spaced steps, a Play button and a slider.
    The contours are drawn once; a frame carries only the new x and y of each path and its head.

    Under the x axis, from the top: Play/Pause, the slider across the whole width, the legend.
    Stacked rather than side by side, they cannot overlap however narrow the chart is. The figure
    is ANIMATION_CONTROLS px taller than `height`, so its plot is as big as paths_figure's."""
    colors = _label_colors(paths["optimizer"])
    last_step = int(paths["step"].max()) if len(paths) else 0
    steps = np.unique(np.linspace(0, last_step, max(2, frames)).round().astype(int))
    arrays = {}  # label -> (steps, x, y, diverged) as numpy, for cheap prefixes
    for label in colors:
        path = paths[paths["optimizer"] == label]
        arrays[label] = tuple(path[c].to_numpy() for c in ("step", "x", "y", "diverged"))

    backdrop, scale_carrier = _function_backdrop(function, resolution)
    fig = go.Figure(scale_carrier)
    fig.add_layout_image(backdrop)
    for trace in _landmark_traces(function, _paths_start(function, paths)):
        fig.add_trace(trace)
    first_moving = len(fig.data)
    for label, color in colors.items():
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=label, legendgroup=label,
                                 line=dict(color=color, width=2.2), marker=dict(size=3, color=color),
                                 hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        fig.add_trace(go.Scatter(x=[], y=[], mode="markers", legendgroup=label, showlegend=False,
                                 marker=dict(size=11, color=color, line=dict(width=1.5, color="white")),
                                 hovertemplate=f"{label} at step %{{customdata}}<br>(%{{x:.4g}}, %{{y:.4g}})"
                                               "<extra></extra>"))
    moving = list(range(first_moving, len(fig.data)))

    def frame_data(step: int) -> list[dict]:
        data = []
        for steps_, xs, ys, diverged in arrays.values():
            n = int(np.searchsorted(steps_, step, side="right"))  # rows with step <= this one
            keep = np.unique(np.linspace(0, n - 1, min(n, points_per_path)).round().astype(int)) if n else []
            head = slice(n - 1, n) if n else slice(0, 0)
            data.append(dict(type="scatter", x=xs[keep], y=ys[keep]))
            data.append(dict(type="scatter", x=xs[head], y=ys[head], customdata=steps_[head],
                             marker=dict(symbol="x" if n and diverged[n - 1] else "circle")))
        return data

    frame_list = [go.Frame(data=frame_data(int(s)), traces=moving, name=str(int(s))) for s in steps]
    for trace, values in zip(fig.data[first_moving:], frame_list[0].data):  # start at the first frame
        trace.update(values)
    fig.frames = frame_list
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    play = dict(frame=dict(duration=80, redraw=False), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    _frame_axes(fig, function)
    total = height + ANIMATION_CONTROLS
    fig = base_layout(fig, f"{function.label}: {function.formula}", total, uirevision=f"paths-anim-{function.name}")
    fig = _legend_below(fig, total, extra=ANIMATION_CONTROLS)
    plot_height = max(120, total - 44 - (120 + ANIMATION_CONTROLS))  # as _legend_below works it out
    below = lambda px: -px / plot_height  # noqa: E731  (paper y of a point `px` under the plot)
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, xanchor="left", y=below(52), yanchor="top",
                          showactive=False, pad=dict(r=8, t=0, l=0, b=0),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], still])])],
        # The step being shown reads at the right, clear of the buttons above the rail's left end.
        sliders=[dict(active=0, x=0.0, len=1.0, y=below(86), yanchor="top", pad=dict(t=0, b=0, l=0, r=0),
                      currentvalue=dict(prefix="step ", xanchor="right", font=dict(size=13)),
                      steps=[dict(label=str(int(s)), method="animate", args=[[str(int(s))], still]) for s in steps])],
        legend=dict(y=below(62 + ANIMATION_CONTROLS)),
    )
    return fig


# --------------------------------------------------------------------------- loss landscapes

def landscape_line_figure(line: pd.DataFrame, log_y: bool = False, show_test: bool = True,
                          height: int = 380) -> go.Figure:
    """Loss along the straight line from the shared start (alpha 0) to each contestant's
    weights now (alpha 1); test loss dashed."""
    if not len(line):
        return message_figure("Nothing to draw yet.", "Loss from the start to now", height)
    fig = go.Figure()
    for label, part in line.groupby("optimizer", sort=False):
        color = optimizer_color(part["color"].iloc[0])
        splits = [("train_loss", "solid", 2.5)] + ([("test_loss", "dash", 1.6)] if show_test else [])
        for column, dash, width in splits:
            split = column.split("_")[0]
            fig.add_trace(go.Scatter(
                x=part["alpha"].to_numpy(), y=part[column].to_numpy(dtype=float), mode="lines",
                name=label if split == "train" else f"{label} (test)", legendgroup=label,
                showlegend=split == "train", line=dict(color=color, dash=dash, width=width),
                hovertemplate=f"{label}<br>α = %{{x:.3g}}<br>{split} loss %{{y:.4g}}<extra></extra>",
            ))
    for alpha, text in ((0.0, "start"), (1.0, "now")):
        fig.add_vline(x=alpha, line=dict(color=GUIDE, dash="dot", width=1.2),
                      annotation=dict(text=text, font=dict(size=12, color="#607d8b")),
                      annotation_position="top right")
    fig.update_xaxes(title_text="α  (θ = θ₀ + α·(θ_now − θ₀))")
    fig.update_yaxes(title_text="loss" + ("  (test dashed)" if show_test else ""), type="log" if log_y else "linear")
    return _legend_below(base_layout(fig, "Loss from the start to now", height,
                                     uirevision=f"landscape-line-{log_y}"), height)


def landscape_surface_figure(landscape, log_z: bool = True, height: int = 580) -> go.Figure:
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
    fig = go.Figure(go.Contour(
        x=landscape.alphas, y=landscape.betas, z=shown, colorscale=SURFACE_SCALE, ncontours=24,
        contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="#90a4ae"),
        colorbar=colorbar, customdata=z, hovertemplate="(%{x:.3g}, %{y:.3g})<br>loss %{customdata:.4g}<extra></extra>",
        name="loss"))
    for label, path in landscape.paths.groupby("optimizer", sort=False):
        color = optimizer_color(path["color"].iloc[0])
        shown_path = downsample(path, MAX_POINTS)
        fig.add_trace(go.Scatter(
            x=shown_path["a"].to_numpy(), y=shown_path["b"].to_numpy(), mode="lines+markers", name=label,
            legendgroup=label, line=dict(color=color, width=2.2), marker=dict(size=4, color=color),
            customdata=shown_path["step"].to_numpy(),
            hovertemplate=f"{label}<br>step %{{customdata}}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>"))
        ends = path.iloc[[0, -1]]
        fig.add_trace(go.Scatter(
            x=ends["a"].to_numpy(), y=ends["b"].to_numpy(), mode="markers", legendgroup=label, showlegend=False,
            marker=dict(symbol=["circle-open", "circle"], size=[9, 10], color=color, line=dict(width=2, color=color)),
            customdata=ends["step"].to_numpy(),
            hovertemplate=f"{label}<br>step %{{customdata}}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[0.0], y=[0.0], mode="markers", name=f"centre: {landscape.center_label}",
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
    return _legend_below(fig, height)
