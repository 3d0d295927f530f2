"""The same run timed on every device this machine has: the GPU lesson's measurement. Each device
trains the spec's first `steps` updates from the same seed, after a few warm-up updates (the
first kernels on a GPU compile and allocate), synchronising before the clock stops so a GPU's
queued work is counted."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from ..core.devices import available_devices, describe_device
from ..core.spec import Spec
from .trainer import Trainer

WARM_UP = 5  # updates before the clock starts


@dataclass(frozen=True)
class DeviceTime:
    device: str  # "cpu", "cuda (NVIDIA ...)", "mps (Apple GPU)"
    seconds: float  # for `steps` updates, records included
    steps: int

    @property
    def ms_per_step(self) -> float:
        return 1e3 * self.seconds / self.steps


def time_on_devices(spec: Spec, steps: int = 200) -> list[DeviceTime]:
    """`steps` updates of `spec` on each available device, CPU last. On a machine without a GPU,
    the CPU's time alone."""
    return [_time_on(spec, device, steps) for device in available_devices()]


def _time_on(spec: Spec, device: str, steps: int) -> DeviceTime:
    trainer = Trainer(spec.with_overrides(**{"train.device": device, "train.epochs": 10_000}))
    trainer.run(WARM_UP)
    _synchronise(trainer.device)
    start = time.perf_counter()
    trainer.run(steps)
    _synchronise(trainer.device)
    return DeviceTime(describe_device(trainer.device), time.perf_counter() - start, steps)


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
