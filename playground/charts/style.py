"""The one colour language of every chart, and the layout all figures share.

    sign (negative / positive)   orange .. light grey .. blue, as in the TensorFlow playground:
                                 decision surface, network links and nodes, histogram bars
    data split                   TRAIN dark slate (solid lines), TEST magenta (dashed lines)
    class                        CLASS_COLORS[k]; for two classes, class 0 / 1 are the sign
                                 palette's ends, so a binary surface and its points agree
    optimizer                    OPTIMIZER_COLORS[i], for comparisons
    counts (histogram heat maps, confusion matrix)   COUNT_SCALE, white .. slate: no sign, no class
    layers (input side -> output)                    layer_colors(n), a sequential scale
"""

from __future__ import annotations

import functools
import math

import numpy as np
from plotly.colors import hex_to_rgb, sample_colorscale

from .figure import Figure, Props

NEGATIVE = "#f59322"  # TF playground orange
NEUTRAL = "#e8eaeb"  # TF playground's mid grey: a surface at exactly 0 / p = 0.5
POSITIVE = "#0877bd"  # TF playground blue
DIVERGING = [[0.0, NEGATIVE], [0.5, NEUTRAL], [1.0, POSITIVE]]

TRAIN = "#263238"
TEST = "#d81b60"
SPLIT_COLORS = {"train": TRAIN, "test": TEST}
SPLIT_DASH = {"train": "solid", "test": "dash"}
MODEL = "#00897b"  # the model's own curve where data points are also drawn (1-D regression)
GUIDE = "#9e9e9e"  # reference lines: y = x, healthy update ratio, zero

CLASS_COLORS = [
    NEGATIVE, POSITIVE, "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]
OPTIMIZER_COLORS = [  # ColorBrewer Dark2: eight colours that stay apart on white and on a projector
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
]
COUNT_SCALE = [[0.0, "#ffffff"], [0.15, "#cfd8dc"], [0.6, "#607d8b"], [1.0, "#1c262b"]]

# px: y tick labels + title; half the last x tick label ("12k", "2000"), which hangs past the
# plot's right end; x tick labels + title (see base_layout)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_BOTTOM = 64, 28, 50
COLORBAR_MARGIN = 84  # px right of a plot with a colour bar: the bar and its labels

FONT = dict(family="Inter, 'Source Sans Pro', Helvetica, Arial, sans-serif", size=14, color="#263238")

_AXIS = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2, ticks="",
             automargin=True, tickfont=dict(size=12, color="#78909c"),
             title=dict(standoff=12, font=dict(size=13, color="#607d8b")))
_COLORBAR = dict(outlinewidth=0, ticks="", tickfont=dict(size=12, color="#78909c"),
                 title=dict(font=dict(size=13, color="#607d8b")))
# plotly_white's look, minus its defaults for trace types we never draw, as plotly.js takes a
# template: layout.template = {layout: {...}, data: {trace type: [defaults]}}. plotly.js applies it
# to every axis (xaxis2, ...) and heatmap, as plotly's Template class did. Each figure gets its own
# copy (template(), ~10 µs), so a change to one figure's template never reaches another.
def template() -> Props:
    return {
        "layout": dict(paper_bgcolor="white", plot_bgcolor="white", font=dict(FONT), hovermode="closest",
                       hoverlabel=dict(align="left", font=dict(size=13)), xaxis=_copy(_AXIS), yaxis=_copy(_AXIS),
                       coloraxis=dict(colorbar=_copy(_COLORBAR)), colorway=list(OPTIMIZER_COLORS)),
        "data": {"heatmap": [{"type": "heatmap", "colorbar": _copy(_COLORBAR)}],
                 "bar": [{"type": "bar", "marker": {"line": {"width": 0}}}]},
    }


def _copy(d: Props) -> Props:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in d.items()}


TEMPLATE = template()  # for reading; figures take a fresh copy

FEW_POINTS = 12  # a curve with this many points or fewer also draws its points (one record: no line)
MINOR_GRID = "#f5f7fb"  # fainter than the template's grid: the unlabelled 2..9 between decades


def class_color(k: int) -> str:
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


@functools.lru_cache(maxsize=64)  # plotly's sample_colorscale takes ~0.3 ms; a redraw asks again and again
def layer_colors(n: int) -> tuple[str, ...]:
    """n colours from light-ish teal (first hidden layer) to dark purple (output)."""
    if n <= 1:
        return ("#440154",)
    return tuple(sample_colorscale("Viridis", list(np.linspace(0.75, 0.0, n))))


def sign_color(value: float, limit: float) -> str:
    """The diverging colour of `value` on a scale from -limit to +limit (an 'rgb(...)' string)."""
    t = 0.5 if limit <= 0 or not np.isfinite(value) else 0.5 + 0.5 * float(np.clip(value / limit, -1, 1))
    return sample_colorscale(DIVERGING, [t])[0]


def with_alpha(color: str, alpha: float) -> str:
    """'#rrggbb' -> 'rgba(r, g, b, alpha)'."""
    r, g, b = hex_to_rgb(color)
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def tint(color: str, amount: float) -> str:
    """Mix '#rrggbb' with white: amount 0 = the colour, 1 = white."""
    r, g, b = (round(c + (255 - c) * amount) for c in hex_to_rgb(color))
    return f"rgb({r}, {g}, {b})"


def base_layout(fig: Figure, title: str | None, height: int, uirevision: str | None = None,
                legend: bool = True) -> Figure:
    """White template, big readable fonts, tight margins, legend above the plot area.

    `uirevision` (default: the title) stays the same from one redraw to the next, so a
    user's zoom and hidden legend entries survive live updates; keep titles free of
    changing numbers, or pass a fixed `uirevision`. Takes a Figure (a go.Figure works too, slowly).
    """
    layout = dict(
        height=height,
        # Room for what the axes usually need (numbers up to ~6 characters and the axis titles):
        # where the labels need more, automargin pushes the margin out and plotly draws the
        # whole chart a second time, at every live redraw (a third of a line chart's cost).
        margin=dict(l=MARGIN_LEFT, r=MARGIN_RIGHT, t=44 if title else 12, b=MARGIN_BOTTOM),
        showlegend=legend,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0)", font=dict(size=13)),
        uirevision=uirevision or title or "chart",
    )
    if isinstance(fig, Figure):
        fig.layout["template"] = template()  # a fresh copy already: merging would copy it again (~0.5 ms)
    else:
        layout["template"] = _plotly_template()  # a go.Figure (network.py until converted)
    if title:
        layout["title"] = dict(text=title, x=0.0, xanchor="left", y=0.98, yanchor="top",
                               font=dict(size=16, weight=600))
    fig.update_layout(layout)
    return fig


LEGEND_ROW = 19  # px per row of a legend under the plot (font 12)
LEGEND_ENTRY = 56  # px for an entry's label ("hidden 10" at 12 px); plotly adds 40 for the line sample
LEGEND_PER_ROW = 2  # entries a row where the chart is narrowest: ~300 px (ui/style.py wraps narrower columns)


def legend_under(fig: Figure, entries: int) -> Figure:
    """Move the legend under the x axis, in rows of LEGEND_ENTRY px as wide as the plot area, and
    grow the figure by rows of LEGEND_PER_ROW entries so the plot area keeps its size. On top, a
    legend of 3 or more layers wrapped beside the title and pushed the plot down by automargin
    (plotly then draws the chart twice a redraw); here its room is reserved. A wider chart puts
    more entries in a row and leaves part of that room empty."""
    rows = -(-entries // LEGEND_PER_ROW)
    layout = fig.layout
    margin = layout.get("margin", {})
    top, bottom = margin.get("t", 44), margin.get("b", MARGIN_BOTTOM)
    extra = rows * LEGEND_ROW + 8
    fig.update_layout(
        height=layout["height"] + extra, margin=dict(b=bottom + extra),
        # y in plot-area heights (paper): the legend's top just under the x axis title
        legend=dict(orientation="h", x=0.0, xanchor="left", y=-(bottom - 4) / (layout["height"] - top - bottom),
                    yanchor="top", entrywidth=LEGEND_ENTRY, entrywidthmode="pixels", itemwidth=30,
                    font=dict(size=12)),
    )
    return fig


@functools.cache
def _plotly_template():
    """TEMPLATE as plotly's class, checked once: a go.Figure given the dict checks it every time (~0.5 s)."""
    import plotly.graph_objects as go

    return go.layout.Template(TEMPLATE)


def curve_style(n_points: int) -> Props:
    """A curve's mode: 'lines', or for a short curve 'lines+markers', unclipped (one record draws
    nothing as a line, and a point at step 0 sits on the plot's edge)."""
    return dict(mode="lines+markers", cliponaxis=False) if n_points <= FEW_POINTS else dict(mode="lines")


def log_axis(values, max_labels: int = 6) -> Props:
    """Settings for a log axis that shows `values` (NaN, inf and values <= 0 are left out).

    Spanning about a decade or more: labels at decades only (1, 10, 10², 10⁻³; every k-th decade when
    there are more than `max_labels`), with unlabelled minor ticks and faint grid lines between,
    never plotly's digit labels ('4 5 6 7 8 9 0.01 2 3'); the range reaches at least two labelled
    decades. Less than a decade: plotly's own linear-in-value ticks, labelled in full (the range
    stays under one decade, where plotly would switch to digits)."""
    values = np.asarray(values, dtype=float).ravel()
    positive = values[np.isfinite(values) & (values > 0)]
    axis: Props = {"type": "log", "exponentformat": "power"}
    if not positive.size:
        return axis
    low, high = math.log10(positive.min()), math.log10(positive.max())
    span = high - low
    if span >= 0.9:  # (not 1: the rounding of log10, and room for padding in the other branch)
        per_label = max(1, math.ceil(span / max_labels))
        low, high = low - 0.04 * span, high + 0.04 * span
        if math.floor(high) - math.ceil(low) < 1:  # one labelled decade inside: reach the nearer next one
            if low - math.floor(low) < math.ceil(high) - high:
                low = math.floor(low) - 0.02
            else:
                high = math.ceil(high) + 0.02
        axis.update(range=[low, high], tick0=0, dtick=per_label,
                    minor=dict(dtick="D1" if per_label == 1 else 1, ticks="outside", ticklen=3,
                               tickcolor="#b0bec5", showgrid=True, gridcolor=MINOR_GRID))
    else:
        shown = max(span, 0.1)  # a flat curve still gets a few ticks
        pad = min(0.05 * shown, (0.96 - shown) / 2)  # >= 0.03
        centre = (low + high) / 2
        axis.update(range=[centre - shown / 2 - pad, centre + shown / 2 + pad])
    return axis


def message_figure(text: str, title: str | None = None, height: int = 260) -> Figure:
    """An empty chart that says why there is nothing to draw yet."""
    fig = Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=15, color="#607d8b"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title, height, legend=False)
