"""Figure: a plotly figure as plain data, {"data": [...], "layout": {...}}, built without
plotly's validation.

A plotly `go.Figure` checks every property as it is set. Measured on the default run
(2-core VM, plotly 7.1): 30-50 ms to build one live chart, ~200 ms for the five charts the
page shows first, while their JSON takes 1-4 ms. Redrawn four times a second, that would be
the server's whole time, taken under the GIL from the training thread. plotly.js needs only
the JSON, so the charts build it directly: traces and layout are dicts, numpy arrays stay
arrays until `to_json()`, and `to_plotly()` returns the validated `go.Figure` where one is
wanted (tests check every chart with it; static exports and the st.plotly_chart fallback use it).

The methods are the few `go.Figure` ones chart code uses, with the same meaning: nested
dicts merge, lists and values replace, and a keyword with underscores is a path
(`title_text="step"` sets `title.text`), as in plotly, but for the few names plotly spells
with one (UNDERSCORED: paper_bgcolor, error_y, ...). `subplot_grid` stands in for
make_subplots, `frames` for an animation's frames (dicts, as `go.Frame` takes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import orjson
import plotly.graph_objects as go

Props = dict[str, Any]


# The only plotly property names with an underscore of their own (every graph_objects class
# checked, plotly 7.1); any other underscore in a keyword is a path separator.
UNDERSCORED = frozenset({"paper_bgcolor", "plot_bgcolor", "error_x", "error_y", "error_z",
                         "copy_ystyle", "copy_zstyle"})


def _path(key: str) -> list[str]:
    """'title_font_size' -> ['title', 'font', 'size']; 'error_y_color' -> ['error_y', 'color']."""
    parts, out = key.split("_"), []
    i = 0
    while i < len(parts):
        if i + 1 < len(parts) and f"{parts[i]}_{parts[i + 1]}" in UNDERSCORED:
            out.append(f"{parts[i]}_{parts[i + 1]}")
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def merge(target: Props, update: Props | None = None, **kwargs: Any) -> Props:
    """Merge `update` and `kwargs` into `target` in place: dicts merge key by key, anything
    else (values, lists, arrays) replaces. Returns `target`."""
    for source in (update or {}, kwargs):
        for key, value in source.items():
            if "_" in key and key not in UNDERSCORED:
                head, *rest = _path(key)
                for name in reversed(rest):
                    value = {name: value}
                key = head
            if isinstance(value, dict):
                node = target.get(key)
                if not isinstance(node, dict):
                    node = target[key] = {}
                merge(node, value)
            else:
                target[key] = value
    return target


def trace(kind: str, **props: Any) -> Props:
    """One trace: trace("scatter", x=xs, y=ys, line_color="red") -> {"type": "scatter", ...}."""
    return merge({"type": kind}, **props)


class Figure:
    """Traces and layout as plain dicts; see the module docstring."""

    def __init__(self, data: Iterable[Props] | Props | None = None, layout: Props | None = None,
                 frames: Iterable[Props] | None = None) -> None:
        self.data: list[Props] = [data] if isinstance(data, dict) else list(data or [])
        self.layout: Props = merge({}, layout or {})
        self.frames: list[Props] = list(frames or [])  # animation frames: {name, data, traces}
        # What changes where the chart is drawn narrower than narrow["below"] px (the page's width
        # is known only in the browser): {"below": px, "layout": {...}, "data": [{...} per trace]},
        # merged in by the live chart (ui/live_chart.py); other renderers draw the wide figure.
        self.narrow: Props | None = None

    @classmethod
    def from_plotly(cls, fig: go.Figure) -> Figure:
        """A go.Figure as a Figure (for charts still built with plotly's classes)."""
        d = fig.to_dict()
        return cls(d.get("data"), d.get("layout"), d.get("frames"))

    def add_trace(self, trace_props: Props) -> Figure:
        self.data.append(trace_props)
        return self

    def add_traces(self, traces: Iterable[Props]) -> Figure:
        self.data.extend(traces)
        return self

    def update_layout(self, update: Props | None = None, **kwargs: Any) -> Figure:
        merge(self.layout, update, **kwargs)
        return self

    def update_traces(self, update: Props | None = None, selector: Props | None = None, **kwargs: Any) -> Figure:
        """Every trace, or those whose top-level values equal `selector`'s (selector=dict(type="heatmap"))."""
        for t in self.data:
            if all(t.get(key) == value for key, value in (selector or {}).items()):
                merge(t, update, **kwargs)
        return self

    def update_xaxes(self, update: Props | None = None, **kwargs: Any) -> Figure:
        return self._update_axes("x", update, kwargs)

    def update_yaxes(self, update: Props | None = None, **kwargs: Any) -> Figure:
        return self._update_axes("y", update, kwargs)

    def _update_axes(self, letter: str, update: Props | None, kwargs: Props) -> Figure:
        """Every axis of that letter in the layout (xaxis, xaxis2, ...), or the first one."""
        names = [k for k in self.layout if k == f"{letter}axis" or
                 (k.startswith(f"{letter}axis") and k[len(letter) + 4:].isdigit())]
        for name in names or [f"{letter}axis"]:
            merge(self.layout.setdefault(name, {}), update, **kwargs)
        return self

    def add_annotation(self, **props: Any) -> Figure:
        self.layout.setdefault("annotations", []).append(merge({}, **props))
        return self

    def add_shape(self, **props: Any) -> Figure:
        self.layout.setdefault("shapes", []).append(merge({}, **props))
        return self

    def add_hline(self, y: float, **props: Any) -> Figure:
        """A line across the plot at data y (on a log axis too: shapes take data values there)."""
        return self.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, **props)

    def add_vline(self, x: float, **props: Any) -> Figure:
        return self.add_shape(type="line", yref="y domain", y0=0, y1=1, xref="x", x0=x, x1=x, **props)

    def add_layout_image(self, **props: Any) -> Figure:
        self.layout.setdefault("images", []).append(merge({}, **props))
        return self

    def when_narrow(self, below: int, layout: Props | None = None, data: list[Props] | None = None) -> Figure:
        """Changes to make where the chart is less than `below` px wide: `layout` merged into the
        layout, data[i] into trace i (magic underscores as in update_layout)."""
        self.narrow = {"below": int(below), "layout": merge({}, layout or {}),
                       "data": [merge({}, t) for t in data or []]}
        return self

    def to_dict(self) -> Props:
        out = {"data": self.data, "layout": self.layout}
        if self.frames:
            out["frames"] = self.frames
        if self.narrow:
            out["narrow"] = self.narrow
        return out

    def to_json(self) -> str:
        """JSON for plotly.js: numpy arrays as lists, NaN and inf as null (orjson, ~1 ms)."""
        return orjson.dumps(self.to_dict(), default=_jsonable,
                            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()

    def to_plotly(self) -> go.Figure:
        """The validated plotly figure (slow: tests, static exports, fallbacks)."""
        return go.Figure({k: v for k, v in orjson.loads(self.to_json()).items() if k != "narrow"})


def subplot_grid(rows: int, cols: int, horizontal_spacing: float | None = None, vertical_spacing: float | None = None,
                 titles: list[str] | None = None) -> tuple[Props, list[tuple[str, str]]]:
    """make_subplots' layout without plotly: axes xaxis, xaxis2, ... on a rows x cols grid (row-major,
    top row first; spacings are fractions of the figure as there), each anchored to its partner, and
    titles as annotations above their cells. Returns (layout, [(xaxis id, yaxis id)] per cell), the
    ids as a trace takes them: trace(..., xaxis="x2", yaxis="y2")."""
    horizontal_spacing = 0.2 / cols if horizontal_spacing is None else horizontal_spacing  # make_subplots' defaults
    if vertical_spacing is None:
        vertical_spacing = (0.5 if titles is not None else 0.3) / rows  # titles need room
    width = (1 - horizontal_spacing * (cols - 1)) / cols
    height = (1 - vertical_spacing * (rows - 1)) / rows
    layout: Props = {}
    cells, annotations = [], []
    for n in range(rows * cols):
        r, c = divmod(n, cols)
        suffix = "" if n == 0 else str(n + 1)
        x0 = c * (width + horizontal_spacing)
        y1 = 1 - r * (height + vertical_spacing)
        layout[f"xaxis{suffix}"] = {"domain": [x0, min(1.0, x0 + width)], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": [max(0.0, y1 - height), y1], "anchor": f"x{suffix}"}  # -1e-17: 0
        cells.append((f"x{suffix}", f"y{suffix}"))
        if titles and n < len(titles):
            annotations.append({"text": titles[n], "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                                "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                                "font": {"size": 16}})
    if annotations:
        layout["annotations"] = annotations
    return layout, cells


def _jsonable(value: Any) -> Any:
    """What orjson cannot write by itself: non-contiguous or object arrays, numpy scalars."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not value.flags.c_contiguous:
            return np.ascontiguousarray(value)
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} into a figure's JSON")
