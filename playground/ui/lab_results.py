"""The race's results: a table (one row per contestant, names in their colours) and CSV
downloads of the table and of every recorded curve point. Drawn from a snapshot."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from ..charts.lab import optimizer_color
from ..lab.race import RaceSnapshot, results_table
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
                                "milliseconds per step (a stacked race's rounds shared equally), status.")
        st.download_button("Curves (CSV)", curves_csv(snap), file_name=f"race-{name}-curves.csv", mime="text/csv",
                           icon=":material/download:", key="lab_download_curves", on_click="ignore",
                           help="Every recorded point of every contestant's curves (one row per contestant and "
                                "record, with an 'optimizer' column), for plotting elsewhere.")


def styled_results(table: pd.DataFrame, snap: RaceSnapshot):
    """The shown columns, readable before, during and after a race: "–" where there is no
    number (yet), accuracy in percent, every number in at most 9 characters (a diverged
    contestant's 3.1e+17 too), a diverged contestant's status with its step, each name in
    its colour. The numbers stay numbers underneath, so the columns sort as numbers."""
    m = snap.metric
    shown = dict(_SHOWN)
    shown[f"final_test_{m}"] = "Test accuracy" if m == "acc" else "Test R²"
    shown["steps_to_target"] = "Steps to target"
    shown["ms_per_step"] = "ms / step"
    view = table[list(shown)].rename(columns=shown).copy()
    if m == "acc":
        view["Test accuracy"] = 100.0 * view["Test accuracy"]
    diverged = table["diverged_step"].notna()
    view.loc[diverged, "Status"] = [f"diverged at {int(s):,}" for s in table.loc[diverged, "diverged_step"]]
    formats = {"Train loss": compact_number, "Test loss": compact_number, "Best test loss": compact_number,
               "Steps": _count, "Steps to target": _count, "ms / step": compact_number,
               "Test accuracy": lambda v: f"{v:.1f}%", "Test R²": compact_number}
    colors = {c.label: optimizer_color(c.color) for c in snap.contestants}
    return (view.style.format({k: v for k, v in formats.items() if k in view}, na_rep=EMPTY)
            .map(lambda label: f"color: {colors.get(label, 'inherit')}; font-weight: 600", subset=["Contestant"]))


EMPTY = "–"  # no number (yet): no step taken, target not reached, not timed


def compact_number(value: float) -> str:
    """At most 9 characters: 0.7296, 12.35, 1234, 3.12e+17, -4.2e-05, inf."""
    if value is None or value != value:
        return EMPTY
    if value in (float("inf"), float("-inf")):
        return "∞" if value > 0 else "-∞"
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.2e}".replace("e+0", "e+").replace("e-0", "e-")
    return f"{value:.4g}"


def _count(value: float) -> str:
    return EMPTY if value is None or value != value else f"{int(value):,}"


def _column_config(metric: str) -> dict:
    """Widths that fit the longest text each column can show (so a cell is never cut off), and
    help; no number formats here, as they would override the table's own text."""
    text, number = st.column_config.TextColumn, st.column_config.NumberColumn
    config = {"Contestant": text(width="medium"),
              "Status": text(width=125, help="ready, running, paused, done, or diverged (at which step)."),
              "Steps": number(width=75), "Train loss": number(width=85), "Test loss": number(width=85),
              "Best test loss": number(width=105), "Steps to target": number(
                  width=115, help="The first recorded step at which the train loss is at or below the target "
                                  "loss; – when it has not got there."),
              "ms / step": number(width=85, help="Wall time per training step, records included.")}
    config["Test accuracy" if metric == "acc" else "Test R²"] = number(width=105)
    return config


def curves_csv(snap: RaceSnapshot) -> str:
    frames = []
    for c in snap.contestants:
        history = c.history.drop(columns=["examples_per_sec"], errors="ignore")
        history.insert(0, "optimizer", c.label)
        frames.append(history)
    return pd.concat(frames, ignore_index=True).to_csv(index=False)
