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

import numpy as np
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, sample_colorscale

from .figure import Figure

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

FONT = dict(family="Inter, 'Source Sans Pro', Helvetica, Arial, sans-serif", size=14, color="#263238")

_AXIS = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2, ticks="",
             automargin=True, tickfont=dict(size=12, color="#78909c"),
             title=dict(standoff=12, font=dict(size=13, color="#607d8b")))
_COLORBAR = dict(outlinewidth=0, ticks="", tickfont=dict(size=12, color="#78909c"),
                 title=dict(font=dict(size=13, color="#607d8b")))
# plotly_white's look, minus its defaults for trace types we never draw: assigning the full
# template costs ~40 ms per figure (it is deep-copied and validated), this one ~1 ms.
TEMPLATE = go.layout.Template(
    layout=dict(paper_bgcolor="white", plot_bgcolor="white", font=FONT, hovermode="closest",
                hoverlabel=dict(align="left", font_size=13), xaxis=_AXIS, yaxis=_AXIS,
                coloraxis=dict(colorbar=_COLORBAR), colorway=OPTIMIZER_COLORS),
    data=dict(heatmap=[go.Heatmap(colorbar=_COLORBAR)], bar=[go.Bar(marker_line_width=0)]),
)
TEMPLATE_DICT = TEMPLATE.to_plotly_json()  # the same, as plain data, for figure.Figure (merged, never mutated)


def class_color(k: int) -> str:
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def layer_colors(n: int) -> list[str]:
    """n colours from light-ish teal (first hidden layer) to dark purple (output)."""
    if n <= 1:
        return ["#440154"]
    return sample_colorscale("Viridis", list(np.linspace(0.75, 0.0, n)))


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


def base_layout(fig: go.Figure | Figure, title: str | None, height: int, uirevision: str | None = None,
                legend: bool = True) -> go.Figure | Figure:
    """White template, big readable fonts, tight margins, legend above the plot area.

    `uirevision` (default: the title) stays the same from one redraw to the next, so a
    user's zoom and hidden legend entries survive live updates; keep titles free of
    changing numbers, or pass a fixed `uirevision`.
    """
    fig.update_layout(
        template=TEMPLATE if isinstance(fig, go.Figure) else TEMPLATE_DICT,
        title=dict(text=title, x=0.0, xanchor="left", y=0.98, yanchor="top", font=dict(size=16, weight=600))
        if title else None,
        height=height,
        margin=dict(l=56, r=16, t=44 if title else 12, b=44),
        showlegend=legend,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom",
                    bgcolor="rgba(255,255,255,0)", font=dict(size=13)),
        uirevision=uirevision or title or "chart",
    )
    return fig


def message_figure(text: str, title: str | None = None, height: int = 260) -> go.Figure:
    """An empty chart that says why there is nothing to draw yet."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=15, color="#607d8b"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title, height, legend=False)
