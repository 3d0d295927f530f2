"""The recurrent family's builder: a Plan without problems -> Network, an nn.Sequential
mapping (B, T·F) flat rows -> (B, outputs):

    Unflatten (B, T·F) -> (B, T, F); each recurrent layer (B, T, ·) -> (B, T, H or 2H);
    LastStep (B, T, H) -> (B, H); dense layers; the output layer.

torch's nn.RNN/LSTM/GRU return (outputs, final state); the subclasses here return the outputs
alone, so the layers chain in an nn.Sequential and the state dict keeps torch's own names
("1.weight_ih_l0", "1.weight_hh_l0", ...).
"""

from __future__ import annotations

import torch
from torch import nn

from ...core.rng import GLOBAL_RNG_LOCK as _INIT_LOCK  # torch's CPU generator is process-global
from ...core.spec import ModelSpec
from ...train.plan import Plan
from ..network import FEATURE_STAGE, Network, NonDenseLayer, initialised_network, planned_dense


class RNN(nn.RNN):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, T, H·directions)
        return super().forward(x)[0]


class LSTM(nn.LSTM):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, T, H·directions)
        return super().forward(x)[0]


class GRU(nn.GRU):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, T, H·directions)
        return super().forward(x)[0]


class LastStep(nn.Module):
    """(B, T, H) -> (B, H): every sequence's output at its last step. Read both ways, its second
    half is the backward direction's output there, which has seen only that last step."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1, :]


_RECURRENT = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def recurrent_module(kind: str, features: int, settings: dict) -> nn.Module:
    """One recurrent layer (one torch layer, batch first) of `kind` on `features` inputs a step."""
    extra = {"nonlinearity": settings["activation"]} if kind == "rnn" else {}
    return _RECURRENT[kind](features, settings["hidden"], batch_first=True,
                            bidirectional=settings["bidirectional"], **extra)


def build_network(model: ModelSpec, plan: Plan, seed: int) -> Network:
    """Build the planned layers with initial weights drawn from `seed` (bit-identical per seed).
    Recurrent layers keep torch's own initialisation, U(±1/√H); the spec's init sets the dense
    layers, as in the other families."""
    modules: list[nn.Module] = [nn.Unflatten(1, plan.inputs)]
    dense_names, activations, non_dense, measured = [], [], [], {}
    shape = plan.inputs
    with _INIT_LOCK:
        torch.manual_seed(seed)
        for layer in plan.layers:
            name = str(len(modules))
            if layer.kind in _RECURRENT:
                modules.append(recurrent_module(layer.kind, shape[1], dict(layer.settings)))
                measured[name] = layer.label
            elif layer.kind == "last_step":
                modules.append(LastStep())
            elif layer.kind == "dropout":
                modules.append(nn.Dropout(layer["p"]))
            else:  # linear: a hidden layer with its activation, or the output layer
                built, activation = planned_dense(layer, shape[0])
                modules.extend(built)
                dense_names.append(name)
                activations.append(activation)
                measured[name] = layer.label
            if layer.kind not in ("linear", "last_step"):
                after = len(dense_names) if len(shape) == 1 else FEATURE_STAGE  # on the vector, or the steps
                non_dense.append(NonDenseLayer(layer.kind, after, layer.settings))
            shape = layer.shape
        initialised = list(zip(dense_names, activations))  # the dense layers; recurrent ones keep torch's init
        return initialised_network(model, modules, initialised, dense_names, activations, non_dense, measured)
