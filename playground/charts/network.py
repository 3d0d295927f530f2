"""The network diagram, as in the TensorFlow playground: columns of nodes, links coloured by the
sign of their weight and as thick as its size, nodes coloured by their bias.

Column 0 holds the inputs (named by the data's features), then one column per dense layer;
dropout and normalisation layers are labelled bands between the columns they sit between. Where
layers read the data before the dense ones (a CNN's convolutions, a recurrent network's LSTM),
they are one band left of column 0, and column 0 is what they hand on: the flattened image, or
the state after the last step.
A column of more than MAX_NODES nodes draws its first MAX_NODES - 1 and says "… N more".
Links go into a handful of traces (sign x thickness bucket), so a big layer stays fast.

Built as plain data (figure.Figure, ~1 ms for the default network where a go.Figure took ~40).
Text is laid out in pixels, not left to plotly: the chart is ~650 px wide at 1440x900 and
~420 px at 1024x768, its height is fixed, and plotly.js neither wraps nor hides overlapping
annotations. So every label is sized for the narrow case (NARROW_PX): headers get shorter as
columns get closer, a dense column labels every k-th node, and the margins hold the longest
input and output names. Hover names every node and link whatever is labelled.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..core import catalog
from ..families.network import FEATURE_STAGE
from .figure import Figure, trace
from .style import DIVERGING, GUIDE, NEGATIVE, POSITIVE, TRAIN, base_layout

MAX_NODES = 32
MAX_LINKS_PER_LAYER = 256  # per pair of columns; a 32x32 pair has 1,024
BUCKETS = 4  # thickness levels per sign
LINK_WIDTHS = (0.7, 1.8, 3.4, 5.5)
LINK_OPACITY = (0.35, 0.55, 0.75, 0.95)
CURVE_POINTS = 7  # points along each S-shaped link (ends included)

NARROW_PX = 420  # the chart's width in the page at 1024x768: all text is laid out to fit it
CHAR_EM = 0.6  # a character's width / font size, on the wide side for the page's sans-serif fonts
LINE_EM = 1.25  # a line's height / font size
LABEL_FONT = 12  # input and output names
NOTE_FONT = 11  # the key under the diagram
MAX_LABEL_CHARS = 14  # longer names are cut with "…" (hover has them whole)
NODE_PX = 26  # the largest node
Y_PAD = 0.7  # y range beyond the outermost slots, in rows
X_PAD = 0.12  # x range beyond the first and last columns, in columns
LEAD = 0.5  # columns left of column 0 for the band of layers that read the data first
HEADER_GAP = 8  # px between neighbouring headers
MIN_BAND_FONT = 8  # a band too thin for this has no label; the key names it
TEXT_COLOR = "#455a64"
MUTED = "#607d8b"
BAND_FILL = "rgba(255, 255, 255, 0.82)"  # links show faintly through a band: they pass through the layer

# Column headers, most informative first; the first whose text fits the column spacing is used.
HEADER_STYLES = (("full", 13), ("full", 11), ("stacked", 11), ("units", 10))
_ACT_SHORT = {"leaky_relu": "lrelu", "sigmoid": "sigm", "softplus": "splus", "softsign": "ssign",
              "identity": "lin"}


def drawn_count(width: int) -> int:
    return width if width <= MAX_NODES else MAX_NODES - 1


def node_positions(widths: list[int], spacing: list[float] | None = None) -> list[np.ndarray]:
    """Per column, the y of each drawn node (top to bottom, centred on 0, `spacing` units apart,
    1 by default). x = column index."""
    out = []
    for width, gap in zip(widths, spacing or [1.0] * len(widths)):
        slots = min(width, MAX_NODES)  # a capped column keeps its last slot for "… N more"
        out.append(((slots - 1) / 2 - np.arange(drawn_count(width), dtype=float)) * gap)
    return out


def label_spacing(width: int, slots: int, row_px: float) -> float:
    """Rows between the nodes of a named column (inputs, outputs): 1, or more where the diagram's
    rows are too close for a line of text and the column has room to spread (digits' 10 classes
    beside 64 inputs); the names then fit without leaving any out."""
    need = LINE_EM * LABEL_FONT / max(row_px, 1e-9)
    if need <= 1 or width <= 1 or width > MAX_NODES:
        return 1.0
    return float(min(need, (slots - 1) / (width - 1)))


def text_px(text: str, size: float) -> float:
    """Estimated width of `text` (lines split at <br>) in px; errs wide."""
    return max(len(line) for line in text.split("<br>")) * CHAR_EM * size


def text_lines(text: str) -> int:
    return text.count("<br>") + 1


def short_name(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[:MAX_LABEL_CHARS - 1] + "…"


def labelled_units(drawn: int, width: int, row_px: float) -> list[int]:
    """Which of a column's `drawn` nodes get a name, rows being `row_px` apart: every k-th, k the
    fewest rows a line of LABEL_FONT text needs, so names never overlap. A capped column keeps
    its last slot ("… N more", at row `drawn`) clear of names too."""
    stride = max(1, math.ceil(LINE_EM * LABEL_FONT / max(row_px, 1e-9)))
    last = drawn - stride if width > drawn else drawn - 1
    return list(range(0, last + 1, stride))


def _output_names(snap) -> list[str]:
    ds, n = snap.dataset, snap.widths[-1]
    if snap.task == "regression":
        return ["prediction"]
    if n == 1:  # binary with one logit / probability
        return [f"P({ds.class_names[1]})"]
    return [str(c) for c in ds.class_names[:n]]


def _more_text(hidden: int, room_px: float) -> tuple[str, int]:
    """The note under a capped column, and its font size: the longest that fits (its hover says it in full)."""
    for text, size in ((f"… {hidden} more", 12), (f"+{hidden}", 10)):
        if text_px(text, size) <= room_px:
            return text, size
    return "⋮", 12


def _headers(snap, widths: list[int], style: str) -> list[str]:
    acts = snap.activations
    if style == "full":
        return ([f"{column_zero(snap)}<br>{widths[0]}"] + [f"{label}<br>{w} · {act.replace('_', ' ')}"
                                              for label, w, act in zip(snap.dense_labels[:-1], widths[1:], acts)]
                + [f"output<br>{widths[-1]}"])
    if style == "stacked":
        return ([f"{widths[0]}<br>in"] + [f"{w}<br>{_ACT_SHORT.get(act, act)}" for w, act in zip(widths[1:-1], acts)]
                + [f"{widths[-1]}<br>out"])
    return [str(w) for w in widths]


def _band_texts(layer) -> tuple[str, str, str]:
    """(label, short label, hover) of one non-dense layer."""
    option = catalog.ALL_LAYERS.get(layer.kind)
    settings = dict(layer.settings)
    name = option.label if option else layer.kind
    if layer.kind == "dropout":
        label, short = f"dropout {settings['p']:g}", f"drop {settings['p']:g}"
    else:
        label, short = name, {"batchnorm": "BN", "layernorm": "LN"}.get(layer.kind, name[:4])
    details = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in settings.items())
    about = textwrap.fill(option.description, 48).replace("\n", "<br>") if option else ""  # hover labels never wrap
    hover = f"<b>{name}</b>{f' ({details})' if details else ''}<br>{about}"
    return label, short, hover


@dataclass
class _Geometry:
    """Where text goes, in px at the narrow width, and what it says."""

    top_px: int  # margins
    bottom_px: int
    left_px: int
    right_px: int
    row_px: float  # between neighbouring rows
    spacing: list[float]  # per column, rows between its nodes (node_positions)
    col_px: float  # between neighbouring columns (at NARROW_PX; more on a wider page)
    node_px: float
    band_px: float  # thickness of a band of non-dense layers
    band_font: int  # its label's size; under MIN_BAND_FONT the band has no label and the key names it
    header_font: int
    headers: list[str]
    headers_fit: bool
    note_lines: list[str]
    labels: list[list[int]]  # per column: the units that get a name (inputs and outputs only)


def _wrap(parts: list[str], size: int, width_px: float) -> list[str]:
    """Join `parts` with " · " into lines no wider than width_px."""
    lines: list[str] = []
    for part in parts:
        if lines and text_px(lines[-1] + " · " + part, size) <= width_px:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def _activations_key(activations: list[str]) -> list[str]:
    """What the key says when the headers are unit counts only: 'hidden: tanh' or 'hidden: tanh ×3, relu ×3'."""
    runs = Counter(activations)
    if not runs:
        return ["header = units"]
    return ["hidden: " + ", ".join(a if len(runs) == 1 else f"{a} ×{n}" for a, n in runs.items()), "header = units"]


def _bands_key(snap) -> str:
    """What the key says when bands are too thin to write in: 'bands: BN after hidden 1, drop 0.2 after hidden 2'."""
    where = ["inputs"] + list(snap.dense_labels)
    return "bands: " + ", ".join(f"{_band_texts(layer)[1]} " + (f"after {where[layer.after]}" if layer.after >= 0
                                                                 else f"before {column_zero(snap)}")
                                 for layer in snap.non_dense_layers)


def has_feature_stage(snap) -> bool:
    """Whether layers read the data before the dense layers do (column 0 is then their output)."""
    return any(layer.after == FEATURE_STAGE for layer in snap.non_dense_layers)


def column_zero(snap) -> str:
    """What column 0 holds: the inputs, or what the layers before the dense ones hand on."""
    if not has_feature_stage(snap):
        return "inputs"
    kinds = {layer.kind for layer in snap.non_dense_layers if layer.after == FEATURE_STAGE}
    if kinds & catalog.RECURRENT_LAYERS.keys():
        return "last step"  # the recurrent state after reading the whole sequence
    if kinds & catalog.TRANSFORMER_LAYERS.keys():
        return "per position"  # the dense layers act on every position's vector alike
    if "noise" in kinds:
        return "noise"  # a GAN's generator reads noise z, not the data
    return "flattened"  # a CNN's maps


def input_names(snap) -> list[str]:
    """The names of column 0's nodes: the data's features, or none where column 0 is not the data."""
    return [] if has_feature_stage(snap) else [str(n) for n in snap.dataset.feature_names]


def _layout(snap, widths: list[int], height: int, names: list[str], outputs: list[str], note_parts: list[str],
            header_style: str, header_font: int) -> _Geometry:
    """The geometry for one header style: margins from the text they hold, then row and column spacing."""
    slots = max(min(w, MAX_NODES) for w in widths)
    n_cols = len(widths)
    headers = _headers(snap, widths, header_style)
    note_lines = _wrap(note_parts, NOTE_FONT, NARROW_PX - 16)
    # whole px, as the figure's margins are: the rows' spacing below is then exact
    top = math.ceil(max(text_lines(h) for h in headers) * LINE_EM * header_font + 12)
    bottom = math.ceil(len(note_lines) * LINE_EM * NOTE_FONT + 10)
    row_px = (height - top - bottom) / (slots - 1 + 2 * Y_PAD)
    spacing = [1.0] * n_cols
    labels: list[list[int]] = [[] for _ in widths]
    for col in (0, n_cols - 1):
        spacing[col] = label_spacing(widths[col], slots, row_px)
        labels[col] = labelled_units(drawn_count(widths[col]), widths[col], row_px * spacing[col])
    node_r = min(NODE_PX, 0.7 * row_px) / 2
    left_text = max([text_px(short_name(names[i]), LABEL_FONT) for i in labels[0] if i < len(names)], default=0)
    right_text = max([text_px(outputs[i], LABEL_FONT) for i in labels[-1] if i < len(outputs)], default=0)
    more_px = [text_px(f"… {w - drawn_count(w)} more", 12) / 2 if w > MAX_NODES else 0 for w in widths]
    left = math.ceil(max(left_text + node_r + 8, text_px(headers[0], header_font) / 2, more_px[0]) + 4)
    right = math.ceil(max(right_text + node_r + 8, text_px(headers[-1], header_font) / 2, more_px[-1]) + 4)
    lead = LEAD if has_feature_stage(snap) else 0.0
    col_px = (NARROW_PX - left - right) / (n_cols - 1 + lead + 2 * X_PAD)
    header_px = [text_px(h, header_font) for h in headers]
    fit = all((a + b) / 2 + HEADER_GAP <= col_px for a, b in zip(header_px, header_px[1:]))
    node_px = max(4.0, min(NODE_PX, 0.7 * row_px, (0.35 if snap.non_dense_layers else 0.55) * col_px))
    band_px = float(np.clip(col_px - node_px - 8, 4, 16))  # >= 4 px clear of the nodes either side
    band_font = int(min(11, band_px - 4))
    return _Geometry(top, bottom, left, right, row_px, spacing, col_px, node_px, band_px, band_font, header_font,
                     headers, fit, note_lines, labels)


def _geometry(snap, widths: list[int], height: int, names: list[str], outputs: list[str],
              note_parts: list[str]) -> _Geometry:
    """The most informative header style whose headers fit the column spacing; the key names
    whatever the headers or the bands had no room for."""
    for style, font in HEADER_STYLES:
        parts = note_parts + (_activations_key(snap.activations[:-1]) if style == "units" else [])
        geo = _layout(snap, widths, height, names, outputs, parts, style, font)
        if geo.headers_fit:
            break
    if snap.non_dense_layers and geo.band_font < MIN_BAND_FONT:
        geo = _layout(snap, widths, height, names, outputs, parts + [_bands_key(snap)], style, font)
    return geo


def link_widths(row_px: float, col_px: float) -> tuple[float, ...]:
    """LINK_WIDTHS where rows and columns are roomy; thinner where they are close (digits' rows are
    9 px apart: 5.5 px links would be a solid mat), never under 0.5 px."""
    scale = float(np.clip(min(row_px, col_px / 2) / 30, 0.3, 1.0))
    return tuple(round(max(0.5, w * scale), 2) for w in LINK_WIDTHS)


_T = np.linspace(0.0, 1.0, CURVE_POINTS)
_EASE = _T * _T * (3 - 2 * _T)  # smoothstep: a link leaves and enters its nodes horizontally


def _strongest(weights: np.ndarray, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drawn links of one dense layer, weights (out, in): (weight, in index, out index) per
    link, at most MAX_LINKS_PER_LAYER of them, the biggest |weight| first where that cuts."""
    w = weights[:n_out, :n_in].ravel()  # row-major: link k is out k // n_in, in k % n_in
    k = np.arange(w.size)
    if w.size > MAX_LINKS_PER_LAYER:  # wide layers: only the strongest links, or the browser drowns
        size = np.nan_to_num(np.abs(w), nan=0.0)
        k = np.argpartition(-size, MAX_LINKS_PER_LAYER - 1)[:MAX_LINKS_PER_LAYER]
    return w[k], k % n_in, k // n_in


def _link_traces(snap, ys: list[np.ndarray], widths: tuple[float, ...]) -> list[dict]:
    """S-curves between drawn nodes, grouped by (sign, thickness bucket) into at most 2 x BUCKETS
    traces; then one invisible trace a layer with a hover point at each link's middle."""
    layers = [_strongest(w, len(ys[i]), len(ys[i + 1])) for i, w in enumerate(snap.visuals.weights)]
    all_w = np.concatenate([w for w, _, _ in layers]) if layers else np.zeros(0)
    finite = np.abs(all_w[np.isfinite(all_w)])
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    curves_x, curves_y, keys = [], [], []
    for i, (w, src, dst) in enumerate(layers):
        y0, y1 = ys[i][src], ys[i + 1][dst]  # (links,)
        gap = np.full((len(w), 1), np.nan)  # NaN (null in JSON) ends a line: one trace draws many links
        curves_x.append(np.hstack([np.broadcast_to(i + _T, (len(w), CURVE_POINTS)), gap]))  # (links, P + 1)
        curves_y.append(np.hstack([y0[:, None] + (y1 - y0)[:, None] * _EASE, gap]))
        bucket = np.minimum((np.nan_to_num(np.abs(w)) / scale * BUCKETS).astype(int), BUCKETS - 1)
        keys.append(np.where(w >= 0, BUCKETS, 0) + bucket)  # negative buckets 0.., positive BUCKETS..
    traces = []
    if layers:
        curve_x, curve_y, key = np.concatenate(curves_x), np.concatenate(curves_y), np.concatenate(keys)
        for k in np.unique(key).tolist():
            positive, bucket = k >= BUCKETS, k % BUCKETS
            rows = key == k
            traces.append(trace(
                "scatter", x=curve_x[rows].ravel().astype(np.float32), y=curve_y[rows].ravel().astype(np.float32),
                mode="lines", hoverinfo="skip", showlegend=False,
                name=f"{'positive' if positive else 'negative'} weights, size {bucket + 1}/{BUCKETS}",
                line={"color": POSITIVE if positive else NEGATIVE, "width": widths[bucket]},
                opacity=LINK_OPACITY[bucket],
            ))
    inputs = np.asarray(input_names(snap) + [""] * len(ys[0]), dtype=object)
    for i, (w, src, dst) in enumerate(layers):
        to_label = snap.dense_labels[i]
        source = (f"{snap.dense_labels[i - 1]} #%{{customdata[0]}}" if i
                  else "%{text}" if input_names(snap) else f"{column_zero(snap)} #%{{customdata[0]}}")
        hover = trace(
            "scatter", x=np.full(len(w), i + 0.5, dtype=np.float32),
            y=((ys[i][src] + ys[i + 1][dst]) / 2).astype(np.float32), mode="markers", name="weights",
            marker={"size": 8, "opacity": 0}, showlegend=False,
            customdata=np.stack([src + 1, dst + 1, w], axis=1).astype(np.float32),  # (links, 3): from, to, weight
            hovertemplate=f"{source} → {to_label} #%{{customdata[1]}}: %{{customdata[2]:.3g}}<extra></extra>",
        )
        if i == 0:
            hover["text"] = inputs[src].tolist()
        traces.append(hover)
    return traces


def _node_trace(snap, widths: list[int], ys: list[np.ndarray], names: list[str], outputs: list[str],
                geo: _Geometry) -> dict:
    """One trace of every drawn node: colour = bias (on the diverging scale; inputs neutral), names
    beside the input and output columns where geo.labels says, hover for every node."""
    biases = snap.visuals.biases
    bias_scale = max([float(np.nanmax(np.abs(b))) for b in biases if b.size] + [1e-9])
    last = len(widths) - 1
    node_x, node_y, values, text, where, hover, ids = [], [], [], [], [], [], []
    for col, y in enumerate(ys):
        shown = set(geo.labels[col])
        node_x += [col] * len(y)
        node_y += y.tolist()
        ids += [(col, unit) for unit in range(len(y))]
        if col == 0:
            values += [0.0] * len(y)
            text += [short_name(names[u]) if u in shown and u < len(names) else "" for u in range(len(y))]
            where += ["middle left"] * len(y)
            hover += [f"input {u + 1}: {names[u]}" if u < len(names) else f"{column_zero(snap)} {u + 1}"
                      for u in range(len(y))]
            continue
        bias = biases[col - 1][:len(y)].astype(float)
        values += np.nan_to_num(bias).tolist()
        label, act = snap.dense_labels[col - 1], snap.activations[col - 1]
        if col == last:
            text += [outputs[u] if u in shown and u < len(outputs) else "" for u in range(len(y))]
            hover += [f"output {outputs[u] if u < len(outputs) else u + 1}<br>bias {b:.3g}"
                      for u, b in enumerate(bias.tolist())]
        else:
            text += [""] * len(y)
            hover += [f"{label} unit {u + 1} ({act})<br>bias {b:.3g}" for u, b in enumerate(bias.tolist())]
        where += ["middle right"] * len(y)
    return trace(
        "scatter", x=node_x, y=node_y, mode="markers+text", name="nodes", text=text, textposition=where,
        customdata=ids, hovertext=hover, hoverinfo="text", cliponaxis=False, showlegend=False,
        marker={"size": round(geo.node_px, 1), "color": values, "colorscale": DIVERGING, "cmin": -bias_scale,
                "cmax": bias_scale, "symbol": "square", "line": {"color": TRAIN, "width": 1.5 if geo.node_px >= 10
                                                                  else 1}},
        textfont={"size": LABEL_FONT, "color": TEXT_COLOR},
    )


def _band_notes(snap, geo: _Geometry, slots: int, capped: bool) -> list[dict]:
    """One band per gap holding non-dense layers: a box across the diagram's height, its label
    written upwards inside it, hover describing each layer."""
    gaps: dict[int, list] = {}
    for layer in snap.non_dense_layers:
        gaps.setdefault(layer.after, []).append(layer)
    top = (slots - 1) / 2 + 0.4  # 0.4 rows above the top slot, to 0.4 below the last or clear of "… N more"
    clear_more = max(0.6, (LINE_EM * 12 / 2 + 2) / geo.row_px)  # in rows: half its line and 2 px
    bottom = -(slots - 1) / 2 + (clear_more if capped else -0.4)
    length = (top - bottom) * geo.row_px  # px
    notes = []
    for after, layers in sorted(gaps.items()):
        texts = [_band_texts(layer) for layer in layers]
        text = ""
        if geo.band_font >= MIN_BAND_FONT:
            for candidate in (" · ".join(t[0] for t in texts), " · ".join(t[1] for t in texts)):
                if text_px(candidate, geo.band_font) <= length - 8:
                    text = candidate
                    break
        notes.append(dict(
            # a box `length` px long and band_px thick, turned upright with its text (width and height are
            # the unturned text box's)
            x=after + 0.5, y=(top + bottom) / 2, text=text or " ", textangle=-90, width=round(length),
            height=round(geo.band_px), showarrow=False, xanchor="center", yanchor="middle", bgcolor=BAND_FILL,
            bordercolor=GUIDE, borderwidth=1, borderpad=0, hovertext="<br>".join(t[2] for t in texts),
            font={"size": max(geo.band_font, MIN_BAND_FONT), "color": TEXT_COLOR}, name="layer band",
        ))
    return notes


def network_figure(snap, height: int | None = None) -> Figure | None:
    """The diagram of the current weights (None before the first visuals exist)."""
    if snap.visuals is None:
        return None
    widths = list(snap.widths)
    slots = max(min(w, MAX_NODES) for w in widths)
    height = height or int((slots + 1.4) * float(np.clip(520 / slots, 16, 44)) + 84)
    names = input_names(snap)
    outputs = _output_names(snap)

    links = sum(a * b for a, b in zip(widths, widths[1:]))
    note_parts = ["blue = positive weight", "orange = negative", "thickness = size", "node colour = bias"]
    if any(min(a, MAX_NODES) * min(b, MAX_NODES) > MAX_LINKS_PER_LAYER for a, b in zip(widths, widths[1:])):
        note_parts.insert(0, f"strongest {MAX_LINKS_PER_LAYER} links per layer of {links:,}")
    geo = _geometry(snap, widths, height, names, outputs, note_parts)

    ys = node_positions(widths, geo.spacing)
    fig = Figure(_link_traces(snap, ys, link_widths(geo.row_px, geo.col_px)))
    fig.add_trace(_node_trace(snap, widths, ys, names, outputs, geo))

    notes = _band_notes(snap, geo, slots, max(widths) > MAX_NODES)  # one layout update for all annotations
    for col, (header, width, y) in enumerate(zip(geo.headers, widths, ys)):
        notes.append(dict(x=col, y=1, yref="paper", text=header, showarrow=False, yanchor="bottom", yshift=2,
                          font={"size": geo.header_font, "color": TEXT_COLOR}, name="header"))
        if width > MAX_NODES:
            more, size = _more_text(width - len(y), geo.col_px - HEADER_GAP)
            notes.append(dict(x=col, y=y[-1] - geo.spacing[col], text=more, showarrow=False, name="more",
                              font={"size": size, "color": MUTED}, hovertext=f"{width - len(y)} more units, not drawn"))
    notes.append(dict(text="<br>".join(geo.note_lines), x=0.5, y=0, xref="paper", yref="paper", yanchor="top",
                      yshift=-4, showarrow=False, font={"size": NOTE_FONT, "color": MUTED}, name="key"))

    top = (slots - 1) / 2
    base_layout(fig, None, height, uirevision="network", legend=False)
    fig.update_layout(
        annotations=notes, hovermode="closest", dragmode=False,
        margin={"l": geo.left_px, "r": geo.right_px, "t": geo.top_px, "b": geo.bottom_px},
    )
    lead = LEAD if has_feature_stage(snap) else 0.0
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False, range=[-lead - X_PAD, len(widths) - 1 + X_PAD])
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, range=[-top - Y_PAD, top + Y_PAD])
    return fig
