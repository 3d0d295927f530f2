"""What the browser tests and the browser benchmarks share: the app served by `streamlit run`
on 127.0.0.1 (started and stopped by its process id), Debian's Chromium and how it is launched,
and small readers of the page (an element on screen, the step shown, the loss curve drawn).
The pytest fixtures built on them are in conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Enough epochs that the run is still going when the test presses Pause.
LONG_RUN = "?train.epochs=5000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
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
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *extra_args],
        cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, proc)
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


def visible(page, key: str):
    """The element with this key that is on screen (Streamlit keeps hidden copies of redrawn
    elements for a moment, so there can be more than one in the page)."""
    return page.locator(f".st-key-{key}:visible").first


def choose(page, key: str, option: str) -> None:
    """Pick `option` (its label as shown) in the selectbox with this key. Typed first, so that
    the list holds only that option: a click in a long list can land on another one when the
    page redraws under it."""
    box = visible(page, key).locator("input")
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def step_shown(page) -> int:
    text = visible(page, "status_line").inner_text()
    match = re.search(r"Step\s+([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else -1


def loss_path(page) -> str:
    """The drawn loss curve (SVG path) of the train split: it changes when the chart is redrawn."""
    return page.evaluate("""() => {
        const charts = Array.from(document.querySelectorAll('.st-key-chart_loss')).filter(e => e.offsetParent);
        const line = charts.length ? charts[0].querySelector('.js-plotly-plot path.js-line') : null;
        return line ? line.getAttribute('d') : '';
    }""")


def wait_until(predicate, timeout: float = 20.0, every: float = 0.05, what=None) -> float:
    """Seconds until predicate() is true; fails the test after `timeout`, with what `what()`
    returns (the state of the page the test waited on) in the message."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(every)
    pytest.fail(f"condition not met within {timeout} s" + (f": {what()}" if what else ""))


