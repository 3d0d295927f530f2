"""The loss-landscape tab: for the race as it stands (paused or done), the loss along the line
from the shared initial weights to each contestant's weights, and a 2-D slice of the loss
around one contestant's weights with every contestant's path projected onto it.

It evaluates the loss hundreds of times, so it runs on a button press, and only while the
race holds still (the weights would move under it otherwise). The result is kept with the
step and race it belongs to, so a stale picture says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ..charts import landscape_line_figure, landscape_surface_figure
from ..core.params import SpecError
from ..lab.landscape import Landscape, landscape_line, landscape_surface
from .lab_session import LabRace
from .lab_setup import KEEP
from .panels import CONFIG

RESULT = "lab_landscape_result"
RESOLUTIONS = [11, 21, 31, 41, 51]
DIRECTIONS = {"random": "Random", "pca": "PCA"}
HEIGHT = 540


@dataclass
class Computed:
    line: pd.DataFrame
    surface: Landscape
    step: int
    generation: int
    split: str


def landscape_tab(lab: LabRace) -> None:
    runner = lab.runner
    if runner is None:
        st.info("Fix the race setup in the sidebar first: the landscape is drawn from a race.",
                icon=":material/info:")
        return
    snap = runner.snapshot()
    labels = [c.label for c in snap.contestants]
    if st.session_state.get("lab_land_center") not in labels:
        st.session_state["lab_land_center"] = labels[0]
    st.session_state.setdefault("lab_land_dirs", "random")
    st.session_state.setdefault("lab_land_res", 21)
    st.session_state.setdefault("lab_land_split", "train")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="lab_land_controls"):
        st.selectbox("Centre", labels, key="lab_land_center", width=200, persist_state=KEEP,
                     help="Whose current weights sit in the middle of the 2-D slice.")
        st.segmented_control("Directions", list(DIRECTIONS), format_func=DIRECTIONS.get, key="lab_land_dirs",
                             required=True, persist_state=KEEP,
                             help="Random: two random directions, each rescaled filter by filter to the weights' "
                                  "own size (Li et al. 2018), good for the shape of the minimum. PCA: the two "
                                  "directions along which the contestants' weights moved most, good for paths "
                                  "(random directions are nearly orthogonal to any path).")
        st.selectbox("Resolution", RESOLUTIONS, key="lab_land_res", width=120, persist_state=KEEP,
                     format_func=lambda r: f"{r} × {r}",
                     help="Grid points per side of the slice: 21 × 21 = 441 loss evaluations; finer is slower.")
        st.segmented_control("Loss on", ["train", "test"], key="lab_land_split", required=True, persist_state=KEEP,
                             help="Which split the slice's loss is measured on (the line shows both).")
        still = snap.status in ("paused", "done", "failed") and snap.step > 0
        st.button("Compute landscape", icon=":material/landscape:", type="primary", key="lab_land_compute",
                  disabled=not still, on_click=_compute, args=(lab,),
                  help="Evaluate the loss along the lines and on the slice for the race as it is now "
                       "(takes a moment; needs the race paused or done).")
    if snap.status == "running":
        st.info("The race is running: pause it (or let it finish) to compute the landscape, since the weights "
                "would move while the loss is measured.", icon=":material/pause_circle:")
    elif snap.step == 0:
        st.info("Train or step the race first: at step 0 every contestant still has the shared initial weights.",
                icon=":material/info:")
    error = st.session_state.pop("lab_land_error", None)
    if error:
        st.error(error, icon=":material/error:")
    result: Computed | None = st.session_state.get(RESULT)
    if result is None:
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        if result.generation != lab.generation or result.step != snap.step:
            st.caption(f":orange[Computed at step {result.step:,}"
                       + (" of an earlier race" if result.generation != lab.generation else "")
                       + "; the race has moved on since. Press Compute again to update.]")
        else:
            st.caption(f"Computed at step {result.step:,} (loss on the {result.split} split).")
        st.space("stretch")
        log = st.toggle("Log scale", key="lab_land_log", persist_state=KEEP,
                        help="Loss on a logarithmic axis (line) and colour scale (slice).")
    left, right = st.columns([1, 1.15], gap="medium")
    with left:
        st.plotly_chart(landscape_line_figure(result.line, log_y=log, height=HEIGHT).to_plotly(), key="lab_land_line",
                        config=CONFIG)
    with right:
        st.plotly_chart(landscape_surface_figure(result.surface, log_z=log, height=HEIGHT).to_plotly(),
                        key="lab_land_surface", config=CONFIG)
    st.caption("Left: the loss on the straight line θ₀ + α·(θ − θ₀) from the shared start (α = 0) to each "
               "contestant's weights now (α = 1) and a bit beyond; a bump in between means the path went around "
               "a ridge. Right: the loss on a plane through the centre's weights; lines are the contestants' "
               "weight paths projected onto it (open circle = start, dot = now).")


def _compute(lab: LabRace) -> None:
    runner = lab.runner
    if runner is None:
        return
    snap = runner.snapshot()
    if snap.status == "running" or snap.step == 0:
        return
    ss = st.session_state
    try:
        line = landscape_line(snap)
        surface = landscape_surface(snap, center=ss.get("lab_land_center") or 0, resolution=int(ss["lab_land_res"]),
                                    directions=ss.get("lab_land_dirs", "random"), split=ss.get("lab_land_split",
                                                                                              "train"))
    except (SpecError, ValueError, RuntimeError, KeyError) as e:
        ss["lab_land_error"] = f"The landscape could not be computed: {e}"
        return
    ss[RESULT] = Computed(line, surface, snap.step, lab.generation, ss.get("lab_land_split", "train"))
