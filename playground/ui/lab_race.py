"""The race tab: Train/Pause, Step, Reset and Freeze for the whole race, then live panels: the
status line and colour key, the curves (twice a second), each contestant's decision surface
and the results (once a second; lab_results.py). Buttons only send commands (on_click
callbacks); fragments only draw. A frozen view stops the drawing, never the race."""

from __future__ import annotations

import time

import streamlit as st

from .. import charts
from ..charts.figure import Figure
from ..charts.lab import optimizer_color
from ..core.server_share import SHARE
from ..lab.race import RaceRunner, RaceSnapshot
from .lab_results import results_panel
from .lab_session import LabRace
from .live_chart import live_chart
from .panels import CONFIG
from .widgets import queue_message, speed_control, step_and_settle

REFRESH_SECONDS = 0.5  # curves and status while racing
SURFACE_SECONDS = 1.0  # the small multiples and the table: more figures, redrawn less often
PER_ROW = 4
CURVE_HEIGHT = 270
SURFACE_HEIGHT = 265
STEP_CHOICES = {"batch": "1 batch", "epoch": "1 epoch"}
FROZEN = "lab_frozen_snapshot"  # (race generation, RaceSnapshot) while the view is frozen
_FINISHED = ("done", "failed")
_BADGES = {"ready": ("gray", "Ready"), "running": ("blue", "Racing"), "paused": ("orange", "Paused"),
           "done": ("green", "Done"), "failed": ("red", "Failed")}


def race_tab(lab: LabRace) -> None:
    if lab.runner is None:
        st.info("Fix the race setup in the sidebar to start a race.", icon=":material/info:")
        return
    frozen = st.session_state.get(FROZEN)
    if frozen is not None and frozen[0] != lab.generation:  # a new race: follow it
        st.session_state["lab_freeze"], st.session_state[FROZEN] = False, None
    _top_row(lab)
    running = lab.status == "running"
    st.session_state["lab_seen"] = "running" if running else "idle"
    live = SHARE.redraw_period(REFRESH_SECONDS) if running else None  # slower on a crowded server
    drawn = None if frozen_snapshot(lab) is not None else live  # a frozen view stops redrawing, not training
    with st.container(key="lab_live"):
        st.fragment(run_every=live)(_status_panel)(lab)
        st.fragment(run_every=drawn)(_curves_panel)(lab)
        st.fragment(run_every=drawn and SURFACE_SECONDS)(_surfaces_panel)(lab)
        st.subheader("Results", divider="gray")
        st.session_state.setdefault("lab_target", 0.1)
        st.number_input("Target loss", min_value=0.0, step=0.01, format="%.4g", key="lab_target",
                        persist_state="session", width=160,
                        help="'Steps to target' is the first recorded step at which a contestant's train "
                             "loss is at or below this number (empty when it never got there).")
        st.fragment(run_every=drawn and SURFACE_SECONDS)(results_panel)(_snapshot, lab)


def frozen_snapshot(lab: LabRace) -> RaceSnapshot | None:
    """The snapshot the view was frozen at, while 'Freeze view' is on and the race is the same."""
    if not st.session_state.get("lab_freeze"):
        return None
    frozen = st.session_state.get(FROZEN)
    if frozen is None or frozen[0] != lab.generation:
        return None
    return frozen[1]


def _snapshot(lab: LabRace) -> RaceSnapshot:
    return frozen_snapshot(lab) or lab.runner.snapshot()


# --------------------------------------------------------------------------- commands

def _top_row(lab: LabRace) -> None:
    status = lab.status
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="lab_top_row"):
        if status == "running":
            label, icon, tip = "Pause", ":material/pause:", "Pause the race (every contestant stops after its step)."
        elif status in _FINISHED:
            label, icon, tip = "Train again", ":material/replay:", "Start the race over from step 0 and train."
        else:
            label, icon, tip = "Train", ":material/play_arrow:", ("Train every contestant, one batch each in turn, "
                                                                 "until paused or all epochs are done.")
        st.button(label, icon=icon, type="primary", key="lab_train", on_click=_train, args=(lab, label), help=tip,
                  width=122)
        st.button("Step", icon=":material/skip_next:", key="lab_step", on_click=_step, args=(lab,),
                  disabled=status in ("running", *_FINISHED),
                  help="Every contestant takes the step chosen next to it (the same batches), then the race "
                       "stays paused.")
        st.session_state.setdefault("lab_step_size", "batch")
        st.segmented_control("Step size", list(STEP_CHOICES), format_func=STEP_CHOICES.get, key="lab_step_size",
                             required=True, label_visibility="collapsed", persist_state="session",
                             help="What Step does: one mini-batch update per contestant, or one pass over the "
                                  "training set.")
        st.button("Reset", icon=":material/restart_alt:", key="lab_reset", on_click=_reset, args=(lab,),
                  help="Back to step 0: every contestant gets the same fresh initial weights again.")
        speed_control("lab_speed", lab.runner, persist_state="session")
        st.space("stretch")
        st.toggle("Freeze view", key="lab_freeze", on_change=_freeze, args=(lab,), persist_state="session",
                  help="Stop redrawing the charts so you can zoom and hover; the race goes on (the status line "
                       "keeps counting). Turn off to follow it again.")


def _train(lab: LabRace, label: str) -> None:
    runner = lab.runner
    if runner is None:
        return
    if label == "Pause" and runner.status != "running":
        return  # the race ended between drawing the button and the click: a Pause must not restart it
    if runner.status in _FINISHED:
        lab.reset(notice="")
        runner.start()
    else:
        runner.toggle()
    if runner.status == "running":
        _wait(runner, lambda: runner.race.step > 0, timeout=0.5)


def _step(lab: LabRace) -> None:
    if lab.runner is not None:
        step_and_settle(lab.runner, "lab_step_size")


def _wait(runner: RaceRunner, done, timeout: float = 5.0) -> None:
    """Let a short command take effect before the page redraws (the live redraws take over after)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not done() and runner.status != "failed":
        time.sleep(0.01)


def _reset(lab: LabRace) -> None:
    lab.reset()


def _freeze(lab: LabRace) -> None:
    frozen = st.session_state.get("lab_freeze") and lab.runner is not None
    st.session_state[FROZEN] = (lab.generation, lab.runner.snapshot()) if frozen else None


# --------------------------------------------------------------------------- live panels

def _status_panel(lab: LabRace) -> None:
    """Always live while racing (cheap): the status line, progress and the colour key."""
    snap = lab.runner.snapshot()
    note = lab.notice if snap.step == 0 and snap.status == "ready" else ""
    frozen = frozen_snapshot(lab)
    if frozen is not None:
        note = f"charts frozen at step {frozen.step:,}"
    st.markdown(status_text(snap, note))
    st.progress(min(1.0, snap.step / max(1, snap.total_steps)))
    if snap.status == "failed":
        st.error(f"The race failed: {snap.message}", icon=":material/error:")
    elif snap.status == "running" and snap.queue_place:
        st.info(queue_message(snap.queue_place), icon=":material/hourglass_top:")
    st.markdown(legend_html(snap), unsafe_allow_html=True)
    was = st.session_state.get("lab_seen")
    st.session_state["lab_seen"] = snap.status
    if was == "running" and snap.status != "running":
        st.rerun()  # the race ended by itself: redraw the page (button label, panels stop polling)


def _curves_panel(lab: LabRace) -> None:
    snap = _snapshot(lab)
    st.toggle("Log-scale losses", key="lab_log", persist_state="session",
              help="Draw the train and test losses on a logarithmic axis, so late, small improvements stay "
                   "visible. The gradient norm is always on a log axis: it spans several decades.")
    log_y = bool(st.session_state.get("lab_log"))
    pairs = [("train_loss", "test_loss"), (f"test_{snap.metric}", "grad_norm")]
    for metrics in pairs:
        cols = st.columns(2, gap="small")
        for col, metric in zip(cols, metrics):
            with col:
                log = metric == "grad_norm" or (log_y and metric.endswith("_loss"))
                fig = charts.race_curves_figure(snap, metric, log_y=log, height=CURVE_HEIGHT)  # log: decades only
                fig.update_layout(showlegend=False, margin=dict(b=44))
                live_chart(fig, f"lab_chart_{metric}", CONFIG)


def status_text(snap: RaceSnapshot, note: str = "") -> str:
    colour, word = ("orange", "Queued") if snap.status == "running" and snap.queue_place else \
        _BADGES.get(snap.status, ("gray", snap.status))
    epochs = snap.total_steps / max(1, snap.steps_per_epoch)
    parts = [f":{colour}-badge[{word}]", f"Step **{snap.step:,}** / {snap.total_steps:,}",
             f"Epoch **{snap.epoch:.1f}** / {epochs:.0f}", f"{len(snap.contestants)} contestants", snap.device]
    diverged = [c.label for c in snap.contestants if c.status == "diverged"]
    if diverged:
        parts.append(f":red[**{len(diverged)} diverged**]")
    if snap.status == "done" and snap.message:
        note = snap.message
    return " · ".join(parts) + (f" · :gray[{note}]" if note else "")


def legend_html(snap: RaceSnapshot) -> str:
    """The colour key for every chart on the page: a dot, the label and how the contestant is doing."""
    items = []
    for c in snap.contestants:
        color = optimizer_color(c.color)
        state = {"done": "done", "diverged": f"diverged at step {c.diverged_step}"}.get(c.status, "")
        mark = f' <span style="color:#c62828">✕ {state}</span>' if c.status == "diverged" else (
            f' <span style="color:#607d8b">({state})</span>' if state else "")
        items.append(f'<span style="white-space:nowrap; margin-right:1.4em"><span style="color:{color}; '
                     f'font-size:1.3em">●</span> {c.label}{mark}</span>')
    return '<div style="line-height:1.9">' + " ".join(items) + "</div>"


def _surfaces_panel(lab: LabRace) -> None:
    snap = _snapshot(lab)
    if snap.dataset.geometry not in ("plane", "line"):
        return
    st.markdown(f"**What each contestant's network computes** :gray[({_SURFACE_KEY[snap.task]})]")
    for first in range(0, len(snap.contestants), PER_ROW):
        cols = st.columns(PER_ROW, gap="small")
        for col, c in zip(cols, snap.contestants[first:first + PER_ROW]):
            with col:
                fig = surface_figure(c)
                if fig is None:
                    st.caption(f"{c.label}: nothing to draw yet.")
                else:
                    live_chart(fig, f"lab_surface_{c.color}", CONFIG)


_SURFACE_KEY = {"binary": "orange and blue: the two classes, pale where the network is unsure; dots: training points",
                "multiclass": "colour: the most likely class, pale where the network is unsure; dots: training points",
                "regression": "the network's prediction with the training points"}


def surface_figure(c) -> Figure | None:
    """A contestant's decision surface as a small multiple: title = label and status, no colour bar."""
    fig = charts.decision_surface_figure(c.snapshot, height=SURFACE_HEIGHT)
    if fig is None:
        return None
    status = {"running": f"step {c.step:,}", "done": "done",
              "diverged": f"diverged at step {c.diverged_step}"}.get(c.status, c.status)
    color = optimizer_color(c.color)
    fig.update_traces(showscale=False, selector=dict(type="heatmap"))
    fig.update_layout(
        title=dict(text=f'<span style="color:{color}">●</span> {c.label} '
                        f'<span style="color:{"#c62828" if c.status == "diverged" else "#78909c"}; '
                        f'font-size:13px">{status}</span>', font=dict(size=14)),
        showlegend=False, coloraxis_showscale=False, margin=dict(l=8, r=8, t=36, b=8))
    fig.update_xaxes(title_text=None, showticklabels=False)
    fig.update_yaxes(title_text=None, showticklabels=False)
    return fig
