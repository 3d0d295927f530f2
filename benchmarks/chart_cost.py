"""What one redraw costs the server, chart by chart: building the figure and writing its JSON,
as the page does for every live chart on every redraw, against the old way in the same
process: the same figure as a validated plotly go.Figure (fig.to_plotly(), the cost of
building with plotly's classes) written by plotly.io.

Snapshots: the default run (Spec(), trained --steps steps), the digits-mlp preset (table
data: the confusion matrix takes the surface's place), and three blobs (a 3-class surface). Charts: the default view
(network, surface, loss, metric, learning rate), then every other tab's.

    .venv/bin/python benchmarks/chart_cost.py [--steps 2000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import plotly.graph_objects as go
import plotly.io as pio

from playground import charts
from playground.charts.figure import Figure
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.families.cnn import charts as cnn_charts
from playground.families.cnn.views import TRACED, image_views
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

TOP_HEIGHT = 390  # ui/panels.py: the network and the surface

DEFAULT_VIEW: dict[str, Callable] = {
    "network": lambda s: charts.network_figure(s, height=TOP_HEIGHT),
    "surface (or evaluation)": lambda s: (charts.decision_surface_figure(s, height=TOP_HEIGHT)
                                          or charts.confusion_matrix_figure(s, height=TOP_HEIGHT)
                                          or charts.prediction_scatter_figure(s, height=TOP_HEIGHT)),
    "loss": charts.loss_figure,
    "metric": charts.metric_figure,
    "learning rate": lambda s: charts.lr_figure(s, height=300),
}
OTHER_TABS: dict[str, Callable] = {
    "loss (log)": lambda s: charts.loss_figure(s, log_y=True),
    "weight histogram": lambda s: charts.weight_histogram_figure(s, 0),
    "weight evolution": lambda s: charts.weight_evolution_figure(s, 0),
    "gradient norm": charts.gradient_norm_figure,
    "gradient bars": charts.gradient_bars_figure,
    "update ratio": charts.update_ratio_figure,
    "neuron maps": lambda s: charts.neuron_maps_figure(s, 0),
    "evaluation": lambda s: charts.confusion_matrix_figure(s) or charts.prediction_scatter_figure(s),
    # A CNN's own (families/cnn/): nothing to draw for the other runs.
    "CNN filters": cnn_charts.filters_figure,
    "CNN feature maps": cnn_charts.feature_maps_figure,
    "CNN gallery": cnn_charts.gallery_figure,
}


def trained_snapshot(spec: Spec, steps: int):
    trainer = Trainer(spec)
    trainer.run(min(steps, trainer.total_steps))
    trainer.compute_visuals()
    _TRAINED[spec.to_json()] = trainer
    return take_snapshot(trainer, "paused", "")


_TRAINED: dict = {}


def _cnn_views(spec: Spec, steps: int):
    """Time of image_views alone on a trained CNN (the trainer is built once, outside the timing)."""
    trainer = _TRAINED.get(spec.to_json())
    if trainer is None:
        raise RuntimeError("train first")
    trainer.module.eval()
    return image_views(trainer.module, trainer.dataset, trainer.x_test)


def as_figure(fig) -> Figure:
    """What ui/live_chart.py sends: a Figure (a go.Figure, the network diagram until it is converted,
    is turned into one there, and that is part of its cost here too)."""
    return Figure.from_plotly(fig) if isinstance(fig, go.Figure) else fig


def median_ms(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def measure(snap, draw: Callable, repeats: int) -> tuple[float, float, int] | None:
    """(ms to build + write the JSON now, ms the validated go.Figure took, JSON bytes), or None."""
    fig = draw(snap)
    if fig is None:
        return None
    new = median_ms(lambda: as_figure(draw(snap)).to_json(), repeats)
    old = median_ms(lambda: pio.to_json(as_figure(draw(snap)).to_plotly(), validate=False), repeats)
    return new, old, len(as_figure(fig).to_json())


def report(title: str, snap, repeats: int) -> None:
    print(f"\n{title}")
    print(f"  {'chart':26}{'now ms':>9}{'validated ms':>14}{'ratio':>8}{'JSON kB':>9}")
    for group, chart_set in (("default view", DEFAULT_VIEW), ("other tabs", OTHER_TABS)):
        total_new = total_old = 0.0
        for name, draw in chart_set.items():
            result = measure(snap, draw, repeats)
            if result is None:
                print(f"  {name:26}{'(nothing to draw)':>31}")
                continue
            new, old, size = result
            total_new, total_old = total_new + new, total_old + old
            note = "  (go.Figure, converted)" if isinstance(draw(snap), go.Figure) else ""
            print(f"  {name:26}{new:9.2f}{old:14.1f}{old / new:7.0f}x{size / 1000:9.1f}{note}")
        print(f"  {'= ' + group:26}{total_new:9.2f}{total_old:14.1f}{total_old / total_new:7.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    runs = {f"default run (Spec(), {args.steps} steps)": Spec(),
            f"digits-mlp preset ({args.steps} steps)": get_preset("digits-mlp"),
            f"digits-cnn preset ({args.steps} steps: filters, feature maps, gallery)": get_preset("digits-cnn"),
            "fashion-cnn preset (its whole run: 28x28 images, the largest maps)": get_preset("fashion-cnn"),
            f"3 blobs ({args.steps} steps: the multiclass surface is a picture)":
                Spec().with_overrides(**{"data.name": "blobs", "data.classes": 3})}
    for title, spec in runs.items():
        snap = trained_snapshot(spec, args.steps)
        for draw in [*DEFAULT_VIEW.values(), *OTHER_TABS.values()]:  # warm-up: imports, plotly's validators
            fig = draw(snap)
            if fig is not None:
                as_figure(fig).to_plotly()
        report(title, snap, args.repeats)
        if snap.visuals.family is not None:
            views_ms = median_ms(lambda: _cnn_views(spec, args.steps), args.repeats)
            print(f"  the CNN's views computed with the pictures (feature maps of {TRACED} images, filters, "
                  f"gallery): {views_ms:.2f} ms; target for views + their charts: at most 50 ms a redraw")
    print("\nnow: build the chart + Figure.to_json() (orjson); validated: the same chart as fig.to_plotly() "
          "+ plotly.io.to_json, the cost of building it with plotly's classes. Medians, ms per chart.")


if __name__ == "__main__":
    main()
