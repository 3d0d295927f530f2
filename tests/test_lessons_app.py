"""The Lessons page and a lesson in the Playground, driven without a browser (AppTest): the page
lists every lesson with a link that opens it; a lesson opens on its preset and tab with its card;
each one trains; a "try this" button applies its change and trains from step 0; Start again and
Close do what they say; the address keeps the lesson while it is open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from apptest_support import errors, run_until, status, step_of
from streamlit.testing.v1 import AppTest

from playground.core.lessons import LESSONS
from playground.core.presets import get_preset

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60


def _lessons_script():
    import streamlit as st

    from playground.ui.lessons_page import lessons_page

    def playground():
        st.write("the playground")

    home = st.Page(playground, title="Playground", url_path="playground")

    def lessons():
        lessons_page(home)

    st.navigation([st.Page(lessons, title="Lessons", default=True), home]).run()


def test_the_lessons_page_lists_every_lesson_with_a_link_that_opens_it():
    at = AppTest.from_function(_lessons_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    titles = [m.value for m in at.markdown if " · " in m.value]
    assert titles == [f"**{n} · {lesson.title}**" for n, lesson in enumerate(LESSONS.values(), start=1)]
    links = at.get("page_link")
    assert [link.proto.query_string for link in links] == [f"lesson={slug}" for slug in LESSONS]
    assert all(link.proto.page_script_hash and link.proto.label == "Open the lesson" for link in links)


def opened(slug: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lesson": slug, **query})
    return at.run()


@pytest.fixture(autouse=True)
def _release_sessions():
    yield
    st.cache_resource.clear()


def card_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("slug", list(LESSONS))
def test_each_lesson_opens_on_its_preset_and_tab_and_trains(slug):
    lesson = LESSONS[slug]
    at = opened(slug)
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="preset").value == lesson.preset
    assert at.session_state["view_tab"] == lesson.tab
    assert f"· {lesson.title}**" in card_text(at) and lesson.watch in card_text(at)
    assert at.query_params["lesson"] == [slug] if isinstance(at.query_params["lesson"], list) \
        else at.query_params["lesson"] == slug
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)


def test_try_this_applies_the_change_and_trains_from_step_0_then_start_again_and_close():
    at = opened("learning-rate")
    at.button(key="btn_step").click().run()  # somewhere past step 0 first
    at.button(key="lesson_try_1").click().run()  # too large: 1
    assert at.number_input(key="opt_sgd_lr").value == 1.0
    assert run_until(at, lambda a: "Diverged" in status(a), timeout=30)
    assert "Now: Too large: 1." in card_text(at)
    assert re.search(r"Test R² \*\*-\d\.\d\de\+\d+\*\*", status(at)), status(at)  # -2.02e+21, not 22 digits
    assert any("learning rate (1) is probably too high" in w.value for w in at.warning)  # what to try
    assert not at.toast, "no 'applied without a reset' toast: a lesson's change starts over"
    at.button(key="lesson_restart").click().run()
    assert at.number_input(key="opt_sgd_lr").value == get_preset("learning-rate").train.optimizer.params["lr"]
    assert "Now:" not in card_text(at)
    assert run_until(at, lambda a: "Training" in status(a) or "Done" in status(a), timeout=30)
    at.button(key="lesson_close").click().run()
    assert "Lesson 3" not in card_text(at) and "lesson" not in at.query_params
    assert not at.exception


def test_a_shared_lesson_link_with_changes_keeps_them_and_a_wrong_lesson_is_named():
    at = opened("learning-rate", **{"data.name": "plane", "train.optimizer.lr": "0.3"})
    assert at.number_input(key="opt_sgd_lr").value == 0.3  # the link's change, not the preset's 0.1
    assert "Gradient descent and the learning rate" in card_text(at)
    wrong = opened("quantum-networks")
    assert any("lesson" in w.value and "quantum-networks" in w.value for w in wrong.warning)
    assert not wrong.exception


def test_presenter_view_shows_only_what_a_class_needs_and_stays_in_the_address():
    at = opened("neurons", view="present")
    assert not at.exception and at.toggle(key="present").value is True
    keys = {e.key for e in at.get("segmented_control")} | {t.key for t in at.toggle}
    assert "step_size" not in keys and "freeze" not in keys  # Train, Step, Reset, speed and the lesson's tries
    assert {"btn_train", "btn_step", "btn_reset", "lesson_try_0"} <= {b.key for b in at.button}
    assert "Neurons and layers" in card_text(at) and LESSONS["neurons"].idea not in card_text(at)
    assert at.query_params["view"] == "present"
    assert any("zoom: 1.25" in h.proto.body for h in at.get("html"))
    at.toggle(key="present").set_value(False).run()
    assert "freeze" in {t.key for t in at.toggle} and LESSONS["neurons"].idea in card_text(at)
    assert "view" not in at.query_params and not any("zoom: 1.25" in h.proto.body for h in at.get("html"))


def test_the_evaluation_lesson_opens_on_the_per_class_scores():
    from apptest_support import charts

    at = opened("evaluation")
    at.button(key="btn_step").click().run()
    drawn = charts(at)
    assert {"chart_evaluation", "chart_evaluation_scores"} <= set(drawn)
    assert [t["name"] for t in drawn["chart_evaluation_scores"]["data"]] == ["precision", "recall", "F1"]


def test_the_backprop_lesson_shows_one_example_by_hand_and_follows_a_step():
    """The numbers themselves are checked against autograd in tests/test_backprop.py."""
    at = opened("backprop")
    assert not at.exception and not at.error, errors(at)
    tables = [d.value for d in at.dataframe]
    assert len(tables) == 4  # units and weights of hidden 1 and of the output
    assert list(tables[0].columns) == ["unit", "z", "a", "dL/da", "act′(z)", "dL/dz"]
    assert list(tables[1]["w"])[:2] == ["w1,1", "w1,2"] and len(tables[1]) == 4  # 2 units x 2 inputs
    assert any("Autograd" in c.value and "largest difference" in c.value for c in at.caption)
    weights_before = tables[1]["value"].to_numpy()
    at.number_input(key="backprop_example").set_value(5).run()
    assert not at.exception and len(at.dataframe) == 4
    at.button(key="btn_step").click().run()
    assert not (at.dataframe[1].value["value"].to_numpy() == weights_before).all()  # the step moved them


def test_the_gpu_lesson_times_the_run_and_says_plainly_when_there_is_no_gpu(monkeypatch):
    from playground.train import device_race

    monkeypatch.setattr(device_race, "available_devices", lambda: ["cpu"])  # as on CI, GPU or not
    at = opened("gpu")
    at.button(key="time_devices").click().run()
    assert not at.exception
    assert any("**cpu**" in m.value and "ms an update" in m.value for m in at.markdown)
    assert any("no GPU" in i.value for i in at.info)
