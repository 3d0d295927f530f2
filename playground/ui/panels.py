"""The live view: the status line, the network and what it computes (side by side), then tabs
for curves, weights, gradients, hidden units and evaluation. One fragment draws all of it from
one snapshot, and redraws itself every REFRESH_SECONDS while training runs (less often while
more runs train on the server than it has cores: server_share.redraw_period).

One fragment, not one per panel: each fragment run is a script run of its own (a rerun request
from the browser, the run's setup and teardown, a batch of messages), all of it under the GIL
the training thread needs; four fragments (status, network, output, tabs) cost four of those
per redraw and took four snapshots. Only the open tab is drawn.

A chart is rebuilt only when what it shows may have changed: its last figure is drawn again when
the snapshot still has the same picture of the model (Visuals, compared by identity), step and
number of records, and the chart's options are the same (a frozen view, a run standing still,
a toggle that changes another chart). Sent again, the same figure costs little: Streamlit sends
a message of 10 kB or more that the browser already holds as a reference to it, and the chart in
the browser skips a figure equal to the one it shows (live_chart.py).

The page keeps its shape while the timer runs. Seen once after loading presets in a row while
training: the page went blank with "Cannot set a node at a delta path" in the browser, which
happens when the elements a fragment was registered among move under it. So the fragment sits
in a keyed container right after the top row, with only keyed containers before it in the main
area (app.py draws messages into one that is always there), and is drawn even while the settings
are invalid; inside it, messages that come and go have keyed containers of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from .. import charts
from ..core.server_share import SHARE
from ..families.autoencoder.views import AutoencoderViews
from ..families.cnn.views import ImageViews
from ..families.gan.views import GanViews
from ..families.rnn.views import RecurrentViews
from ..families.transformer.views import AttentionViews
from ..train.snapshot import Snapshot
from . import (
    autoencoder_panel,
    cnn_panel,
    controls,
    drawn_values,
    earlier_runs,
    gan_panel,
    rnn_panel,
    text_panel,
    transformer_panel,
)
from .controls import REFRESH_SECONDS
from .live_chart import figure_json, live_chart
from .session import PlaygroundSession
from .widgets import KEEP, in_fragment_run

CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
TOP_HEIGHT = 390
OPEN_TAB = "view_tab_open"  # the open tab, in a plain key that outlives a visit to the lab
_DRAWN = "_live_drawn"  # session-state key: {chart key: _Drawn}
_EVERY = "_live_every"  # session-state key: the fragment's redraw period as last set (None: no timer)


def live_view(session: PlaygroundSession) -> None:
    """The fragment, redrawn every REFRESH_SECONDS while training runs (the status line too, so it
    ticks on while the charts are frozen). Called last by a full run."""
    controls.note_status(session)
    drawn_values.commit(st.session_state)
    every = SHARE.redraw_period(REFRESH_SECONDS) if controls.is_running(session) else None
    st.session_state[_EVERY] = every
    with st.container(key="live"):
        st.fragment(run_every=every)(_live)(session)


def _live(session: PlaygroundSession) -> None:
    if in_fragment_run():  # a full run's values are the new ones
        drawn_values.keep(st.session_state)
    runner = session.runner
    snap = runner.snapshot() if runner is not None else None
    earlier_runs.remember(session.earlier, session.spec)
    controls.status_line(snap, st.session_state.get(_EVERY))
    if snap is None:
        st.info("Fix the settings marked in the sidebar to build the network.", icon=":material/info:")
    else:
        shown = _shown(snap)
        left, right = st.columns([1.15, 1], gap="medium")
        with left:
            chart("chart_network", shown, lambda: charts.network_figure(shown, height=TOP_HEIGHT),
                  every=REFRESH_SECONDS * _network_slowdown(shown))
        with right:
            _output_panel(shown)
        _tabs_panel(shown)
    controls.rerun_when_run_ended(snap)
    _rerun_when_redraw_period_changed(snap)


def _rerun_when_redraw_period_changed(snap: Snapshot | None) -> None:
    """A fragment's timer is set when the page is drawn; when runs start or stop elsewhere on the
    server and the redraw period should change, a full rerun sets it anew. Call last."""
    every = st.session_state.get(_EVERY)
    if every is not None and snap is not None and snap.status == "running" \
            and SHARE.redraw_period(REFRESH_SECONDS) != every:
        st.rerun()


def _shown(snap: Snapshot) -> Snapshot:
    """The frozen snapshot while the view is frozen, else the fresh one. The freeze toggle's
    callback takes the frozen snapshot; where it never ran (the toggle's change came with a timed
    redraw first: drawn_values.py), the view freezes on the snapshot it is drawing now."""
    ss = st.session_state
    if not ss.get("freeze"):
        return snap
    if ss.get("frozen_snapshot") is None:
        ss["frozen_snapshot"] = snap
    return ss["frozen_snapshot"]


def _network_slowdown(snap: Snapshot) -> int:
    """A big diagram (hundreds or thousands of links) is redrawn less often, so the browser keeps up."""
    links = sum(a * b for a, b in zip(snap.widths, snap.widths[1:]))
    return 1 if links <= 300 else 2 if links <= 1500 else 4


def _output_panel(snap: Snapshot) -> None:
    panel = _family_panel(snap)
    if hasattr(panel, "output"):  # a family that draws its own picture here (a GAN's game, a latent space)
        panel.output(snap, chart, TOP_HEIGHT)
        return
    show_test = bool(st.session_state.get("show_test", False))
    if snap.dataset.geometry in ("plane", "line"):
        chart("chart_surface", snap, lambda: charts.decision_surface_figure(
            snap, show_test=show_test, show_train=True, height=TOP_HEIGHT), show_test)
        st.toggle("Show test data", key="show_test", persist_state=KEEP,
                  help="Also draw the test points (diamonds) on the model "
                  "output, to see how the boundary does on data it never trained on.")
    elif text_panel.shows(snap):  # a model of text: what it writes
        text_panel.sample(snap)
    else:
        _evaluation(snap, height=TOP_HEIGHT)


def _tabs_panel(snap: Snapshot) -> None:
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


# --------------------------------------------------------------------------- drawing, rebuilt only when needed

@dataclass
class _Drawn:
    figure: Any  # what build() returned: a figure, or None (nothing to draw yet)
    visuals: Any  # the snapshot's Visuals it was built from (compared by identity)
    version: tuple  # (step, records, status, *options)
    built_at: float  # time.monotonic()
    json: str | None = None  # the figure as plotly.js gets it, made on its first draw


def chart(key: str, snap: Snapshot, build: Callable[[], Any], *options: Any, every: float = 0.0,
          empty: str = "Nothing to draw yet: take a training step.") -> None:
    """Draw build()'s figure under `key`, rebuilt only when the snapshot moved on or `options`
    (everything else build() reads) changed. `every`: while training runs, rebuild at most this
    often (seconds); a new run, a pause or a step always rebuilds."""
    drawn_charts = st.session_state.setdefault(_DRAWN, {})
    drawn = drawn_charts.get(key)
    version = (snap.step, len(snap.history), snap.status, *options)
    same = drawn is not None and drawn.visuals is snap.visuals and drawn.version == version
    held = (drawn is not None and every > 0 and snap.status == "running" == drawn.version[2]
            and drawn.version[3:] == version[3:] and snap.step >= drawn.version[0]
            and time.monotonic() - drawn.built_at < every)
    if not (same or held):
        drawn = _Drawn(build(), snap.visuals, version, time.monotonic())
        drawn_charts[key] = drawn
    if drawn.figure is None:
        st.caption(empty)
    else:
        drawn.json = drawn.json or figure_json(drawn.figure, key)
        live_chart(drawn.figure, key, CONFIG, drawn.json)


# --------------------------------------------------------------------------- tabs

def _curves(snap: Snapshot) -> None:
    cols = st.columns([1.25, 1, 1], gap="small")
    with cols[0]:
        log_y = st.toggle("Log scale", key="loss_log", persist_state=KEEP,
                          help="Show the loss on a logarithmic axis: late, small "
                                                           "improvements stay visible.")
        earlier = earlier_runs.overlays()
        chart("chart_loss", snap, lambda: charts.loss_figure(snap, log_y=log_y, earlier=earlier), log_y,
              tuple(label for label, _ in earlier))
    with cols[1]:
        st.space("medium")
        chart("chart_metric", snap, lambda: charts.metric_figure(snap))
    with cols[2]:
        st.space("medium")
        chart("chart_lr", snap, lambda: charts.lr_figure(snap, height=300))
    earlier_runs.earlier_runs_panel()


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
        chart("chart_weight_hist", snap, lambda: charts.weight_histogram_figure(snap, index), index)
    with cols[1]:
        chart("chart_weight_evolution", snap, lambda: charts.weight_evolution_figure(snap, index), index)


def _gradients(snap: Snapshot) -> None:
    panel = _family_panel(snap)
    cols = st.columns(3, gap="small")
    with cols[0]:
        chart("chart_grad_norm", snap, lambda: charts.gradient_norm_figure(snap, log_y=True))
    with cols[1]:
        chart("chart_grad_bars", snap, lambda: charts.gradient_bars_figure(snap))
    with cols[2]:
        chart("chart_update_ratio", snap, lambda: charts.update_ratio_figure(snap))
    st.caption("Per dense layer: the gradient's size over time and now, and how big each update is compared "
               "with the weights (around 10⁻³ is healthy; much smaller means the layer barely learns).")
    if hasattr(panel, "gradients"):
        panel.gradients(snap, chart)


def _neurons(snap: Snapshot) -> None:
    hidden = snap.dense_labels[:-1]
    panel = _family_panel(snap)
    if panel is not None:
        panel.units(snap, chart)
        return
    if snap.dataset.geometry not in ("plane", "line"):
        st.info("Hidden-unit maps need 2-D or 1-D data (this data set has "
                f"{snap.dataset.n_inputs} inputs).", icon=":material/info:")
        return
    if not hidden:
        st.info("This network has no hidden dense layers: add one in the sidebar.", icon=":material/info:")
        return
    index = _layer_choice("Hidden layer", "neurons_layer", hidden,
                          "What each unit of this layer outputs over the input plane.")
    chart("chart_neurons", snap, lambda: charts.neuron_maps_figure(snap, index, max_units=16), index)


def _family_views(snap: Snapshot):
    """What the model family draws of itself (a CNN's filters, feature maps, gallery), or None."""
    return snap.visuals.family if snap.visuals is not None else None


# The panel module that draws each family's views: units(snap, chart) in the Neurons tab, and where
# it has them, gradients(snap, chart) under the Gradients tab, evaluation(snap, chart) under the
# Evaluation tab (instead of the confusion matrix where the panel says REPLACES_EVALUATION), and
# output(snap, chart, height) beside the network instead of the decision surface.
_PANELS = {ImageViews: cnn_panel, RecurrentViews: rnn_panel, AttentionViews: transformer_panel, GanViews: gan_panel,
           AutoencoderViews: autoencoder_panel}


def _family_panel(snap: Snapshot):
    return _PANELS.get(type(_family_views(snap)))


def _evaluation(snap: Snapshot, height: int | None = None) -> None:
    """At the top (`height`, table data): the confusion matrix or predicted vs true. In the tab: those
    beside each class's precision, recall and F1, or the residuals; then the family's own."""
    panel = _family_panel(snap)
    if getattr(panel, "REPLACES_EVALUATION", False):  # no predictions to score: the family's own charts
        panel.evaluation(snap, chart)
        return
    sized = {"height": height} if height else {}
    regression = snap.task == "regression"
    figure = charts.prediction_scatter_figure if regression else charts.confusion_matrix_figure
    if height is not None:
        if snap.task != "generative":  # unlabelled points: no predictions to compare with labels
            chart("chart_evaluation_top", snap, lambda: figure(snap, **sized), snap.task)
        return
    if snap.task != "generative":
        cols = st.columns(2, gap="medium")
        with cols[0]:
            chart("chart_evaluation", snap, lambda: figure(snap), snap.task)
        with cols[1]:
            second = charts.residuals_figure if regression else charts.class_scores_figure
            chart("chart_evaluation_scores", snap, lambda: second(snap), snap.task)
    if hasattr(panel, "evaluation") and not regression:
        panel.evaluation(snap, chart)


TABS: dict[str, Callable[[Snapshot], None]] = {
    "Curves": _curves,
    "Weights": _weights,
    "Gradients": _gradients,
    "Neurons": _neurons,
    "Evaluation": _evaluation,
}
