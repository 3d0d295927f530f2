"""Earlier runs of this page, under the Curves tab: a table of what each one set differently from
the current settings and where it ended, and a choice of which to overlay on the loss chart
(train/run_history.py keeps them). The fragment has no session of its own, so live_view hands the
session's history here through session state each run."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..core.spec import Spec
from ..train.run_history import RunHistory, differences
from .widgets import KEEP

RUNS = "_earlier_runs"  # session-state key: (the session's RunHistory, the current spec), set by live_view
SHOWN = "earlier_shown"  # the multiselect: numbers of the runs overlaid on the loss chart


def remember(history: RunHistory, spec: Spec | None) -> None:
    st.session_state[RUNS] = (history, spec)


def overlays() -> tuple[tuple[str, pd.DataFrame], ...]:
    """(label, curve) of the earlier runs chosen for the loss chart."""
    history, _ = st.session_state.get(RUNS, (None, None))
    chosen = set(st.session_state.get(SHOWN) or ())
    return tuple((f"run {r.number}", r.curve) for r in (history.runs if history else ()) if r.number in chosen)


def earlier_runs_panel() -> None:
    history, spec = st.session_state.get(RUNS, (None, None))
    if history is None or not history.runs or spec is None:
        return
    runs = list(history.runs)
    with st.expander(f"Earlier runs ({len(runs)})", icon=":material/history:"):
        numbers = [r.number for r in runs]
        if not set(st.session_state.get(SHOWN) or ()) <= set(numbers):  # an old run fell off the list
            st.session_state[SHOWN] = [n for n in st.session_state[SHOWN] if n in numbers]
        st.multiselect("Show on the loss chart", numbers, key=SHOWN, format_func=lambda n: f"run {n}",
                       persist_state=KEEP, placeholder="Pick earlier runs",
                       help="Their test loss is drawn dotted under this run's, to compare.")
        metric = runs[-1].metric
        st.dataframe(pd.DataFrame({
            "run": numbers,
            "differs from now": [differences(r.spec, spec) or "(the same settings)" for r in runs],
            "steps": [r.step for r in runs],
            "ended": [r.status for r in runs],
            "train loss": [r.final("train_loss") for r in runs],
            "test loss": [r.final("test_loss") for r in runs],
            ("test acc" if metric == "acc" else "test R²"): [r.final(f"test_{r.metric}") for r in runs],
        }), hide_index=True)
        st.caption(f"The last {history.runs.maxlen} runs of this tab: a run is kept when a change or Reset "
                   "replaces it, or when it ends.")
