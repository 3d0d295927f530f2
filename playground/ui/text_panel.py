"""The generated text in the live view: panels.py draws it in place of the output chart when a
run's visuals carry TextViews (a network trained on a text set). A temperature slider and a "new
sample" button over the sample, drawn in monospace: the prompt (held-out text), a bar, then what
the current model writes after it.

The sample is computed by the engine (families/rnn/sampling.py) from the views' frozen copy of the
model, and computed again only when the views, the temperature or the sample number changed: about
a tenth of a second for 200 characters on a slow CPU, a few times a second at most while training.
"""

from __future__ import annotations

import streamlit as st

from ..families.rnn.sampling import SAMPLE_LENGTH, Sample, TextViews
from ..families.rnn.views import RecurrentViews
from ..train.snapshot import Snapshot
from .widgets import KEEP

TEMPERATURE = "text_temperature"  # widget key
SEED = "text_sample_seed"  # session-state key: which sample (prompt and random draws) is shown
_DRAWN = "_text_sample_drawn"  # session-state key: (views, Sample) last drawn
DEFAULT_TEMPERATURE = 0.8


def shows(snap: Snapshot) -> bool:
    """Whether this run has generated text to show."""
    family = snap.visuals.family if snap.visuals is not None else None
    return isinstance(family, RecurrentViews) and family.text is not None


def sample(snap: Snapshot) -> None:
    views: TextViews = snap.visuals.family.text
    ss = st.session_state
    ss.setdefault(TEMPERATURE, DEFAULT_TEMPERATURE)
    ss.setdefault(SEED, 0)
    cols = st.columns([3, 1], vertical_alignment="bottom", gap="small")
    with cols[0]:
        temperature = st.slider(
            "Temperature", 0.0, 2.0, step=0.1, key=TEMPERATURE, persist_state=KEEP,
            help="How boldly the next character is drawn from the model's odds: 0 always takes the likeliest "
                 "(text that soon loops), 1 the model's own odds, above 1 flatter odds (towards random letters).")
    with cols[1]:
        st.button("New sample", key="text_new_sample", icon=":material/casino:", on_click=_next_sample,
                  width="stretch", help="Another prompt from the held-out text and other random draws.")
    shown = _sample(views, float(temperature), int(ss[SEED]))
    st.code(f"{shown.prompt}│{shown.text}", language=None, wrap_lines=True)
    st.caption(f"Sample {shown.seed + 1}, by the model at step {snap.visuals.step}: after the prompt (up to "
               f"the │, {len(shown.prompt)} characters of held-out text) it writes {SAMPLE_LENGTH} characters, "
               f"each drawn from its next-character odds at temperature {shown.temperature:g}.")


def _next_sample() -> None:
    st.session_state[SEED] = int(st.session_state.get(SEED, 0)) + 1


def _sample(views: TextViews, temperature: float, seed: int) -> Sample:
    """The sample for these settings, computed again only when something it depends on changed."""
    drawn = st.session_state.get(_DRAWN)
    if drawn is None or drawn[0] is not views or (drawn[1].temperature, drawn[1].seed) != (temperature, seed):
        drawn = (views, views.sample(temperature, seed))
        st.session_state[_DRAWN] = drawn
    return drawn[1]
