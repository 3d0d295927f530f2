"""The GPU lesson's measurement under its card: the lesson's run timed on every device this
machine has (train/device_race.py), on request; without a GPU it says so plainly and gives the
CPU's time."""

from __future__ import annotations

import streamlit as st

from ..core.spec import Spec
from ..train.device_race import time_on_devices
from .widgets import full_run_only

TIMES = "device_times"  # session-state key: (the spec timed, [DeviceTime])
STEPS = 100


def device_panel(spec: Spec | None) -> None:
    if spec is None:
        st.caption("Fix the settings marked in the sidebar to time this run.")
        return
    st.button(f"Time {STEPS} updates on every device", icon=":material/timer:", key="time_devices",
              on_click=full_run_only(_time), args=(spec,),
              help="Trains this run's first updates on each device this machine has (the CPU, and CUDA or "
                   "Apple's MPS if present), after a few warm-up updates. Takes a few seconds.")
    timed = st.session_state.get(TIMES)
    if timed is None or timed[0] != spec:
        return
    times = timed[1]
    cpu = next(t for t in times if t.device == "cpu")
    lines = [f"- **{t.device}**: {t.ms_per_step:.2f} ms an update"
             + ("" if t is cpu else f", {cpu.seconds / t.seconds:.1f}× the CPU's speed") for t in times]
    st.markdown("\n".join(lines))
    if len(times) == 1:
        st.info("This machine has no GPU (neither CUDA nor Apple's MPS): the CPU's time is all there is. On a "
                "machine with one, the same button sets the GPU's time beside it.", icon=":material/info:")


def _time(spec: Spec) -> None:
    st.session_state[TIMES] = (spec, time_on_devices(spec, STEPS))
