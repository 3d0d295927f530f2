"""An autoencoder's pictures of itself (views.py): its latent space and PCA's beside it, test points
coloured by the labels it never saw; reconstructions beside the originals (images as a mosaic,
points as two clouds); decoded images along a line between two codes; a VAE's samples from its
prior; and the reconstruction error over time with PCA's as a reference line. Pure functions of a
snapshot.
"""

from __future__ import annotations

import numpy as np

from ...charts.curves import _split_traces, downsample
from ...charts.figure import Figure, trace
from ...charts.mosaic import INK, mosaic
from ...charts.style import DIVERGING, GUIDE, MODEL, TRAIN, base_layout
from ...charts.surface import MAX_DRAWN_POINTS, class_colorscale
from .system import DISTANCE_LOSSES

IMAGE_COLUMNS = 12  # tiles per mosaic row


def _views(snap):
    return snap.visuals.family if snap.visuals is not None else None


def _label_marker(ds, y: np.ndarray) -> tuple[dict, list[str]]:
    """Marker colours by label (a class colour each, or a diverging scale for a number) and hover texts."""
    if ds.task == "regression":
        centre = float(np.mean(y))
        spread = max(float(np.max(np.abs(y - centre))), 1e-9)
        marker = dict(color=y.astype(float), colorscale=DIVERGING, cmin=centre - spread, cmax=centre + spread,
                      colorbar=dict(title=dict(text="label"), thickness=10, len=0.9))
        return marker, [f"label {v:.3g}" for v in y]
    k = max(1, ds.n_classes)
    marker = dict(color=y, colorscale=class_colorscale(k), cmin=-0.5, cmax=k - 0.5)
    return marker, [ds.class_names[int(c)] for c in y]


def _code_scatter(snap, xy: np.ndarray, title: str, axes: tuple[str, str], height: int, uirevision: str) -> Figure:
    """Test points at xy (N, 2), coloured by their labels, thinned to MAX_DRAWN_POINTS."""
    ds = snap.dataset
    step = max(1, int(np.ceil(len(xy) / MAX_DRAWN_POINTS)))
    xy, y = xy[::step], np.asarray(ds.y_test)[::step]
    marker, text = _label_marker(ds, y)
    fig = Figure(trace("scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", text=text, name="test",
                       marker=dict(size=6, line=dict(color="white", width=0.5), **marker),
                       hovertemplate="%{text}<br>(%{x:.2f}, %{y:.2f})<extra></extra>"))
    fig.update_xaxes(title_text=axes[0], zeroline=False)
    fig.update_yaxes(title_text=axes[1], zeroline=False)
    return base_layout(fig, title, height, uirevision=uirevision, legend=False)


def latent_figure(snap, dims: tuple[int, int] = (0, 1), height: int = 360) -> Figure | None:
    """The test points' codes (a VAE's means) on latent numbers `dims`, coloured by label: classes
    that the network pulls apart without ever being told them."""
    views = _views(snap)
    if views is None:
        return None
    codes = views.codes  # (N, L)
    size = codes.shape[1]
    a, b = (min(max(d, 0), size - 1) for d in dims)
    xy = np.stack([codes[:, a], codes[:, b] if size > 1 else np.zeros(len(codes))], axis=1)
    what = "VAE means" if views.variational else "codes"
    axes = (f"z{a + 1}", f"z{b + 1}" if size > 1 else "")
    return _code_scatter(snap, xy, f"Latent space ({what} of test points)", axes, height, "latent")


def pca_figure(snap, height: int = 360) -> Figure | None:
    """The same test points on PCA's first two axes (fitted on the training inputs): the best a
    linear squeeze can do, to compare with the latent space."""
    views = _views(snap)
    if views is None:
        return None
    return _code_scatter(snap, views.baseline.codes, "PCA: the linear baseline", ("PC 1", "PC 2"), height, "pca")


def _image_mosaic(tiles: np.ndarray, shape, columns: int, hover: str) -> dict:
    c, h, w = shape
    images = tiles.reshape(len(tiles), c, h, w).mean(axis=1)  # (K, H, W): colour channels averaged
    return trace("heatmap", z=mosaic(images, columns), colorscale=INK, showscale=False,
                 hovertemplate=hover + " %{z:.2f}<extra></extra>")


def _image_axes(fig: Figure) -> Figure:
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def reconstruction_figure(snap, height: int = 300) -> Figure | None:
    """Images: the first test images (top row) and what the network rebuilds of them (bottom row).
    Points: every test point and its reconstruction, two clouds (2 or 3 coordinates: as they are;
    more: the first two)."""
    views = _views(snap)
    if views is None:
        return None
    ds = snap.dataset
    if ds.image_shape is not None:
        k = len(views.originals)
        pair = np.concatenate([views.originals, views.reconstructions])  # (2K, F): originals, then rebuilt
        fig = _image_axes(Figure(_image_mosaic(pair, ds.image_shape, k, "pixel")))
        return base_layout(fig, "Test images (top) and their reconstructions (bottom)", height,
                           uirevision="reconstructions", legend=False)
    return _point_clouds(snap, views.originals, views.reconstructions, "reconstructed", MODEL,
                         "Test points and their reconstructions", height)


def _point_clouds(snap, originals: np.ndarray, made: np.ndarray, name: str, color: str, title: str,
                  height: int) -> Figure:
    """Two clouds: the originals (faint) and what the network made (the model's colour); 3-D for 3 columns."""
    ds = snap.dataset
    step = max(1, int(np.ceil(len(originals) / MAX_DRAWN_POINTS)))
    names = ds.feature_names
    three = originals.shape[1] == 3
    fig = Figure()
    for points, label, paint, opacity in ((originals[::step], "test data", TRAIN, 0.25), (made[::step], name, color,
                                                                                            0.8)):
        coords = dict(x=points[:, 0], y=points[:, 1] if points.shape[1] > 1 else np.zeros(len(points)))
        if three:
            coords["z"] = points[:, 2]
        fig.add_trace(trace("scatter3d" if three else "scatter", mode="markers", name=label, **coords,
                            marker=dict(size=3 if three else 5, color=paint, opacity=opacity)))
    if three:
        fig.update_layout(scene=dict(xaxis_title=names[0], yaxis_title=names[1], zaxis_title=names[2],
                                     aspectmode="data"), margin=dict(l=0, r=0, b=0))
    else:
        fig.update_xaxes(title_text=names[0] if names else "x1")
        fig.update_yaxes(title_text=names[1] if len(names) > 1 else "")
    return base_layout(fig, title, height, uirevision=f"clouds-{name}")


def interpolation_figure(snap, first: int = 0, second: int = 1, height: int = 160) -> Figure | None:
    """Decoded images along the straight line in latent space from anchor `first`'s code to anchor
    `second`'s (the anchors: the first test image of each class): a smooth morph where the space
    between the codes decodes into plausible images, a jump where it does not. None for points."""
    views = _views(snap)
    if views is None or views.interpolations is None:
        return None
    count = len(views.anchors)
    first, second = (min(max(i, 0), count - 1) for i in (first, second))
    path = views.interpolations[first, second]  # (STEPS, F)
    fig = _image_axes(Figure(_image_mosaic(path, snap.dataset.image_shape, len(path), "pixel")))
    names = snap.dataset.class_names
    start, end = (names[int(snap.dataset.y_test[views.anchors[i]])] for i in (first, second))
    return base_layout(fig, f"From a {start} to a {end} through the latent space", height,
                       uirevision="interpolation", legend=False)


def prior_figure(snap, height: int = 220) -> Figure | None:
    """A VAE's decoder on codes drawn from N(0, 1) (the same draws at every redraw): images it makes
    up, or for points the cloud it makes up over the data. None for a plain autoencoder."""
    views = _views(snap)
    if views is None or views.prior is None:
        return None
    ds = snap.dataset
    if ds.image_shape is not None:
        columns = int(np.ceil(len(views.prior) / 2))
        fig = _image_axes(Figure(_image_mosaic(views.prior, ds.image_shape, columns, "pixel")))
        return base_layout(fig, "Decoded from the prior N(0, 1)", height, uirevision="prior", legend=False)
    return _point_clouds(snap, views.originals, views.prior, "decoded from N(0, 1)", MODEL,
                         "Decoded from the prior N(0, 1)", height)


def reconstruction_curve_figure(snap, height: int = 300) -> Figure | None:
    """Train and test reconstruction error over the steps, and PCA's test error at the same size as a
    dotted line: below it, the network beats the linear baseline."""
    views = _views(snap)
    history = downsample(snap.history)
    if "test_reconstruction" not in history:
        return None
    fig = Figure()
    _split_traces(fig, history, "reconstruction", "reconstruction")
    if views is not None:
        base = views.baseline
        fig.add_hline(base.error, line=dict(color=GUIDE, dash="dot", width=2))
        fig.add_annotation(text=f"PCA, {base.components} axes: {base.error:.3g}", xref="x domain", x=1.0,
                           xanchor="right", y=base.error, yanchor="bottom", showarrow=False,
                           font=dict(size=12, color=GUIDE))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    loss = snap.loss_name if snap.loss_name in DISTANCE_LOSSES else "mse"  # as system.reconstruction_loss reads it
    fig.update_yaxes(title_text=f"reconstruction ({loss})", rangemode="tozero")
    return base_layout(fig, "Reconstruction error", height, uirevision="reconstruction")
