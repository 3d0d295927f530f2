"""The Lessons page (address path `lessons`): every lesson as a card, in the order an
introduction to deep learning takes them; a card's link opens the lesson in the Playground, its
preset loaded and its card above the charts (lesson_card.py)."""

from __future__ import annotations

import streamlit as st

from ..core.lessons import LESSONS

COLUMNS = 3


def lessons_page(playground: st.Page) -> None:
    st.title(":material/school: Lessons")
    st.markdown("Each lesson opens a ready run in the Playground with its idea beside the charts, what to "
                "watch, and changes to try. Press **Train** and watch; then try a change. Every run starts "
                "from the same seed, so a class sees the same thing on every screen.")
    lessons = list(LESSONS.values())
    for row in range(0, len(lessons), COLUMNS):
        for col, lesson in zip(st.columns(COLUMNS, gap="medium"), lessons[row:row + COLUMNS]):
            number = row + lessons[row:row + COLUMNS].index(lesson) + 1
            with col, st.container(border=True, height="stretch", key=f"lesson_{lesson.slug}"):
                st.markdown(f"**{number} · {lesson.title}**")
                st.caption(_first_sentence(lesson.idea))
                st.page_link(playground, label="Open the lesson", icon=":material/play_circle:",
                             query_params={"lesson": lesson.slug})


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]
