"""A plotly chart that redraws in place while training runs.

Streamlit 1.67's st.plotly_chart gives a chart a new element id whenever its figure changes,
so on every live redraw the browser throws the chart away and builds it again. Measured in
headless Chromium (a screencast of the default run): the network diagram was blank 43% of
the time, the decision surface 18%, the loss curve 13%. This component (Streamlit components
v2, keyed, so its identity stays put) keeps one plotly.js graph per key and hands it each new
figure with Plotly.react, which updates the drawing in place and keeps the user's zoom and
hidden traces (layout.uirevision). A figure may carry `narrow` changes (charts/figure.py
Figure.when_narrow): applied where the chart is narrower than they say, and again whenever its
width crosses that line (a ResizeObserver), since only the browser knows the width.

plotly.js is the copy that ships inside the plotly Python package (nothing is downloaded),
served by Streamlit's static file serving: it is copied to static/ next to the app's main
script on first use. Where static serving is off, charts fall back to st.plotly_chart.
"""

from __future__ import annotations

import functools
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..charts.figure import Figure

STATIC_NAME = "plotly.min.js"

_JS = """
const PLOTLY_SRC = "app/static/%s";  // Streamlit's static serving, relative to the page

function loadPlotly() {
  if (!window.__playgroundPlotly) {
    window.__playgroundPlotly = new Promise((resolve, reject) => {
      if (window.Plotly) { resolve(window.Plotly); return; }
      const script = document.createElement("script");
      script.src = new URL(PLOTLY_SRC, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error("plotly.js did not load from " + script.src));
      document.head.appendChild(script);
    });
  }
  return window.__playgroundPlotly;
}

// Plain-object deep merge for a figure's `narrow` changes (ui: layout and trace props only).
function merged(base, change) {
  if (!change || typeof change !== "object" || Array.isArray(change)) return change === undefined ? base : change;
  const out = Object.assign({}, base);
  for (const [key, value] of Object.entries(change)) {
    const old = out[key];
    out[key] = old && typeof old === "object" && !Array.isArray(old) ? merged(old, value) : value;
  }
  return out;
}

// The figure as drawn at this width: a figure may carry `narrow` ({below, layout, data}), the
// changes it wants in a container narrower than `below` px (the server cannot know the width).
function shaped(figure, width) {
  const narrow = figure.narrow;
  if (!narrow || width >= narrow.below) return figure;
  return {
    data: figure.data.map((t, i) => merged(t, (narrow.data || [])[i])),
    layout: merged(figure.layout, narrow.layout),
  };
}

function isNarrow(graph, figure) {
  return Boolean(figure.narrow) && graph.clientWidth < figure.narrow.below;
}

function draw(graph) {
  const figure = graph.figure;
  graph.drawnNarrow = isNarrow(graph, figure);
  const { data, layout } = shaped(figure, graph.clientWidth);
  return loadPlotly()
    .then((Plotly) => Plotly.react(graph, data, layout, graph.config))
    .catch((error) => { graph.textContent = String(error); });
}

export default function (component) {
  const { parentElement, data } = component;
  let graph = parentElement.querySelector("div.live-chart");
  if (!graph) {
    graph = document.createElement("div");
    graph.className = "live-chart";
    graph.style.width = "100%%";
    parentElement.appendChild(graph);
  }
  // A redraw that brings the figure this graph already shows (a frozen view, a chart that did
  // not change) costs nothing: no parsing, no Plotly.react.
  if (graph.drawnFigure === data.figure) return;
  graph.drawnFigure = data.figure;  // properties, not attributes: kept out of the DOM
  graph.figure = JSON.parse(data.figure);
  graph.config = data.config;
  if (!graph.resizeWatch) {  // a figure with `narrow` is drawn again when the width crosses `below`
    graph.resizeWatch = new ResizeObserver(() => {
      if (graph.figure && graph.figure.narrow && isNarrow(graph, graph.figure) !== graph.drawnNarrow) draw(graph);
    });
    graph.resizeWatch.observe(graph);
  }
  draw(graph);
}
""" % STATIC_NAME  # noqa: UP031 - %s: the JavaScript's braces stay as they are

_live_chart = st.components.v2.component("playground_live_chart", js=_JS, isolate_styles=False)


def figure_json(fig: Figure | go.Figure, key: str) -> str:
    """What plotly.js gets for `fig` drawn under `key`; sets layout.uirevision to the key unless
    the figure has one, so zoom, pan and legend clicks survive redraws."""
    fig = _as_figure(fig)
    if fig.layout.get("uirevision") is None:
        fig.update_layout(uirevision=key)
    return fig.to_json()


def live_chart(fig: Figure | go.Figure, key: str, config: dict[str, Any], json_text: str | None = None) -> None:
    """Draw `fig` under `key`; drawn again under the same key, the chart updates in place.
    `json_text`: figure_json(fig, key) when the caller kept it from an earlier redraw."""
    fig = _as_figure(fig)
    if not st.get_option("server.enableStaticServing") or not _static_plotly_ready():
        st.plotly_chart(fig.to_plotly(), key=key, config=config)
        return
    height = fig.layout.get("height") or 450
    _live_chart(key=key, data={"figure": json_text or figure_json(fig, key), "config": {**config, "responsive": True}},
                height=int(height))


def _as_figure(fig: Figure | go.Figure) -> Figure:
    return Figure.from_plotly(fig) if isinstance(fig, go.Figure) else fig  # a chart not yet built as a Figure


def _static_plotly_ready() -> bool:
    ctx = get_script_run_ctx()
    return ctx is not None and _copy_plotly_js(str(Path(ctx.main_script_path).parent / "static"))


@functools.cache
def _copy_plotly_js(static_dir: str) -> bool:
    """Copy plotly.js from the plotly package into the app's static folder (once a process).
    False when that is impossible (a read-only install): the caller falls back."""
    source = resources.files("plotly") / "package_data" / STATIC_NAME
    target = Path(static_dir) / STATIC_NAME
    try:
        with resources.as_file(source) as path:
            if not target.exists() or target.stat().st_size != path.stat().st_size:
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, target)
        return True
    except OSError:
        return False
