"""The network diagram, as in the TensorFlow playground: columns of nodes, links coloured by the
sign of their weight and as thick as its size.

Column 0 holds the inputs (named by the data's features), then one column per dense layer.
A column of more than MAX_NODES nodes draws its first MAX_NODES - 1 and says "… N more".
Links go into a handful of traces (sign x thickness bucket), so a big layer stays fast.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import GUIDE, NEGATIVE, NEUTRAL, POSITIVE, TRAIN, base_layout, sign_color

MAX_NODES = 32
MAX_LINKS_PER_LAYER = 256  # per pair of columns; a 32x32 pair has 1,024
BUCKETS = 4  # thickness levels per sign
LINK_WIDTHS = (0.7, 1.8, 3.4, 5.5)
LINK_OPACITY = (0.35, 0.55, 0.75, 0.95)
CURVE_POINTS = 7  # points along each S-shaped link (ends included)


def drawn_count(width: int) -> int:
    return width if width <= MAX_NODES else MAX_NODES - 1


def node_positions(widths: list[int]) -> list[np.ndarray]:
    """Per column, the y of each drawn node (top to bottom, centred on 0, one unit apart). x = column index."""
    out = []
    for width in widths:
        slots = min(width, MAX_NODES)  # a capped column keeps its last slot for "… N more"
        out.append((slots - 1) / 2 - np.arange(drawn_count(width), dtype=float))
    return out


def _output_names(snap) -> list[str]:
    ds, n = snap.dataset, snap.widths[-1]
    if snap.task == "regression":
        return ["prediction"]
    if n == 1:  # binary with one logit / probability
        return [f"P({ds.class_names[1]})"]
    return list(ds.class_names[:n])


def _link_traces(snap, ys: list[np.ndarray]) -> list[go.Scatter]:
    """S-curves between drawn nodes, grouped by (sign, thickness bucket); plus invisible midpoints for hover."""
    t = np.linspace(0.0, 1.0, CURVE_POINTS)
    ease = t * t * (3 - 2 * t)  # smoothstep: leaves and enters each node horizontally
    segments = []  # per layer: x0, y0, y1, weight, hover text
    for i, weights in enumerate(snap.visuals.weights):  # (out, in)
        w = weights[:len(ys[i + 1]), :len(ys[i])]
        out_idx, in_idx = np.meshgrid(np.arange(w.shape[0]), np.arange(w.shape[1]), indexing="ij")
        w, in_idx, out_idx = w.ravel(), in_idx.ravel(), out_idx.ravel()
        if w.size > MAX_LINKS_PER_LAYER:  # wide layers: only the strongest links, or the browser drowns
            keep = np.argsort(-np.nan_to_num(np.abs(w)))[:MAX_LINKS_PER_LAYER]
            w, in_idx, out_idx = w[keep], in_idx[keep], out_idx[keep]
        segments.append((i, ys[i][in_idx], ys[i + 1][out_idx], w, in_idx, out_idx))
    all_w = np.concatenate([s[3] for s in segments]) if segments else np.zeros(0)
    finite = np.abs(all_w[np.isfinite(all_w)])
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    traces = []
    xs_mid, ys_mid, hover = [], [], []
    grouped: dict[tuple[bool, int], tuple[list, list]] = {}
    for i, y0, y1, w, in_idx, out_idx in segments:
        bucket = np.minimum((np.nan_to_num(np.abs(w)) / scale * BUCKETS).astype(int), BUCKETS - 1)
        positive = w >= 0
        curve_x = i + t[None, :].repeat(len(w), axis=0)  # (links, CURVE_POINTS)
        curve_y = y0[:, None] + (y1 - y0)[:, None] * ease[None, :]
        for key in {(bool(p), int(b)) for p, b in zip(positive, bucket)}:
            mask = (positive == key[0]) & (bucket == key[1])
            gap = np.full((mask.sum(), 1), np.nan)  # NaN ends a line: one trace draws many links
            xs, ys_ = grouped.setdefault(key, ([], []))
            xs.append(np.hstack([curve_x[mask], gap]).ravel())
            ys_.append(np.hstack([curve_y[mask], gap]).ravel())
        source = snap.dataset.feature_names if i == 0 else None
        xs_mid.append(np.full(len(w), i + 0.5))
        ys_mid.append((y0 + y1) / 2)
        to_label = snap.layer_labels[i]
        from_label = f"{snap.layer_labels[i - 1]} #" if i else ""
        hover += [f"{source[a] if source is not None else f'{from_label}{a + 1}'} → {to_label} #{b + 1}: {v:.3g}"
                  for a, b, v in zip(in_idx, out_idx, w)]
    for (positive, bucket), (xs, ys_) in sorted(grouped.items()):
        traces.append(go.Scatter(
            x=np.concatenate(xs).astype(np.float32), y=np.concatenate(ys_).astype(np.float32), mode="lines",
            hoverinfo="skip", showlegend=False,
            name=f"{'positive' if positive else 'negative'} weights, size {bucket + 1}/{BUCKETS}",
            line=dict(color=POSITIVE if positive else NEGATIVE, width=LINK_WIDTHS[bucket]),
            opacity=LINK_OPACITY[bucket],
        ))
    if hover:
        traces.append(go.Scatter(
            x=np.concatenate(xs_mid).astype(np.float32), y=np.concatenate(ys_mid).astype(np.float32),
            mode="markers", name="weights",
            marker=dict(size=8, opacity=0), hovertext=hover, hoverinfo="text", showlegend=False,
        ))
    return traces


def network_figure(snap, height: int | None = None) -> go.Figure | None:
    """The diagram of the current weights (None before the first visuals exist)."""
    if snap.visuals is None:
        return None
    widths = list(snap.widths)
    ys = node_positions(widths)
    slots = max(min(w, MAX_NODES) for w in widths)
    row_px = float(np.clip(520 / slots, 16, 44))
    fig = go.Figure(_link_traces(snap, ys))

    names = list(snap.dataset.feature_names)
    outputs = _output_names(snap)
    biases = snap.visuals.biases
    bias_scale = max([float(np.nanmax(np.abs(b))) for b in biases if b.size] + [1e-9])
    node_x, node_y, colors, text, where, hover, ids = [], [], [], [], [], [], []
    for col, (width, y) in enumerate(zip(widths, ys)):
        for unit, yy in enumerate(y):
            node_x.append(col)
            node_y.append(yy)
            ids.append((col, unit))
            if col == 0:
                colors.append(NEUTRAL)
                text.append(names[unit] if unit < len(names) else f"input {unit + 1}")
                where.append("middle left")
                hover.append(f"input: {text[-1]}")
                continue
            bias = float(biases[col - 1][unit])
            colors.append(sign_color(bias, bias_scale))
            last = col == len(widths) - 1
            text.append(outputs[unit] if last and unit < len(outputs) else "")
            where.append("middle right")
            hover.append(f"{snap.layer_labels[col - 1]} unit {unit + 1}<br>bias {bias:.3g}")
    fig.add_trace(go.Scatter(
        x=node_x, y=node_y, mode="markers+text", name="nodes", text=text, textposition=where,
        customdata=ids, hovertext=hover, hoverinfo="text", cliponaxis=False, showlegend=False,
        marker=dict(size=min(26, row_px * 0.7), color=colors, symbol="square", line=dict(color=TRAIN, width=1.5)),
        textfont=dict(size=13),
    ))

    top = (slots - 1) / 2
    headers = ["inputs"] + [f"{label}<br>{w} · {act}" if label != "output" else f"output<br>{w}"
                            for label, w, act in zip(snap.layer_labels, widths[1:], snap.activations)]
    notes = []  # one layout update for all of them: add_annotation is slow
    for col, (header, width, y) in enumerate(zip(headers, widths, ys)):
        notes.append(dict(x=col, y=1, yref="paper", text=header, showarrow=False, yanchor="bottom",
                          font=dict(size=13, color="#455a64")))
        if width > MAX_NODES:
            notes.append(dict(x=col, y=y[-1] - 1, text=f"… {width - len(y)} more", showarrow=False,
                              font=dict(size=12, color="#607d8b")))
    links = sum(a * b for a, b in zip(widths, widths[1:]))
    legend = "blue = positive weight, orange = negative, thickness = size · node colour = bias"
    if any(min(a, MAX_NODES) * min(b, MAX_NODES) > MAX_LINKS_PER_LAYER for a, b in zip(widths, widths[1:])):
        legend = f"strongest {MAX_LINKS_PER_LAYER} links per layer of {links:,} · " + legend
    notes.append(dict(text=legend,
                      x=0.5, y=0, xref="paper", yref="paper", yanchor="top", yshift=-4, showarrow=False,
                      font=dict(size=12, color="#607d8b")))
    fig.update_layout(annotations=notes)
    label_room = 0.25 + 0.06 * max((len(n) for n in names[:MAX_NODES]), default=0)
    fig.update_xaxes(visible=False, range=[-0.3 - label_room, len(widths) - 1 + 0.3 + 0.08 * max(
        (len(o) for o in outputs), default=0)])
    fig.update_yaxes(visible=False, range=[-top - 0.7, top + 0.7])
    fig = base_layout(fig, None, height or int((slots + 1.4) * row_px + 84), uirevision="network", legend=False)
    fig.update_layout(margin=dict(l=8, r=8, t=48, b=28), hovermode="closest", dragmode=False)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False, zeroline=False, linecolor=GUIDE)
    return fig
