"""A run's files as bytes: the spec (JSON), its metrics and per-layer telemetry (CSV) and its
weights (safetensors). The CLI's `train --out` writes them and the page offers them as downloads,
from these same functions."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ..core.spec import Spec


def spec_json(spec: Spec) -> bytes:
    """What `python -m playground spec` prints: Spec.from_json reads it back."""
    return (spec.to_json() + "\n").encode("utf-8")


def metrics_csv(snapshot) -> bytes:
    """One row a record: step, epoch, lr, train_loss, test_loss, train_<metric>, test_<metric> (and a
    system's extra scalars). The speed is left out: it would make two identical runs differ."""
    return snapshot.history.drop(columns=["examples_per_sec"], errors="ignore").to_csv(index=False).encode("utf-8")


def layers_csv(snapshot) -> bytes:
    """Long form, one row a record and layer: step, layer, grad_norm, grad_mean_abs, update_ratio,
    weight_norm."""
    return snapshot.layers.to_csv(index=False).encode("utf-8")


def weights_safetensors(state: Mapping[str, torch.Tensor]) -> bytes:
    """A state dict (System.state_dict(): every network's weights) as a safetensors file, which
    safetensors.torch.load or load_file reads back (and which loads into the built module)."""
    from safetensors.torch import save

    return save({name: tensor.detach().cpu().contiguous() for name, tensor in state.items()})
