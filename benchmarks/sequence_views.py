"""What the sequence models' live views cost on the CPU, per redraw: the family's views computed
by the trainer (a recurrent network stepped by hand over 32 test sequences with the gradient
through time; a Transformer's attention weights), then each of its charts built and written to
JSON as the page does. Target (issue 11): each live view built in at most 50 ms. The baseline,
in the same process: one training update of the same model, so "x update" says how many
updates a redraw's views cost the training thread.

    .venv/bin/python benchmarks/sequence_views.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from playground.core.presets import get_preset
from playground.families.rnn import charts as rnn_charts
from playground.families.transformer import charts as transformer_charts
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

RECURRENT = [rnn_charts.answers_figure, rnn_charts.states_figure, rnn_charts.gates_figure,
             rnn_charts.gradient_through_time_figure]
TRANSFORMER = [transformer_charts.attention_figure, transformer_charts.positions_figure,
               transformer_charts.position_accuracy_figure]
PRESETS: dict[str, list[Callable]] = {"sine-rnn": RECURRENT, "adding-lstm": RECURRENT, "patterns-lstm": RECURRENT,
                                      "copy-transformer": TRANSFORMER, "reverse-transformer": TRANSFORMER}


def median_ms(work: Callable[[], object], repeats: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(f"{'preset':20} {'update ms':>9} {'views ms':>9} {'x update':>8}   charts (build + JSON, ms)")
    for name, figures in PRESETS.items():
        trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu"}))
        update = median_ms(trainer.train_step, args.repeats * 5)
        views = median_ms(trainer.compute_visuals, args.repeats)
        snap = take_snapshot(trainer, "running", "")
        drawn = [f for f in figures if f(snap) is not None]  # a plain RNN has no gates
        costs = [f"{f.__name__.removesuffix('_figure')} {median_ms(lambda f=f: f(snap).to_json(), args.repeats):.2f}"
                 for f in drawn]
        print(f"{name:20} {update:9.2f} {views:9.2f} {views / update:8.1f}   {', '.join(costs)}")


if __name__ == "__main__":
    main()
