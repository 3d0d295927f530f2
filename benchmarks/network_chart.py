"""What the network diagram costs per redraw: built as plain data and written to JSON (what the
page does), against the same figure built as a validated go.Figure (what it did before), in one
process. Best of N, so a busy machine inflates both sides alike. Targets: ~3 ms for the default
network, ~15 ms for digits with 64-64-32 hidden units.

    .venv/bin/python benchmarks/network_chart.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import time

import plotly.graph_objects as go
import plotly.io as pio

from playground import charts
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

HEIGHT = 390  # the page's


def _dense(*units: int, activation: str) -> list[dict]:
    return [{"kind": "linear", "units": u, "activation": activation} for u in units]


CASES = {
    "default (2 | 4-2 tanh | 1)": Spec(),
    "digits-mlp preset (64 | 64-32 | 10)": get_preset("digits-mlp"),
    "digits 64 | 64-64-32 | 10": get_preset("digits-mlp").with_overrides(
        **{"model.layers": _dense(64, 64, 32, activation="relu")}),
    "6 hidden + dropout, batchnorm": Spec().with_overrides(**{"model.layers": [
        *_dense(8, 8, activation="tanh"), {"kind": "batchnorm"}, *_dense(8, 8, activation="tanh"),
        {"kind": "dropout", "p": 0.2}, *_dense(8, 8, activation="tanh")]}),
}


def best_ms(work, repeats: int) -> float:
    work()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    for name, spec in CASES.items():
        trainer = Trainer(spec)
        trainer.run(20)
        trainer.compute_visuals()
        snap = take_snapshot(trainer, "paused", "")
        plain = best_ms(lambda: charts.network_figure(snap, height=HEIGHT).to_json(), args.repeats)
        data = charts.network_figure(snap, height=HEIGHT).to_dict()
        validated = best_ms(lambda: pio.to_json(go.Figure(data), validate=False), args.repeats)
        print(f"{name:38}: Figure + JSON {plain:5.2f} ms, as go.Figure {validated:6.1f} ms ({validated / plain:.0f}x)")


if __name__ == "__main__":
    main()
