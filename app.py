"""Neural-network playground: build a network, press Train, watch it learn.

    streamlit run app.py

Three pages: the playground (one network, trained live), the optimizer lab (races, paths on
test functions, loss landscapes) and sweeps (the playground's settings over a grid of values).
Thin on purpose: the panels live in playground/ui/, the engine in playground/.
"""

from __future__ import annotations

import streamlit as st

from playground.core.presets import PRESETS
from playground.core.spec import Spec
from playground.ui import controls, gc_tuning, lesson_card, locks, panels, share, sidebar, state, style, widgets
from playground.ui.data_panel import upload_digest
from playground.ui.lab import lab_page
from playground.ui.lessons_page import lessons_page
from playground.ui.session import get_session
from playground.ui.sweep_page import sweep_page
from playground.ui.take_home import take_home_box


def main() -> None:
    gc_tuning.freeze_startup_objects()  # once per process: full collections skip torch, plotly, ...
    # 340 px: the sidebar's starting width, room for a layer row (style.py narrows it on a projector);
    # a presenter's link (view=present) opens with it closed.
    present_link = st.query_params.get("view") == "present"
    st.set_page_config(page_title="Neural network playground", page_icon=":material/hub:", layout="wide",
                       initial_sidebar_state="collapsed" if present_link else 340)
    if present_link and "initialized" not in st.session_state:
        st.session_state[controls.PRESENT] = True
    style.apply_style(presenting=controls.presenting())
    home = st.Page(playground_page, title="Playground", icon=":material/hub:", default=True)

    def sweeps_page() -> None:
        """A spec trained over a grid of settings; a result opens in the Playground."""
        sweep_page(home)

    def lessons() -> None:
        """Every lesson, each opening a ready run in the Playground."""
        lessons_page(home)

    PAGES.update(lab=st.Page(lab_page, title="Optimizer lab", icon=":material/science:", url_path="lab"),
                 lessons=st.Page(lessons, title="Lessons", icon=":material/school:", url_path="lessons"))
    page = st.navigation([
        home,
        PAGES["lessons"],
        PAGES["lab"],
        st.Page(sweeps_page, title="Sweeps", icon=":material/grid_on:", url_path="sweeps"),
    ])
    page.run()


PAGES: dict[str, st.Page] = {}  # the pages other pages link to, made by main() each run


def playground_page() -> None:
    """Build a network, train it, watch it learn."""
    _first_run()
    lesson_card.open_from_link(link_has_settings=lambda: share.spec_from_link()[0] is not None)
    session = get_session()
    st.session_state[widgets.IN_USE] = state.in_use(session.spec)  # named under a field out of range
    settings = sidebar.sidebar()
    with st.sidebar:
        share.share_box(settings.spec)
        take_home_box(session, settings.spec)
    share.sync_address_bar(settings.spec, {"lesson": lesson_card.open_slug(),
                                           "view": "present" if controls.presenting() else None,
                                           **locks.link_params()})

    # Messages go into a container that is always drawn, so the live view below keeps its place
    # in the page whatever comes and goes here (panels.py says why that matters).
    with st.container(key="notices"):
        if settings.spec is not None:
            _apply(session, settings)
        else:
            session.hold(settings.errors)
        for field, message in st.session_state.pop("link_problems", []):
            st.warning(f"The link's settings were not used: **{field}**: {message}", icon=":material/link_off:")
    controls.run_commands(session)  # the clicks of this run act on the run just brought up to date
    if session.runner is not None and session.runner.status in ("done", "diverged"):
        session.keep_run()  # an ended run joins the earlier runs at once (kept once)

    with st.container(key="lesson_slot"):  # always drawn, for the same reason
        lesson_card.lesson_card(session, PAGES["lessons"], PAGES["lab"])
    controls.top_row(session)
    with st.container(key="settings_notice_slot"):  # always drawn, for the same reason
        controls.settings_notice(session)
    panels.live_view(session)


def _first_run() -> None:
    """Once per browser tab: the settings from the link, else the defaults."""
    if st.session_state.get("initialized"):
        return
    spec, problems = share.spec_from_link()
    state.load_spec(spec or Spec())
    preset = st.query_params.get("preset")
    if spec is not None and preset in PRESETS:
        sidebar.show_preset_loaded(preset)
        state.load_view(PRESETS[preset])
    st.session_state["link_problems"] = problems + locks.from_link()
    st.session_state["initialized"] = True


def _apply(session, settings: sidebar.Settings) -> None:
    applied = session.apply(settings.spec, settings.uploads, upload_digest(settings.uploads))
    if applied.kind == "reset":
        st.session_state["notice"] = applied.message
        controls.unfreeze()  # a new run: follow it
        if applied.interrupted:
            st.toast(applied.message, icon=":material/restart_alt:")
    elif applied.kind == "optimizer" and "reset" not in st.session_state.get(controls.COMMANDS, []):
        st.toast(applied.message, icon=":material/tune:")  # (not when a reset follows: a lesson's change)


main()
