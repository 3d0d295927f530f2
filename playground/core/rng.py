"""A private copy of torch's global random generator, for dropout.

Dropout draws its masks from torch's process-global generator, which every session shares
and which building a model re-seeds. A run that owns a `PrivateRandomState` swaps its own
state in around each update (under the model-building lock), so its masks depend only on
its seed: the same spec gives the same curve however many other runs share the process.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

# Held while the global generator is re-seeded (model building) or swapped (dropout steps).
GLOBAL_RNG_LOCK = threading.Lock()


def _get_state(device: torch.device) -> torch.Tensor:
    if device.type == "cuda":
        return torch.cuda.get_rng_state(device)
    if device.type == "mps":
        return torch.mps.get_rng_state()
    return torch.get_rng_state()


def _set_state(device: torch.device, state: torch.Tensor) -> None:
    if device.type == "cuda":
        torch.cuda.set_rng_state(state, device)
    elif device.type == "mps":
        torch.mps.set_rng_state(state)
    else:
        torch.set_rng_state(state)


class PrivateRandomState:
    """The generator state of one run on one device, started from `seed`."""

    def __init__(self, device: torch.device, seed: int):
        self.device = device
        with GLOBAL_RNG_LOCK:
            saved = _get_state(device)
            if device.type == "cuda":
                torch.cuda.manual_seed(seed)
            elif device.type == "mps":
                torch.mps.manual_seed(seed)
            else:
                torch.manual_seed(seed)
            self.state = _get_state(device)
            _set_state(device, saved)

    @contextmanager
    def active(self):
        """Within this block, torch's global generator is this run's own."""
        with GLOBAL_RNG_LOCK:
            saved = _get_state(self.device)
            _set_state(self.device, self.state)
            try:
                yield
            finally:
                self.state = _get_state(self.device)
                _set_state(self.device, saved)
