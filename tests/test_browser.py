"""The whole path in a real browser: `streamlit run app.py` on 127.0.0.1, headless Chromium
(Debian's `chromium` package, driven by Playwright), Train, live updates, Pause, a screenshot.

Run with:  pytest -m browser tests/test_browser.py
Screenshots go to a temporary folder, and also to $PLAYGROUND_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from browser_support import LONG_RUN, loss_path, step_shown, visible, wait_until

pytestmark = pytest.mark.browser


def test_train_updates_live_then_pause_holds(page, app_url, tmp_path):
    page.goto(app_url + LONG_RUN)
    page.wait_for_selector(".st-key-chart_network .js-plotly-plot", timeout=60_000)
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=60_000)
    assert step_shown(page) == 0
    before = loss_path(page)

    clicked = time.monotonic()
    visible(page, "btn_train").get_by_role("button", name="Train").click()
    page.mouse.move(5, 5)  # no tooltip over the screenshot
    wait_until(lambda: step_shown(page) > 0)
    to_status = time.monotonic() - clicked
    wait_until(lambda: loss_path(page) not in ("", before))
    to_chart = time.monotonic() - clicked
    print(f"\nclick Train -> status moves {to_status:.2f} s, loss chart redrawn {to_chart:.2f} s")

    # Live: the step count keeps rising without any user action (the fragment's timer).
    first = step_shown(page)
    wait_until(lambda: step_shown(page) > first, timeout=10)
    # Charts update in place: the very same plotly graph is redrawn, never thrown away and
    # rebuilt (st.plotly_chart's rebuilds left the network diagram blank 43% of the time).
    graphs = [visible(page, key).locator(".js-plotly-plot").element_handle()
              for key in ("chart_network", "chart_surface", "chart_loss")]
    redraws, last, start = 0, loss_path(page), time.monotonic()
    while time.monotonic() - start < 4:
        current = loss_path(page)
        if current != last:
            redraws, last = redraws + 1, current
        time.sleep(0.05)
    print(f"loss chart redraws: {redraws / 4:.1f} per second")
    assert redraws >= 1  # redrawn while training, without any user action
    assert all(graph.evaluate("g => g.isConnected") for graph in graphs)
    assert visible(page, "chart_surface").locator(".js-plotly-plot").count() == 1

    visible(page, "btn_train").get_by_role("button", name="Pause").click()
    page.mouse.move(5, 5)
    wait_until(lambda: "Paused" in visible(page, "status_line").inner_text())
    time.sleep(0.5)  # a redraw already on its way may still land
    held = step_shown(page)
    time.sleep(1.5)
    assert step_shown(page) == held
    assert visible(page, "btn_train").get_by_role("button", name="Train").count() == 1

    shot = tmp_path / "browser-paused.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    target = os.environ.get("PLAYGROUND_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)


def test_the_optimizer_lab_is_a_second_page(page, app_url, tmp_path):
    page.goto(app_url)
    # Click only once the first page has drawn: a click during the first script run can be lost.
    page.wait_for_selector(".st-key-chart_network .js-plotly-plot", timeout=60_000)
    page.get_by_role("link", name="Optimizer lab").click()
    page.get_by_text("Race on a real task").first.wait_for(timeout=60_000)
    assert page.url.rstrip("/").endswith("/lab")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)  # the race's charts are drawn
    shot = tmp_path / "browser-lab.png"
    page.screenshot(path=str(shot))
    target = os.environ.get("PLAYGROUND_SCREENSHOT_DIR")
    if target:
        shutil.copy(shot, Path(target) / shot.name)
