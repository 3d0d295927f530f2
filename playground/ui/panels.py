"""The live main area: the network and what it computes first (side by side), then tabs for
curves, weights, gradients, hidden units and evaluation. Three fragments (network, output,
tabs) redraw themselves from a fresh snapshot while training runs; only the open tab is
drawn, so a redraw sends a handful of figures."""

from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go
import streamlit as st

from .. import charts
from ..charts.figure import Figure
from ..snapshot import Snapshot
from .controls import REFRESH_SECONDS
from .live_chart import live_chart
from .session import PlaygroundSession
from .widgets import KEEP

CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
TOP_HEIGHT = 390
OPEN_TAB = "view_tab_open"  # the open tab, in a plain key that outlives a visit to the lab
TABS_SLOWDOWN = 1  # multiplies REFRESH_SECONDS for the tabs; 2 would redraw the curves at 1 Hz


def live_charts(session: PlaygroundSession, running: bool) -> None:
    """Three fragments that redraw themselves every REFRESH_SECONDS while training runs, unless
    the view is frozen. A big network diagram (hundreds or thousands of links) is redrawn less
    often, so the browser keeps up."""
    if session.runner is None:
        st.info("Fix the settings marked in the sidebar to build the network.", icon=":material/info:")
        return
    frozen = bool(st.session_state.get("freeze"))
    every = REFRESH_SECONDS if running and not frozen else None
    with st.container(key="live"):
        left, right = st.columns([1.15, 1], gap="medium")
        with left:
            st.fragment(run_every=every and every * _network_slowdown(session))(_network_panel)(session)
        with right:
            st.fragment(run_every=every)(_output_panel)(session)
        st.fragment(run_every=every and every * TABS_SLOWDOWN)(_tabs_panel)(session)


def _network_slowdown(session: PlaygroundSession) -> int:
    widths = session.runner.trainer.network.widths
    links = sum(a * b for a, b in zip(widths, widths[1:]))
    return 1 if links <= 300 else 2 if links <= 1500 else 4


def _snapshot(session: PlaygroundSession) -> Snapshot:
    """The frozen snapshot while the view is frozen, else a fresh one."""
    frozen = st.session_state.get("frozen_snapshot") if st.session_state.get("freeze") else None
    return frozen or session.runner.snapshot()


def _network_panel(session: PlaygroundSession) -> None:
    chart(charts.network_figure(_snapshot(session), height=TOP_HEIGHT), "chart_network")


def _output_panel(session: PlaygroundSession) -> None:
    snap = _snapshot(session)
    show_test = bool(st.session_state.get("show_test", False))
    surface = charts.decision_surface_figure(snap, show_test=show_test, show_train=True, height=TOP_HEIGHT)
    if surface is not None:
        chart(surface, "chart_surface")
        st.toggle("Show test data", key="show_test", persist_state=KEEP,
                  help="Also draw the test points (diamonds) on the model output, to see how the boundary does "
                       "on data it never trained on.")
    else:
        _evaluation(snap, height=TOP_HEIGHT)


def _tabs_panel(session: PlaygroundSession) -> None:
    snap = _snapshot(session)
    names = list(TABS)
    ss = st.session_state
    if "view_tab" not in ss and ss.get(OPEN_TAB) in TABS:  # back from the lab: st.tabs has no persist_state
        ss["view_tab"] = ss[OPEN_TAB]
    tabs = st.tabs(names, key="view_tab", on_change="rerun")
    ss[OPEN_TAB] = ss.get("view_tab")
    for tab, name in zip(tabs, names):
        if tab.open is not False:
            with tab:
                TABS[name](snap)


def chart(fig: go.Figure | Figure | None, key: str, empty: str = "Nothing to draw yet: take a training step.") -> None:
    if fig is None:
        st.caption(empty)
        return
    live_chart(fig, key, CONFIG)


# --------------------------------------------------------------------------- tabs

def _curves(snap: Snapshot) -> None:
    cols = st.columns([1.25, 1, 1], gap="small")
    with cols[0]:
        log_y = st.toggle("Log scale", key="loss_log", persist_state=KEEP,
                          help="Show the loss on a logarithmic axis: late, small improvements stay visible.")
        chart(charts.loss_figure(snap, log_y=log_y), "chart_loss")
    with cols[1]:
        st.space("medium")
        chart(charts.metric_figure(snap), "chart_metric")
    with cols[2]:
        st.space("medium")
        chart(charts.lr_figure(snap, height=300), "chart_lr")


def _layer_choice(label: str, key: str, labels: list[str], help: str) -> int:
    options = list(range(len(labels)))
    if st.session_state.get(key) not in options:
        st.session_state[key] = 0
    return st.segmented_control(label, options, format_func=lambda i: labels[i], key=key, required=True,
                                help=help, persist_state=KEEP)


def _weights(snap: Snapshot) -> None:
    index = _layer_choice("Layer", "weights_layer", snap.layer_labels,
                          "Which dense layer's weights to show (hidden layers from the input side, then output).")
    cols = st.columns(2, gap="small")
    with cols[0]:
        chart(charts.weight_histogram_figure(snap, index), "chart_weight_hist")
    with cols[1]:
        chart(charts.weight_evolution_figure(snap, index), "chart_weight_evolution")


def _gradients(snap: Snapshot) -> None:
    cols = st.columns(3, gap="small")
    with cols[0]:
        chart(charts.gradient_norm_figure(snap, log_y=True), "chart_grad_norm")
    with cols[1]:
        chart(charts.gradient_bars_figure(snap), "chart_grad_bars")
    with cols[2]:
        chart(charts.update_ratio_figure(snap), "chart_update_ratio")
    st.caption("Per dense layer: the gradient's size over time and now, and how big each update is compared "
               "with the weights (around 10⁻³ is healthy; much smaller means the layer barely learns).")


def _neurons(snap: Snapshot) -> None:
    hidden = snap.layer_labels[:-1]
    if snap.dataset.geometry not in ("plane", "line"):
        st.info("Hidden-unit maps need 2-D or 1-D data (this data set has "
                f"{snap.dataset.n_inputs} inputs).", icon=":material/info:")
        return
    if not hidden:
        st.info("This network has no hidden dense layers: add one in the sidebar.", icon=":material/info:")
        return
    index = _layer_choice("Hidden layer", "neurons_layer", hidden,
                          "What each unit of this layer outputs over the input plane.")
    chart(charts.neuron_maps_figure(snap, index, max_units=16), "chart_neurons")


def _evaluation(snap: Snapshot, height: int | None = None) -> None:
    if snap.task == "regression":
        fig = charts.prediction_scatter_figure(snap, **({"height": height} if height else {}))
    else:
        fig = charts.confusion_matrix_figure(snap, **({"height": height} if height else {}))
    chart(fig, "chart_evaluation" if height is None else "chart_evaluation_top")


TABS: dict[str, Callable[[Snapshot], None]] = {
    "Curves": _curves,
    "Weights": _weights,
    "Gradients": _gradients,
    "Neurons": _neurons,
    "Evaluation": _evaluation,
}
