"""A teacher's link locks settings (ui/locks.py): locked controls are drawn disabled with why,
free ones work, the preset menu is locked with any lock, a wrong prefix is named, and the address
passes the locks on."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from playground.ui.locks import WHY

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def opened(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    return at.run()


@pytest.fixture(autouse=True)
def _release_sessions():
    yield
    st.cache_resource.clear()


def test_everything_but_the_learning_rate_is_locked():
    at = opened(preset="circle", lock="all", free="train.optimizer.lr")
    assert not at.exception
    lr = at.number_input(key="opt_sgd_lr")
    assert not lr.disabled
    for locked in (at.number_input(key="train_batch_size"), at.selectbox(key="data_name"),
                   at.selectbox(key="train_optimizer"), at.selectbox(key="preset"),
                   at.slider(key="data_train_fraction"),
                   at.button(key="btn_layer_add"), at.button(key="btn_new_data")):
        assert locked.disabled, f"{locked.key} should be locked"
    assert WHY in at.number_input(key="train_batch_size").help
    lr.set_value(0.5).run()  # the free one changes the run
    assert at.number_input(key="opt_sgd_lr").value == 0.5 and not at.exception
    assert at.query_params["lock"] == "all" and at.query_params["free"] == "train.optimizer.lr"
    at.button(key="btn_step").click().run()  # training is not locked
    assert not at.exception and not at.error


def test_locking_the_data_leaves_training_free_and_a_wrong_prefix_is_named():
    at = opened(lock="data")
    assert at.selectbox(key="data_name").disabled and at.number_input(key="data_noise").disabled
    assert not at.number_input(key="train_batch_size").disabled and not at.button(key="btn_layer_add").disabled
    assert at.selectbox(key="preset").disabled  # a preset would change the locked data
    wrong = opened(lock="dta,model")
    assert any("lock" in w.value and "dta" in w.value for w in wrong.warning)
    assert any(b.key == "btn_layer_add" and b.disabled for b in wrong.button)  # model still locked
    assert not wrong.number_input(key="data_noise").disabled


def test_a_lessons_change_is_locked_where_it_touches_a_locked_setting():
    at = opened(lesson="learning-rate", lock="train.optimizer")
    assert at.button(key="lesson_try_0").disabled and at.button(key="lesson_try_1").disabled
    assert not at.button(key="lesson_restart").disabled
