"""Where training runs: the devices a spec may ask for (train.device), which of them this
machine has, and 'auto' -> the best one present (CUDA, then Apple's MPS, then the CPU)."""

from __future__ import annotations

import torch

from .params import SpecError

DEVICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """Devices present on this machine, best first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    found.append("cpu")
    return found


def resolve_device(requested: str) -> torch.device:
    """'auto' -> CUDA, then MPS, then CPU. An explicit device that is absent is an error."""
    present = available_devices()
    if requested == "auto":
        return torch.device(present[0])
    if requested not in present:
        raise SpecError(f"'{requested}' was requested but is not available on this machine "
                        f"(available: {', '.join(present)}); use 'auto' or one of those", "train.device")
    return torch.device(requested)


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return "cpu"

