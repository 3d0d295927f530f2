"""What each hidden unit computes over the input plane (or line): small multiples on one
diverging scale, read from `snap.visuals.neurons`. None for table data, as before the first
visuals exist.
"""

from __future__ import annotations

import math

import numpy as np

from .figure import Figure, subplot_grid, trace
from .style import DIVERGING, GUIDE, SPLIT_COLORS, base_layout
from .surface import coordinate_names


def tile_maps(maps: np.ndarray, cols: int, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """(units, g, g) maps -> one canvas (H, W) with NaN gaps, and the unit number (1-based, 0 in gaps)
    of every cell. Tiles read left to right, top to bottom; within a tile row 0 is the lowest y."""
    units, g, _ = maps.shape
    rows = math.ceil(units / cols)
    height, width = rows * g + (rows - 1) * gap, cols * g + (cols - 1) * gap
    canvas = np.full((height, width), np.nan, dtype=np.float32)
    owner = np.zeros((height, width), dtype=np.int16)
    for u in range(units):
        r, c = divmod(u, cols)
        top, left = (rows - 1 - r) * (g + gap), c * (g + gap)  # canvas row 0 is drawn at the bottom
        canvas[top:top + g, left:left + g] = maps[u]
        owner[top:top + g, left:left + g] = u + 1
    return canvas, owner


def neuron_maps_figure(snap, layer_index: int, max_units: int = 16, height: int | None = None) -> Figure | None:
    """Small multiples: what each unit of hidden layer `layer_index` (0 = first hidden layer) outputs
    over the plane, or along the line, on one diverging scale centred at 0. None for table data.

    Plane maps are tiled into a single heatmap (one trace, one pair of axes): far cheaper to build
    and redraw than a grid of subplots."""
    vis, ds = snap.visuals, snap.dataset
    if vis is None or not vis.neurons or ds.geometry not in ("plane", "line") or layer_index >= len(vis.neurons):
        return None
    maps = vis.neurons[layer_index]  # (units, G, G) plane, (units, G) line
    units = maps.shape[0]
    shown = min(units, max_units)
    cols = min(shown, 4)
    rows = math.ceil(shown / cols)
    limit = max(float(np.nanmax(np.abs(maps[:shown]))) if maps.size else 0.0, 1e-6)
    if ds.geometry == "plane":
        fig = _tiled_maps(maps[:shown], cols, limit, coordinate_names(ds))
    else:
        fig = _line_maps(vis.grid_x, maps[:shown], cols, limit, ds.feature_names[0] if ds.feature_names else "x")
    title = f"Units of {snap.dense_labels[layer_index]} ({snap.activations[layer_index]})"
    if units > shown:
        title += f": first {shown} of {units}"
    fig = base_layout(fig, title, height or 50 + rows * (130 if ds.geometry == "plane" else 90),
                      uirevision=f"neurons-{layer_index}", legend=False)
    fig.update_layout(margin=dict(l=8, r=8, t=44, b=8))
    return fig


def _tiled_maps(maps: np.ndarray, cols: int, limit: float, names: tuple[str, str]) -> Figure:
    step = max(1, math.ceil(maps.shape[-1] / 48))  # a ~120 px tile needs no more than 48 cells a side
    maps = maps[:, ::step, ::step]
    g = maps.shape[-1]
    gap = max(1, round(g * 0.08))
    canvas, owner = tile_maps(maps, cols, gap)
    fig = Figure(trace(
        "heatmap", z=canvas, customdata=owner, zmin=-limit, zmax=limit, colorscale=DIVERGING, zsmooth="best",
        hoverongaps=False, colorbar=dict(title=dict(text="output"), thickness=10, len=0.9,
                                         tickvals=[-limit, 0, limit], tickformat=".2g"),
        hovertemplate="unit %{customdata}<br>output %{z:.3g}<extra></extra>",
    ))
    rows = math.ceil(len(maps) / cols)
    labels = []  # unit numbers in each tile's top-left corner (one layout update: add_annotation is slow)
    for u in range(len(maps)):
        r, c = divmod(u, cols)
        labels.append(dict(x=c * (g + gap) - 0.5, y=(rows - r) * (g + gap) - gap - 0.5, xanchor="left",
                           yanchor="top", text=str(u + 1), showarrow=False, bgcolor="rgba(255,255,255,0.75)",
                           font=dict(size=11, color="#263238")))
    fig.update_layout(annotations=labels)
    # Each tile's axes are the data's coordinates: named once for all of them, without ticks.
    bare = dict(showticklabels=False, showgrid=False, zeroline=False, showline=False, constrain="domain")
    fig.update_xaxes(bare, title_text=f"{names[0]} →")
    fig.update_yaxes(bare, title_text=f"{names[1]} →", scaleanchor="x", scaleratio=1)
    fig.update_layout(plot_bgcolor="white")
    return fig


def _line_maps(grid_x: np.ndarray, maps: np.ndarray, cols: int, limit: float, name: str) -> Figure:
    rows = math.ceil(len(maps) / cols)
    layout, cells = subplot_grid(rows, cols, horizontal_spacing=0.03, vertical_spacing=0.12 / rows,
                                 titles=[f"unit {u + 1}" for u in range(len(maps))])
    for note in layout.get("annotations", []):
        note["font"]["size"] = 12
    fig = Figure(layout=layout)
    for u, (values, (xaxis, yaxis)) in enumerate(zip(maps, cells)):
        fig.add_trace(trace(
            "scatter", x=grid_x, y=values, mode="lines", name=f"unit {u + 1}", xaxis=xaxis, yaxis=yaxis,
            line=dict(color=SPLIT_COLORS["train"], width=2),
            hovertemplate=f"unit {u + 1}<br>{name} %{{x:.3g}}<br>output %{{y:.3g}}<extra></extra>",
        ))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=True, zerolinecolor=GUIDE,
                     range=[-limit * 1.05, limit * 1.05])
    for u in range(max(0, len(maps) - cols), len(maps)):  # the lowest map of each column names the input
        fig.layout["xaxis" + cells[u][0][1:]]["title"] = {"text": name}
    return fig
