"""A few layout touches Streamlit has no option for: less empty space above the page, a
sidebar wide enough for a layer row, live charts that do not flicker while they redraw."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
[data-testid="stSidebar"] { min-width: 340px; }
[data-testid="stSidebarUserContent"] { padding-top: 0; }
/* Live charts redraw twice a second: do not fade them while a redraw is on its way. */
.st-key-live [data-stale="true"], .st-key-status_line [data-stale="true"] {
  opacity: 1 !important; transition: none !important;
}
</style>
"""


def apply_style() -> None:
    st.html(_CSS)
