"""Runner: trains a Trainer in its own thread and takes commands from another (the UI).

Commands (start, pause, step, reset, set optimizer settings, close) only set fields under
a lock and wake the thread; `snapshot()` returns plain copies. Nothing here raises into
the caller once the runner exists: an exception inside the thread becomes the `failed`
status with its message, and NaN/inf becomes `diverged` with a remedy.
"""

from __future__ import annotations

import threading
import time
import traceback

from .snapshot import Snapshot, take_snapshot
from .spec import Choice, Spec
from .trainer import Diverged, Trainer

CHUNK_SECONDS = 0.05  # the thread re-reads commands at least this often while running


class Runner:
    def __init__(self, spec: Spec, uploads=None, visual_interval: float = 0.2):
        """Build data, model and optimizer now (raises SpecError for a bad spec), train later.

        visual_interval: the decision surface and neuron maps are recomputed at most this
        often (seconds) while running, and always when the run pauses or ends.
        """
        self._uploads = uploads
        # A runner serves a browser: data files come from datasets/ or uploads, never paths.
        self._trainer = Trainer(spec, uploads=uploads, allow_paths=False)
        self._trainer.compute_visuals()
        self.visual_interval = visual_interval
        self._cond = threading.Condition()
        self._status = "ready"
        self._message = ""
        self._running = False  # train until paused or finished
        self._pending_steps = 0  # single steps asked for while not running
        self._pending_optimizer: Choice | None = None
        self._closed = False
        self._busy = False  # the thread is inside a training chunk
        self._thread = threading.Thread(target=self._loop, name="playground-runner", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ commands

    @property
    def spec(self) -> Spec:
        return self._trainer.spec

    @property
    def trainer(self) -> Trainer:
        return self._trainer

    def start(self) -> None:
        """Train (or resume) until paused, finished, diverged or failed."""
        with self._cond:
            if self._status in ("ready", "paused"):
                self._running = True
                self._status, self._message = "running", ""
                self._cond.notify_all()

    def pause(self) -> None:
        """Stop after the update in flight; when this returns, the step count holds still."""
        with self._cond:
            if self._status == "running":
                self._running = False
                self._status, self._message = "paused", ""
                self._cond.notify_all()
                while self._busy:
                    self._cond.wait()

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

    @property
    def steps_per_epoch(self) -> int:
        return self._trainer.steps_per_epoch

    def set_optimizer(self, choice: Choice) -> None:
        """New optimizer settings (or a new optimizer), applied before the next step; no reset."""
        with self._cond:
            self._pending_optimizer = choice
            self._cond.notify_all()

    def reset(self, spec: Spec | None = None, uploads=None) -> None:
        """Start over from step 0 with `spec` (default: the current one) and, if given, new
        uploaded files. Raises SpecError for a bad spec, leaving the current run as it was."""
        uploads = self._uploads if uploads is None else uploads
        trainer = Trainer(spec or self._trainer.spec, uploads=uploads, allow_paths=False)
        trainer.compute_visuals()
        with self._cond:
            self._running = False
            self._pending_optimizer = None
            while self._busy:  # let the chunk in flight finish on the old trainer
                self._cond.wait()
            self._trainer, self._uploads = trainer, uploads
            self._pending_steps = 0  # steps asked of the old run do not carry over
            self._status, self._message = "ready", ""
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the thread. Safe to call twice; the runner cannot be used afterwards."""
        with self._cond:
            self._closed = True
            self._running = False
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def status(self) -> str:
        with self._cond:
            return self._status

    def snapshot(self) -> Snapshot:
        with self._cond:
            trainer, status, message = self._trainer, self._status, self._message
        return take_snapshot(trainer, status, message)

    def wait(self, until, timeout: float = 30.0) -> bool:
        """Block until `until(snapshot)` is true or timeout; for tests and scripts."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if until(self.snapshot()):
                return True
            time.sleep(0.01)
        return until(self.snapshot())

    # ------------------------------------------------------------------ the thread

    def _loop(self) -> None:
        last_visual = 0.0
        while True:
            with self._cond:
                while not (self._closed or self._running or self._pending_steps or self._pending_optimizer):
                    self._cond.wait()
                if self._closed:
                    return
                trainer = self._trainer
                choice, self._pending_optimizer = self._pending_optimizer, None
                continuous = self._running  # else: a counted number of single steps
                if continuous:
                    budget = 1 << 30
                else:
                    budget, self._pending_steps = self._pending_steps, 0
                self._busy = True
            try:
                if choice is not None:
                    trainer.set_optimizer(choice)
                    trainer.spec = trainer.spec.with_overrides(**_flat_optimizer(choice))
                # A pause or reset is honoured after the update in flight, not at the chunk's end.
                keep_going = (lambda: self._running) if continuous else None
                taken = trainer.run(budget, deadline=time.perf_counter() + CHUNK_SECONDS,
                                    keep_going=keep_going) if budget else 0
                ending = trainer.finished or not self._running
                now = time.perf_counter()
                if taken and (ending or now - last_visual >= self.visual_interval):
                    trainer.compute_visuals()
                    last_visual = now
                outcome = ("done", trainer.stop_reason or "Finished all epochs.") if trainer.finished else None
                leftover = 0 if continuous else budget - taken
            except Diverged as e:
                self._safe_visuals(trainer)
                outcome, leftover = ("diverged", f"{e} Then press Reset."), 0
            except Exception as e:  # noqa: BLE001 - any failure becomes a visible status
                traceback.print_exc()
                outcome, leftover = ("failed", f"{type(e).__name__}: {e}"), 0
            with self._cond:
                self._busy = False
                if trainer is self._trainer:
                    if outcome is not None:
                        self._status, self._message = outcome
                        self._running = False
                        self._pending_steps = 0
                    elif leftover:  # a multi-step request that outlasted one chunk
                        self._pending_steps += leftover
                self._cond.notify_all()

    @staticmethod
    def _safe_visuals(trainer: Trainer) -> None:
        try:
            trainer.compute_visuals()
        except Exception:  # noqa: BLE001 - NaN weights may not draw; the status says why
            pass


def _flat_optimizer(choice: Choice) -> dict[str, object]:
    return {f"train.optimizer.{k}": v for k, v in choice.to_dict().items()}
