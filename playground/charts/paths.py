"""Paths of optimizers on a 2-D test function (a paths DataFrame, playground/lab/paths.py): on the
function's contours, still or animated, and the loss along each path. Colours by the order in
which labels first appear, as everywhere in the lab (lab.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .curves import MAX_POINTS, downsample
from .figure import Figure, Props, merge, trace
from .image import png_data_uri
from .lab import MARK, SURFACE_SCALE, legend_below, optimizer_color
from .style import base_layout, curve_style, log_axis, message_figure

LOG_FLOOR = 1e-12  # log-scale curves draw smaller values (exact zeros) at this height


def _label_colors(labels) -> dict[str, str]:
    """Colours by order of first appearance (a paths DataFrame has no colour column)."""
    return {label: optimizer_color(i) for i, label in enumerate(pd.unique(pd.Series(labels)))}


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
    return legend_below(fig, height)


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
    return legend_below(base_layout(fig, "Loss along the paths", height, uirevision=f"paths-loss-{log_y}"), height)


ANIMATION_CONTROLS = 118  # px the Play/Pause row and the slider add under the plot


def paths_animation_figure(function, paths: pd.DataFrame, frames: int = 60, height: int = 600,
                           points_per_path: int = 150, resolution: int = 120) -> Figure:
    """paths_figure as an animation: `frames` evenly spaced steps, a Play button and a slider.
    The contours are drawn once; a frame carries only the new x and y of each path and its head.
    A path that leaves the plot for good (a diverging one) ends at the edge, its head an x there.

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
    _frame_axes(fig, function)
    total = height + ANIMATION_CONTROLS
    fig = base_layout(fig, f"{function.label}: {function.formula}", total, uirevision=f"paths-anim-{function.name}")
    fig = legend_below(fig, total, extra=ANIMATION_CONTROLS)
    plot_height = max(120, total - 44 - (120 + ANIMATION_CONTROLS))  # as legend_below works it out
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
