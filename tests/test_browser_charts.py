"""The live charts as plotly.js draws them in Chromium (no server: the figures go straight to
Plotly.react, as ui/live_chart.py hands them over), for what only a browser can tell: whether
a redraw makes plotly draw the chart twice.

Run with:  pytest -m browser tests/test_browser_charts.py
"""

from __future__ import annotations

from importlib import resources

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, needs_browser
from playground import charts
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

pytestmark = pytest.mark.browser

TOP_HEIGHT = 390  # ui/panels.py
# The default view at 1440 x 900 (chart, its width in px, builder), and the Curves tab's log scale.
LIVE_CHARTS = [
    ("surface", 430, lambda s: charts.decision_surface_figure(s, height=TOP_HEIGHT, show_test=True)),
    ("loss", 330, charts.loss_figure),
    ("loss, log scale", 330, lambda s: charts.loss_figure(s, log_y=True)),
    ("metric", 260, charts.metric_figure),
    ("learning rate", 260, lambda s: charts.lr_figure(s, height=300)),
    ("network", 500, lambda s: charts.network_figure(s, height=TOP_HEIGHT)),
]

# Draws a figure and returns [the margins it asked for, the margins plotly used].
_DRAW = """async ([figure, width]) => {
  const graph = document.getElementById('graph');
  graph.style.width = width + 'px';
  Plotly.purge(graph);
  const fig = JSON.parse(figure);
  await Plotly.react(graph, fig.data, fig.layout, {displayModeBar: false});
  const asked = graph._fullLayout.margin, used = graph._fullLayout._size;
  return [[asked.l, asked.r, asked.t, asked.b], [used.l, used.r, used.t, used.b].map(Math.round)];
}"""


@pytest.fixture(scope="module")
def plotly_page():
    needs_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_content("<div id='graph'></div>")
            page.add_script_tag(content=(resources.files("plotly") / "package_data" / "plotly.min.js").read_text())
            yield page
        finally:
            browser.close()


@pytest.mark.parametrize("steps", [30, 3000])  # few points (markers, small numbers), a long run (step 3,000)
def test_live_charts_fit_their_margins(plotly_page, steps):
    """A margin too small for an axis's labels is pushed out by automargin, and plotly then
    draws the whole chart a second time, at every live redraw (measured: a third of a line
    chart's cost, benchmarks/chart_paint.py). The live charts ask for margins that fit."""
    trainer = Trainer(Spec().with_overrides(**{"train.epochs": 200}))
    trainer.run(steps)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "running", "")
    for name, width, build in LIVE_CHARTS:
        asked, used = plotly_page.evaluate(_DRAW, [build(snap).to_json(), width])
        assert used == asked, f"{name} at step {steps}: margins (l, r, t, b) {asked} pushed to {used}"
