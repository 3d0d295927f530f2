"""A lesson in the Playground: the card above the charts (the idea, where to look, "try this"
buttons), and opening a lesson from a link (`?lesson=<slug>`, as the Lessons page's links and
shared links carry it).

Opening loads the lesson's preset (unless the link also carries settings: a teacher's link with
changes keeps them) and opens the live view's tab that shows the point. A "try this" button loads
the preset with its change and trains from step 0, so the point shows from the start whatever
ran before; "Start again" loads the preset as the lesson opened. The address bar keeps
`lesson=<slug>` while the card is open (share.sync_address_bar), so the link shares the lesson.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ..core.lessons import LESSONS, Lesson
from ..core.presets import PRESETS
from . import controls, locks, panels, state
from .backprop_panel import backprop_panel
from .device_panel import device_panel
from .session import PlaygroundSession
from .sidebar import show_preset_loaded
from .widgets import full_run_only

OPEN = "lesson_open"  # session-state key: the open lesson's slug, or None
TRIED = "lesson_tried"  # session-state key: the index of the change last tried, or None


def open_from_link(link_has_settings: Callable[[], bool]) -> None:
    """Open the lesson the address asks for, if it is not the open one. Call before the sidebar.
    `link_has_settings` is asked only then: it parses the whole link."""
    slug = st.query_params.get("lesson")
    ss = st.session_state
    if slug is None or slug == ss.get(OPEN):
        return
    if slug not in LESSONS:
        ss.setdefault("link_problems", []).append(
            ("lesson", f"there is no lesson {slug!r}; the Lessons page lists them all"))
        return
    lesson = LESSONS[slug]
    ss[OPEN], ss[TRIED] = slug, None
    if not link_has_settings():
        _load(lesson, None)
    ss["view_tab"] = ss[panels.OPEN_TAB] = lesson.tab


def open_slug() -> str | None:
    """The open lesson's slug (for the address bar), or None."""
    slug = st.session_state.get(OPEN)
    return slug if slug in LESSONS else None


def lesson_card(session: PlaygroundSession, lessons_page: st.Page, lab_page: st.Page) -> None:
    """The open lesson's card; nothing when no lesson is open. The pages: for the links to the
    list of lessons and, where the lesson races optimizers, to the lab."""
    slug = open_slug()
    if slug is None:
        return
    lesson = LESSONS[slug]
    number = list(LESSONS).index(slug) + 1
    with st.container(border=True, key="lesson_card"):
        head, close = st.columns([1, 0.06], vertical_alignment="top")
        with head:
            st.markdown(f"**Lesson {number} · {lesson.title}**")
        with close:
            st.button("", icon=":material/close:", key="lesson_close", type="tertiary", help="Close the lesson",
                      on_click=full_run_only(_close))
        if not controls.presenting():  # in front of a class the teacher says it
            st.markdown(lesson.idea)
            st.markdown(f":material/visibility: **Watch:** {lesson.watch}")
        tried = st.session_state.get(TRIED)
        with st.container(horizontal=True, gap="small", key="lesson_tries"):
            st.markdown("**Try this:**")
            for i, attempt in enumerate(lesson.tries):
                blocked = any(locks.locked(field) for field in attempt.overrides)  # a teacher's link locks it
                st.button(attempt.label, key=f"lesson_try_{i}", type="primary" if tried == i else "secondary",
                          on_click=full_run_only(_try), args=(lesson, i), disabled=blocked,
                          help=f"{locks.WHY}\n\n{attempt.expect}" if blocked else attempt.expect)
            st.button("Start again", icon=":material/replay:", key="lesson_restart", type="tertiary",
                      on_click=full_run_only(_try), args=(lesson, None),
                      help=f"The lesson as it opened: the {lesson.preset} preset, trained from step 0.")
            if lesson.lab:
                st.page_link(lab_page, label="Race them in the lab", icon=":material/science:")
            st.page_link(lessons_page, label="All lessons", icon=":material/school:")
        if tried is not None and tried < len(lesson.tries):
            attempt = lesson.tries[tried]
            st.caption(f"**Now: {attempt.label}.** {attempt.expect}")
        if lesson.panel == "backprop":
            with st.expander("One example, by hand", expanded=True, icon=":material/calculate:"):
                spec = session.spec
                lr = spec.train.optimizer.params.get("lr") if spec is not None else None
                backprop_panel(session.runner.snapshot() if session.runner else None, lr)
        if lesson.panel == "devices":
            with st.expander("CPU and GPU", expanded=True, icon=":material/memory:"):
                device_panel(session.spec)


def _load(lesson: Lesson, attempt: int | None) -> None:
    state.load_spec(lesson.spec(attempt))
    state.load_view(PRESETS[lesson.preset])
    show_preset_loaded(lesson.preset)


def _try(lesson: Lesson, attempt: int | None) -> None:
    """Load the lesson's preset with change `attempt` (None: none) and train it from step 0."""
    _load(lesson, attempt)
    st.session_state[TRIED] = attempt
    controls.unfreeze()
    for command in ("reset", "train"):
        controls.queue(command)


def _close() -> None:
    st.session_state[OPEN] = st.session_state[TRIED] = None
    st.query_params.pop("lesson", None)  # or the next run would open it again from the address
