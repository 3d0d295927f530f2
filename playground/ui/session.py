"""One Runner per browser tab, and how a changed spec reaches it.

The runner trains in a worker process (RemoteRunner), or on a thread here (Runner) with
PLAYGROUND_BACKEND=thread (train/backends.py); the two take the same commands.

`get_session()` is a session-scoped `st.cache_resource`: each browser tab gets its own
PlaygroundSession, and Streamlit calls `close()` (on_release) when the tab disconnects or
the cache is cleared, which stops the runner's thread. The runner is created lazily from
the first valid spec. Then, on every script run, `apply(spec, uploads)` compares the new
spec with the one the runner has:

    same spec                      nothing
    only train.optimizer differs   runner.set_optimizer(choice): applied live, no reset
    anything else differs          runner.reset(spec): back to step 0 (a toast says why)
    new uploaded file              a new Runner (a runner keeps the uploads it was built with)

A spec the engine refuses (SpecError), or settings the sidebar cannot turn into a spec at all,
leave the runner as it was: `hold(problems)` pauses a running run, so that a run no longer
matching the sidebar does not look current, and keeps the problems for the status line. The
refusal is remembered so it is not retried on every rerun. Once the settings are valid again,
a held run resumes if they are the run's own (or differ only in the optimizer); any other
change resets it, as always.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import streamlit as st

from ..core.params import SpecError
from ..core.spec import Spec
from ..train.backends import start_runner, use_workers, worker_pool
from ..train.remote import RemoteRunner
from ..train.run_history import RunHistory
from ..train.runner import Runner

# Where the page's run trains unless PLAYGROUND_BACKEND says otherwise (train/backends.py):
# each run in an interpreter of its own (a watched run at Max: 0.96x its speed alone with the
# browser on its own core, 0.90x on a thread; many runs scale with the cores).
APP_BACKEND = "process"


@dataclass(frozen=True)
class Applied:
    kind: str  # "same" | "created" | "optimizer" | "reset" | "error"
    message: str = ""  # what changed, for a toast
    interrupted: bool = False  # a run that had made progress was reset
    errors: tuple[tuple[str, str], ...] = ()


class RefusalMemory:
    """Applies settings through `attempt`; errors become Applied("error"), and a refused
    setting is remembered so that the reruns that follow do not try (and fail) it again."""

    def __init__(self) -> None:
        self._refused: tuple[Hashable, Applied] | None = None

    def apply(self, key: Hashable, attempt: Callable[[], Applied]) -> Applied:
        if self._refused is not None and self._refused[0] == key:
            return self._refused[1]
        try:
            applied = attempt()
        except SpecError as e:
            applied = Applied("error", errors=tuple(e.errors))
        except Exception as e:  # noqa: BLE001 - an engine bug must not take the page down
            applied = Applied("error", errors=(("", f"{type(e).__name__}: {e}"),))
        self._refused = (key, applied) if applied.kind == "error" else None
        return applied


class PlaygroundSession:
    def __init__(self) -> None:
        self.runner: Runner | RemoteRunner | None = None
        self.spec: Spec | None = None  # the spec last given to the runner
        self.upload_key = ""
        self.problems: tuple[tuple[str, str], ...] = ()  # why the sidebar's settings are not the run's
        self.resume_when_fixed = False  # hold() paused a running run; a user command clears this
        self.earlier = RunHistory()  # the runs trained before this one, for comparison
        self._refusals = RefusalMemory()

    def keep_run(self) -> None:
        """Remember the current run as it stands (before a reset replaces it, or when it ended)."""
        if self.runner is not None and self.spec is not None:
            self.earlier.keep(self.spec, self.runner.snapshot())

    def apply(self, spec: Spec, uploads: dict[str, bytes] | None, upload_key: str) -> Applied:
        applied = self._refusals.apply((spec, upload_key), lambda: self._apply(spec, uploads, upload_key))
        if applied.kind == "error":
            self.hold(applied.errors)
            return applied
        self.problems = ()
        resume, self.resume_when_fixed = self.resume_when_fixed, False
        if resume and applied.kind in ("same", "optimizer") and self.runner.status == "paused":
            self.runner.start()
        return applied

    def hold(self, problems) -> None:
        """The settings cannot be applied (`problems`: (field, message) pairs): keep the run with
        the last valid ones, paused if it was training when the problems appeared."""
        first = not self.problems
        self.problems = tuple(problems)
        if first and self.runner is not None and self.runner.status == "running":
            self.runner.pause()
            self.resume_when_fixed = True

    def _apply(self, spec: Spec, uploads: dict[str, bytes] | None, upload_key: str) -> Applied:
        if self.runner is None or upload_key != self.upload_key:
            runner = start_runner(spec, uploads, default=APP_BACKEND)  # raises SpecError before anything is replaced
            old = self.runner
            self.keep_run()
            self.runner, self.spec, self.upload_key = runner, spec, upload_key
            if old is None:
                return Applied("created")
            progressed = old.steps_taken > 0
            old.close()
            return Applied("reset", "Data changed: training reset", progressed)
        if spec == self.spec:
            return Applied("same")
        old = self.spec
        if _only_optimizer_differs(old, spec):
            self.runner.set_optimizer(spec.train.optimizer)
            self.spec = spec
            return Applied("optimizer", f"{_optimizer_text(spec)} applied without a reset")
        progressed = self.runner.steps_taken > 0
        self.keep_run()
        self.runner.reset(spec)  # raises SpecError and keeps the current run for a bad spec
        self.spec = spec
        return Applied("reset", f"{_what_changed(old, spec)} changed: training reset", progressed)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None


def _only_optimizer_differs(old: Spec, new: Spec) -> bool:
    return (old.train.optimizer != new.train.optimizer
            and old.train.to_dict() | {"optimizer": None} == new.train.to_dict() | {"optimizer": None}
            and (old.data, old.model, old.telemetry) == (new.data, new.model, new.telemetry))


def _what_changed(old: Spec, new: Spec) -> str:
    if old.data != new.data:
        return "Data"
    if old.model != new.model:
        return "Network"
    if old.train != new.train:
        return "Training setup"
    return "Measurement"


def _optimizer_text(spec: Spec) -> str:
    choice = spec.train.optimizer
    return f"{choice.name} (lr {choice['lr']:g})"


def _release(session: PlaygroundSession) -> None:
    session.close()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def get_session() -> PlaygroundSession:
    """This browser tab's session; closed (its run ended) when the tab goes away."""
    warm_up_workers()
    return PlaygroundSession()


def warm_up_workers() -> None:
    """Start the server's worker processes (they import torch in the background, ~2 s), so that
    later visitors' runs start at once. A bad PLAYGROUND_BACKEND is reported by the first run."""
    try:
        if use_workers(APP_BACKEND):
            worker_pool().warm_up()
    except ValueError:
        pass
