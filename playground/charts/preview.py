"""A small picture of a data set before any training: its points (plane, line, or a table's
first two principal components), coloured by class or by value."""

from __future__ import annotations

import numpy as np
from sklearn.utils.extmath import randomized_svd

from .figure import Figure, trace
from .mosaic import INK, mosaic
from .style import DIVERGING, SPLIT_COLORS, base_layout
from .surface import MAX_DRAWN_POINTS, class_colorscale, coordinate_names

EXACT_FEATURES = 256  # up to this many features, the exact SVD; more (text windows: 1,056), a randomized one


def principal_components(x: np.ndarray, k: int = 2) -> np.ndarray:
    """(N, F) -> (N, k) coordinates on the top-k principal axes (centred). Many features take a
    seeded randomized SVD (scikit-learn's): a full SVD of text windows (8,000 x 1,056) took 67 s."""
    centred = x - x.mean(axis=0, keepdims=True)
    if x.shape[1] <= EXACT_FEATURES:
        axes = np.linalg.svd(centred, full_matrices=False)[2][:k]  # vt: (min(N, F), F)
    else:
        axes = randomized_svd(centred, k, n_iter=4, random_state=0)[2]  # (k, F)
    out = centred @ axes.T
    if out.shape[1] < k:  # a single feature: pad with zeros so there is still a y
        out = np.hstack([out, np.zeros((len(out), k - out.shape[1]))])
    return out


PREVIEW_IMAGES = 20  # an image data set's preview: this many examples, the classes in turn


def data_preview_figure(dataset, height: int = 220, title: str | None = None) -> Figure:
    """All points (train and test) of `dataset` in one small scatter; an image data set shows
    some of its images instead (a scatter of pixels' principal components says little)."""
    ds = dataset
    if ds.image_shape is not None and ds.task != "regression":
        return _image_preview(ds, height, title)
    y = np.concatenate([ds.y_train, ds.y_test])
    if y.ndim == 2:  # a token per position: colour each sequence by its first target token
        y = y[:, 0]
    if ds.geometry == "table":
        rows = np.concatenate([ds.x_train, ds.x_test])
        step = max(1, int(np.ceil(len(rows) / MAX_DRAWN_POINTS)))  # only the drawn points are needed
        xy = principal_components(rows[::step].astype(float))
        y = y[::step]
        axes = ("PC 1", "PC 2")
    else:
        xy = np.concatenate([ds.points_train, ds.points_test]).astype(float)
        line_axes = (ds.feature_names[0] if ds.feature_names else "x", "y")
        axes = coordinate_names(ds) if ds.geometry == "plane" else line_axes
    step = max(1, int(np.ceil(len(xy) / MAX_DRAWN_POINTS)))
    xy, y = xy[::step], y[::step]

    if ds.geometry == "line":
        marker = dict(color=SPLIT_COLORS["train"], size=5, opacity=0.6)
        px, py, text = xy[:, 0], y, None
    elif ds.task == "regression":
        centre = float(np.mean(y))
        spread = max(float(np.max(np.abs(y - centre))), 1e-9)
        marker = dict(color=y.astype(float), colorscale=DIVERGING, cmin=centre - spread, cmax=centre + spread,
                      size=6, line=dict(color="white", width=0.5))
        px, py, text = xy[:, 0], xy[:, 1], [f"{v:.3g}" for v in y]
    elif ds.task == "generative":  # unlabelled points (a GAN's target): one colour, no class to name
        marker = dict(color=SPLIT_COLORS["train"], size=5, opacity=0.6)
        px, py, text = xy[:, 0], xy[:, 1], None
    else:
        k = max(1, ds.n_classes)
        marker = dict(color=y, colorscale=class_colorscale(k), cmin=-0.5, cmax=k - 0.5, size=6,
                      line=dict(color="white", width=0.5))
        px, py, text = xy[:, 0], xy[:, 1], [ds.class_names[int(c)] for c in y]
    fig = Figure(trace(
        "scatter", x=px, y=py, mode="markers", marker=marker, name=ds.name, **({"text": text} if text else {}),
        hovertemplate=("%{text}<br>" if text is not None else "") + "(%{x:.2f}, %{y:.2f})<extra></extra>",
    ))
    fig.update_xaxes(title_text=axes[0], showticklabels=False, zeroline=False, showgrid=False)
    fig.update_yaxes(title_text=axes[1], showticklabels=False, zeroline=False, showgrid=False)
    if ds.geometry == "plane":
        x0, x1, y0, y1 = ds.extent
        fig.update_xaxes(range=[x0, x1], constrain="domain")
        fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1, constrain="domain")
    fig = base_layout(fig, title, height, uirevision=f"preview-{ds.name}", legend=False)
    fig.update_layout(margin=dict(l=28, r=8, t=36 if title else 8, b=28), font_size=12)
    return fig


def _image_preview(ds, height: int, title: str | None) -> Figure:
    """The first training images of each class in turn (class 0, 1, ..., then again), in the
    data's own pixel values, one mosaic, each tile's class on hover."""
    pixels = ds.featurize.unstandardize(ds.x_train)
    by_class = [np.flatnonzero(ds.y_train == k) for k in range(ds.n_classes)]
    order = [rows[i] for i in range(PREVIEW_IMAGES) for rows in by_class if i < len(rows)][:PREVIEW_IMAGES]
    images = pixels[order].reshape(len(order), *ds.image_shape).mean(axis=1)  # (K, H, W), channels averaged
    columns = 5
    size = images.shape[-1]
    z = mosaic(images, columns)
    names = np.full(z.shape, "", dtype=object)
    for i, row in enumerate(order):
        top, left = (n * (size + 1) for n in divmod(i, columns))
        names[top:top + size, left:left + size] = ds.class_names[ds.y_train[row]]
    fig = Figure(trace("heatmap", z=z, zmin=0, zmax=float(np.nanmax(images)) or 1.0, colorscale=INK,
                       showscale=False, customdata=names, hovertemplate="%{customdata}<extra></extra>"))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain")
    fig = base_layout(fig, title, height, uirevision=f"preview-{ds.name}", legend=False)
    fig.update_layout(margin=dict(l=8, r=8, t=36 if title else 8, b=8), font_size=12)
    return fig
