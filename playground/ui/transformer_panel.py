"""The Transformer family's panels in the live view (panels.py calls them when a run's visuals
carry a Transformer's attention views): in the Neurons tab, the attention maps of a test sequence
and block the user picks, with the positional encoding; in the Evaluation tab, the test accuracy
at each position. `chart` is panels.chart, which redraws a figure in place only when its snapshot
moved on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ..families.transformer import charts as transformer_charts
from ..train.snapshot import Snapshot
from .widgets import KEEP

Chart = Callable[..., Any]  # panels.chart(key, snap, build, *options)


def units(snap: Snapshot, chart: Chart) -> None:
    """Attention per head of the chosen block on the chosen test sequence; the positions beside."""
    views = snap.visuals.family
    traced, blocks = len(views.labels), len(views.attention)
    for key, count in (("attention_example", traced), ("attention_block", blocks)):
        if st.session_state.get(key) not in range(count):
            st.session_state[key] = 0
    cols = st.columns([2.2, 1], gap="medium")
    with cols[0]:
        pick = st.columns(2, gap="small")
        example = pick[0].selectbox(
            "Test sequence", list(range(traced)), key="attention_example", persist_state=KEEP,
            format_func=lambda i: f"{i + 1} · {''.join(views.labels[i])}",
            help="Which of the first test sequences to follow; its tokens after the dot.")
        block = pick[1].segmented_control(
            "Block", list(range(blocks)), key="attention_block", persist_state=KEEP, required=True,
            format_func=lambda b: str(b + 1), help="Which encoder block's attention to show.")
        chart("chart_attention", snap, lambda: transformer_charts.attention_figure(snap, example, block),
              example, block)
        st.caption("Each row is a position reading the sequence, each column a position it reads; a row's "
                   "weights sum to 1. Reversing needs each position to read its mirror image (an anti-diagonal); "
                   "copying needs no attention at all, for each block passes its input on around the attention.")
    with cols[1]:
        chart("chart_positions", snap, lambda: transformer_charts.positions_figure(snap),
              empty="This network adds no positions (positional encoding: none), so it cannot tell them apart.")
        st.caption("The vector added to each position's token before the first block: how the network "
                   "tells the first place from the last.")


def evaluation(snap: Snapshot, chart: Chart) -> None:
    chart("chart_position_accuracy", snap, lambda: transformer_charts.position_accuracy_figure(snap))
