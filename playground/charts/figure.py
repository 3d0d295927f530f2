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
(`title_text="step"` sets `title.text`), as in plotly.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import orjson
import plotly.graph_objects as go

Props = dict[str, Any]


# The plotly property names with an underscore of their own (layout and trace attributes):
# these are names, never paths.
UNDERSCORED = frozenset({"paper_bgcolor", "plot_bgcolor", "error_x", "error_y", "error_z"})


def _path_dict(key: str, value: Any) -> Props:
    """'title_font_size', 12 -> {'title': {'font': {'size': 12}}} (plotly's "magic underscores";
    a name in UNDERSCORED stays whole, as a path's first part too: 'error_y_width')."""
    for name in UNDERSCORED:
        if key.startswith(name + "_"):
            return {name: _path_dict(key[len(name) + 1:], value)}
    head, *rest = key.split("_")
    out: Props = {head: None}
    node = out
    for part in rest:
        node[head] = {}
        node, head = node[head], part
    node[head] = value
    return out


def merge(target: Props, update: Props | None = None, **kwargs: Any) -> Props:
    """Merge `update` and `kwargs` into `target` in place: dicts merge key by key, anything
    else (values, lists, arrays) replaces. Returns `target`."""
    for source in (update or {}, kwargs):
        for key, value in source.items():
            if "_" in key and key not in UNDERSCORED:
                merge(target, _path_dict(key, value))
                continue
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

    def __init__(self, data: Iterable[Props] | Props | None = None, layout: Props | None = None) -> None:
        self.data: list[Props] = [data] if isinstance(data, dict) else list(data or [])
        self.layout: Props = merge({}, layout or {})

    def add_trace(self, trace_props: Props) -> Figure:
        self.data.append(trace_props)
        return self

    def add_traces(self, traces: Iterable[Props]) -> Figure:
        self.data.extend(traces)
        return self

    def update_layout(self, update: Props | None = None, **kwargs: Any) -> Figure:
        merge(self.layout, update, **kwargs)
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

    def to_dict(self) -> Props:
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        """JSON for plotly.js: numpy arrays as lists, NaN and inf as null (orjson, ~1 ms)."""
        return orjson.dumps(self.to_dict(), default=_jsonable,
                            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()

    def to_plotly(self) -> go.Figure:
        """The validated plotly figure (slow: tests, static exports, fallbacks)."""
        return go.Figure(orjson.loads(self.to_json()))


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
