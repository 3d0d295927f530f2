"""A CNN's pictures of itself (views.py): its first layer's filters, the feature
maps each conv layer makes of one test image, and a gallery of test images with what the
network calls them. Each is one heatmap of tiles with blank gaps (a mosaic), not a subplot per
tile: a handful of traces whatever the number of filters, cheap to redraw live.
"""

from __future__ import annotations

import numpy as np

from ...charts.figure import Figure, trace
from ...charts.mosaic import GAP, INK, mosaic
from ...charts.style import DIVERGING, TEST, base_layout

MAX_MAP_COLUMNS = 8  # feature maps per mosaic row: 16 channels make two rows, a mosaic about 2:1
LABEL_MARGIN = 96  # px left of the feature maps for the layers' names


def resize_nearest(maps: np.ndarray, size: int) -> np.ndarray:
    """(C, h, w) -> (C, size, size) by nearest neighbour: every layer's maps as big tiles as the
    input's, so the deeper, smaller maps are not specks."""
    _, h, w = maps.shape
    rows = np.minimum((np.arange(size) * h) // size, h - 1)
    cols = np.minimum((np.arange(size) * w) // size, w - 1)
    return maps[:, rows][:, :, cols]


def _image_axes(fig: Figure) -> Figure:
    """Square pixels, no ticks, row 0 at the top."""
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def filters_figure(snap, height: int = 260) -> Figure | None:
    """The first conv layer's filters, one tile each, blue = positive weight, orange = negative
    (the network diagram's colours), on one symmetric scale so their strengths compare."""
    views = snap.visuals.family if snap.visuals is not None else None
    if views is None or views.filters is None:
        return None
    filters = views.filters  # (F, C_in, k, k)
    tiles = filters[:, 0] if filters.shape[1] == 1 else filters.mean(axis=1)  # several input channels: their mean
    limit = float(np.nanmax(np.abs(tiles))) or 1.0
    f, k = len(tiles), tiles.shape[-1]
    columns = int(np.ceil(np.sqrt(f)))  # about square: 8 filters in 3 x 3, 16 in 4 x 4
    fig = Figure(trace("heatmap", z=mosaic(tiles, columns), zmin=-limit, zmax=limit, colorscale=DIVERGING,
                       colorbar=dict(title=dict(text="weight"), thickness=10, len=0.9),
                       hovertemplate="weight %{z:.3f}<extra></extra>"))
    channels = "" if filters.shape[1] == 1 else f", mean of {filters.shape[1]} input channels"
    fig = base_layout(_image_axes(fig), f"First-layer filters ({f} of {k}×{k}{channels})", height,
                      uirevision="filters", legend=False)
    return fig


def feature_maps_figure(snap, index: int = 0, height: int | None = None) -> Figure | None:
    """Test image `index` and what each conv layer makes of it: a band of tiles per layer (its
    channels, after the activation), each band scaled to its own largest value so that every
    layer shows; deeper layers' smaller maps are enlarged to the input's size."""
    views = snap.visuals.family if snap.visuals is not None else None
    if views is None or not views.maps:
        return None
    index = min(max(index, 0), len(views.maps) - 1)
    image = views.examples[index]  # (C, H, W)
    size = image.shape[-1]
    bands = [("input", image[:1] if image.shape[0] == 1 else image.mean(axis=0, keepdims=True))]
    bands += views.maps[index]
    columns = min(MAX_MAP_COLUMNS, max(len(maps) for _, maps in bands))
    blocks, labels, top = [], [], 0
    for label, maps in bands:
        scaled = maps / (float(np.nanmax(np.abs(maps))) or 1.0)  # (C, h, w) in [-1, 1]
        block = mosaic(resize_nearest(scaled, size), columns)
        pad = np.full((block.shape[0], columns * (size + GAP) - GAP - block.shape[1]), np.nan, np.float32)
        blocks.append(np.hstack([block, pad]))
        blocks.append(np.full((2 * GAP, blocks[-1].shape[1]), np.nan, np.float32))  # between layers
        shape = "×".join(str(n) for n in maps.shape)
        labels.append((top + block.shape[0] / 2, "input" if label == "input" else f"{label}<br>{shape}"))
        top += block.shape[0] + 2 * GAP
    z = np.vstack(blocks[:-1])
    fig = Figure(trace("heatmap", z=z, zmin=-1, zmax=1, colorscale=DIVERGING, showscale=False,
                       hovertemplate="%{z:.2f} of the layer's largest<extra></extra>"))
    for middle, text in labels:  # each layer's name left of its band
        fig.add_annotation(x=-1, y=middle - 0.5, text=text, showarrow=False, xanchor="right", yanchor="middle",
                           align="right", font=dict(size=12))
    rows, cols = z.shape
    # As tall as the mosaic is at the width the page gives it (about 600 px), within reason.
    height = height or int(min(640, max(220, 70 + 600 * rows / cols)))
    fig = base_layout(_image_axes(fig), "Feature maps (blue = strong response)", height,
                      uirevision="feature_maps", legend=False)
    fig.update_layout(margin=dict(l=LABEL_MARGIN))
    return fig


def gallery_figure(snap, height: int = 330) -> Figure | None:
    """The first test images, each titled with the network's answer; a wrong answer in red with
    the true class beside it."""
    views, vis, ds = (snap.visuals.family if snap.visuals is not None else None), snap.visuals, snap.dataset
    if views is None or ds.task == "regression":
        return None
    images = views.examples[:, 0] if views.examples.shape[1] == 1 else views.examples.mean(axis=1)  # (K, H, W)
    k, size = len(images), images.shape[-1]
    columns = 8
    top = float(np.nanmax(images)) or 1.0
    fig = Figure(trace("heatmap", z=mosaic(images, columns), zmin=0, zmax=top, colorscale=INK, showscale=False,
                       hoverinfo="skip"))
    names = list(ds.class_names)
    wrong = 0
    for i in range(k):
        r, c = divmod(i, columns)
        pred, true = int(vis.test_pred[i]), int(vis.test_true[i])
        right = pred == true
        wrong += not right
        fig.add_annotation(x=c * (size + GAP) + size / 2 - 0.5, y=r * (size + GAP) - 0.5, showarrow=False,
                           yanchor="bottom", text=names[pred] if right else f"{names[pred]} ✗ ({names[true]})",
                           font=dict(size=11, color="#263238" if right else TEST))
    title = f"Test images: the network's answer ({wrong} of {k} wrong, in red with the true class)"
    fig = base_layout(_image_axes(fig), title, height, uirevision="gallery", legend=False)
    return fig
