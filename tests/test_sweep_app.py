"""The sweeps page, driven without a browser (AppTest): a sweep runs in workers and fills in its
heatmap and table, a bad value is refused by name, and a picked row opens in the Playground."""

from __future__ import annotations

import pytest
from apptest_support import charts, run_until, started
from streamlit.testing.v1 import AppTest

TIMEOUT = 60


def _script() -> None:
    import streamlit as st

    from playground.ui.sweep_page import sweep_page

    def home_page() -> None:
        st.markdown("HOME: the Playground")

    home = st.Page(home_page, title="Playground", url_path="home")

    def sweeps() -> None:
        sweep_page(home)

    st.navigation([st.Page(sweeps, title="Sweeps", default=True), home]).run()


@pytest.fixture
def at():
    yield from started(AppTest.from_function(_script, default_timeout=TIMEOUT), ("playground-sweep",))


def status(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "variants" in m.value)


def test_a_sweep_fills_its_heatmap_and_a_picked_row_opens_in_the_playground(at):
    at.number_input(key="sweep_epochs").set_value(3).run()
    at.text_input(key="sweep_values_0_train.optimizer.lr").set_value("0.01, 1").run()
    at.text_input(key="sweep_values_1_train.batch_size").set_value("10, 25, 50").run()
    at.button(key="sweep_start").click().run()
    assert not at.exception
    assert run_until(at, lambda a: "Done" in status(a), timeout=120), status(at)
    assert "6 of 6 variants" in status(at)
    heatmap = charts(at)["sweep_pick_chart"]["data"][1]  # still: a plotly chart whose cells can be clicked
    assert heatmap["y"] == ["0.01", "1"] and heatmap["x"] == ["10", "25", "50"]
    assert all(isinstance(v, float) for row in heatmap["z"] for v in row)  # every cell scored
    assert heatmap["text"][1][0] != "…"
    table = at.dataframe[0].value
    assert len(table) == 6 and set(table["status"]) == {"done"} and (table["epoch"] == 3).all()
    # A higher learning rate trains the circle further in 3 epochs: the heatmap says which is better.
    assert table.loc[table["train.optimizer.lr"] == "1", "test_loss"].min() < \
        table.loc[table["train.optimizer.lr"] == "0.01", "test_loss"].min()

    at.session_state["sweep_pick_chart"] = {"selection": {"points": [{"curve_number": 2, "point_index": 4}],
                                                          "point_indices": [4], "box": [], "lasso": []}}
    at.run()
    open_button = at.button(key="sweep_open")
    assert "learning rate 1" in open_button.label and "batch size 25" in open_button.label  # the clicked cell
    at.session_state["sweep_pick_chart"] = {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}
    at.session_state["sweep_table"] = {"selection": {"rows": [4], "columns": []}}
    at.run()
    open_button = at.button(key="sweep_open")
    assert "learning rate 1" in open_button.label and "batch size 25" in open_button.label
    open_button.click().run()
    assert any("HOME" in m.value for m in at.markdown)  # on the Playground page now
    assert at.session_state["train_batch_size"] == 25 and at.session_state["train_epochs"] == 3


def test_a_refused_value_names_the_variant_and_the_setting(at):
    at.text_input(key="sweep_values_0_train.optimizer.lr").set_value("0.1, -2").run()
    at.button(key="sweep_start").click().run()
    errors = [e.value for e in at.error]
    assert any("train.optimizer.lr=-2" in e and "out of range" in e for e in errors), errors
    assert any("Pick up to three settings" in i.value for i in at.info)  # nothing started


def test_a_bad_backend_variable_is_said_not_raised(at, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_BACKEND", "gpu-cluster")
    at.button(key="sweep_start").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("PLAYGROUND_BACKEND" in e and "use one of thread, process" in e for e in errors), errors


def test_random_samples_fill_a_scatter_and_a_picked_point_opens_in_the_playground(at):
    at.number_input(key="sweep_epochs").set_value(2).run()
    at.segmented_control(key="sweep_mode").set_value("Random samples").run()
    assert at.selectbox(key="sweep_key_0_random").value == "train.optimizer.lr"
    assert at.selectbox(key="sweep_key_2_random").value == "(none)"
    assert "train.optimizer.name" not in at.selectbox(key="sweep_key_2_random").options  # numbers only
    at.text_input(key="sweep_range_0_train.optimizer.lr").set_value("0.001..1:log").run()
    at.text_input(key="sweep_range_1_train.batch_size").set_value("5..50").run()
    at.number_input(key="sweep_samples").set_value(5).run()
    at.button(key="sweep_start").click().run()
    assert not at.exception
    assert run_until(at, lambda a: "Done" in status(a), timeout=120), status(at)
    assert "5 of 5 variants" in status(at)
    table = at.dataframe[0].value
    lrs, batches = table["train.optimizer.lr"].astype(float), table["train.batch_size"].astype(int)
    assert len(table) == 5 and lrs.between(0.001, 1).all() and batches.between(5, 50).all()
    assert lrs.nunique() == 5  # drawn, not a grid
    figure = charts(at)["sweep_pick_chart"]["data"]
    pick = next(t for t in figure if t.get("name") == "pick")
    assert [float(x) for x in pick["x"]] == list(lrs) and [float(y) for y in pick["y"]] == list(batches)
    scored = next(t for t in figure if t.get("name") == "test loss")
    assert sorted(scored["marker"]["color"]) == sorted(table["test_loss"])
    at.session_state["sweep_pick_chart"] = {"selection": {"points": [{"curve_number": figure.index(pick),
                                                                      "point_index": 3}],
                                                          "point_indices": [3], "box": [], "lasso": []}}
    at.run()
    assert f"batch size {batches[3]}" in at.button(key="sweep_open").label
    # The same seed draws the same values again.
    at.button(key="sweep_start").click().run()
    assert run_until(at, lambda a: "Done" in status(a), timeout=120), status(at)
    assert list(at.dataframe[0].value["train.optimizer.lr"].astype(float)) == list(lrs)
