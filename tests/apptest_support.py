"""Shared by the AppTest files: start an app, read its status line, rerun until something holds,
and make sure no training thread outlives the test."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import streamlit as st
from streamlit.testing.v1 import AppTest


def started(app: AppTest, thread_names: tuple[str, ...]) -> Iterator[AppTest]:
    """Fixture body: run `app` once, hand it to the test, then release the session (on_release
    closes its runner) and check that no thread named in `thread_names` lives on."""
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    yield app
    st.cache_resource.clear()

    def alive() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name in thread_names and t.is_alive()]

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(), "a training thread outlived its session"


def status(at: AppTest) -> str:
    lines = [m.value for m in at.markdown if "Step **" in m.value]
    assert lines, "no status line"
    return lines[0]


def step_of(at: AppTest) -> int:
    return int(re.search(r"Step \*\*([\d,]+)\*\*", status(at)).group(1).replace(",", ""))


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def run_until(at: AppTest, predicate, timeout: float = 20.0) -> bool:
    """Rerun (as the fragment timer would) until predicate(at) holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.2)
        at.run()
        if predicate(at):
            return True
    return False


def charts(at: AppTest) -> dict[str, dict]:
    """Every chart on the page by key (the key ends the element id) -> its figure as a dict:
    st.plotly_chart elements and the live charts (ui/live_chart.py) alike."""
    found = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    for c in at.get("bidi_component"):
        if c.proto.component_name == "playground_live_chart":
            found[c.proto.id.rsplit("-", 1)[-1]] = json.loads(json.loads(c.proto.json)["figure"])
    return found


def pause_holds_and_reset_clears(at: AppTest, train_key: str, reset_key: str) -> None:
    """Train, Pause (the step count then holds still), Reset (back to step 0), on either page."""
    at.button(key=train_key).click().run()
    assert run_until(at, lambda a: step_of(a) > 10)
    at.button(key=train_key).click().run()  # Pause
    assert at.button(key=train_key).label == "Train"
    held = step_of(at)
    time.sleep(0.5)
    at.run()
    assert step_of(at) == held and "Paused" in status(at)
    at.button(key=reset_key).click().run()
    assert step_of(at) == 0 and "Ready" in status(at)


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Go to the st.navigation page served at `url_path` ("" is the default page) and run.
    AppTest.switch_page() only finds pages that are files; app.py's pages are functions
    (st.Page(fn, url_path=...)), so the page is picked from the ones the last run registered."""
    pages = {info.get("url_pathname"): page_hash for page_hash, info in at._registered_pages.items()}
    assert url_path in pages, f"no page at {url_path!r}; pages: {sorted(pages)}"
    at._page_hash = pages[url_path]
    return at.run()
