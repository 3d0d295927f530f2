"""Runner: one Trainer on its own thread, driven by commands from another (the UI).

Commands and threading come from BackgroundTraining in core/jobs.py (start, pause, toggle, step,
close, wait); this adds optimizer settings applied mid-run, reset to a new spec, and
snapshots. NaN/inf becomes the `diverged` status with a remedy; any other exception inside
the thread becomes `failed` with its message.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.jobs import BackgroundTraining
from ..core.server_share import ServerShare
from ..core.spec import Choice, Spec
from .snapshot import Snapshot, take_snapshot
from .trainer import Diverged, Trainer


class Runner(BackgroundTraining):
    thread_name = "playground-runner"

    def __init__(self, spec: Spec, uploads=None, visual_interval: float = 0.2, share: ServerShare | None = None):
        """Build data, model and optimizer now (raises SpecError for a bad spec), train later.

        visual_interval: the decision surface and neuron maps are recomputed at most this
        often (seconds) while running, and always when the run pauses or ends. share: the
        server's queue and training slots (default: the process's own).
        """
        self._uploads = uploads
        self._pending_optimizer: Choice | None = None
        super().__init__(self._build(spec, uploads), visual_interval, share)

    @staticmethod
    def _build(spec: Spec, uploads) -> Trainer:
        # A runner serves a browser: data files come from datasets/ or uploads, never paths.
        trainer = Trainer(spec, uploads=uploads, allow_paths=False)
        trainer.compute_visuals()
        return trainer

    # ------------------------------------------------------------------ commands

    @property
    def trainer(self) -> Trainer:
        return self._job

    @property
    def spec(self) -> Spec:
        return self._job.spec

    @property
    def steps_per_epoch(self) -> int:
        return self._job.steps_per_epoch

    @property
    def steps_taken(self) -> int:
        """Updates taken so far (read without the lock: an int, at most one update old)."""
        return self._job.step

    @property
    def recorded_step(self) -> int:
        """The step of the latest telemetry record (0: only the one before training)."""
        return self._job.history.records[-1].step

    def set_optimizer(self, choice: Choice) -> None:
        """New optimizer settings (or a new optimizer), applied before the next step; no reset."""
        with self._cond:
            self._pending_optimizer = choice
            self._cond.notify_all()

    def reset(self, spec: Spec | None = None, uploads=None) -> None:
        """Start over from step 0 with `spec` (default: the current one) and, if given, new
        uploaded files. Raises SpecError for a bad spec, leaving the current run as it was."""
        uploads = self._uploads if uploads is None else uploads
        trainer = self._build(spec or self._job.spec, uploads)
        self._replace_job(trainer)
        self._uploads = uploads

    def snapshot(self) -> Snapshot:
        trainer, status, message, place = self._current()
        return take_snapshot(trainer, status, message, place)

    def weights_file(self) -> bytes:
        """The run's weights now, as a safetensors file (every network: System.state_dict()). Read
        while training goes on, they are those of about the latest step; pause for one step's own."""
        from ..export.files import weights_safetensors

        return weights_safetensors(self._current()[0].system.state_dict())

    # ------------------------------------------------------------------ hooks

    def _has_pending_change(self) -> bool:
        return self._pending_optimizer is not None

    def _take_pending_change(self) -> Choice | None:
        choice, self._pending_optimizer = self._pending_optimizer, None
        return choice

    def _apply_change(self, trainer: Trainer, choice: Choice | None) -> None:
        if choice is not None:
            trainer.set_optimizer(choice)
            trainer.spec = replace(trainer.spec, train=replace(trainer.spec.train, optimizer=choice))

    def _finished_message(self, trainer: Trainer) -> str:
        return trainer.stop_reason or "Finished all epochs."

    def _error_outcome(self, trainer: Trainer, error: Exception) -> tuple[str, str]:
        if isinstance(error, Diverged):
            try:
                trainer.compute_visuals()
            except Exception:  # noqa: BLE001 - NaN weights may not draw; the status says why
                pass
            return "diverged", f"{error} Then press Reset."
        return super()._error_outcome(trainer, error)
