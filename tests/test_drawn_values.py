"""Timed redraws (fragment runs) change no settings (playground/ui/drawn_values.py). The browser
test tests/test_browser_live.py::test_presets_in_a_row_while_training_keep_the_page_drawn is where
values going back and forth showed; these pin the mechanism without a browser."""

from __future__ import annotations

from playground.ui import drawn_values


def test_a_fragment_run_puts_back_every_setting_and_guarded_widget_but_nothing_else():
    ss = {"data_name": "spiral", "train_batch_size": 10, "freeze": False, "view_tab": "Curves", "preset": "spiral"}
    drawn_values.commit(ss)
    # A timer tick from a browser that had not yet drawn that full run: its older values (and
    # the menu's pick, which the full run after it acts on: sidebar.py).
    ss.update(data_name="digits", train_batch_size=30, freeze=True, view_tab="Weights", preset="digits-cnn")
    drawn_values.keep(ss)
    assert ss == {"data_name": "spiral", "train_batch_size": 10, "freeze": False, "view_tab": "Weights",
                  "preset": "digits-cnn", drawn_values.COMMITTED: ss[drawn_values.COMMITTED]}


def test_only_plain_values_are_committed_and_a_widget_gone_since_is_not_brought_back():
    ss = {"data_name": "spiral", "data_upload": None, "train_batch_size": 10, "layer_0_units": object()}
    drawn_values.commit(ss)
    assert set(ss[drawn_values.COMMITTED]) == {"data_name", "train_batch_size"}
    del ss["train_batch_size"]
    drawn_values.keep(ss)
    assert "train_batch_size" not in ss
