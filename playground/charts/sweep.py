"""A sweep's results as a picture: one setting -> a line of the metric over its values; two -> a
heatmap, a cell per variant, filling in as variants finish; three -> parallel coordinates. Random
samples of one or two settings -> a scatter, a point per variant at its values, coloured by the
metric (over one setting, the metric is the height).

Grid values are placed as categories in the order the sweep gave them (a learning rate of 0.001,
0.01, 0.1 reads evenly, as a log axis would); random samples as numbers, on a log axis where
they span more than a factor of 20. A diverged or failed variant is a grey cell (or point)
marked with its status: it has no score, but it is a result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..lab.sweep import Axis, VariantResult, combinations
from .figure import Figure, trace
from .style import COLORBAR_MARGIN, GUIDE, POSITIVE, base_layout

# Lower is better for losses: dark blue is the best cell either way.
LOSS_SCALE = [[0.0, POSITIVE], [1.0, "#f3f5f7"]]
SCORE_SCALE = [[0.0, "#f3f5f7"], [1.0, POSITIVE]]
FAILED = "#cfd8dc"
PICK = "pick"  # the trace whose point i is variant i, where a chart can be clicked (picked_variant)


def metric_label(metric: str) -> str:
    return {"test_loss": "test loss", "train_loss": "train loss", "best_test_loss": "best test loss",
            "test_acc": "test accuracy", "train_acc": "train accuracy", "test_r2": "test R²",
            "train_r2": "train R²"}.get(metric, metric)


def score(result: VariantResult | None, metric: str) -> float | None:
    """The variant's `metric`; None while it has not finished, NaN when it has no score (diverged)."""
    if result is None:
        return None
    value = result.scores.get(metric, math.nan)
    return value if result.status == "done" and math.isfinite(value) else math.nan


def sweep_figure(axes: Sequence[Axis], results: Sequence[VariantResult | None], metric: str,
                 height: int = 420, paired: bool = False) -> Figure:
    """results: in the order of lab.sweep.expand (the last axis fastest), None while training."""
    if paired and len(axes) < 3:
        return _scatter(axes, results, metric, height)
    if paired or len(axes) == 3:
        return _parallel(axes, results, metric, height, paired)
    if len(axes) == 1:
        return _line(axes[0], results, metric, height)
    return _heatmap(axes, results, metric, height)


def _text(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _heatmap(axes: Sequence[Axis], results: Sequence[VariantResult | None], metric: str, height: int) -> Figure:
    rows, cols = axes
    ys, xs = [_text(v) for v in rows.values], [_text(v) for v in cols.values]
    scores = [[score(results[i * len(xs) + j], metric) for j in range(len(xs))] for i in range(len(ys))]
    # Finished variants without a score (diverged, failed) sit on a grey layer under the scores.
    gone = [[0 if v is not None and math.isnan(v) else None for v in row] for row in scores]
    z = [[None if v is None or math.isnan(v) else v for v in row] for row in scores]
    text = [["…" if v is None else results[i * len(xs) + j].status if math.isnan(v) else f"{v:.3g}"
             for j, v in enumerate(row)] for i, row in enumerate(scores)]
    lower_is_better = "loss" in metric
    fig = Figure()
    fig.add_trace(trace("heatmap", x=xs, y=ys, z=gone, colorscale=[[0, FAILED], [1, FAILED]], showscale=False,
                        hoverinfo="skip", xgap=2, ygap=2))
    fig.add_trace(trace("heatmap", x=xs, y=ys, z=z, text=text, texttemplate="%{text}", textfont=dict(size=13),
                        colorscale=LOSS_SCALE if lower_is_better else SCORE_SCALE, xgap=2, ygap=2,
                        colorbar=dict(title=dict(text=metric_label(metric), side="right"), thickness=14),
                        hovertemplate=f"{cols.key}=%{{x}}<br>{rows.key}=%{{y}}<br>{metric_label(metric)}: "
                                      "%{text}<extra></extra>"))
    # Every cell's centre as an invisible marker: a click on a cell selects variant `point_index`
    # of this trace (the page opens it in the Playground; a heatmap itself reports no selection).
    fig.add_trace(trace("scatter", x=[x for _ in ys for x in xs], y=[y for y in ys for _ in xs], mode="markers",
                        marker=dict(size=30, opacity=0, symbol="square"), hoverinfo="none", name=PICK))
    fig.update_xaxes(type="category", title_text=cols.key, showgrid=False)
    fig.update_yaxes(type="category", title_text=rows.key, showgrid=False)
    fig = base_layout(fig, None, height, uirevision=f"sweep-{rows.key}-{cols.key}", legend=False)
    fig.update_layout(margin=dict(r=COLORBAR_MARGIN))
    return fig


def _line(axis: Axis, results: Sequence[VariantResult | None], metric: str, height: int) -> Figure:
    xs = [_text(v) for v in axis.values]
    values = [score(r, metric) for r in results]
    ys = [None if v is None or math.isnan(v) else v for v in values]
    fig = Figure(trace("scatter", x=xs, y=ys, mode="lines+markers", line=dict(color=POSITIVE, width=2),
                       marker=dict(size=9), name=metric_label(metric), connectgaps=False))
    fig.add_trace(trace("scatter", x=xs, y=[v if v is not None else 0 for v in ys], mode="markers",
                        marker=dict(size=24, opacity=0), hoverinfo="none", name=PICK))
    marks = [(x, r.status) for x, r, v in zip(xs, results, values) if r is not None and v is not None and math.isnan(v)]
    if marks:
        fig.add_trace(trace("scatter", x=[x for x, _ in marks], y=[None] * len(marks), mode="markers",
                            name="no score"))
        for x, status in marks:
            fig.add_annotation(x=x, y=0, yref="paper", text=status, showarrow=False, font=dict(color=GUIDE))
    fig.update_xaxes(type="category", title_text=axis.key)
    fig.update_yaxes(title_text=metric_label(metric))
    return base_layout(fig, None, height, uirevision=f"sweep-{axis.key}", legend=False)


def _scatter(axes: Sequence[Axis], results: Sequence[VariantResult | None], metric: str, height: int) -> Figure:
    """Random samples: point i is variant i (clickable, PICK), at its values; coloured by the
    metric, grey while it trains or where it has no score."""
    scores = [score(r, metric) for r in results]
    scored = [v is not None and not math.isnan(v) for v in scores]
    x_axis = axes[0]
    xs = [float(v) for v in x_axis.values]
    if len(axes) == 2:
        ys, y_title, y_log = [float(v) for v in axes[1].values], axes[1].key, _spans_decades(axes[1].values)
    else:  # one setting: the metric is the height; unscored variants sit on the floor of the plot
        finite = [v for v, ok in zip(scores, scored) if ok]
        floor = min(finite) if finite else 0.0
        ys, y_title, y_log = [v if ok else floor for v, ok in zip(scores, scored)], metric_label(metric), False
    lower_is_better = "loss" in metric
    texts = ["training…" if r is None else f"{v:.3g}" if ok else r.status
             for r, v, ok in zip(results, scores, scored)]
    hover = (f"{x_axis.key}=%{{x:.4g}}<br>{y_title}=%{{y:.4g}}<br>{metric_label(metric)}: "
             "%{text}<extra></extra>")
    done = [i for i, ok in enumerate(scored) if ok]
    rest = [i for i, ok in enumerate(scored) if not ok]
    fig = Figure()
    fig.add_trace(trace("scatter", x=[xs[i] for i in rest], y=[ys[i] for i in rest], text=[texts[i] for i in rest],
                        mode="markers", marker=dict(size=12, color=FAILED, line=dict(color=GUIDE, width=1)),
                        hoverinfo="skip", name="no score yet"))
    fig.add_trace(trace("scatter", x=[xs[i] for i in done], y=[ys[i] for i in done], text=[texts[i] for i in done],
                        mode="markers", name=metric_label(metric), hoverinfo="skip",
                        marker=dict(size=13, color=[scores[i] for i in done], line=dict(color=GUIDE, width=1),
                                    colorscale=LOSS_SCALE if lower_is_better else SCORE_SCALE, showscale=True,
                                    colorbar=dict(title=dict(text=metric_label(metric), side="right"),
                                                  thickness=14))))
    # Every variant, in order, as an invisible marker over the drawn ones: it answers hovers and
    # clicks (a click selects variant `point_index`; the page opens it in the Playground).
    fig.add_trace(trace("scatter", x=xs, y=ys, mode="markers", marker=dict(size=18, opacity=0), text=texts,
                        hovertemplate=hover, name=PICK))
    fig.update_xaxes(title_text=x_axis.key, **_number_axis(_spans_decades(x_axis.values)))
    fig.update_yaxes(title_text=y_title, **_number_axis(y_log))
    fig = base_layout(fig, None, height, uirevision=f"sweep-random-{'-'.join(a.key for a in axes)}", legend=False)
    fig.update_layout(margin=dict(r=COLORBAR_MARGIN))
    return fig


def _number_axis(log: bool) -> dict[str, Any]:
    """A log axis labelled at whole decades only (plotly labels every minor tick by default)."""
    return dict(type="log", dtick=1) if log else dict(type="linear")


def _spans_decades(values: Sequence[Any]) -> bool:
    """Positive numbers spread over more than a factor of 20: read on a log axis."""
    numbers = [float(v) for v in values]
    return bool(numbers) and min(numbers) > 0 and max(numbers) / min(numbers) > 20


def _parallel(axes: Sequence[Axis], results: Sequence[VariantResult | None], metric: str, height: int,
              paired: bool) -> Figure:
    """One line per finished variant with a score, through each setting's value and the metric."""
    combos = combinations(axes, paired)
    kept = [(c, score(r, metric)) for c, r in zip(combos, results) if r is not None]
    kept = [(c, v) for c, v in kept if v is not None and not math.isnan(v)]
    dimensions = []
    for k, axis in enumerate(axes):
        labels = [_text(v) for v in axis.values]
        numeric = all(isinstance(v, (int, float)) for v in axis.values)
        if numeric:
            dimensions.append(dict(label=axis.key, values=[float(c[k]) for c, _ in kept]))
        else:
            dimensions.append(dict(label=axis.key, values=[labels.index(_text(c[k])) for c, _ in kept],
                                   tickvals=list(range(len(labels))), ticktext=labels))
    dimensions.append(dict(label=metric_label(metric), values=[v for _, v in kept]))
    fig = Figure(trace("parcoords", dimensions=dimensions,
                       line=dict(color=[v for _, v in kept], colorscale=LOSS_SCALE if "loss" in metric else SCORE_SCALE,
                                 showscale=True)))
    return base_layout(fig, None, height, uirevision="sweep-parallel", legend=False)


def picked_variant(figure: Figure, points: list[dict]) -> int | None:
    """The variant a click selected: `points` as Streamlit's plotly selection gives them
    (curve_number, point_index). None when the click was on something else."""
    names = [t.get("name") for t in figure.data]
    if PICK not in names:
        return None
    pick = names.index(PICK)
    chosen = [p["point_index"] for p in points if p.get("curve_number") == pick and "point_index" in p]
    return chosen[-1] if chosen else None
