"""How the model does on the test set: a confusion matrix (classification) or predicted vs
true values (regression). Each returns None for the other kind of task."""

from __future__ import annotations

import numpy as np

from .figure import Figure, trace
from .style import COUNT_SCALE, GUIDE, SPLIT_COLORS, base_layout


def confusion_counts(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) counts, row = true class, column = predicted class; a token task's (N, T) answers count
    every token."""
    true, pred = np.asarray(true, dtype=np.int64).ravel(), np.asarray(pred, dtype=np.int64).ravel()
    return np.bincount(true * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def confusion_matrix_figure(snap, height: int | None = None) -> Figure | None:
    """Test-set counts in each cell; colour = share of that true class (rows sum to 100%)."""
    vis, ds = snap.visuals, snap.dataset
    if vis is None or ds.task == "regression":
        return None
    k = ds.n_classes
    names = list(ds.class_names)
    counts = confusion_counts(vis.test_true, vis.test_pred, k)
    totals = counts.sum(axis=1, keepdims=True)
    share = counts / np.maximum(totals, 1)
    accuracy = np.trace(counts) / max(1, counts.sum())
    what = "tokens" if ds.task == "tokens" else "points"
    fig = Figure(trace(
        "heatmap", x=names, y=names, z=share, zmin=0, zmax=1, colorscale=COUNT_SCALE, customdata=counts,
        text=counts, **({"texttemplate": "%{text}"} if k <= 12 else {}),
        colorbar=dict(title=dict(text="share of row"), tickformat=".0%", thickness=12, len=0.9),
        hovertemplate=f"true %{{y}}, predicted %{{x}}<br>%{{customdata}} {what} (%{{z:.0%}} of the row)<extra></extra>",
    ))
    fig.update_xaxes(title_text="predicted", type="category", side="bottom")
    fig.update_yaxes(title_text="true", type="category", autorange="reversed")
    size = height or int(min(560, 160 + 34 * k))
    fig = base_layout(fig, f"Confusion matrix (test, {accuracy:.0%} right)", size, uirevision="confusion",
                      legend=False)
    return fig


def prediction_scatter_figure(snap, height: int = 340) -> Figure | None:
    """Predicted against true value for each test point, with the y = x line of a perfect model."""
    vis, ds = snap.visuals, snap.dataset
    if vis is None or ds.task != "regression":
        return None
    true = np.asarray(vis.test_true, dtype=float)
    pred = np.asarray(vis.test_pred, dtype=float)
    finite = np.concatenate([true, pred])
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    fig = Figure([
        trace("scatter", x=[low - pad, high + pad], y=[low - pad, high + pad], mode="lines", name="perfect (y = x)",
              line=dict(color=GUIDE, dash="dot", width=1.5), hoverinfo="skip"),
        trace("scatter", x=true, y=pred, mode="markers", name="test",
              marker=dict(color=SPLIT_COLORS["test"], size=7, opacity=0.7, symbol="diamond"),
              hovertemplate="true %{x:.3g}<br>predicted %{y:.3g}<extra></extra>"),
    ])
    fig.update_xaxes(title_text="true value", range=[low - pad, high + pad], constrain="domain")
    fig.update_yaxes(title_text="predicted", range=[low - pad, high + pad], scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return base_layout(fig, "Predicted vs true (test)", height, uirevision="prediction")
