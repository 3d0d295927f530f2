"""The race's results: a table (one row per contestant, names in their colours) and CSV
downloads of the table and of every recorded curve point. Drawn from a snapshot."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from ..charts.lab import optimizer_color
from ..race import RaceSnapshot, results_table
from .lab_session import LabRace

# --------------------------------------------------------------------------- results

_SHOWN = {"optimizer": "Contestant", "status": "Status", "steps": "Steps", "final_train_loss": "Train loss",
          "final_test_loss": "Test loss", "best_test_loss": "Best test loss"}


def results_panel(snapshot: Callable[[LabRace], RaceSnapshot], lab: LabRace) -> None:
    """A fragment: `snapshot(lab)` is the live or frozen snapshot."""
    snap = snapshot(lab)
    target = st.session_state.get("lab_target")
    table = results_table(snap, target)
    st.dataframe(styled_results(table, snap), hide_index=True, key="lab_results",
                 column_config=_column_config(snap.metric))
    name = st.session_state.get("lab_preset") or "race"
    with st.container(horizontal=True, gap="small"):
        st.download_button("Results (CSV)", table.to_csv(index=False), file_name=f"race-{name}-results.csv",
                           mime="text/csv", icon=":material/download:", key="lab_download", on_click="ignore",
                           help="One row per contestant: its settings, final and best losses and "
                                f"{'accuracy' if snap.metric == 'acc' else 'R²'}, steps to the target loss, "
                                "milliseconds per step, status.")
        st.download_button("Curves (CSV)", curves_csv(snap), file_name=f"race-{name}-curves.csv", mime="text/csv",
                           icon=":material/download:", key="lab_download_curves", on_click="ignore",
                           help="Every recorded point of every contestant's curves (one row per contestant and "
                                "record, with an 'optimizer' column), for plotting elsewhere.")


def styled_results(table: pd.DataFrame, snap: RaceSnapshot):
    """The shown columns, accuracy in percent, each contestant's name in its colour."""
    m = snap.metric
    shown = dict(_SHOWN)
    shown[f"final_test_{m}"] = "Test accuracy" if m == "acc" else "Test R²"
    shown["steps_to_target"] = "Steps to target"
    shown["ms_per_step"] = "ms / step"
    view = table[list(shown)].rename(columns=shown).copy()
    if m == "acc":
        view["Test accuracy"] = 100.0 * view["Test accuracy"]
    colors = {c.label: optimizer_color(c.color) for c in snap.contestants}
    return view.style.map(lambda label: f"color: {colors.get(label, 'inherit')}; font-weight: 600",
                          subset=["Contestant"])


def _column_config(metric: str) -> dict:
    number = st.column_config.NumberColumn
    config = {"Train loss": number(format="%.4g"), "Test loss": number(format="%.4g"),
              "Best test loss": number(format="%.4g"), "Steps to target": number(format="%d"),
              "ms / step": number(format="%.3f", help="Wall time per training step, records included."),
              "Steps": number(format="%d")}
    if metric == "acc":
        config["Test accuracy"] = number(format="%.1f%%")
    else:
        config["Test R²"] = number(format="%.3f")
    return config


def curves_csv(snap: RaceSnapshot) -> str:
    frames = []
    for c in snap.contestants:
        history = c.history.drop(columns=["examples_per_sec"], errors="ignore")
        history.insert(0, "optimizer", c.label)
        frames.append(history)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)
