"""What one redraw costs the browser, chart by chart: plotly.js (the copy inside the plotly
package, as the live charts use it) in headless Chromium, handed each chart's figure with
Plotly.react as ui/live_chart.py does, alternating between two snapshots a few hundred steps
apart so every redraw brings new data, each redraw followed by the frame that paints it.
Measured: the renderer's main-thread time a redraw (Chromium's TaskDuration: script, style,
layout, paint) and the CPU time of all Chromium's processes a redraw (with rasterising and
compositing, done in software here: no GPU). The baseline, in the same page: a redraw of an
empty figure (plotly's own floor, with the two frames); each chart's cost is also given as a
multiple of it.

    .venv/bin/python benchmarks/chart_paint.py [--steps 2000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from importlib import resources  # noqa: E402

from browser_speed import chromium_pids, cpu_seconds  # noqa: E402
from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from playground import charts  # noqa: E402
from playground.core.spec import Spec  # noqa: E402
from playground.train.snapshot import take_snapshot  # noqa: E402
from playground.train.trainer import Trainer  # noqa: E402

TOP_HEIGHT = 390  # ui/panels.py
EMPTY = type("Empty", (), {"to_json": lambda self: '{"data": [], "layout": {"height": 300}}'})()
# (chart, width in px it gets at 1440x900 with the sidebar open, builder)
CHARTS: list[tuple[str, int, Callable]] = [
    ("(empty figure)", 330, lambda s: EMPTY),
    ("network", 500, lambda s: charts.network_figure(s, height=TOP_HEIGHT)),
    ("surface", 430, lambda s: charts.decision_surface_figure(s, height=TOP_HEIGHT)),
    ("loss", 330, charts.loss_figure),
    ("metric", 260, charts.metric_figure),
    ("learning rate", 260, lambda s: charts.lr_figure(s, height=300)),
]

# Times Plotly.react on one graph for each figure in turn, to the second animation frame after
# it (the first runs before paint; the second starts once the frame was painted).
_TIME_REACT = """async ([figures, repeats]) => {
  const graph = document.getElementById('graph');
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  for (let i = 0; i < repeats; i++) {
    const fig = JSON.parse(figures[i % figures.length]);
    await Plotly.react(graph, fig.data, fig.layout, {displayModeBar: false});
    await frame(); await frame();
  }
}"""


def task_seconds(cdp) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def snapshots(spec: Spec, steps: int, apart: int = 250):
    trainer = Trainer(spec)
    shots = []
    for target in (steps, steps + apart):
        trainer.run(target - trainer.step)
        trainer.compute_visuals()
        shots.append(take_snapshot(trainer, "running", ""))
    return shots


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    plotly_js = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text()
    shots = snapshots(Spec(), args.steps)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_content("<div id='graph'></div>")
        page.add_script_tag(content=plotly_js)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        print(f"{'chart':16}{'main ms':>12}{'CPU ms':>12}{'x empty':>9}{'JSON kB':>9}   (a redraw)")
        totals, floor = [0.0, 0.0], None
        for name, width, build in CHARTS:
            figures = [build(s).to_json() for s in shots]
            page.evaluate(f"() => {{ const g = document.getElementById('graph'); Plotly.purge(g); "
                          f"g.style.width = '{width}px'; }}")
            page.evaluate(_TIME_REACT, [figures, 3])  # warm-up: the first draw builds the graph
            main_before, cpu_before = task_seconds(cdp), cpu_seconds(chromium_pids())
            page.evaluate(_TIME_REACT, [figures, args.repeats])
            main_ms = 1000 * (task_seconds(cdp) - main_before) / args.repeats
            cpu_ms = 1000 * (cpu_seconds(chromium_pids()) - cpu_before) / args.repeats
            if floor is None:
                floor = cpu_ms
            else:
                totals = [totals[0] + main_ms, totals[1] + cpu_ms]
            print(f"{name:16}{main_ms:12.1f}{cpu_ms:12.1f}{cpu_ms / floor:9.1f}{len(figures[0]) / 1000:9.1f}")
        print(f"{'= default view':16}{totals[0]:12.1f}{totals[1]:12.1f}{totals[1] / floor:9.1f}")
        browser.close()


if __name__ == "__main__":
    main()
