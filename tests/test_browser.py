"""The whole path in a real browser: `streamlit run app.py` on 127.0.0.1, headless Chromium
(Debian's `chromium` package, driven by Playwright), Train, live updates, Pause, a screenshot.

Run with:  pytest -m browser tests/test_browser.py
Screenshots go to a temporary folder, and also to $PLAYGROUND_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Enough epochs that the run is still going when the test presses Pause.
LONG_RUN = "?train.epochs=5000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout:.0f} s")


@contextlib.contextmanager
def serve_app(log=subprocess.DEVNULL, extra_args: tuple[str, ...] = (),
              root: Path = ROOT) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` on a free port of 127.0.0.1: yields (url, process), stops it by its id.
    `extra_args`: more command-line options (e.g. "--runner.postScriptGC", "true"); `root`: the
    checkout to serve (its .streamlit/config.toml applies)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *extra_args],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_healthy(url, proc)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def needs_browser() -> None:
    """Skip the calling test where Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent; install Debian's chromium package (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    needs_browser()
    with open(tmp_path_factory.mktemp("server") / "streamlit.log", "w") as log, serve_app(log) as (url, _):
        yield url


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1440, "height": 900})
        finally:
            browser.close()


def _visible(page, key: str):
    """The element with this key that is on screen (Streamlit keeps hidden copies of redrawn
    elements for a moment, so there can be more than one in the page)."""
    return page.locator(f".st-key-{key}:visible").first


def choose(page, key: str, option: str) -> None:
    """Pick `option` (its label as shown) in the selectbox with this key. Typed first, so that
    the list holds only that option: a click in a long list can land on another one when the
    page redraws under it."""
    box = _visible(page, key).locator("input")
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def _step(page) -> int:
    text = _visible(page, "status_line").inner_text()
    match = re.search(r"Step\s+([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else -1


def _loss_path(page) -> str:
    """The drawn loss curve (SVG path) of the train split: it changes when the chart is redrawn."""
    return page.evaluate("""() => {
        const charts = Array.from(document.querySelectorAll('.st-key-chart_loss')).filter(e => e.offsetParent);
        const line = charts.length ? charts[0].querySelector('.js-plotly-plot path.js-line') : null;
        return line ? line.getAttribute('d') : '';
    }""")


def _wait(predicate, timeout: float = 20.0, every: float = 0.05, what=None) -> float:
    """Seconds until predicate() is true; fails the test after `timeout`, with what `what()`
    returns (the state of the page the test waited on) in the message."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(every)
    pytest.fail(f"condition not met within {timeout} s" + (f": {what()}" if what else ""))


def test_train_updates_live_then_pause_holds(page, app_url, tmp_path):
    page.goto(app_url + LONG_RUN)
    page.wait_for_selector(".st-key-chart_network .js-plotly-plot", timeout=60_000)
    page.wait_for_selector(".st-key-chart_loss .js-plotly-plot", timeout=60_000)
    assert _step(page) == 0
    before = _loss_path(page)

    clicked = time.monotonic()
    _visible(page, "btn_train").get_by_role("button", name="Train").click()
    page.mouse.move(5, 5)  # no tooltip over the screenshot
    _wait(lambda: _step(page) > 0)
    to_status = time.monotonic() - clicked
    _wait(lambda: _loss_path(page) not in ("", before))
    to_chart = time.monotonic() - clicked
    print(f"\nclick Train -> status moves {to_status:.2f} s, loss chart redrawn {to_chart:.2f} s")

    # Live: the step count keeps rising without any user action (the fragment's timer).
    first = _step(page)
    _wait(lambda: _step(page) > first, timeout=10)
    # Charts update in place: the very same plotly graph is redrawn, never thrown away and
    # rebuilt (st.plotly_chart's rebuilds left the network diagram blank 43% of the time).
    graphs = [_visible(page, key).locator(".js-plotly-plot").element_handle()
              for key in ("chart_network", "chart_surface", "chart_loss")]
    redraws, last, start = 0, _loss_path(page), time.monotonic()
    while time.monotonic() - start < 4:
        current = _loss_path(page)
        if current != last:
            redraws, last = redraws + 1, current
        time.sleep(0.05)
    print(f"loss chart redraws: {redraws / 4:.1f} per second")
    assert redraws >= 1  # redrawn while training, without any user action
    assert all(graph.evaluate("g => g.isConnected") for graph in graphs)
    assert _visible(page, "chart_surface").locator(".js-plotly-plot").count() == 1

    _visible(page, "btn_train").get_by_role("button", name="Pause").click()
    page.mouse.move(5, 5)
    _wait(lambda: "Paused" in _visible(page, "status_line").inner_text())
    time.sleep(0.5)  # a redraw already on its way may still land
    held = _step(page)
    time.sleep(1.5)
    assert _step(page) == held
    assert _visible(page, "btn_train").get_by_role("button", name="Train").count() == 1

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
