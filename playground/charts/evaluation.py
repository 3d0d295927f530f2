"""How the model does on the test set: a confusion matrix and each class's precision, recall and
F1 (classification), or predicted against true values and the residuals (regression). Each
returns None for the other kind of task."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from .figure import Figure, trace
from .style import COUNT_SCALE, GUIDE, MODEL, SPLIT_COLORS, base_layout


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


def class_scores(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(3, K): each class's precision (of the points called that class, the share that are), recall
    (of the points of that class, the share found) and F1 (their harmonic mean); 0 where a class is
    never predicted or absent. Token answers (N, T) count every token."""
    true, pred = np.asarray(true, dtype=np.int64).ravel(), np.asarray(pred, dtype=np.int64).ravel()
    precision, recall, f1, _ = precision_recall_fscore_support(true, pred, labels=list(range(n_classes)),
                                                               zero_division=0)
    return np.stack([precision, recall, f1])


# Greys for the two parts and the model's teal for F1, the score they make: blue and orange mean a
# sign everywhere else on the page.
SCORE_COLORS = {"precision": "#455a64", "recall": "#a7b6be", "F1": MODEL}


def class_scores_figure(snap, height: int = 340) -> Figure | None:
    """Precision, recall and F1 of each class on the test set, as bars; the title sets accuracy
    beside the mean F1, which an unbalanced set's rare class pulls down where accuracy hides it."""
    vis, ds = snap.visuals, snap.dataset
    if vis is None or ds.task == "regression":
        return None
    scores = class_scores(vis.test_true, vis.test_pred, ds.n_classes)
    accuracy = float(np.mean(np.asarray(vis.test_true).ravel() == np.asarray(vis.test_pred).ravel()))
    names = list(ds.class_names)
    fig = Figure([trace("bar", x=names, y=row, name=label, marker=dict(color=SCORE_COLORS[label]),
                        hovertemplate=f"%{{x}}: {label} %{{y:.2f}}<extra></extra>")
                  for label, row in zip(SCORE_COLORS, scores)])
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(type="category", title_text="class")
    fig.update_yaxes(range=[0, 1.05], title_text="score")
    title = f"Per class: accuracy {accuracy:.0%}, mean F1 {scores[2].mean():.2f}"
    return base_layout(fig, title, height, uirevision="class_scores")


def residuals_figure(snap, height: int = 340) -> Figure | None:
    """Each test point's residual (predicted − true) against its true value, around the zero line
    of a perfect model: a pattern in them (a curve, a funnel) is what the model has not learned."""
    vis, ds = snap.visuals, snap.dataset
    if vis is None or ds.task != "regression":
        return None
    true = np.asarray(vis.test_true, dtype=float)
    residual = np.asarray(vis.test_pred, dtype=float) - true
    total = float(((true - true.mean()) ** 2).sum()) or 1.0
    r2 = 1.0 - float(np.nansum(residual ** 2)) / total
    fig = Figure([
        trace("scatter", x=[float(np.nanmin(true)), float(np.nanmax(true))], y=[0, 0], mode="lines",
              name="perfect", line=dict(color=GUIDE, dash="dot", width=1.5), hoverinfo="skip"),
        trace("scatter", x=true, y=residual, mode="markers", name="test",
              marker=dict(color=SPLIT_COLORS["test"], size=7, opacity=0.7, symbol="diamond"),
              hovertemplate="true %{x:.3g}<br>predicted − true %{y:.3g}<extra></extra>"),
    ])
    fig.update_xaxes(title_text="true value")
    fig.update_yaxes(title_text="predicted − true")
    return base_layout(fig, f"Residuals (test): R² {r2_text(r2)}", height, uirevision="residuals")


def r2_text(value: float) -> str:
    """R² to 3 decimals, or to 3 significant digits where a diverged run makes it huge
    (-2.02e+21, not -2022532393442419408896.000)."""
    return f"{value:.3f}" if abs(value) < 1e4 else f"{value:.3g}"
