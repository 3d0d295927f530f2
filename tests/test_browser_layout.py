"""The page's layout in a real browser at the three sizes people use: a 1440 x 900 desktop, a
1024 x 768 classroom projector and a 390 x 844 phone. The app is served by the fixtures in conftest.py.

Run with:  pytest -m browser tests/test_browser_layout.py
Screenshots go to $PLAYGROUND_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, LONG_RUN, visible, wait_until

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PROJECTOR = {"viewport": {"width": 1024, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}  # CSS px, as a phone lays out
TOP_ROW = ("btn_train", "btn_step", "step_size", "btn_reset", "speed", "freeze")
LOAD = 90_000  # ms: the first page of a fresh server on a busy machine


@pytest.fixture(scope="module")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, app_url, device: dict, query: str = ""):
    context = browser.new_context(**device)
    page = context.new_page()
    page.set_default_timeout(LOAD)
    page.goto(app_url + query)
    page.wait_for_selector(".st-key-chart_surface .js-plotly-plot")
    return context, page


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


def _sidebar(page) -> dict:
    """The sidebar's state and where it is drawn."""
    return page.evaluate("""() => {
        const s = document.querySelector('[data-testid="stSidebar"]');
        const r = s.getBoundingClientRect();
        return {collapsed: s.dataset.collapsed === 'true', left: r.left, right: r.right, width: r.width};
    }""")


def _on_top(page, selector: str) -> bool:
    """Whether a click at the middle, and just inside the top edge, of `selector` lands on it (and
    not on the header, a sidebar strip or a tooltip)."""
    return page.evaluate("""(selector) => {
        const el = Array.from(document.querySelectorAll(selector)).find(e => e.offsetParent);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return [[r.left + r.width / 2, r.top + r.height / 2], [r.left + r.width / 2, r.top + 3],
                [r.left + 3, r.top + 3]]
            .every(([x, y]) => el.contains(document.elementFromPoint(x, y)));
    }""", selector)


def _status(page) -> str:
    return visible(page, "status_line").inner_text()


def _shot(page, name: str) -> None:
    target = os.environ.get("PLAYGROUND_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name))


def _train_then_pause(page, tap: bool = False) -> None:
    """Press Train for real and see the run start, then Pause it (the server is shared)."""
    train = visible(page, "btn_train").get_by_role("button", name="Train")
    train.tap() if tap else train.click()
    wait_until(lambda: "Training" in _status(page), timeout=30)
    pause = visible(page, "btn_train").get_by_role("button", name="Pause")
    pause.tap() if tap else pause.click()
    wait_until(lambda: "Paused" in _status(page), timeout=30)


@pytest.mark.parametrize("device", [DESKTOP, PROJECTOR], ids=["desktop", "projector"])
def test_collapsing_the_sidebar_gives_the_page_its_width(browser, app_url, device):
    context, page = _open(browser, app_url, device, LONG_RUN)
    try:
        width = device["viewport"]["width"]
        assert not _sidebar(page)["collapsed"]
        main_before = _box(page, '[data-testid="stMainBlockContainer"]')
        surface_before = _box(page, ".st-key-chart_surface")["width"]
        page.locator('[data-testid="stSidebarHeader"]').hover()  # the « button shows on hover
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()
        wait_until(lambda: _sidebar(page)["collapsed"] and _sidebar(page)["right"] <= 0)  # fully off screen, no strip
        # The main column slides over as the sidebar goes (a CSS transition): wait for it to land.
        main_box = lambda: _box(page, '[data-testid="stMainBlockContainer"]')  # noqa: E731
        wait_until(lambda: abs(main_box()["x"]) <= 1 and abs(main_box()["width"] - width) <= 1,
              what=lambda: f"main column at {main_box()} in a {width} px window")
        main_after = main_box()
        assert main_after["width"] > main_before["width"] + 250
        wait_until(lambda: _box(page, ".st-key-chart_surface")["width"] > surface_before * 1.2)  # the charts too
        nobody_over_the_left_edge = page.evaluate("""() => [200, 400, 600].every(y => {
            const e = document.elementFromPoint(8, y); return e && !e.closest('[data-testid="stSidebar"]'); })""")
        assert nobody_over_the_left_edge
        # The header now shows the » button: the Train row must sit below it, not under it.
        header = _box(page, '[data-testid="stHeader"]')
        assert _box(page, ".st-key-top_row")["y"] >= header["y"] + header["height"]
        assert _on_top(page, ".st-key-btn_train button")
        _train_then_pause(page)
        _shot(page, f"layout-{width}-collapsed.png")
    finally:
        context.close()


def test_on_a_phone_the_settings_open_and_train_can_be_pressed(browser, app_url):
    context, page = _open(browser, app_url, PHONE, LONG_RUN)
    try:
        assert _sidebar(page)["collapsed"]  # a phone starts with the page, settings one tap away
        expand = page.locator('[data-testid="stExpandSidebarButton"]')
        assert _on_top(page, '[data-testid="stExpandSidebarButton"]')
        expand.tap()
        wait_until(lambda: not _sidebar(page)["collapsed"] and _sidebar(page)["left"] >= 0)
        assert _sidebar(page)["width"] >= 300  # wide enough for a layer row
        menu = page.locator(".st-key-data_name").first
        menu.wait_for(state="visible")
        menu.locator("input").tap()
        page.get_by_role("option", name="Exclusive or").tap()
        page.get_by_text("Four quadrants: the class is whether").first.wait_for(state="visible")
        _shot(page, "layout-phone-settings.png")

        page.locator('[data-testid="stSidebarCollapseButton"] button').tap()
        wait_until(lambda: _sidebar(page)["collapsed"] and _sidebar(page)["right"] <= 0)
        assert _on_top(page, ".st-key-btn_train button")  # not under the header or a strip
        # Charts one per row: the output panel under the network diagram, each the page's width.
        network, surface = _box(page, ".st-key-chart_network"), _box(page, ".st-key-chart_surface")
        assert surface["y"] >= network["y"] + network["height"]
        assert min(network["width"], surface["width"]) > 390 * 0.85
        _train_then_pause(page, tap=True)
        _shot(page, "layout-phone.png")
    finally:
        context.close()


def test_on_a_projector_the_surface_is_big_and_the_top_row_one_line(browser, app_url):
    context, page = _open(browser, app_url, PROJECTOR)
    try:
        assert not _sidebar(page)["collapsed"] and _sidebar(page)["width"] >= 240  # settings stay open
        assert _box(page, ".st-key-chart_surface")["width"] >= 300
        # The square plot gets the column's width: its colour bar goes under it (beside it, the
        # plot was ~170 px wide here).
        plot = _box(page, ".st-key-chart_surface .nsewdrag")
        colour_bar = _box(page, ".st-key-chart_surface .colorbar")
        assert plot["width"] >= 220
        assert colour_bar["y"] >= plot["y"] + plot["height"]
        boxes = {key: _box(page, f".st-key-{key}") for key in TOP_ROW}
        train = boxes["btn_train"]
        for key, box in boxes.items():  # every control's middle is level with Train's
            middle = box["y"] + box["height"] / 2
            assert train["y"] <= middle <= train["y"] + train["height"], f"{key} wrapped to another line"
        lefts = [boxes[key]["x"] for key in TOP_ROW]
        assert lefts == sorted(lefts)  # in order, left to right
        assert boxes["freeze"]["x"] + boxes["freeze"]["width"] <= PROJECTOR["viewport"]["width"]
        _shot(page, "layout-1024-open.png")
        # A third of this column is too narrow for a chart: the Gradients tab's three go on two lines.
        page.get_by_role("tab", name="Gradients").click()
        norm = _box(page, ".st-key-chart_grad_norm .js-plotly-plot")
        ratio = _box(page, ".st-key-chart_update_ratio .js-plotly-plot")
        assert ratio["y"] >= norm["y"] + norm["height"] - 1
        assert norm["width"] >= 260
    finally:
        context.close()
