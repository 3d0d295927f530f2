"""A Runner in a worker process (core/workers.py), driven from the server like a local one.

RemoteRunner has the Runner's commands and snapshot(); the pages cannot tell them apart. Its
Runner lives in a worker as a RunnerHost, training on the worker's own thread, off the server's
interpreter.

Snapshots are mirrored, not shipped whole on every redraw: the server keeps the run's facts (its
data set above all, up to megabytes of images), its records and its latest pictures, and asks the
worker only for what changed since (Update): the records after the last one it holds, the
pictures if they were redrawn, and everything again only after a reset or when the worker's
history rewrote its records (thinning, histogram re-binning; rare).

A worker that dies (killed, out of memory) makes the run `failed`, saying how; the last picture
of the run stays on the page, and Reset starts the run again on a live worker.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, replace
from typing import Any

from ..core.jobs import QUEUE_POLL_SECONDS, check_pace, poll_until
from ..core.server_share import SHARE, ServerShare
from ..core.spec import Choice, Spec
from ..core.workers import WorkerGone, WorkerPool
from .runner import Runner
from .snapshot import Progress, RunFacts, Snapshot, assemble_snapshot, progress_and_records, run_facts
from .telemetry import Record

HOST = "playground.train.remote:RunnerHost"
_COMMANDS = frozenset({"start", "pause", "toggle", "step", "set_pace", "set_optimizer", "wait_until_settled",
                       "weights_file"})


@dataclass(frozen=True)
class Known:
    """What the server's mirror of a run holds."""

    generation: int = -1  # which trainer (a reset builds a new one); -1: none yet
    rewrites: int = -1  # the history's rewrite count (telemetry.BoundedHistory.rewrites)
    last_step: int = -1  # step of the last record held
    visuals: int = -1  # serial of the pictures held


@dataclass(frozen=True)
class Update:
    """What the worker sends for a snapshot: only what the mirror lacks."""

    status: str
    message: str
    queue_place: int
    generation: int
    facts: RunFacts | None  # None: unchanged
    rewrites: int
    full: bool  # records replace the mirror's; else they follow its last one
    records: list[Record]
    progress: Progress  # its visuals are None when unchanged
    visuals: int


class RunnerHost:
    """The worker's side: one Runner, and the serials that let the server's mirror ask for less."""

    def __init__(self, spec: Spec, uploads=None):
        self.runner = Runner(spec, uploads=uploads)
        self._lock = threading.Lock()
        self._trainer, self._generation = self.runner.trainer, 0
        self._visuals, self._visuals_serial = self.runner.trainer.visuals, 0

    def command(self, name: str, *args: Any) -> Any:
        if name not in _COMMANDS:
            raise ValueError(f"Unknown runner command {name!r}.")
        return getattr(self.runner, name)(*args)

    def reset(self, spec: Spec | None, uploads) -> None:
        self.runner.reset(spec, uploads)

    def state(self) -> tuple[str, int, int, int]:
        """(status, steps taken, step of the latest record, place in the queue)."""
        runner = self.runner
        return runner.status, runner.steps_taken, runner.recorded_step, runner.queue_place

    def update(self, known: Known) -> Update:
        trainer, status, message, place = self.runner._current()
        progress, records = progress_and_records(trainer)
        with self._lock:
            if trainer is not self._trainer:
                self._trainer, self._generation = trainer, self._generation + 1
            if progress.visuals is not self._visuals:
                self._visuals, self._visuals_serial = progress.visuals, self._visuals_serial + 1
            generation, serial = self._generation, self._visuals_serial
        rewrites = trainer.history.rewrites
        new_run = generation != known.generation
        full = new_run or rewrites != known.rewrites
        if not full:
            records = [r for r in records if r.step > known.last_step]
        if serial == known.visuals and not new_run:
            progress = replace(progress, visuals=None)
        return Update(status, message, place, generation, run_facts(trainer) if new_run else None, rewrites,
                      full, records, progress, serial)

    def close(self) -> None:
        self.runner.close()


class _Mirror:
    """The server's copy of a worker's run, grown by Updates."""

    def __init__(self) -> None:
        self.known = Known()
        self.facts: RunFacts | None = None
        self.records: list[Record] = []
        self.visuals = None

    def apply(self, update: Update) -> Progress:
        if update.facts is not None:
            self.facts = update.facts
        self.records = list(update.records) if update.full else self.records + update.records
        if update.progress.visuals is not None or update.generation != self.known.generation:
            self.visuals = update.progress.visuals
        self.known = Known(update.generation, update.rewrites, self.records[-1].step if self.records else -1,
                           update.visuals)
        return replace(update.progress, visuals=self.visuals)


class RemoteRunner:
    """Runner's commands, properties and snapshot(), for a Runner trained in a worker process."""

    def __init__(self, spec: Spec, uploads=None, pool: WorkerPool | None = None, share: ServerShare | None = None):
        """Builds the run in a worker now: raises SpecError for a bad spec, as Runner does.
        share: the server's admission queue (default: the process's own), which this run joins
        when it trains, as a Runner on a thread does; the worker admits whatever it is sent."""
        from .backends import worker_pool

        self._pool = pool or worker_pool()
        self._lock = threading.Lock()  # the mirror, and the job as a reset replaces it
        self._spec, self._uploads = spec, uploads
        self._pace: float | None = None
        self._failure = ""  # how the worker ended, once it has: the run is then `failed`
        self._closed = False
        self._share = share or SHARE
        self._ticket = object()  # this run in the server's admission queue
        self._queued = 0  # >0: Train was pressed and the run waits for the server; its place in line
        self._watching = False  # a thread follows the run while it trains or waits (_follow)
        self._starts = 0  # presses of Train: the following thread ends only if none came since it looked
        self._job = self._pool.place(HOST, spec, uploads)
        self._mirror = _Mirror()
        self._snapshot: Snapshot | None = None
        self.snapshot()  # the run's facts and first record, as the first page draw needs
        weakref.finalize(self, self._share.admission.leave, self._ticket).atexit = False

    # ------------------------------------------------------------------ talking to the worker

    def _call(self, method: str, *args: Any, default: Any = None) -> Any:
        """A call to the host; once its worker has gone, the run is failed and calls return `default`."""
        job = self._job
        if self._failure or self._closed:
            return default
        try:
            return job.call(method, *args)
        except WorkerGone as gone:
            if job is self._job:
                self._failure = f"{gone} Press Reset to start the run again."
            return default
        except KeyError:
            if self._closed:  # closed on another thread meanwhile: the worker has let the job go
                return default
            raise

    def _command(self, name: str, *args: Any) -> Any:
        return self._call("command", name, *args)

    # ------------------------------------------------------------------ commands

    def start(self) -> None:
        """Train (or resume): at once if the server has room, else once the queue reaches it."""
        if self._state()[0] not in ("ready", "paused"):
            return
        with self._lock:
            self._starts += 1
            self._queued = self._share.admission.request(self._ticket)
            admitted = not self._queued
        if admitted:
            self._command("start")
        self._follow()

    def pause(self) -> None:
        self._leave_queue()
        self._command("pause")

    def toggle(self) -> None:
        """Train <-> Pause, as one button."""
        if self.status == "running":
            self.pause()
        else:
            self.start()

    def _follow(self) -> None:
        """While the run trains or waits its turn, a thread looks every QUEUE_POLL_SECONDS: it
        starts the run once the queue admits it, and gives its place up once it stops (done,
        diverged, failed), whether or not a page is watching."""
        with self._lock:
            if self._watching:
                return
            self._watching = True
        threading.Thread(target=_follow, args=(weakref.ref(self),), name="playground-remote-follow",
                         daemon=True).start()

    def step(self, batches: int = 1) -> None:
        self._command("step", batches)

    def set_pace(self, epochs_per_second: float | None) -> None:
        check_pace(epochs_per_second)
        self._pace = epochs_per_second
        self._command("set_pace", epochs_per_second)

    def set_optimizer(self, choice: Choice) -> None:
        self._spec = replace(self._spec, train=replace(self._spec.train, optimizer=choice))
        self._command("set_optimizer", choice)

    def weights_file(self) -> bytes | None:
        """Runner.weights_file, from the worker (None once the worker has gone)."""
        return self._command("weights_file")

    def wait_until_settled(self, timeout: float = 30.0) -> bool:
        return bool(self._command("wait_until_settled", timeout)) or bool(self._failure)

    def wait(self, until, timeout: float = 30.0) -> bool:
        """Block until `until(self.snapshot())` is true or timeout; for tests and scripts."""
        return poll_until(self.snapshot, until, timeout)

    def reset(self, spec: Spec | None = None, uploads=None) -> None:
        """Start over from step 0 with `spec` (default: the current one). Raises SpecError for a bad
        spec, leaving the current run as it was. A run whose worker has gone starts on a new one."""
        spec = spec or self._spec
        self._leave_queue()
        if self._failure:
            uploads = self._uploads if uploads is None else uploads
            job = self._pool.place(HOST, spec, uploads)  # raises SpecError before anything is replaced
            old = self._job
            with self._lock:
                self._job, self._failure, self._uploads = job, "", uploads
                self._mirror = _Mirror()
            old.close()
        else:
            self._call("reset", spec, uploads)
            if uploads is not None:
                self._uploads = uploads
        self._spec = spec
        if self._pace is not None:
            self._command("set_pace", self._pace)  # a new worker's run starts flat out otherwise

    def _leave_queue(self) -> None:
        """Leave the server's queue and its admitted runs (the worker's run pauses, resets or closes next)."""
        with self._lock:
            self._queued = 0
        self._share.admission.leave(self._ticket)

    def close(self) -> None:
        """End the run and free its place in the worker. Safe to call twice; the object cannot
        be used afterwards."""
        self._closed = True
        self._leave_queue()
        self._job.close()

    # ------------------------------------------------------------------ state

    def _state(self) -> tuple[str, int, int, int]:
        """(status, steps taken, step of the latest record, place in the server's queue)."""
        state = self._call("state")
        if state is None:  # the worker has gone
            snap = self._snapshot
            return "failed", snap.step if snap else 0, int(snap.history["step"].iloc[-1]) if snap else 0, 0
        if self._queued:  # pressed Train, waiting for the server: "running", as a queued Runner says
            return "running", state[1], state[2], self._queued
        return state

    @property
    def status(self) -> str:
        return self._state()[0]

    @property
    def steps_taken(self) -> int:
        return self._state()[1]

    @property
    def recorded_step(self) -> int:
        return self._state()[2]

    @property
    def queue_place(self) -> int:
        return self._state()[3]

    @property
    def pace(self) -> float | None:
        return self._pace

    @property
    def spec(self) -> Spec:
        return self._spec

    @property
    def steps_per_epoch(self) -> int:
        return self._mirror.facts.steps_per_epoch

    @property
    def alive(self) -> bool:
        return not self._failure

    @property
    def worker_pid(self) -> int | None:
        """The worker process training this run (for tests and the curious)."""
        return self._job.worker.pid

    def snapshot(self) -> Snapshot:
        with self._lock:
            mirror = self._mirror
            update = self._call("update", mirror.known)
            if update is None:  # the worker has gone: the last picture, marked failed
                if self._snapshot is None:
                    raise WorkerGone(self._failure)
                self._snapshot = replace(self._snapshot, status="failed", message=self._failure, queue_place=0)
                return self._snapshot
            progress = mirror.apply(update)
            status, place = (update.status, 0) if not self._queued else ("running", self._queued)
            self._snapshot = assemble_snapshot(mirror.facts, progress, mirror.records, status, update.message, place)
            return self._snapshot


def _follow(runner_ref: weakref.ref[RemoteRunner]) -> None:
    """RemoteRunner._follow's thread; holds the runner only while it looks (a dropped runner ends it)."""
    while True:
        runner = runner_ref()
        if runner is None or runner._closed:
            return
        with runner._lock:
            queued, starts = runner._queued, runner._starts
            if queued:
                runner._queued = runner._share.admission.request(runner._ticket)
        if queued and not runner._queued:
            runner._command("start")  # admitted: the worker's run trains from here
        if runner._state()[0] != "running":
            with runner._lock:
                if runner._starts == starts:  # no Train pressed since the look: the run has stopped
                    runner._share.admission.leave(runner._ticket)
                    runner._watching = False
                    return
        del runner
        time.sleep(QUEUE_POLL_SECONDS)
