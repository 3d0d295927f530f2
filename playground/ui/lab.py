"""The optimizer lab page: race optimizers on a real task, watch them walk 2-D test functions,
and look at the loss landscape around what they found.

    lab_page()    draws the whole page, sidebar included (app.py wires it in with st.navigation)

Three tabs; only the open one runs (st.tabs with on_change="rerun"), and the sidebar holds
the settings of the open tab: the race setup for the race and the landscape, the function
and optimizers for the paths. Widget values persist across tabs and pages
(persist_state="session"), and every key starts with `lab_` so nothing collides with the
main page's.

    lab_session.py    one RaceRunner per browser tab (session-scoped cache_resource)
    lab_setup.py      the race setup: task, contestants, quick-fills
    lab_race.py       Train/Pause/Step/Reset/Freeze, the live status, curves and surfaces
    lab_results.py    the results table and its CSV downloads
    lab_paths.py      paths on test functions (cached), scrub or animate
    lab_landscape.py  loss along the line and on a 2-D slice, on a button press
"""

from __future__ import annotations

import streamlit as st

from .lab_landscape import landscape_tab
from .lab_paths import paths_settings, paths_tab
from .lab_race import race_tab
from .lab_session import LabRace, get_lab_race
from .lab_setup import race_setup
from .widgets import clear_field_problems, show_errors

TABS = {"race": "Race on a real task", "paths": "Paths on 2-D test functions", "landscape": "Loss landscape"}

# The page layout (padding, sidebar width) comes from style.apply_style(), run by app.py.
_CSS = """
<style>
/* Live charts redraw twice a second: do not fade them while a redraw is on its way. */
.st-key-lab_live [data-stale="true"] { opacity: 1 !important; transition: none !important; }
.st-key-lab_fills button { padding: 0.15rem 0.6rem; min-height: 2rem; }
.st-key-lab_fills button p { font-size: 0.85rem; }
</style>
"""


def lab_page() -> None:
    clear_field_problems()
    st.html(_CSS)
    st.markdown("#### :material/science: Optimizer lab")
    lab = get_lab_race()
    labels = list(TABS.values())
    tabs = st.tabs(labels, key="lab_tab", on_change="rerun")
    race, paths, landscape = tabs
    with st.sidebar:
        if paths.open:
            st.markdown("#### :material/conversion_path: Paths setup")
            inputs = paths_settings()
        else:
            st.markdown("#### :material/sports_score: Race setup")
            _race_settings(lab)
    if race.open:
        with race:
            race_tab(lab)
    if paths.open:
        with paths:
            paths_tab(inputs)
    if landscape.open:
        with landscape:
            landscape_tab(lab)


def _race_settings(lab: LabRace) -> None:
    """Draw the race setup and apply it: a change resets the race, and the page says so."""
    setup = race_setup()
    if setup.spec is None or setup.contestants is None:
        st.warning("The race keeps its last valid setup until the problems above are fixed.",
                   icon=":material/warning:")
        return
    applied = lab.apply(setup.spec, setup.contestants)
    if applied.kind == "reset":
        st.toast(applied.message, icon=":material/restart_alt:")
    elif applied.kind == "error":
        show_errors(list(applied.errors))
        st.warning("The race keeps its last valid setup.", icon=":material/warning:")
