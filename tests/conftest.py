"""Fixtures shared by the test modules. The browser ones serve the app (one server a module)
and open a page in headless Chromium; tests that take them skip where Chromium or Playwright is
missing (browser_support.needs_browser)."""

from __future__ import annotations

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, needs_browser, serve_app


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
