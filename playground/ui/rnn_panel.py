"""The recurrent family's panels in the live view (panels.py calls them when a run's visuals
carry a recurrent network's views): in the Neurons tab, a test sequence the user picks as the
network reads it (its hidden state, its gates, its answer after each step); in the Gradients
tab, the gradient that reaches each step (backpropagation through time). `chart` is
panels.chart, which redraws a figure in place only when its snapshot moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ..families.rnn import charts as rnn_charts
from ..families.rnn.views import GRADIENT_BATCH
from ..train.snapshot import Snapshot
from .widgets import KEEP

Chart = Callable[..., Any]  # panels.chart(key, snap, build, *options)


def units(snap: Snapshot, chart: Chart) -> None:
    """The picked test sequence: the answer after each step, then a recurrent layer's state and gates."""
    views = snap.visuals.family
    example = _choice("Test sequence", "rnn_example", [_sequence_label(snap, i) for i in range(len(views.inputs))],
                      "Which of the first test sequences to follow through the network; its true answer after the dot.")
    layer = 0
    if len(views.layers) > 1:
        layer = _choice("Recurrent layer", "rnn_layer", [t.label for t in views.layers],
                        "Which recurrent layer's hidden state and gates to show.")
    cols = st.columns([1, 1], gap="medium")
    with cols[0]:
        chart("chart_rnn_answers", snap, lambda: rnn_charts.answers_figure(snap, example), example,
              empty="The answer after each step needs a network whose last recurrent layer reads one way.")
    with cols[1]:
        chart("chart_rnn_states", snap, lambda: rnn_charts.states_figure(snap, example, layer), example, layer)
    kind = views.layers[layer].kind
    if kind != "rnn":
        chart("chart_rnn_gates", snap, lambda: rnn_charts.gates_figure(snap, example, layer), example, layer)
        st.caption(_GATES_CAPTION[kind])
    else:
        st.caption("A plain RNN has no gates: its state is tanh (or ReLU) of the new input and the old state, "
                   "mixed afresh at every step. An LSTM or GRU adds gates that decide what to keep.")


def gradients(snap: Snapshot, chart: Chart) -> None:
    chart("chart_rnn_bptt", snap, lambda: rnn_charts.gradient_through_time_figure(snap))
    st.caption(f"How much of the loss's gradient reaches the hidden state at each step, through the recurrence "
               f"(mean of {GRADIENT_BATCH} test sequences; log scale). A plain RNN's falls by orders of magnitude "
               "towards the first steps, so it cannot learn what they hold; an LSTM's or GRU's gates let it carry.")


_GATES_CAPTION = {
    "lstm": "Gates per unit and step (white = closed, dark = open). The forget gate decides what the cell keeps, "
            "the input gate what it takes in of the candidate (cell, in −1..1), the output gate what it shows. "
            "Watch the forget gate open wide on a memory task such as the adding problem.",
    "gru": "Gates per unit and step (white = closed, dark = open). The update gate decides how much of the old "
           "state to keep (dark: keep it), the reset gate how much of it the new candidate (in −1..1) may use.",
}


def _choice(label: str, key: str, labels: list[str], help: str) -> int:
    options = list(range(len(labels)))
    if st.session_state.get(key) not in options:
        st.session_state[key] = 0
    return st.selectbox(label, options, format_func=lambda i: labels[i], key=key, persist_state=KEEP, width=260,
                        help=help)


def _sequence_label(snap: Snapshot, i: int) -> str:
    target = snap.visuals.family.targets[i]
    names = snap.dataset.class_names
    return f"{i + 1} · {names[int(target)]}" if names else f"{i + 1} · {float(target):.3g}"
