"""Inside the layers: weight histograms (now and over time), gradient norms, update ratios.

All read the snapshot's telemetry: histogram counts over fixed bins (`weight_edges`,
`weight_counts`) and the long-form `layers` table (step, layer, grad_norm, update_ratio, ...).
NaN (no gradient before the first step) is drawn as a gap, never as a point.
"""

from __future__ import annotations

import numpy as np

from .curves import MAX_POINTS, thin_index
from .figure import Figure, trace
from .style import (
    COLORBAR_MARGIN,
    COUNT_SCALE,
    GUIDE,
    NEGATIVE,
    POSITIVE,
    base_layout,
    curve_style,
    layer_colors,
    legend_under,
    log_axis,
    message_figure,
)

HEALTHY_UPDATE_RATIO = 1e-3  # the usual rule of thumb for ||ΔW|| / ||W|| per step


def _centres(edges: np.ndarray) -> np.ndarray:
    return (edges[:-1] + edges[1:]) / 2


def weight_histogram_figure(snap, layer_index: int, height: int = 280) -> Figure:
    """Current weight counts of one dense layer as bars over its fixed bins (biases: a legend toggle).

    Bars are coloured by the sign of their bin (the bins never straddle 0). Bar heights are the
    snapshot's counts as they are, so they sum to the layer's weight count.
    """
    label = snap.layer_labels[layer_index]
    fig = Figure()
    parts = (("weights", snap.weight_edges, snap.weight_counts, True),
             ("biases", snap.bias_edges, snap.bias_counts, "legendonly"))
    for name, edges_list, counts_list, visible in parts:
        edges = np.asarray(edges_list[layer_index], dtype=float)
        counts = np.asarray(counts_list[layer_index][-1], dtype=float)  # (bins,) at the latest record
        if name == "biases" and not counts.any():
            continue  # a layer without biases (a conv or linear with bias=False): no empty toggle
        centres = _centres(edges)
        colors = np.where(centres < 0, NEGATIVE, POSITIVE)
        fig.add_trace(trace(
            "bar", x=centres, y=counts, width=np.diff(edges), name=name, visible=visible,
            customdata=np.stack([edges[:-1], edges[1:]], axis=1),
            marker=dict(color=colors if name == "weights" else "rgba(0,0,0,0)",
                        line=dict(color=colors, width=0 if name == "weights" else 2)),
            opacity=0.9,
            hovertemplate=f"{name} in [%{{customdata[0]:.3g}}, %{{customdata[1]:.3g}}): %{{y:.0f}}<extra></extra>",
        ))
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_xaxes(title_text="value", zeroline=True, zerolinecolor=GUIDE)
    fig.update_yaxes(title_text="count", rangemode="tozero")
    return base_layout(fig, f"Weights of {label}", height, uirevision=f"weights-{layer_index}")


def weight_evolution_figure(snap, layer_index: int, height: int = 300, max_points: int = MAX_POINTS) -> Figure:
    """Weight distribution over time (like TensorBoard's distributions): step x value, colour = count.

    Colour is log1p(count), so the few weights in the tails stay visible next to the crowded centre.
    """
    label = snap.layer_labels[layer_index]
    edges = np.asarray(snap.weight_edges[layer_index], dtype=float)
    counts = np.asarray(snap.weight_counts[layer_index], dtype=float)  # (T, bins)
    steps = np.asarray(snap.hist_steps)
    keep = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), max_points)).round().astype(int))
    steps, counts = steps[keep], counts[keep]
    top = max(1.0, float(counts.max()) if counts.size else 1.0)
    ticks = [v for v in (0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000) if v <= top]
    fig = Figure(trace(
        "heatmap", x=steps, y=_centres(edges), z=np.log1p(counts.T).astype(np.float32),
        customdata=counts.T.astype(np.int32),
        colorscale=COUNT_SCALE, zmin=0, zmax=np.log1p(top),
        colorbar=dict(title=dict(text="count"), tickvals=np.log1p(ticks), ticktext=[f"{t:,}" for t in ticks],
                      thickness=12, len=0.9),
        hovertemplate="step %{x}<br>value ≈ %{y:.3g}<br>count %{customdata:.0f}<extra></extra>",
    ))
    fig.add_hline(y=0, line=dict(color=GUIDE, width=1, dash="dot"))
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="weight value", range=[edges[0], edges[-1]])
    fig = base_layout(fig, f"Weights of {label} over time", height, uirevision=f"evolution-{layer_index}",
                      legend=False)
    return fig.update_layout(margin=dict(r=COLORBAR_MARGIN))


def _per_layer(snap, column: str, max_points: int, positive: bool) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """[(layer label, steps, values)] input side first; non-finite values (and, for a log axis,
    non-positive ones) -> NaN, drawn as gaps."""
    layer = snap.layers["layer"].to_numpy()  # numpy, not pandas masks: 10x less time on a redraw
    all_steps, all_values = snap.layers["step"].to_numpy(), snap.layers[column].to_numpy(dtype=float)
    out = []
    for label in snap.layer_labels:
        rows = np.flatnonzero(layer == label)
        rows = rows[thin_index(len(rows), max_points)]
        values = all_values[rows]
        values = np.where(np.isfinite(values) & ((values > 0) | (not positive)), values, np.nan)
        out.append((label, all_steps[rows], values))
    return out


def _layer_lines(snap, column: str, what: str, title: str, log_y: bool, height: int, max_points: int,
                 also_show: tuple[float, ...] = ()) -> Figure:
    """One line per layer; on a log axis, the range covers the values and `also_show` (a guide line)."""
    series = _per_layer(snap, column, max_points, positive=log_y)
    fig = Figure()
    for (label, steps, values), color in zip(series, layer_colors(len(series))):
        fig.add_trace(trace(
            "scatter", x=steps, y=values, name=label, **curve_style(int(np.isfinite(values).sum())),
            connectgaps=False, line=dict(color=color, width=2.5), marker=dict(color=color, size=6),
            hovertemplate=f"{label}<br>step %{{x}}<br>{what} %{{y:.3g}}<extra></extra>",
        ))
    # At most 4 step labels: more are turned on their side in a narrow chart, into the legend's room.
    fig.update_xaxes(title_text="step", rangemode="tozero", nticks=4)
    if log_y:
        shown = np.concatenate([values for _, _, values in series] + [np.asarray(also_show, dtype=float)])
        fig.update_yaxes(log_axis(shown))  # decades only: 2s and 5s between them crowd a small chart
    else:
        fig.update_yaxes(type="linear", exponentformat="none")
    fig.update_yaxes(title_text=what)
    return legend_under(base_layout(fig, title, height, uirevision=f"{column}-{log_y}"), len(series))


def gradient_norm_figure(snap, log_y: bool = True, height: int = 300, max_points: int = MAX_POINTS) -> Figure:
    """‖∇W‖₂ of each dense layer over the steps (one line per layer, input side light, output dark)."""
    return _layer_lines(snap, "grad_norm", "gradient norm", "Gradient norm per layer", log_y, height, max_points)


def update_ratio_figure(snap, height: int = 300, max_points: int = MAX_POINTS) -> Figure:
    """‖ΔW‖ / ‖W‖ per update, per layer, on a log scale, with the usual healthy level (1e-3) dotted.

    Far below the line: the layer barely learns (learning rate too low, or vanishing gradients);
    far above: updates are big compared with the weights (too high, unstable)."""
    fig = _layer_lines(snap, "update_ratio", "update / weight", "Update size / weight size", True, height,
                       max_points, also_show=(HEALTHY_UPDATE_RATIO,))
    fig.add_hline(y=HEALTHY_UPDATE_RATIO, line=dict(color=GUIDE, width=1.5, dash="dot"))
    # On a log axis a shape's y is the value, an annotation's is log10 of it.
    fig.add_annotation(x=1, xref="paper", xanchor="right", y=float(np.log10(HEALTHY_UPDATE_RATIO)), yref="y",
                       yanchor="bottom", text="1e-3 (typical)", bgcolor="rgba(255,255,255,0.7)", showarrow=False,
                       font=dict(size=12, color="#616161"))
    return fig


def gradient_bars_figure(snap, height: int = 280) -> Figure:
    """One bar per dense layer: its latest finite gradient norm, log scale, so vanishing or
    exploding gradients show at a glance (bars orders of magnitude apart)."""
    labels, values = [], []
    layer, norms = snap.layers["layer"].to_numpy(), snap.layers["grad_norm"].to_numpy(dtype=float)
    for label in snap.layer_labels:
        column = norms[layer == label]
        finite = column[np.isfinite(column) & (column > 0)]
        labels.append(label)
        values.append(float(finite[-1]) if finite.size else np.nan)
    if not np.isfinite(values).any():
        return message_figure("No gradients yet: take a training step.", "Latest gradient norm", height)
    fig = Figure(trace(
        "bar", x=labels, y=values, marker=dict(color=layer_colors(len(labels))),
        text=[f"{v:.2g}" if np.isfinite(v) else "" for v in values], textposition="outside",
        cliponaxis=False, hovertemplate="%{x}<br>gradient norm %{y:.3g}<extra></extra>",
    ))
    fig.update_xaxes(title_text="layer (input side → output)")
    finite = np.asarray(values)[np.isfinite(values)]
    low, high = np.log10(finite.min()), np.log10(finite.max())
    # Bars rise from a decade below the smallest, so a 10x gap between layers reads as a 10x gap;
    # at least 1.4 decades, so the axis labels decades only.
    fig.update_yaxes(log_axis(np.append(finite, 10.0 ** (np.floor(low) - 1))), title_text="gradient norm",
                     range=[float(np.floor(low) - 1), float(high + 0.4)])
    return base_layout(fig, "Latest gradient norm", height, legend=False)
