"""The optimizer lab page, driven without a browser (streamlit.testing.v1.AppTest).

AppTest runs a tiny script that calls playground.ui.lab.lab_page() (as app.py's navigation
will), in this process, with one fixed session id; `run_every` fragments have no timer here,
so tests call `at.run()` again to redraw. Tabs are switched by setting their key in session
state. Every test ends by clearing st.cache_resource, which releases the session (closing
its race), and checks that no race thread outlives it.
"""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest
from apptest_support import charts, errors, pause_holds_and_reset_clears, run_until, started, status, step_of
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
RUNNER_THREADS = ("playground-race", "playground-runner")
RACE, PATHS, LANDSCAPE = "Race on a real task", "Paths on 2-D test functions", "Loss landscape"


def _lab_script() -> None:
    from playground.ui.lab import lab_page

    lab_page()


@pytest.fixture
def at():
    yield from started(AppTest.from_function(_lab_script, default_timeout=TIMEOUT), RUNNER_THREADS)


def title(figure: dict) -> str:
    return figure["layout"]["title"]["text"]


def values(array) -> list:
    """A plotly JSON array: a list, or a typed array {"dtype": "i8", "bdata": base64} (plotly >= 6)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def steps_drawn(at: AppTest, key: str = "lab_chart_train_loss") -> list:
    return values(charts(at)[key]["data"][0]["x"])


def open_tab(at: AppTest, label: str) -> None:
    at.session_state["lab_tab"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def long_race(at: AppTest) -> None:
    """Enough epochs that the race cannot finish while a test watches it."""
    at.number_input(key="lab_epochs").set_value(5000).run()


# --------------------------------------------------------------------------- tests

def test_page_renders_with_a_ready_race(at):
    assert "Ready" in status(at) and step_of(at) == 0
    assert at.button(key="lab_train").label == "Train"
    assert at.selectbox(key="lab_preset").value == "circle"
    shown = charts(at)
    assert {"lab_chart_train_loss", "lab_chart_test_loss", "lab_chart_test_acc", "lab_chart_grad_norm"} <= set(shown)
    assert sum(key.startswith("lab_surface_") for key in shown) == 4  # circle is 2-D: one surface per contestant
    assert len(at.dataframe) == 1  # the results table
    assert not at.error


def test_every_widget_has_help_and_a_key(at):
    for tab in (RACE, PATHS, LANDSCAPE):
        open_tab(at, tab)
        for kind in ("selectbox", "number_input", "toggle", "slider", "multiselect", "select_slider", "button",
                     "button_group", "download_button"):
            for widget in at.get(kind):
                assert widget.key and widget.key.startswith("lab_"), f"{kind} without a lab_ key in {tab}"
                assert widget.help, f"{kind} {widget.key!r} in {tab} has no help text"


def test_paths_tab_draws_the_function_and_follows_it(at):
    open_tab(at, PATHS)
    shown = charts(at)
    assert "Rosenbrock" in title(shown["lab_path_chart"])
    assert "lab_path_loss" in shown
    at.selectbox(key="lab_path_function").set_value("himmelblau").run()
    shown = charts(at)
    assert "Himmelblau" in title(shown["lab_path_chart"])
    assert not errors(at)
    at.slider(key="lab_path_step").set_value(10).run()  # scrub back: the chart redraws, nothing recomputes
    assert "lab_path_chart" in charts(at) and not at.exception


def test_paths_start_is_bounded_and_a_diverged_path_says_at_which_step(at):
    """A start kept in the session beyond the function's range (1e39 is inf in float32: no path
    had a point, the chart was empty) is replaced by the function's own and the page says so; a
    path that overflows shows the step it diverged at in the table."""
    at.session_state["lab_path_x_rosenbrock"] = 1e39
    at.session_state["lab_path_lr_rosenbrock_sgd"] = 0.1
    open_tab(at, PATHS)
    assert "Start x" in errors(at) and "between -6 and 6" in errors(at)
    field = at.number_input(key="lab_path_x_rosenbrock")
    assert field.value == -1.5 and (field.proto.min, field.proto.max) == (-6.0, 6.0) and field.proto.has_max
    assert "lab_path_chart" in charts(at)
    table = next(d.value for d in at.dataframe if "f(x, y)" in d.value.columns).set_index("Optimizer")
    assert table.loc["sgd lr=0.1", "Status"] == "diverged at step 3" and table.loc["adam lr=0.05", "Status"] == ""
    at.run()  # the value in use is in range now: no message
    assert not errors(at)


def test_train_starts_the_race_and_the_charts_follow(at):
    long_race(at)
    at.button(key="lab_train").click().run()
    assert at.button(key="lab_train").label == "Pause"
    assert run_until(at, lambda a: step_of(a) > 20)
    assert "Racing" in status(at)
    curve = charts(at)["lab_chart_test_loss"]
    assert len(curve["data"]) >= 4 and len(values(curve["data"][0]["x"])) > 1  # a curve per contestant, growing
    assert not at.exception


def test_pause_holds_and_reset_clears(at):
    long_race(at)
    pause_holds_and_reset_clears(at, "lab_train", "lab_reset")


def test_freeze_view_holds_the_charts_while_the_race_goes_on(at):
    long_race(at)
    at.button(key="lab_train").click().run()
    assert run_until(at, lambda a: step_of(a) > 10)
    at.toggle(key="lab_freeze").set_value(True).run()
    frozen = steps_drawn(at)
    assert run_until(at, lambda a: step_of(a) > frozen[-1] + 50)  # the status line keeps counting
    assert steps_drawn(at) == frozen
    assert "frozen" in status(at)
    at.toggle(key="lab_freeze").set_value(False).run()
    assert steps_drawn(at)[-1] > frozen[-1]


def test_changing_contestants_resets_the_race_and_says_so(at):
    at.button(key="lab_step").click().run()
    assert step_of(at) == 1
    at.number_input(key="lab_c0_sgd_lr").set_value(0.3).run()
    assert step_of(at) == 0
    assert "Contestants changed" in status(at)
    at.button(key="lab_fill_lr").click().run()  # a quick fill replaces every row
    labels = [m.value for m in at.sidebar.markdown if "lr=" in m.value]
    assert [re.search(r"\*\*(.+)\*\*", text).group(1) for text in labels] == [
        "sgd lr=0.01", "sgd lr=0.1", "sgd lr=1", "sgd lr=10"]


def test_rows_can_be_added_up_to_eight_and_removed_down_to_two(at):
    for _ in range(4):
        at.button(key="lab_add").click().run()
    assert len([s for s in at.selectbox if s.key.endswith("_opt")]) == 8
    assert at.selectbox(key="lab_c4_opt").value == "adamw"  # the next optimizer not racing yet
    assert at.button(key="lab_add").disabled
    assert len([k for k in charts(at) if k.startswith(("lab_chart_", "lab_surface_"))]) == 4 + 8  # curves, surfaces
    for row in range(7, 1, -1):
        at.button(key=f"lab_remove_{row}").click().run()
    assert at.button(key="lab_remove_0").disabled and at.button(key="lab_remove_1").disabled
    assert "2 contestants" in status(at) and not at.exception


def test_bad_contestant_setting_shows_its_message_and_the_race_goes_on(at):
    at.toggle(key="lab_c0_sgd_nesterov").set_value(True).run()  # momentum is 0
    assert "Nesterov needs momentum" in errors(at)
    assert "contestant 1" in errors(at)
    assert at.toggle(key="lab_c0_sgd_nesterov").value is True  # what the user entered is kept
    at.button(key="lab_step").click().run()  # the race keeps its last valid line-up
    assert step_of(at) == 1 and not at.exception


def test_landscape_needs_a_still_race_then_draws_both_charts(at):
    open_tab(at, LANDSCAPE)
    assert at.button(key="lab_land_compute").disabled  # step 0: nothing to see yet
    open_tab(at, RACE)
    at.segmented_control(key="lab_step_size").set_value("epoch").run()
    at.button(key="lab_step").click().run()
    open_tab(at, LANDSCAPE)
    at.button(key="lab_land_compute").click().run()
    shown = charts(at)
    assert {"lab_land_line", "lab_land_surface"} <= set(shown), errors(at)
    assert "Loss around" in title(shown["lab_land_surface"])
    at.segmented_control(key="lab_land_dirs").set_value("pca").run()
    at.button(key="lab_land_compute").click().run()
    assert "principal" in title(charts(at)["lab_land_surface"])
    assert not at.exception


def test_results_table_reads_right_before_during_and_after_a_race(at):
    table = at.dataframe[0].value
    assert set(table["Status"]) == {"ready"}  # before any step: not "running"
    at.button(key="lab_step").click().run()
    assert set(at.dataframe[0].value["Status"]) == {"paused"}
    assert not at.exception


def test_results_text_has_no_none_and_fits_its_column():
    from playground.core.presets import get_preset
    from playground.lab.contestants import parse_contestants
    from playground.lab.race import Race, results_table
    from playground.ui.lab_results import EMPTY, _column_config, compact_number, styled_results

    race = Race(get_preset("sine-regression").with_overrides(**{"train.epochs": 3}),
                parse_contestants("sgd:lr=10,adam"))
    before = styled_results(results_table(race.snapshot(), 0.1), race.snapshot()).to_string()
    assert "None" not in before and "nan" not in before and EMPTY in before  # no step timed, target not reached
    race.run(race.total_steps)
    snap = race.snapshot()
    after = styled_results(results_table(snap, 0.1), snap)
    text = after.to_string()
    assert "None" not in text and "nan" not in text
    assert f"diverged at {snap.contestants[0].diverged_step:,}" in text  # sgd at lr 10 blows up
    assert set(after.data.columns) <= set(_column_config(snap.metric))  # every column has a set width
    for value in (0.7296, 12.3456, 1234.5, 3.1e17, -3.1e17, -4.2e-5, 0.0, math.inf, -math.inf, math.nan):
        assert len(compact_number(value)) <= 9, value
    assert compact_number(3.1e17) == "3.10e+17" and compact_number(math.nan) == EMPTY


@pytest.mark.parametrize("preset", ["digits-cnn", "patterns-lstm"])
def test_a_race_runs_on_a_cnn_or_recurrent_preset(at, preset):
    """The lab races optimizers on any family: digits-cnn's conv layers, patterns-lstm's LSTM
    train in every lane (not stacked: each lane is its own network)."""
    at.selectbox(key="lab_preset").set_value(preset).run()
    assert not at.exception and not at.error
    at.number_input(key="lab_epochs").set_value(2).run()
    at.button(key="lab_train").click().run()
    assert run_until(at, lambda a: "Done" in status(a), timeout=60)
    assert not at.exception and not at.error
    assert {"lab_chart_test_loss", "lab_chart_test_acc", "lab_chart_grad_norm"} <= set(charts(at))
    grad_norm = charts(at)["lab_chart_grad_norm"]
    assert len([t for t in grad_norm["data"] if t.get("y")]) >= 2  # a line for every lane
