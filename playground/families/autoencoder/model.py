"""The autoencoder family's builder: a Plan without problems -> Network, one nn.Sequential
(B, F) -> (B, F):

    encoder:  Linear + activation per encoder layer           (B, F) -> (B, units)
    latent:   Linear to the code's statistics                  (B, units) -> (B, L), a VAE's (B, 2L)
              LatentCode: the code itself (a VAE's mean)       -> (B, L)
    decoder:  Linear + activation per decoder layer            (B, L) -> (B, units)
    output:   Linear, no activation                            (B, units) -> (B, F)

Called as a whole it is deterministic (a VAE decodes its mean), so the common pictures, the
network diagram and any caller see a plain function; the training step (system.py) samples a
VAE's code itself, between the two halves.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from ...core.rng import GLOBAL_RNG_LOCK
from ...core.spec import ModelSpec
from ...train.plan import Plan
from ..network import Network, initialised_network, planned_dense


class LatentCode(nn.Module):
    """(B, L) or a VAE's (B, 2L) statistics -> the code (B, L): the mean's half of a VAE's. It holds no
    weights; it marks where the encoder ends, and carries the settings the training step needs
    (the system sees only the module): the size, whether it is variational, the KL weight."""

    def __init__(self, size: int, variational: bool, kl_weight: float):
        super().__init__()
        self.size, self.variational, self.kl_weight = size, variational, kl_weight

    def split(self, stats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, 2L) -> mean (B, L), log-variance (B, L); a plain code (B, L) -> (code, None)."""
        if not self.variational:
            return stats, None
        return stats[:, :self.size], stats[:, self.size:]

    def forward(self, stats: torch.Tensor) -> torch.Tensor:
        return stats[:, :self.size]

    def extra_repr(self) -> str:
        return f"size={self.size}, variational={self.variational}, kl_weight={self.kl_weight}"


def halves(module: nn.Sequential) -> tuple[nn.Sequential, LatentCode, nn.Sequential]:
    """(encoder up to the code's statistics, the LatentCode, decoder from the code to the output):
    views of the same modules, sharing their weights."""
    at = next(i for i, part in enumerate(module) if isinstance(part, LatentCode))
    return module[:at], module[at], module[at + 1:]


def build_network(model: ModelSpec, plan: Plan, seed: int) -> Network:
    """Build the planned layers with initial weights drawn from `seed` (bit-identical per seed); the
    spec's init sets every dense layer, the latent one as a linear layer. The diagram and telemetry
    name the layers as the plan does: encoder 1, ..., latent, decoder 1, ..., output."""
    modules: list[nn.Module] = []
    dense_names, activations = [], []
    width = plan.inputs[0]
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        for layer in plan.layers:
            dense_names.append(str(len(modules)))
            if layer.label == "latent":
                size, variational = layer["size"], layer["variational"]
                modules.append(nn.Linear(width, layer.shape[-1]))  # (B, units) -> (B, L), a VAE's (B, 2L)
                modules.append(LatentCode(size, variational, layer["kl_weight"]))
                activations.append("identity")
                width = size  # the decoder reads the code
                continue
            else:
                built, activation = planned_dense(layer, width)
                modules.extend(built)
                activations.append(activation)
            width = layer.shape[-1]
        network = initialised_network(model, modules, list(zip(dense_names, activations)), dense_names,
                                      activations, [])
    return replace(network, dense_labels=[layer.label for layer in plan.layers])
