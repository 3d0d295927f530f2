"""Timed redraws change no settings: the values the last full run drew, put back on fragment runs.

Every rerun the browser asks for carries the values of all the page's widgets as the browser has
them, a timed one (the live view's fragment, every REFRESH_SECONDS) too, and Streamlit takes them.

- A browser that has not yet drawn the full run the server just made (a preset loaded: dozens of
  settings written by the server) sends its older values with the timer's next tick. Seen in
  Chromium: presets loaded while a run trained came back half undone or not at all (4 of 21).
  So on a fragment run every setting is put back to the value the last full run drew (`keep`).
  A change the user made is not lost by that: it comes again with the full rerun its widget asks
  for, which sets it anew.
- The other way round, a value the user just changed can reach the server first with a timer
  tick, before that full rerun: Streamlit's browser side sends a widget's change on the next turn
  of its event loop, and a busy browser fires the timer in between. Logged from Chromium's
  websocket under load: the tick carrying a new preset went out 66 ms before the full rerun. The
  value is then already the server's when the full rerun comes, Streamlit sees no change, and a
  callback of that widget never runs (skipped in the fragment run: widgets.full_run_only). So
  widgets whose change must act (the preset menu, the network type) are compared in the full
  run with the value it last drew, not handled by callbacks (sidebar.py's picks).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from . import state

COMMITTED = "_settings_drawn"  # session-state key: {key: value} as the last full run left them
GUARDED = ("freeze",)  # besides the settings (state.is_setting): a widget whose callback must not run twice
_PLAIN = (bool, int, float, str, type(None), list, tuple)  # the values such widgets hold


def _guarded(key: str) -> bool:
    return key in GUARDED or state.is_setting(key)


def commit(ss: MutableMapping[str, Any]) -> None:
    """Remember the guarded widgets' values as this full run leaves them (call late in it)."""
    ss[COMMITTED] = {key: ss[key] for key in list(ss.keys()) if _guarded(key) and isinstance(ss[key], _PLAIN)}


def keep(ss: MutableMapping[str, Any]) -> None:
    """Put every guarded widget back to its committed value (call first in a fragment run)."""
    for key, value in ss.get(COMMITTED, {}).items():
        if key in ss and ss[key] != value:
            ss[key] = value
