"""A few layout touches Streamlit has no option for: less empty space above the page, a
sidebar wide enough for a layer row, live charts that do not flicker while they redraw,
popovers that open on the first click."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
[data-testid="stSidebar"] { min-width: 340px; }
[data-testid="stSidebarUserContent"] { padding-top: 0; }
/* A popover's button is the target of every click on it. Streamlit 1.67 swaps the chevron
   icon when the popover opens, and its click-outside check then sees the very click that
   opened it, on a node no longer in the page, and closes it again (whenever that render takes
   over 50 ms: the first click after page load, a busy machine). */
[data-testid="stPopoverButton"] * { pointer-events: none; }
/* Live charts redraw twice a second: do not fade them while a redraw is on its way. */
.st-key-live [data-stale="true"], .st-key-status_line [data-stale="true"] {
  opacity: 1 !important; transition: none !important;
}
</style>
"""


def apply_style() -> None:
    st.html(_CSS)
