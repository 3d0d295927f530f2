"""The optimizer lab's charts: race curves, paths on 2-D test functions (still and animated),
loss landscapes. Pure functions of a RaceSnapshot, a paths DataFrame or a Landscape.

Every optimizer keeps one colour everywhere: OPTIMIZER_COLORS[contestant.color] in a race,
and for a paths DataFrame the order in which labels first appear.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .curves import MAX_POINTS, downsample
from .figure import Figure, Props, merge, trace
from .image import png_data_uri
from .style import GUIDE, OPTIMIZER_COLORS, base_layout, curve_style, log_axis, message_figure

# A light sequential scale for loss surfaces, so the optimizer colours drawn on top stay readable.
SURFACE_SCALE = [[0.0, "#ffffff"], [0.35, "#dde5ea"], [1.0, "#6f8592"]]
LOG_FLOOR = 1e-12  # log-scale curves draw smaller values (exact zeros) at this height
MARK = "#263238"  # start, minima and centre markers

METRIC_TITLES = {"train_loss": "Train loss", "test_loss": "Test loss", "train_acc": "Train accuracy (%)",
                 "test_acc": "Test accuracy (%)", "train_r2": "Train R²", "test_r2": "Test R²",
                 "grad_norm": "Gradient norm (all weights)"}


def _legend_below(fig: Figure, height: int, extra: int = 0) -> Figure:
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


def _function_contour(function, resolution: int = 160) -> Props:
    xs, ys, z = function.grid(resolution)
    shown, colorbar = _shown_values(z, function.log_scale)
    return trace("contour", x=xs, y=ys, z=shown, colorscale=SURFACE_SCALE, ncontours=28, showscale=True,
                 contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="#90a4ae"),
                 colorbar=colorbar, hoverinfo="skip", name=function.label)


def _scale_rgb(t: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> (..., 3) uint8 along SURFACE_SCALE."""
    stops = np.array([s for s, _ in SURFACE_SCALE])
    colors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in SURFACE_SCALE], dtype=float)
    return np.stack([np.interp(t, stops, colors[:, k]) for k in range(3)], axis=-1).round().astype(np.uint8)


def _function_backdrop(function, resolution: int, bands: int = 28) -> tuple[Props, Props]:
    """The function as a banded layout image (like filled contours) plus an invisible scatter
    carrying the colorbar. Contour and heatmap traces vanish while plotly.js plays frames
    (plotly.js #4491, plotly.py #2151); a layout image is not a trace and stays put."""
    xs, ys, z = function.grid(resolution)
    shown, colorbar = _shown_values(z, function.log_scale)
    low, high = float(np.nanmin(shown)), float(np.nanmax(shown))
    t = np.floor((shown - low) / max(high - low, 1e-12) * bands).clip(0, bands - 1) / (bands - 1)
    image = png_data_uri(_scale_rgb(t)[::-1])  # image rows run top (y max) to bottom
    (x0, x1), (y0, y1) = function.domain
    layout_image = dict(source=image, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                        sizing="stretch", layer="below")
    scale_carrier = trace(
        "scatter", x=[x0, x0], y=[y0, y0], mode="markers", showlegend=False, hoverinfo="skip", name=function.label,
        marker=dict(size=0.1, opacity=0, color=[low, high], colorscale=SURFACE_SCALE, showscale=True,
                    colorbar=colorbar))
    return layout_image, scale_carrier


def _landmark_traces(function, start: tuple[float, float]) -> list[Props]:
    traces = []
    if function.minima:
        mx, my = zip(*function.minima)
        traces.append(trace("scatter", x=mx, y=my, mode="markers", name="minimum",
                            marker=dict(symbol="star", size=16, color="#ffd54f", line=dict(width=1.2, color=MARK)),
                            hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>"))
    if function.saddles:
        sx, sy = zip(*function.saddles)
        traces.append(trace("scatter", x=sx, y=sy, mode="markers", name="saddle point",
                            marker=dict(symbol="diamond", size=13, color="#ffd54f", line=dict(width=1.2, color=MARK)),
                            hovertemplate="saddle point (%{x:.4g}, %{y:.4g})<extra></extra>"))
    traces.append(trace("scatter", x=[start[0]], y=[start[1]], mode="markers", name="start",
                        marker=dict(symbol="circle", size=12, color="white", line=dict(width=2, color=MARK)),
                        hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>"))
    return traces


def _clip_to_view(x: np.ndarray, y: np.ndarray, domain) -> tuple[int, tuple[float, float] | None]:
    """How many leading points of a path to draw, and where it crosses the plot's edge when it
    has left the plot for good (None while it is inside or comes back, or never was inside).

    A diverging path runs off to 1e15 and beyond; drawn whole, those points would set the axes'
    autorange (decades of tick labels) and the hover. Cut at its last point inside the plot, the
    path reaches the edge and its head marks where it left."""
    (x0, x1), (y0, y1) = domain
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)  # NaN: outside
    if not len(x) or inside[-1] or not inside.any():
        return len(x), None
    last = int(np.flatnonzero(inside)[-1])
    (ax, ay), (bx, by) = (x[last], y[last]), (x[last + 1], y[last + 1])
    t = 1.0  # fraction of the way from the last inside point to the next one where the edge is
    for a, b, lo, hi in ((ax, bx, x0, x1), (ay, by, y0, y1)):
        if b > hi:
            t = min(t, (hi - a) / (b - a))
        elif b < lo:
            t = min(t, (lo - a) / (b - a))
    return last + 1, (float(ax + t * (bx - ax)), float(ay + t * (by - ay)))


def _path_trace(label: str, color: str, path: pd.DataFrame, max_points: int) -> Props:
    path = downsample(path, max_points)
    return trace(
        "scatter", x=path["x"].to_numpy(), y=path["y"].to_numpy(), mode="lines+markers", name=label,
        legendgroup=label, line=dict(color=color, width=2.2), marker=dict(size=3, color=color),
        customdata=np.stack([path["step"].to_numpy(), path["loss"].to_numpy()], axis=1),
        hovertemplate=f"{label}<br>step %{{customdata[0]}}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata[1]:.4g}}"
                      "<extra></extra>",
    )


def _head_trace(label: str, color: str, path: pd.DataFrame, edge: tuple[float, float] | None,
                diverged_at: int | None) -> Props:
    """The path's current point: a dot, or an x where it diverged. A path that left the plot for
    good (`edge`, see _clip_to_view) gets a line from its last point inside to the edge, ending in
    an x (diverged) or an open circle (still finite, out of sight)."""
    last = path.iloc[-1:]
    diverged = diverged_at is not None
    what = f"{label} diverged at step {diverged_at}" if diverged else label
    if edge is None:
        return trace(
            "scatter", x=last["x"].to_numpy(), y=last["y"].to_numpy(), mode="markers", name=f"{label} now",
            legendgroup=label, showlegend=False, cliponaxis=False,
            marker=dict(symbol="x" if diverged else "circle", size=12 if diverged else 10, color=color,
                        line=dict(width=1.5, color=color if diverged else "white")),
            hovertemplate=f"{what}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        )
    left = f"left the plot after step {int(last['step'].iloc[0])}"
    return trace(
        "scatter", x=[float(last["x"].iloc[0]), edge[0]], y=[float(last["y"].iloc[0]), edge[1]],
        mode="lines+markers", name=f"{label} now", legendgroup=label, showlegend=False, cliponaxis=False,
        line=dict(color=color, width=2.2, dash="dot"),  # the x on the edge, whole
        marker=dict(symbol="x" if diverged else "circle-open", size=[0, 13], color=color,
                    line=dict(width=1.5, color=color)),
        hovertemplate=f"{what}<br>{left}<extra></extra>",
    )


def _diverged_at(paths: pd.DataFrame, path: pd.DataFrame, label: str) -> int | None:
    """The step at which a path stopped being finite (None: it has not, up to its last row)."""
    if not len(path) or not bool(path["diverged"].iloc[-1]):
        return None
    return int(paths.attrs.get("diverged", {}).get(label, path["step"].iloc[-1] + 1))


def _paths_start(function, paths: pd.DataFrame) -> tuple[float, float]:
    first = paths[paths["step"] == 0]
    if len(first):
        return float(first["x"].iloc[0]), float(first["y"].iloc[0])
    return function.start


def _frame_axes(fig: Figure, function) -> None:
    (x0, x1), (y0, y1) = function.domain
    fig.update_xaxes(title_text="x", range=[x0, x1], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(title_text="y", range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1,
                     constrain="domain")


def paths_figure(function, paths: pd.DataFrame, step: int | None = None, height: int = 580,
                 max_points: int = 1200, resolution: int = 160) -> Figure:
    """The function's contours with each optimizer's path up to `step` (default: all of it);
    minima as stars, a saddle point as a diamond, the start as a white dot. Paths keep up to
    `max_points` points each: thinning an oscillating path draws zig-zags as long jumps. A path
    that leaves the plot for good (a diverging one) ends at the edge (_clip_to_view)."""
    colors = _label_colors(paths["optimizer"])
    shown = paths if step is None else paths[paths["step"] <= step]
    fig = Figure(_function_contour(function, resolution))
    fig.add_traces(_landmark_traces(function, _paths_start(function, paths)))
    for label, color in colors.items():
        path = shown[shown["optimizer"] == label]
        n, edge = _clip_to_view(path["x"].to_numpy(), path["y"].to_numpy(), function.domain)
        fig.add_trace(_path_trace(label, color, path.iloc[:n], max_points))
        if n:
            fig.add_trace(_head_trace(label, color, path.iloc[:n], edge, _diverged_at(paths, path, label)))
    _frame_axes(fig, function)
    fig = base_layout(fig, f"{function.label}: {function.formula}", height, uirevision=f"paths-{function.name}")
    return _legend_below(fig, height)


def paths_loss_figure(paths: pd.DataFrame, log_y: bool | None = None, height: int = 360,
                      max_points: int = MAX_POINTS) -> Figure:
    """f along each path against the step. log_y None: log scale unless some value is negative
    (a saddle); on a log scale values below 1e-12 (exact zeros) are drawn at 1e-12, and the axis
    labels decades only."""
    if not len(paths):
        return message_figure("No paths yet.", "Loss along the paths", height)
    loss = paths["loss"].to_numpy(dtype=float)
    if log_y is None:
        log_y = bool(np.nanmin(loss) >= 0)
    fig = Figure()
    drawn = []
    for label, color in _label_colors(paths["optimizer"]).items():
        path = downsample(paths[paths["optimizer"] == label], max_points)
        y = path["loss"].to_numpy(dtype=float)
        shown = np.maximum(y, LOG_FLOOR) if log_y else y
        drawn.append(shown)
        fig.add_trace(trace(
            "scatter", x=path["step"].to_numpy(), y=shown, customdata=y, name=label,
            **curve_style(len(y)), line=dict(color=color, width=2.2), marker=dict(color=color, size=6),
            hovertemplate=f"{label}<br>step %{{x}}<br>f = %{{customdata:.4g}}<extra></extra>",
        ))
        if len(path) and bool(path["diverged"].iloc[-1]):
            fig.add_trace(trace(
                "scatter", x=path["step"].to_numpy()[-1:], y=shown[-1:], mode="markers",
                showlegend=False, marker=dict(symbol="x", size=12, color=color),
                hovertemplate=f"{label} diverged after step %{{x}}<extra></extra>"))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    fig.update_yaxes(log_axis(np.concatenate(drawn)) if log_y else dict(type="linear", exponentformat="power"),
                     title_text="f(x, y)")
    return _legend_below(base_layout(fig, "Loss along the paths", height, uirevision=f"paths-loss-{log_y}"), height)


def paths_animation_figure(function, paths: pd.DataFrame, frames: int = 60, height: int = 600,
                           points_per_path: int = 150, resolution: int = 120) -> Figure:
    """paths_figure as an animation: `frames` evenly spaced steps, a Play button and a slider.
    The contours are drawn once; a frame carries only the new x and y of each path and its head.
    A path that leaves the plot for good (a diverging one) ends at the edge, its head an x there."""
    colors = _label_colors(paths["optimizer"])
    last_step = int(paths["step"].max()) if len(paths) else 0
    steps = np.unique(np.linspace(0, last_step, max(2, frames)).round().astype(int))
    arrays = {}  # label -> (steps, x, y, diverged) as numpy, for cheap prefixes
    for label in colors:
        path = paths[paths["optimizer"] == label]
        arrays[label] = tuple(path[c].to_numpy() for c in ("step", "x", "y", "diverged"))

    backdrop, scale_carrier = _function_backdrop(function, resolution)
    fig = Figure(scale_carrier)
    fig.add_layout_image(**backdrop)
    fig.add_traces(_landmark_traces(function, _paths_start(function, paths)))
    first_moving = len(fig.data)
    for label, color in colors.items():
        fig.add_trace(trace("scatter", x=[], y=[], mode="lines+markers", name=label, legendgroup=label,
                            line=dict(color=color, width=2.2), marker=dict(size=3, color=color),
                            hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        fig.add_trace(trace("scatter", x=[], y=[], mode="markers", legendgroup=label, showlegend=False,
                            marker=dict(size=11, color=color, line=dict(width=1.5, color="white")),
                            hovertemplate=f"{label} at step %{{customdata}}<br>(%{{x:.4g}}, %{{y:.4g}})"
                                          "<extra></extra>"))
    moving = list(range(first_moving, len(fig.data)))

    def frame_data(step: int) -> list[Props]:
        data = []
        for steps_, xs, ys, diverged in arrays.values():
            n = int(np.searchsorted(steps_, step, side="right"))  # rows with step <= this one
            n, edge = _clip_to_view(xs[:n], ys[:n], function.domain)
            keep = np.unique(np.linspace(0, n - 1, min(n, points_per_path)).round().astype(int)) if n else []
            x, y = xs[keep], ys[keep]
            head = slice(n - 1, n) if n else slice(0, 0)
            head_x, head_y = xs[head], ys[head]
            if edge is not None:  # the line runs on to the edge; the head sits there
                x, y = np.append(x, edge[0]), np.append(y, edge[1])
                head_x, head_y = np.array([edge[0]]), np.array([edge[1]])
            gone = bool(n and (diverged[n - 1] or edge is not None))
            data.append(dict(type="scatter", x=x, y=y))
            data.append(dict(type="scatter", x=head_x, y=head_y, customdata=steps_[head],
                             marker=dict(symbol="x" if gone else "circle")))
        return data

    fig.frames = [dict(data=frame_data(int(s)), traces=moving, name=str(int(s))) for s in steps]
    for trace_props, values in zip(fig.data[first_moving:], fig.frames[0]["data"]):  # start at the first frame
        merge(trace_props, values)
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    play = dict(frame=dict(duration=80, redraw=False), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, xanchor="left", y=-0.2, yanchor="top",
                          showactive=False, pad=dict(r=8, t=0),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], still])])],
        sliders=[dict(active=0, x=0.3, len=0.7, y=-0.16, yanchor="top", pad=dict(t=0, b=0),
                      currentvalue=dict(prefix="step ", font=dict(size=13)),
                      steps=[dict(label=str(int(s)), method="animate", args=[[str(int(s))], still]) for s in steps])],
    )
    _frame_axes(fig, function)
    fig = base_layout(fig, f"{function.label}: {function.formula}", height, uirevision=f"paths-anim-{function.name}")
    fig.update_layout(margin=dict(b=150), legend=dict(orientation="v", x=1.12, xanchor="left", y=1.0, yanchor="top"))
    return fig


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
    return _legend_below(base_layout(fig, "Loss from the start to now", height,
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
    return _legend_below(fig, height)
