"""The top row: Train/Pause, Step (a batch or an epoch), Reset, Freeze view, and the live
status line. Buttons only send commands to the runner; the status line is drawn by the live
view's fragment (panels.live_view), which redraws it with the charts while training runs.

A click is queued by its on_click callback and carried out by `run_commands`, which the page
calls once it has applied the sidebar's settings and before it draws anything that shows the
run. So a click acts on the run the user sees: a Train pressed while a preset's rerun was
still building its run used to start the old run, which that preset then reset (the click
was lost)."""

from __future__ import annotations

import time

import streamlit as st

from .. import charts
from ..core.server_share import SHARE
from ..train.runner import Runner
from ..train.snapshot import Snapshot
from .session import PlaygroundSession
from .widgets import full_run_only, queue_message, speed_control, step_and_settle

REFRESH_SECONDS = 0.25  # live redraw period while training (4 Hz): one fragment run each (panels.py)
STEP_CHOICES = {"batch": "1 batch", "epoch": "1 epoch"}
COMMANDS = "pending_commands"  # clicks of Train, Step and Reset not carried out yet
PRESENT = "present"  # the presenter view's toggle
_FINISHED = ("done", "diverged", "failed")
_BADGES = {"ready": ("gray", "Ready"), "running": ("blue", "Training"), "paused": ("orange", "Paused"),
           "done": ("green", "Done"), "diverged": ("red", "Diverged"), "failed": ("red", "Failed")}


def is_running(session: PlaygroundSession) -> bool:
    return session.runner is not None and session.runner.status == "running"


def top_row(session: PlaygroundSession) -> None:
    runner = session.runner
    status = runner.status if runner else "ready"
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="top_row"):
        if status == "running":
            # No tooltip: under the pointer that just pressed Train, it would cover the status line.
            label, icon, tip = "Pause", ":material/pause:", None
        elif status in _FINISHED:
            label, icon, tip = "Train again", ":material/replay:", "Start over from step 0 and train."
        else:
            label, icon, tip = "Train", ":material/play_arrow:", "Train until paused or all epochs are done."
        st.button(label, icon=icon, type="primary", key="btn_train", on_click=full_run_only(queue),
                  args=("train",), disabled=runner is None, help=tip, width=122)
        st.button("Step", icon=":material/skip_next:", key="btn_step", on_click=full_run_only(queue),
                  args=("step",),
                  disabled=runner is None or status in ("running", *_FINISHED),
                  help="Take one training step of the size chosen next to it, then stay paused.")
        if not presenting():
            st.segmented_control("Step size", list(STEP_CHOICES), format_func=STEP_CHOICES.get, key="step_size",
                                 default="batch", required=True, label_visibility="collapsed",
                                 persist_state="session",
                                 help="What Step does: one mini-batch update, or one pass over the training set.")
        st.button("Reset", icon=":material/restart_alt:", key="btn_reset",
                  on_click=full_run_only(queue), args=("reset",),
                  disabled=runner is None,
                  help="Back to step 0, with the same initial weights (they come from the training seed).")
        speed_control("speed", runner, persist_state="session")
        st.space("stretch")
        if not presenting():
            st.toggle("Freeze view", key="freeze", on_change=full_run_only(_freeze), args=(session,),
                      persist_state="session",
                      help="Stop redrawing the charts so you can zoom and hover; training goes on. "
                           "Turn off to follow the run again.")
        st.toggle("Present", key=PRESENT, persist_state="session",
                  help="Presenter view, for a projector: larger text and charts, only the controls a class "
                       "needs. Collapse the sidebar (« at its top) for the full width; a link with "
                       "view=present opens this way, the sidebar closed.")


def presenting() -> bool:
    """Whether the page is in presenter view (the Present toggle, or view=present in the link)."""
    return bool(st.session_state.get(PRESENT))


def queue(command: str) -> None:
    """Queue a click of Train, Step or Reset: the next full run carries it out (run_commands)."""
    st.session_state.setdefault(COMMANDS, []).append(command)


def run_commands(session: PlaygroundSession) -> None:
    """Carry out the clicks queued since the last full run, in order (see the module doc)."""
    commands = st.session_state.pop(COMMANDS, [])
    if commands:
        session.resume_when_fixed = False  # the user now decides whether it runs
    for command in commands:
        {"train": _train, "step": _step, "reset": _reset}[command](session)


def _train(session: PlaygroundSession) -> None:
    runner = session.runner
    if runner is None:
        return
    if runner.status in _FINISHED:
        session.keep_run()
        runner.reset()
        unfreeze()
        runner.start()
    else:
        runner.toggle()
    if runner.status == "running":
        _wait_for_first_record(runner)
    else:  # the page drawn right after shows the step the run really stopped at
        runner.wait_until_settled(timeout=0.5)


def _wait_for_first_record(runner: Runner, timeout: float = 0.3) -> None:
    """Give a starting run a moment to take its first record, so the page drawn right after the
    click already moves (the live redraws take over from there)."""
    started_at = runner.steps_taken
    end = time.monotonic() + timeout
    while time.monotonic() < end and runner.recorded_step <= started_at and runner.status == "running":
        time.sleep(0.01)


def _step(session: PlaygroundSession) -> None:
    if session.runner is not None:
        step_and_settle(session.runner, "step_size")


def _reset(session: PlaygroundSession) -> None:
    if session.runner is not None:
        session.keep_run()
        session.runner.reset()
        unfreeze()
        st.session_state["notice"] = "Reset to step 0."


def unfreeze() -> None:
    """A new run is followed live, whatever view was frozen before."""
    st.session_state["freeze"] = False
    st.session_state["frozen_snapshot"] = None


def _freeze(session: PlaygroundSession) -> None:
    frozen = st.session_state.get("freeze")
    st.session_state["frozen_snapshot"] = session.runner.snapshot() if frozen and session.runner else None


# --------------------------------------------------------------------------- status line

def status_line(snap: Snapshot | None, redraw_every: float | None = None) -> None:
    """The live status: a line of text, a progress bar and a slot for a warning or an error.
    Drawn inside the live view's fragment (panels.live_view) from the snapshot its charts use;
    the slot is drawn even when empty, so that what follows keeps its place in the page.
    `redraw_every`: the live view's redraw period, said when a busy server has slowed it."""
    note = ""
    if snap is not None and snap.status == "done":
        note = snap.message
    elif snap is not None and snap.step == 0 and snap.status == "ready":
        note = st.session_state.get("notice", "")
    elif snap is not None and snap.status == "running" and not snap.queue_place \
            and redraw_every and redraw_every > REFRESH_SECONDS:  # a queued run's message says more
        note = (f"redrawn every {redraw_every:g} s: {SHARE.admission.active} runs share this server's "
                f"{SHARE.cores} cores")
    with st.container(key="status_line"):
        if snap is None:
            st.caption("Waiting for valid settings…")
        else:
            st.markdown(status_text(snap) + (f" · :gray[{note}]" if note else ""))
    st.progress(0.0 if snap is None else min(1.0, snap.step / max(1, snap.total_steps)))
    with st.container(key="status_message"):
        if snap is not None and snap.status == "running" and snap.queue_place:
            st.info(queue_message(snap.queue_place), icon=":material/hourglass_top:")
        elif snap is not None and snap.status == "diverged":
            st.warning(snap.message, icon=":material/warning:")
        elif snap is not None and snap.status == "failed":
            st.error(f"Training failed: {snap.message}", icon=":material/error:")


def note_status(session: PlaygroundSession) -> None:
    """Called by every full run: whether the run was training when the page was drawn."""
    st.session_state["status_seen"] = "running" if is_running(session) else "idle"


def rerun_when_run_ended(snap: Snapshot | None) -> None:
    """In a redraw: a run that ended by itself since the page was drawn gets a full rerun, so the
    button says Train again and the timer stops. Call last: the rest of the redraw is lost."""
    was = st.session_state.get("status_seen")
    st.session_state["status_seen"] = snap.status if snap is not None else "idle"
    if was == "running" and (snap is None or snap.status != "running"):
        st.rerun()


def status_text(snap: Snapshot) -> str:
    colour, word = ("orange", "Queued") if snap.status == "running" and snap.queue_place else \
        _BADGES.get(snap.status, ("gray", snap.status))
    epochs = snap.total_steps / max(1, snap.steps_per_epoch)
    parts = [f":{colour}-badge[{word}]", f"Step **{snap.step:,}**", f"Epoch **{snap.epoch:.1f}** / {epochs:.0f}"]
    if snap.status == "running" and snap.examples_per_sec > 0:
        parts.append(f"**{snap.examples_per_sec:,.0f}** examples/s")
    parts.append(snap.device)
    latest = snap.latest
    if latest:
        parts.append(f"Loss **{latest['train_loss']:.3g}** train / **{latest['test_loss']:.3g}** test")
        metric = f"test_{snap.metric}"
        if metric in latest:
            value = latest[metric]
            score = f"Test accuracy **{value:.1%}**" if snap.metric == "acc" else f"Test R² **{charts.r2_text(value)}**"
            parts.append(score)
    return " · ".join(parts)


# --------------------------------------------------------------------------- settings not applied

def settings_notice(session: PlaygroundSession) -> None:
    """Under the status line, where the user looks: the sidebar holds settings that cannot be
    used, so the run and its charts are not what the sidebar shows (session.hold paused it)."""
    if not session.problems:
        return
    problems = "\n".join(f"- **{field}**: {message}" if field else f"- {message}"
                         for field, message in session.problems)
    if session.runner is None:
        head = "**These settings cannot be used yet**, so there is no network to train:"
    elif session.runner.status == "running":
        head = ("**These settings cannot be used**, so the run and the charts below still have the last "
                "valid settings:")
    else:
        head = ("**These settings cannot be used**, so the run is paused and the charts below show the last "
                "valid settings:")
    with st.container(key="settings_notice"):
        st.error(f"{head}\n{problems}\n\nChange them in the sidebar; the run follows as soon as they are valid.",
                 icon=":material/error:")
