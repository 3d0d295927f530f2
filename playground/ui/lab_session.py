"""One optimizer race per browser tab, and how a changed setup reaches it.

`get_lab_race()` is a session-scoped `st.cache_resource` (separate from the main page's
`get_session`): each browser tab gets its own LabRace, and Streamlit calls `close()`
(on_release) when the tab disconnects or the cache is cleared, which stops the race thread.
On every script run the sidebar's setup is applied:

    same spec and contestants      nothing
    anything differs               runner.reset(spec, contestants): back to step 0, and a
                                   notice says what changed
    refused (SpecError)            the race keeps its last valid setup; the refusal is
                                   remembered so it is not retried on every rerun
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ..core.spec import Spec
from ..lab.contestants import Contestant
from ..lab.race import RaceRunner
from .session import Applied, RefusalMemory


class LabRace:
    def __init__(self) -> None:
        self.runner: RaceRunner | None = None
        self.spec: Spec | None = None
        self.contestants: tuple[Contestant, ...] = ()
        self.generation = 0  # +1 at every reset: results computed for an older race are stale
        self.notice = ""  # the last reason the race went back to step 0
        self._refusals = RefusalMemory()

    @property
    def status(self) -> str:
        return self.runner.status if self.runner is not None else "ready"

    def apply(self, spec: Spec, contestants: Sequence[Contestant]) -> Applied:
        contestants = tuple(contestants)
        return self._refusals.apply((spec, contestants), lambda: self._apply(spec, contestants))

    def _apply(self, spec: Spec, contestants: tuple[Contestant, ...]) -> Applied:
        if self.runner is None:
            self.runner = RaceRunner(spec, contestants)  # SpecError before anything is kept
            self.spec, self.contestants = spec, contestants
            return Applied("created")
        if spec == self.spec and contestants == self.contestants:
            return Applied("same")
        what = _what_changed(self.spec, self.contestants, spec, contestants)
        progressed = self.runner.race.step > 0
        self.runner.reset(spec, contestants)  # SpecError keeps the current race
        self.spec, self.contestants = spec, contestants
        self.generation += 1
        self.notice = f"{what} changed: the race was reset to step 0." if progressed else f"{what} changed."
        return Applied("reset", self.notice)

    def reset(self, notice: str = "Reset to step 0.") -> None:
        if self.runner is not None:
            self.runner.reset()
            self.generation += 1
            self.notice = notice

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None


def _what_changed(old_spec: Spec | None, old: Sequence[Contestant], spec: Spec,
                  contestants: Sequence[Contestant]) -> str:
    parts = []
    if old_spec is not None and old_spec.data != spec.data:
        parts.append("Data")
    elif old_spec != spec:
        parts.append("Task")
    if tuple(old) != tuple(contestants):
        parts.append("Contestants")
    return " and ".join(parts) or "Setup"


def _release(lab: LabRace) -> None:
    lab.close()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def get_lab_race() -> LabRace:
    """This browser tab's race; closed (thread stopped) when the tab goes away."""
    return LabRace()
