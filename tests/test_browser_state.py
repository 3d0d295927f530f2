"""Nothing the user did is lost, in a real browser: a visit to the optimizer lab and back, a
Train pressed right after picking a preset, the layer menu's first click.

Run with:  pytest -m browser tests/test_browser_state.py
The app is served and stopped by the fixtures in conftest.py.
"""

from __future__ import annotations

import re

import pytest

from browser_support import choose, step_shown, visible, wait_until

pytestmark = pytest.mark.browser


def _loaded(page, url: str) -> None:
    page.goto(url)
    # Act only once the first page has drawn: a click during the first script run can be lost.
    page.wait_for_selector(".st-key-chart_network .js-plotly-plot", timeout=180_000)


def _status(page) -> str:
    return visible(page, "status_line").inner_text()


def _pick(page, key: str, option: str) -> None:
    """Choose `option` in the selectbox with this key: typed first, as browser_support.choose does.
    The menu draws only the options in view, and with 34 presets 'overfit' was not among them."""
    choose(page, key, option)


def _shown(page, key: str) -> str:
    """The text in the field of the widget with this key (a number, or a menu's choice)."""
    return visible(page, key).locator("input").first.input_value()


def _settings(page) -> dict:
    """What the sidebar shows: data set, noise, layer sizes, optimizer, learning rate."""
    units = page.locator("[class*='st-key-layer_'][class*='_units']:visible input")
    return {"data": _shown(page, "data_name"), "noise": _shown(page, "data_noise"),
            "units": [units.nth(i).input_value() for i in range(units.count())],
            "optimizer": _shown(page, "train_optimizer"), "lr": _shown(page, "opt_adam_lr")}


def test_a_visit_to_the_lab_and_back_loses_nothing(page, app_url):
    _loaded(page, app_url)
    _pick(page, "preset", "overfit")
    wait_until(lambda: _shown(page, "data_name") == "Two moons" and "/ 300" in _status(page), timeout=60)
    before = _settings(page)
    assert before["units"] == ["64", "64", "64"] and before["noise"] == "0.5"

    visible(page, "btn_train").get_by_role("button", name="Train").click()
    wait_until(lambda: step_shown(page) > 0, timeout=60)
    visible(page, "btn_train").get_by_role("button", name="Pause").click()
    wait_until(lambda: "Paused" in _status(page), timeout=30)
    held = step_shown(page)
    assert held > 0

    page.get_by_role("link", name="Optimizer lab").click()
    page.get_by_text("Race on a real task").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Playground").click()
    page.wait_for_selector(".st-key-status_line", timeout=60_000)
    wait_until(lambda: step_shown(page) >= 0 and page.locator(".st-key-data_name:visible").count() == 1, timeout=60)

    assert _settings(page) == before  # the settings as the user left them
    assert step_shown(page) == held and "Paused" in _status(page)  # the same run, not a new one at step 0


def test_train_pressed_right_after_picking_a_preset_is_not_lost(page, app_url):
    _loaded(page, app_url)
    _pick(page, "preset", "digits-mlp")
    # At once, while the preset's rerun is still building its run (digits take a moment).
    visible(page, "btn_train").get_by_role("button", name="Train").click()
    wait_until(lambda: step_shown(page) > 0, timeout=60)  # it trains (the lost click left it Ready at step 0)
    status = _status(page)
    assert re.search(r"Epoch \S+ / 100", status), status  # the preset's run, not the old one


def test_layer_menu_opens_on_the_first_click(page, app_url):
    _loaded(page, app_url)
    visible(page, "menu_layer_0").locator("[data-testid=stPopoverButton]:visible").click()
    # The menu stays open: its kind selectbox can be used (a closed popover has none to click).
    _pick(page, "layer_0_kind", "Dropout")
    page.keyboard.press("Escape")
    wait_until(lambda: page.locator(".st-key-layer_0_p input:visible").count() == 1, timeout=60)
