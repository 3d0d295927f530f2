"""BackgroundTraining: a job that trains in steps (a Trainer, a Race), run on its own thread
and driven by commands from another (the UI).

Commands (start, pause, step, set_pace, close, and a subclass's reset) only set fields under a
lock and wake the thread, which trains in chunks of at most CHUNK_SECONDS and re-reads them
between chunks; a pause or reset is honoured after the update in flight. A pace (epochs a
second) slows a run down enough to watch (flat out, the default circle run takes ~1.5 s): a
paced run wakes every PACE_TICK_SECONDS and takes the steps the pace allows by then.
Nothing raises into the caller once the object exists: an exception inside the thread
becomes the `failed` status with its message. Whatever else ends the thread (SystemExit or
KeyboardInterrupt inside a step, a bug outside one) leaves `failed` too, saying so, and the next
reset starts a new thread. No command waits for the thread longer than COMMAND_WAIT_SECONDS.
An object dropped without close() ends its thread as well: between chunks, the thread holds it
only by a weak reference.
Runs share the server (server_share.py): a running job trains only once admitted (else it waits
its turn in the queue, `queue_place` says where), and each of its chunks holds a training slot.
Subclasses say how to advance their job, when it is finished, and what an error means
(runner.Runner turns NaN/inf into `diverged`).
"""

from __future__ import annotations

import threading
import time
import traceback
import weakref
from typing import Any, NamedTuple

import torch

from .server_share import SHARE, ServerShare

CHUNK_SECONDS = 0.05  # the thread re-reads commands at least this often while running
# A paced run wakes at most this often and takes every step the pace allows by then: one chunk
# (and one record) per wake-up. Waking for every single step made each step a chunk of its own,
# ending with a record: Fast (40 epochs/s, 1000 updates/s on the default run) ran at a tenth
# of that in the browser.
PACE_TICK_SECONDS = 0.05
# Steps a paced run may take late, after the thread was held up (the GIL taken by a redraw of
# the page, a busy machine), so that the pace holds over a second; more than that is dropped,
# so a run does not sprint to catch up after a long stall.
PACE_CATCH_UP_SECONDS = 0.25
# A chunk takes CHUNK_SECONDS plus one update and a redraw of the pictures; a pause or reset that
# waited this long for it is facing a stuck thread, and goes ahead rather than hang the page.
COMMAND_WAIT_SECONDS = 5.0
QUEUE_POLL_SECONDS = 0.25  # a queued run asks again this often whether it may train


class _Chunk(NamedTuple):
    """What the thread trains next, taken under the lock and trained off it."""

    job: Any
    change: Any  # from _take_pending_change, applied first
    continuous: bool  # running until paused; else a counted number of single steps
    paced: bool
    budget: int  # at most this many steps


class BackgroundTraining:
    thread_name = "playground-runner"

    def __init__(self, job: Any, visual_interval: float, share: ServerShare | None = None):
        """`job` has run(max_steps, deadline, keep_going, record_last) -> steps taken, `finished`,
        `steps_per_epoch` and compute_visuals(); visual_interval: pictures are redrawn at most
        this often while running (seconds), and always when the job pauses or ends. `share`:
        the server's admission queue and training slots (default: the process's own)."""
        self._job = job
        self._share = share or SHARE
        self._ticket = object()  # this run in the share's queue (not self: the queue must not keep it alive)
        self._queue_place = 0  # 0: admitted or not running; else its place in the share's queue
        self.visual_interval = visual_interval
        self._cond = threading.Condition()
        self._status = "ready"
        self._message = ""
        self._running = False  # train until paused or finished
        self._pending_steps = 0  # single steps asked for while not running
        self._closed = False
        self._busy = False  # the thread is inside a training chunk
        self._pace: float | None = None  # epochs a second while running; None: as fast as it goes
        self._allowance = (0.0, 0.0)  # (steps that may be taken now under the pace, perf_counter then)
        self._next_tick = 0.0  # perf_counter before which a paced run does not start another chunk
        self._thread = self._start_thread()
        # Dropped without close(): wake the thread, which finds its owner gone and ends. This may
        # run on any thread, one holding the lock too: a Condition's lock is an RLock by default.
        weakref.finalize(self, _wake, self._cond, self._share, self._ticket).atexit = False

    # ------------------------------------------------------------------ hooks for subclasses

    def _has_pending_change(self) -> bool:
        """Work to do on the thread even when neither running nor stepping (under the lock)."""
        return False

    def _take_pending_change(self) -> Any:
        """Collect that work under the lock; it is applied by _apply_change off the lock."""
        return None

    def _apply_change(self, job: Any, change: Any) -> None:
        pass

    def _finished_message(self, job: Any) -> str:
        return "Finished."

    def _error_outcome(self, job: Any, error: Exception) -> tuple[str, str]:
        """(status, message) for an exception raised while training."""
        traceback.print_exc()
        return "failed", f"{type(error).__name__}: {error}"

    # ------------------------------------------------------------------ commands

    def start(self) -> None:
        """Train (or resume) until paused, finished, diverged or failed."""
        with self._cond:
            if self._status in ("ready", "paused"):
                self._running = True
                self._status, self._message = "running", ""
                self._queue_place = self._share.admission.request(self._ticket)  # in line in the order of clicks
                self._allowance = (1.0, time.perf_counter())  # a paced run starts with a step at once
                self._next_tick = 0.0
                self._cond.notify_all()

    def pause(self) -> None:
        """Stop after the update in flight; when this returns, the step count holds still (unless
        that update outlasted COMMAND_WAIT_SECONDS: a stuck thread does not hang the page)."""
        with self._cond:
            if self._status == "running":
                self._stop_running()
                self._status, self._message = "paused", ""
                self._cond.notify_all()
                self._cond.wait_for(lambda: not self._busy, COMMAND_WAIT_SECONDS)

    def toggle(self) -> None:
        """Train <-> Pause, as one button."""
        if self.status == "running":
            self.pause()
        else:
            self.start()

    def step(self, batches: int = 1) -> None:
        """Take `batches` updates, then stay paused. Use steps_per_epoch for one epoch."""
        with self._cond:
            if self._status in ("ready", "paused"):
                self._pending_steps += max(1, int(batches))
                self._status = "paused"
                self._cond.notify_all()

    def set_pace(self, epochs_per_second: float | None) -> None:
        """Train at most this many epochs a second while running (None: as fast as it goes).
        Applies from the next chunk on; Step is never slowed down."""
        check_pace(epochs_per_second)
        with self._cond:
            self._pace = epochs_per_second
            self._allowance = (1.0, time.perf_counter())
            self._cond.notify_all()

    @property
    def pace(self) -> float | None:
        return self._pace

    def _replace_job(self, job: Any) -> None:
        """Swap in a freshly built job (a reset): stop, let the chunk in flight finish, swap. A
        thread that has ended (the `failed` status says why) is replaced by a new one."""
        with self._cond:
            self._stop_running()
            self._take_pending_change()  # settings meant for the old job do not carry over
            # Should the chunk outlast the wait, swapping is still safe: its outcome is dropped
            # (it is not of the current job), and the thread takes no other chunk meanwhile.
            self._cond.wait_for(lambda: not self._busy, COMMAND_WAIT_SECONDS)
            self._job = job
            self._pending_steps = 0  # steps asked of the old job do not carry over
            self._status, self._message = "ready", ""
            if not (self._closed or self._thread.is_alive()):
                self._thread = self._start_thread()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the thread. Safe to call twice; the object cannot be used afterwards."""
        with self._cond:
            self._closed = True
            self._stop_running()
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _stop_running(self) -> None:
        """Not training any more: leave the share's queue or give up its place (under the lock)."""
        self._running = False
        self._queue_place = 0
        self._share.admission.leave(self._ticket)

    @property
    def queue_place(self) -> int:
        """0 unless the run waits for the server: then its place in the queue (1 = next)."""
        with self._cond:
            return self._queue_place

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def status(self) -> str:
        with self._cond:
            return self._status

    def _current(self) -> tuple[Any, str, str, int]:
        """(job, status, message, queue_place), taken together."""
        with self._cond:
            return self._job, self._status, self._message, self._queue_place

    def wait_until_settled(self, timeout: float = 30.0) -> bool:
        """Block until the job stands still: not running, no steps pending, no chunk in flight
        (paused, done, diverged, failed or closed). No polling: the thread signals at the end of
        every chunk. Returns False if `timeout` seconds passed first."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._closed or not (self._running or self._pending_steps or self._busy), timeout)

    def wait(self, until, timeout: float = 30.0) -> bool:
        """Block until `until(self.snapshot())` is true or timeout; for tests and scripts."""
        return poll_until(self.snapshot, until, timeout)

    # ------------------------------------------------------------------ the thread

    def _start_thread(self) -> threading.Thread:
        # A weak reference, not a bound method as the target: that held the owner as long as the
        # thread ran, and the thread ran as long as its owner was not closed, so an owner dropped
        # without close() kept a thread (training, if it was) for good.
        thread = threading.Thread(target=_serve, args=(weakref.ref(self), self._cond), name=self.thread_name,
                                  daemon=True)
        thread.start()
        return thread

    def _seconds_until_work(self) -> float | None:
        """0 when there is a chunk to train now, else how long the thread may sleep before it
        looks again (None: until a command wakes it). Under the lock."""
        if not (self._running or self._pending_steps or self._has_pending_change()):
            return None
        if self._running:
            self._queue_place = self._share.admission.request(self._ticket)
            if self._queue_place and not (self._pending_steps or self._has_pending_change()):
                return QUEUE_POLL_SECONDS
        delay = self._pace_delay() if self._running and self._pace else 0.0
        return 0.0 if delay <= 0 or self._has_pending_change() else delay

    def _take_chunk(self) -> _Chunk:
        """What the next chunk trains, and how much of it; the thread is busy from here on (under
        the lock)."""
        continuous = self._running and not self._queue_place  # else: a counted number of single steps
        paced = continuous and self._pace is not None
        if paced:
            budget = int(self._allowance[0])
            self._next_tick = time.perf_counter() + PACE_TICK_SECONDS
        elif continuous:
            budget = 1 << 30
        else:
            budget, self._pending_steps = self._pending_steps, 0
        self._busy = True
        return _Chunk(self._job, self._take_pending_change(), continuous, paced, budget)

    def _train_chunk(self, chunk: _Chunk, last_visual: float) -> float:
        """Train `chunk` off the lock, then record how it went. Returns when pictures were last
        drawn (perf_counter)."""
        job, continuous, paced, budget = chunk.job, chunk.continuous, chunk.paced, chunk.budget
        taken = 0  # the pace is charged nothing for a chunk that raised: the run ends there
        try:
            self._apply_change(job, chunk.change)
            # A pause or reset is honoured after the update in flight, not at the chunk's end.
            keep_going = (lambda: self._running) if continuous else None
            # Counted steps end with a record, so each click of Step shows where it led; so
            # do a paced run's small chunks, so that its curves move as smoothly as it trains.
            taken = job.run(budget, deadline=time.perf_counter() + CHUNK_SECONDS,
                            keep_going=keep_going, record_last=not continuous or paced) if budget else 0
            ending = job.finished or not self._running
            now = time.perf_counter()
            if taken and (ending or now - last_visual >= self.visual_interval):
                job.compute_visuals()
                last_visual = now
            outcome = ("done", self._finished_message(job)) if job.finished else None
            leftover = 0 if continuous else budget - taken
        except Exception as e:  # noqa: BLE001 - any failure becomes a visible status
            outcome, leftover = self._error_outcome(job, e), 0
        with self._cond:
            self._busy = False
            if paced:
                self._allowance = (self._allowance[0] - taken, self._allowance[1])
            if job is self._job:
                if outcome is not None:
                    self._status, self._message = outcome
                    self._stop_running()
                    self._pending_steps = 0
                elif leftover:  # a multi-step request that outlasted one chunk
                    self._pending_steps += leftover
            self._cond.notify_all()
        return last_visual

    def _thread_ended(self, error: BaseException) -> None:
        traceback.print_exception(error)
        with self._cond:
            self._status, self._message = "failed", thread_ended_message(error)
            self._stop_running()
            self._pending_steps, self._busy = 0, False
            self._cond.notify_all()  # a pause or reset waiting for the chunk in flight goes on

    def _pace_delay(self) -> float:
        """Seconds until the next paced chunk may start (0: now): a step must be allowed and a
        tick gone by since the last chunk started. Tops up the allowance for the time gone by,
        saving up at most PACE_CATCH_UP_SECONDS of steps (under the lock)."""
        rate = self._pace * self._job.steps_per_epoch  # steps a second
        steps, then = self._allowance
        now = time.perf_counter()
        steps = min(steps + (now - then) * rate, max(1.0, rate * PACE_CATCH_UP_SECONDS))
        self._allowance = (steps, now)
        return max(0.0, (1 - steps) / rate, self._next_tick - now)


def check_pace(epochs_per_second: float | None) -> None:
    """Raise ValueError unless the pace is a positive number of epochs a second, or None."""
    if epochs_per_second is not None and not (0 < epochs_per_second < float("inf")):
        raise ValueError(f"A pace must be a positive number of epochs a second, or None; got {epochs_per_second}.")


def poll_until(read, until, timeout: float) -> bool:
    """Whether `until(read())` became true within `timeout` seconds, looking every 10 ms."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if until(read()):
            return True
        time.sleep(0.01)
    return until(read())


def thread_ended_message(error: BaseException) -> str:
    """The `failed` message when the thread itself ended, not just a step in it."""
    what = type(error).__name__ + (f": {error}" if str(error) else "")
    how = "stopped on an error" if isinstance(error, Exception) else "was interrupted"
    return f"The training thread {how} ({what}). Press Reset to start again."


def _serve(owner_ref: weakref.ref[BackgroundTraining], cond: threading.Condition) -> None:
    """The thread's body, until its owner is closed or dropped. It holds the owner only while it
    looks for work or trains a chunk, never while it waits: an owner dropped without close() is
    then collected, and its finalizer (_wake) wakes the thread to find it gone."""
    # OpenMP's thread count is per thread: a new thread starts from the machine's default,
    # not from the process's torch.set_num_threads (the trainer asks for 1 on tiny models).
    # Re-applying it here made the threaded circle run 11% faster (measured, 7 runs).
    torch.set_num_threads(torch.get_num_threads())
    last_visual = 0.0
    try:
        while True:
            with cond:
                owner = owner_ref()
                if owner is None or owner._closed:
                    return
                wait = owner._seconds_until_work()
                if wait is None or wait > 0:
                    del owner  # never wait holding it (see above)
                    cond.wait(wait)  # until a command comes, the pace allows a step, or the queue moves
                    continue
                slots = owner._share.slots
            with slots.held():  # the server's turn to train, waited for off the lock (commands go on)
                with cond:
                    if owner._closed or owner._seconds_until_work() != 0:  # a command came meanwhile
                        continue
                    chunk = owner._take_chunk()
                last_visual = owner._train_chunk(chunk, last_visual)
            del owner, chunk  # the chunk holds the owner's job
    except BaseException as error:  # noqa: BLE001 - recorded as the status, then the thread ends
        # The status must say the thread is gone, or the page would wait for it. Not re-raised:
        # a thread's SystemExit only ends the thread, and returning does that; KeyboardInterrupt
        # never comes from Ctrl-C here (Python delivers that to the main thread alone), so it is
        # some code saying stop: the status says it stopped, and the traceback is printed, all
        # that re-raising would add.
        owner = owner_ref()
        if owner is not None:
            owner._thread_ended(error)


def _wake(cond: threading.Condition, share: ServerShare, ticket: object) -> None:
    share.admission.leave(ticket)  # a dropped run that was training, or queued, frees its place
    with cond:
        cond.notify_all()
