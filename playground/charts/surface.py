"""What the model computes over the input plane (or line): the decision surface, with the data's
raw points on top (each hidden unit's map: neurons.py).

It reads `snap.visuals` (grid_x, grid_y, surface). Table data has no plane to draw: the
function returns None, as it does before the first visuals exist.
"""

from __future__ import annotations

import base64
import functools
import math
import weakref

import numpy as np
from plotly.colors import sample_colorscale

from .figure import Figure, Props, trace
from .image import hex_rgb, png_data_uri, resample
from .style import (
    COLORBAR_MARGIN,
    DIVERGING,
    GUIDE,
    MARGIN_RIGHT,
    MODEL,
    NEUTRAL,
    SPLIT_COLORS,
    base_layout,
    class_color,
    sign_color,
    tint,
)

SURFACE_OPACITY = 0.75  # the surface a little lighter than the points drawn on it
MAX_DRAWN_POINTS = 2000  # per split; more are thinned evenly (every redraw resends the points' picture)
CLASS_IMAGE_SIZE = 240  # pixels a side, at most, of the surface's picture (drawn ~280-330 px wide)
PALE = 0.9  # a class colour mixed with this much white where the model cannot choose between classes


def coordinate_names(ds) -> tuple[str, str]:
    """The plane's two coordinates as the data names them (a CSV's own column names), read off
    its feature names: with columns (a, b) feature 'x1' is named 'a', 'sin(x2)' 'sin(b)'
    (data._feature_names). 'x1', 'x2' where no feature names a coordinate alone."""
    names = ["x1", "x2"]
    features = getattr(ds.featurize, "features", None)
    if features is None:  # the raw columns are the features
        return tuple((list(ds.feature_names) + names[len(ds.feature_names):])[:2])
    found = [False, False]
    for template, name in zip(features, ds.feature_names):
        for i, (coord, other) in enumerate((("x1", "x2"), ("x2", "x1"))):
            if not found[i] and template.count(coord) == 1 and other not in template:
                prefix, suffix = template.split(coord)
                names[i] = name[len(prefix):len(name) - len(suffix)]
                found[i] = True
    return names[0], names[1]


def class_colorscale(n_classes: int) -> list[list]:
    """Discrete scale: value k in [k - 0.5, k + 0.5] (with cmin -0.5, cmax K - 0.5) -> CLASS_COLORS[k]."""
    scale = []
    for k in range(n_classes):
        scale += [[k / n_classes, class_color(k)], [(k + 1) / n_classes, class_color(k)]]
    return scale


def confidence_colorscale(n_classes: int) -> list[list]:
    """For z = k + c (class k, confidence c in [0, 1)): class k's colour from near white (c = 0) to full."""
    scale = []
    for k in range(n_classes):
        scale += [[k / n_classes, tint(class_color(k), PALE)], [(k + 1) / n_classes, class_color(k)]]
    return scale


def _thin(n: int) -> slice:
    return slice(None, None, max(1, math.ceil(n / MAX_DRAWN_POINTS)))


def _point_traces(snap, show_train: bool, show_test: bool) -> list[Props]:
    """The legend's entries for the points (a grey marker of each split's shape: the points
    themselves are a picture, _points_image). Train: filled circles with a white rim (TF
    playground); test: diamonds with a dark rim."""
    ds = snap.dataset
    traces = []
    for split, show in (("train", show_train), ("test", show_test)):
        points = ds.points_train if split == "train" else ds.points_test
        if not show or points is None or len(points) == 0:
            continue
        rim = dict(color="white", width=1) if split == "train" else dict(color=SPLIT_COLORS["train"], width=1.5)
        traces.append(trace(
            "scatter", x=[None], y=[None], mode="markers", name=split, hoverinfo="skip",
            marker=dict(color=GUIDE, size=8 if split == "train" else 9,
                        symbol="circle" if split == "train" else "diamond", line=rim),
        ))
    return traces


def _points_image(ds, show_train: bool, show_test: bool, value_range: tuple[float, float] | None) -> Props | None:
    """The data's points as one SVG layout image over the plot area (None when none are shown).

    Drawn as plotly markers, 250 points cost the browser half the surface chart's time at every
    live redraw (each an SVG node restyled: Plotly.react redraws every trace when any changed),
    though the points never move while a model trains. As a picture with a source that does not
    change, plotly keeps the image it already shows and the redraw costs nothing. A point's
    hover is lost; the surface's own hover still gives the coordinates and the model's output.

    Colour: the class, or (regression) the value on `value_range` of the diverging scale.
    Cached per data set: the same picture every redraw."""
    key = (show_train, show_test, value_range)
    cached = _POINT_IMAGES.setdefault(ds, {})
    if key not in cached:
        cached[key] = _draw_points(ds, show_train, show_test, value_range)
    return cached[key]


_POINT_IMAGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Dataset -> {options: image}
POINTS_VIEWBOX = 1000  # the picture's width in its own units (whole numbers): the plot area is 0..1000 wide
POINT_RADIUS = 14  # of POINTS_VIEWBOX: a ~8 px marker where the plot area is ~280 px wide


def _draw_points(ds, show_train: bool, show_test: bool, value_range: tuple[float, float] | None) -> Props | None:
    """One path per colour whose vertices are the points, with the point's shape as an SVG
    marker on every vertex (no stroke on the path itself): ~8 bytes a point, so even 2 x 2000
    points send ~40 KB. Test diamonds are drawn after (above) the train circles."""
    x0, x1, y0, y1 = ds.extent
    width, height = POINTS_VIEWBOX, round(POINTS_VIEWBOX * (y1 - y0) / (x1 - x0))  # the data's aspect: round dots
    r = POINT_RADIUS
    shapes = {"train": (f'<circle r="{r}" fill="{{fill}}" stroke="white" stroke-width="{r / 4:g}"/>'),
              "test": (f'<path d="M0 {-r * 1.2:g}L{r * 1.2:g} 0 0 {r * 1.2:g}{-r * 1.2:g} 0Z" fill="{{fill}}" '
                       f'stroke="{SPLIT_COLORS["train"]}" stroke-width="{r / 3:g}"/>')}
    defs, paths = [], []
    for split, show in (("train", show_train), ("test", show_test)):
        points = ds.points_train if split == "train" else ds.points_test
        labels = ds.y_train if split == "train" else ds.y_test
        if not show or points is None or len(points) == 0:
            continue
        keep = _thin(len(points))
        points, labels = points[keep], labels[keep]
        px = np.rint((points[:, 0] - x0) / (x1 - x0) * width).astype(np.int64)
        py = np.rint((y1 - points[:, 1]) / (y1 - y0) * height).astype(np.int64)  # SVG y grows downwards
        if value_range is None:
            colors = np.asarray([class_color(int(c)) for c in range(max(1, ds.n_classes))])[labels.astype(np.int64)]
        else:
            lo, hi = value_range
            levels = np.clip(np.rint((labels - lo) / (hi - lo) * 15), 0, 15).astype(np.int64)  # 16 shades
            colors = np.asarray([sign_color(v, 1.0) for v in np.linspace(-1, 1, 16)])[levels]
        for color in dict.fromkeys(colors.tolist()):
            mask = colors == color
            name = f"{split}{len(defs)}"
            defs.append(f'<marker id="{name}" markerUnits="userSpaceOnUse" overflow="visible">'
                        f'{shapes[split].format(fill=color)}</marker>')
            d = "M" + " ".join(f"{a} {b}" for a, b in zip(px[mask].tolist(), py[mask].tolist()))
            paths.append(f'<path d="{d}" fill="none" stroke="none" marker-start="url(#{name})" '
                         f'marker-mid="url(#{name})" marker-end="url(#{name})"/>')
    if not paths:
        return None
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
           f'<defs>{"".join(defs)}</defs>{"".join(paths)}</svg>')
    # Placed by its centre: plotly keeps one image per (x, y, size) and the surface's picture
    # covers the same extent from its top-left corner.
    return dict(source="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"),
                xref="x", yref="y", x=(x0 + x1) / 2, y=(y0 + y1) / 2, xanchor="center", yanchor="middle",
                sizex=x1 - x0, sizey=y1 - y0, sizing="stretch", layer="below")


def decision_surface_figure(snap, show_test: bool = False, show_train: bool = True,
                            height: int = 420) -> Figure | None:
    """The model's output over the data's plane with the points on top (None for table data).

    binary:      P(class 1) on the orange..blue scale, 0.5 (the boundary) in the middle
    multiclass:  the most likely class's colour, pale where the model is unsure (a picture: see
                 _class_image; a transparent heatmap under the mouse gives the hover and colour bar)
    regression:  the predicted value on the diverging scale centred on the training mean
    1-D data:    the points and the model's curve
    """
    vis, ds = snap.visuals, snap.dataset
    if vis is None or vis.surface is None or ds.geometry not in ("plane", "line"):
        return None
    if ds.geometry == "line":
        return _line_figure(snap, show_test, show_train, height)
    fig = Figure()
    value_range = None
    hover = "(%{x:.2f}, %{y:.2f})<br>"
    if ds.task == "binary":
        names = ds.class_names
        fig.add_trace(_hover_heatmap(
            vis, z=vis.surface.round(3), zmin=0, zmax=1, colorscale=DIVERGING,
            colorbar=dict(title=dict(text=f"P({names[1]})"), tickvals=[0, 0.5, 1],
                          ticktext=[names[0], "50/50", names[1]], thickness=12, len=0.8),
            hovertemplate=hover + f"P({names[1]}) %{{z:.2f}}<extra></extra>",
        ))
        fig.add_layout_image(**_scale_image(vis.grid_x, vis.grid_y, vis.surface, 0.0, 1.0))
    elif ds.task == "multiclass":
        probs = vis.surface  # (G, G, K)
        k = probs.shape[-1]
        best = probs.argmax(axis=-1)  # (G, G)
        top = probs.max(axis=-1)
        fig.add_trace(_hover_heatmap(  # z (the class) only places the hover
            vis, z=best.astype(np.int8), zmin=0, zmax=k, colorscale=confidence_colorscale(k),
            text=np.asarray(ds.class_names, dtype=object)[best], customdata=top.round(3),
            colorbar=dict(title=dict(text="class"), tickvals=[i + 0.5 for i in range(k)],
                          ticktext=list(ds.class_names), thickness=12, len=0.8),
            hovertemplate=hover + "%{text} (p = %{customdata:.2f})<extra></extra>",
        ))
        fig.add_layout_image(**_class_image(vis.grid_x, vis.grid_y, probs))
    else:
        # The scale is the data's own spread about its mean, the same all run long (so the points'
        # picture stays put): a wilder prediction early on shows in the scale's end colour.
        centre = float(np.mean(ds.y_train))
        spread = max(float(np.max(np.abs(ds.y_train - centre))), 1e-9)
        value_range = (centre - spread, centre + spread)
        fig.add_trace(_hover_heatmap(
            vis, z=vis.surface, zmin=value_range[0], zmax=value_range[1], colorscale=DIVERGING,
            colorbar=dict(title=dict(text="value"), thickness=12, len=0.8),
            hovertemplate=hover + "prediction %{z:.3g}<extra></extra>",
        ))
        fig.add_layout_image(**_scale_image(vis.grid_x, vis.grid_y, vis.surface, *value_range))
    points = _points_image(ds, show_train, show_test, value_range)
    if points is not None:
        fig.add_layout_image(**points)
    fig.add_traces(_point_traces(snap, show_train, show_test))
    x0, x1, y0, y1 = ds.extent
    names = coordinate_names(ds)
    fig.update_xaxes(title_text=names[0], range=[x0, x1], constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=names[1], range=[y0, y1], scaleanchor="x", scaleratio=1, constrain="domain",
                     showgrid=False, zeroline=False)
    fig = base_layout(fig, "Model output", height, uirevision="surface")
    fig.update_layout(plot_bgcolor=NEUTRAL, margin=dict(r=COLORBAR_MARGIN))
    return _colour_bar_under_when_narrow(fig)


COLORBAR_UNDER = 42  # px under the x axis for a horizontal colour bar and its labels


def _colour_bar_under_when_narrow(fig: Figure) -> Figure:
    """The plot is square, so in a narrow column (a 1024 px projector with the sidebar open) the
    colour bar's 84 px on the right left it ~170 px wide. Where a bar underneath gives the square
    a longer side, the bar goes there: the plot is then ~230 px in the same column."""
    layout = fig.layout
    margin = layout["margin"]
    plot_height = layout["height"] - margin["t"] - margin["b"]
    # side with the bar right: min(W - l - COLORBAR_MARGIN, plot_height); under: min(W - l - MARGIN_RIGHT,
    # plot_height - COLORBAR_UNDER). The second is longer while W - l - COLORBAR_MARGIN < plot_height - COLORBAR_UNDER.
    below = margin["l"] + COLORBAR_MARGIN + plot_height - COLORBAR_UNDER
    return fig.when_narrow(
        below,
        layout=dict(margin=dict(r=MARGIN_RIGHT, b=margin["b"] + COLORBAR_UNDER)),
        data=[dict(colorbar=dict(orientation="h", x=0.5, xanchor="center", yref="container", y=0, yanchor="bottom",
                                 ypad=4, len=1.0, lenmode="fraction", thickness=10, title=dict(side="left")))],
    )


def _hover_heatmap(vis, **props) -> Props:
    """The surface as an invisible heatmap: it gives the hover (the model's output under the
    mouse) and the colour bar; the pictures under it give the colour. zsmooth "fast": plotly
    paints one pixel a grid cell and lets the browser scale it, the cheapest heatmap to redraw."""
    return trace("heatmap", x=vis.grid_x, y=vis.grid_y, opacity=0, zsmooth="fast", name="model", **props)


def _scale_image(grid_x: np.ndarray, grid_y: np.ndarray, values: np.ndarray, low: float, high: float) -> Props:
    """A (G, G) surface (row 0 = lowest y) on the diverging scale from `low` to `high`, as a layout
    image over the grid's extent: resampled bilinearly to ~240 px a side (as plotly's
    zsmooth="best" would, but here in numpy, not in the browser at every redraw), 256 shades.
    NaN (a diverged model) is drawn in the scale's middle colour."""
    size = _picture_size(grid_x)
    plane = np.asarray(values, dtype=np.float32)
    fine = resample(resample(plane, size, axis=0), size, axis=1)  # (size, size), row 0 = y min
    shade = np.clip((fine - low) / (high - low), 0.0, 1.0)
    index = np.where(np.isfinite(shade), np.rint(np.nan_to_num(shade) * 255), 128).astype(np.uint8)
    return _grid_picture(grid_x, grid_y, png_data_uri(index[::-1], _scale_palette(), level=1))


def _picture_size(grid_x: np.ndarray) -> int:
    """Pixels a side of a surface's picture: ~6 a grid cell, at most CLASS_IMAGE_SIZE."""
    return min(CLASS_IMAGE_SIZE, 6 * (len(grid_x) - 1) + 1)


def _grid_picture(grid_x: np.ndarray, grid_y: np.ndarray, source: str) -> Props:
    """A picture (row 0 = top) as a layout image stretched over the grid's extent, under the points."""
    x0, x1, y0, y1 = float(grid_x[0]), float(grid_x[-1]), float(grid_y[0]), float(grid_y[-1])
    return dict(source=source, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch",
                layer="below", opacity=SURFACE_OPACITY)


@functools.cache
def _scale_palette() -> np.ndarray:
    """(256, 3) uint8: the diverging scale (orange .. neutral .. blue) in 256 shades."""
    palette = np.stack([hex_rgb(c) for c in sample_colorscale(DIVERGING, list(np.linspace(0, 1, 256)))])
    palette = palette.round().astype(np.uint8)
    palette.flags.writeable = False  # shared by every figure
    return palette


def _class_image(grid_x: np.ndarray, grid_y: np.ndarray, probs: np.ndarray) -> Props:
    """The multiclass surface as a layout image over the grid's extent.

    A heatmap cannot draw it smoothly: its values are class + confidence, and smoothing them
    blends neighbouring classes into a third colour at every boundary (so it was drawn as
    blocks, one a grid cell). Here the probabilities themselves are resampled bilinearly to
    ~240 px a side (as plotly smooths the binary surface), and each pixel takes its own
    winner's colour, pale where unsure: boundaries as smooth as the binary one, never mixed.
    A palette PNG: 256 // K confidence levels a class."""
    size = _picture_size(grid_x)
    planes = np.ascontiguousarray(np.moveaxis(probs, -1, 0), dtype=np.float32)  # (K, G, G): a plane a class
    fine = resample(resample(planes, size, axis=1), size, axis=2)  # (K, size, size), row 0 = y min
    k = len(fine)
    levels = 256 // k
    best = np.zeros(fine.shape[1:], dtype=np.int64)  # the winner, plane by plane (argmax over a short
    top = fine[0].copy()  # first axis is slower)
    for c in range(1, k):
        best[fine[c] > top] = c
        np.maximum(top, fine[c], out=top)
    confidence = np.clip((top - 1 / k) / (1 - 1 / k), 0, 1)
    index = best * levels + np.minimum((confidence * levels).astype(np.int64), levels - 1)
    return _grid_picture(grid_x, grid_y, png_data_uri(index[::-1].astype(np.uint8), _class_palette(k), level=1))


@functools.lru_cache(maxsize=16)
def _class_palette(k: int) -> np.ndarray:
    """(K * levels, 3) uint8: class c's confidence scale (pale .. full colour) in `256 // K` levels."""
    levels = 256 // k
    full = np.stack([hex_rgb(class_color(c)) for c in range(k)])  # (K, 3)
    pale = np.stack([hex_rgb(tint(class_color(c), PALE)) for c in range(k)])
    shade = (np.arange(levels) + 0.5) / levels  # each level's middle confidence
    palette = pale[:, None] + (full - pale)[:, None] * shade[None, :, None]  # (K, levels, 3)
    palette = palette.reshape(-1, 3).round().astype(np.uint8)
    palette.flags.writeable = False  # shared by every figure
    return palette


def _line_figure(snap, show_test: bool, show_train: bool, height: int) -> Figure:
    vis, ds = snap.visuals, snap.dataset
    fig = Figure()
    for split, show in (("train", show_train), ("test", show_test)):
        points = ds.points_train if split == "train" else ds.points_test
        labels = ds.y_train if split == "train" else ds.y_test
        if not show or points is None:
            continue
        keep = _thin(len(points))
        fig.add_trace(trace(
            "scatter", x=points[keep, 0], y=labels[keep], mode="markers", name=split,
            marker=dict(color=SPLIT_COLORS[split], size=6, opacity=0.6 if split == "train" else 0.8,
                        symbol="circle" if split == "train" else "diamond"),
            hovertemplate=f"{split}<br>x %{{x:.3g}}<br>y %{{y:.3g}}<extra></extra>",
        ))
    fig.add_trace(trace(
        "scatter", x=vis.grid_x, y=vis.surface, mode="lines", name="model", line=dict(color=MODEL, width=3.5),
        hovertemplate="model<br>x %{x:.3g}<br>prediction %{y:.3g}<extra></extra>",
    ))
    x0, x1, y0, y1 = ds.extent
    fig.update_xaxes(title_text=ds.feature_names[0] if ds.feature_names else "x", range=[x0, x1])
    fig.update_yaxes(title_text="y", range=[y0, y1], zeroline=True, zerolinecolor=GUIDE)
    return base_layout(fig, "Model output", height, uirevision="surface")
