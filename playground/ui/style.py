"""Layout touches Streamlit has no option for: a page that works on a wide screen, a 1024 x 768
classroom projector and a phone, live charts that do not flicker while they redraw, and
popovers that open on the first click.

The sidebar's width (app.py, set_page_config) and the gap above the first row (theme.paddingTop in
.streamlit/config.toml) are Streamlit options, not CSS: Streamlit collapses the sidebar by
setting its min- and max-width to 0, and pads the page below its header when the header shows
the expand button, so CSS that pins either one leaves a strip or lets the header cover the
Train row (tests/test_browser_layout.py).

The rules are keyed on the `.st-key-*` class Streamlit gives a keyed container (top_row, live)
and on data-testid attributes. Widths, for a viewport of:
  > 1366 px   Streamlit's own wide layout (5rem side padding);
  <= 1366     laptops: 1.5rem side padding, a tighter top row;
  <= 1100     projector (1024 x 768): a 272 px sidebar, the network and the output in equal
              columns, a compact top row that still fits one line;
  <= 768      phone: Streamlit lays the sidebar over the page and stacks columns (< 640 px);
              the top row wraps, chart toolbars (which cover titles on a touch screen) hide.
"""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
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
/* The progress bar jumps to each redraw's value: its 0.2 s slide made the compositor draw
   the whole page 60 times a second throughout a run (software-drawn where there is no GPU). */
[data-testid="stProgressBarTrack"] * { transition: none !important; }
/* A tab's charts side by side go onto two lines where each would be narrower than 260 px (a
   1024 px projector with the sidebar open): a third of that column left plots ~140 px wide. */
.st-key-live [data-testid="stTabs"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-live [data-testid="stTabs"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
  min-width: min(100%, 260px);
}
/* The top row: items centred on one line; when it must wrap, lines keep a small gap. */
.st-key-top_row { row-gap: 0.5rem; }

@media (max-width: 1366px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
  .st-key-top_row { column-gap: 0.5rem; }
}

@media (max-width: 1100px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
  /* Network | output in equal halves (1.15 : 1 leaves the decision surface too small). */
  .st-key-live > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] { gap: 1rem; }
  .st-key-live > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    flex: 1 1 0; min-width: min(100%, 300px);
  }
  /* A compact top row that still fits one line: tighter buttons and speed menu, same words. */
  .st-key-top_row { column-gap: 0.4rem; }
  .st-key-top_row [data-testid^="stBaseButton"], .st-key-top_row [data-variant="segmented_control"] {
    padding-left: 0.6rem; padding-right: 0.6rem;
  }
  .st-key-speed { flex-basis: 138px !important; }
  .st-key-speed, .st-key-speed [data-testid="stSelectbox"], .st-key-speed .react-aria-ComboBox,
  .st-key-speed .react-aria-ComboBox > div { width: 138px !important; }
  .st-key-speed .react-aria-ComboBox button { padding-left: 0.3rem; padding-right: 0.4rem; }
}

/* Not on a phone, where the sidebar lies over the page and can use the width. Only while open:
   collapsed, Streamlit sets max-width 0 and must keep it. */
@media (min-width: 769px) and (max-width: 1100px) {
  [data-testid="stSidebar"][data-collapsed="false"] { max-width: 272px; }
  /* Less side padding (Streamlit's is 2rem) keeps a layer row's three widgets on one line. */
  [data-testid="stSidebarContent"] { padding-left: 1rem; padding-right: 1rem; }
}

@media (max-width: 768px) {
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
  /* plotly's toolbar stays up on a touch screen and covers chart titles; double-tap resets zoom. */
  .js-plotly-plot .modebar-container { display: none; }
}
</style>
"""


# Presenter view (controls.presenting): a projector's back row reads the main area 25% larger,
# charts and their text included (plotly draws in CSS pixels, which zoom scales; the charts are
# laid out for the zoomed width, so they still fit).
_PRESENT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { zoom: 1.25; }
</style>
"""


def apply_style(presenting: bool = False) -> None:
    st.html(_CSS + (_PRESENT_CSS if presenting else ""))
