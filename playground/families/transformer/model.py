"""The transformer family's builder: a Plan without problems -> Network, an nn.Sequential mapping
(B, T·F) flat rows -> (B, T, outputs), a prediction at every position:

    Unflatten (B, T·F) -> (B, T, F); Embedding (B, T, F) -> (B, T, d) (a linear map of each step,
    plus a vector per position); each EncoderBlock (B, T, d) -> (B, T, d); dense layers and the
    output layer act on the last axis, at every position alike: (B, T, d) -> (B, T, outputs).

The blocks are torch's own nn.TransformerEncoderLayer (batch first, post-norm, ReLU feed-forward);
the subclass here only remembers whether the block is causal and builds its mask, so the layers
chain in an nn.Sequential and the state dict keeps torch's names ("2.self_attn.in_proj_weight", ...).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...core.rng import GLOBAL_RNG_LOCK
from ...core.spec import ModelSpec
from ...train.plan import Plan
from ..network import FEATURE_STAGE, Network, NonDenseLayer, initialised_network, planned_dense

POSITION_STD = 0.5  # learned positions start this spread, about the size of a token's vector


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
    """(T, d) Vaswani et al.'s fixed encoding: pos_t,2i = sin(t / 10000^(2i/d)), pos_t,2i+1 = cos(same)."""
    t = torch.arange(length, dtype=torch.float32)[:, None]  # (T, 1)
    rate = torch.exp(-math.log(10000.0) * torch.arange(0, width, 2, dtype=torch.float32) / width)  # (ceil(d/2),)
    angles = t * rate  # (T, ceil(d/2))
    out = torch.zeros(length, width)
    out[:, 0::2] = torch.sin(angles)
    out[:, 1::2] = torch.cos(angles[:, :width // 2])
    return out


class Embedding(nn.Module):
    """(B, T, F) -> (B, T, d): `project` maps each step's F inputs to d (on one-hot tokens, a learned
    vector per token plus a shared bias), then the position's vector is added: learned (a parameter
    (T, d)), sinusoidal (a fixed buffer, not saved), or none."""

    def __init__(self, features: int, width: int, length: int, positional: str):
        super().__init__()
        self.kind = positional
        self.project = nn.Linear(features, width)  # registered first: telemetry lists it before the positions
        if positional == "learned":
            self.position = nn.Parameter(torch.randn(length, width) * POSITION_STD)  # (T, d)
        elif positional == "sinusoidal":
            self.register_buffer("position", sinusoidal_positions(length, width), persistent=False)
        else:
            self.position = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.project(x)  # (B, T, d)
        return h if self.position is None else h + self.position


def causal_mask(length: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(T, T) additive mask: 0 where position i may attend to j <= i, -inf after it."""
    return nn.Transformer.generate_square_subsequent_mask(length, device=device)


class EncoderBlock(nn.TransformerEncoderLayer):
    """torch's encoder layer, (B, T, d) -> (B, T, d), with its causal mask built in."""

    def __init__(self, width: int, heads: int, feedforward: int, dropout: float, causal: bool):
        super().__init__(width, heads, feedforward, dropout, batch_first=True)
        self.causal = causal

    def mask(self, length: int, device: torch.device) -> torch.Tensor | None:
        return causal_mask(length, device) if self.causal else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x, src_mask=self.mask(x.shape[1], x.device), is_causal=self.causal)


def build_network(model: ModelSpec, plan: Plan, seed: int) -> Network:
    """Build the planned layers with initial weights drawn from `seed` (bit-identical per seed). The
    embedding and the blocks keep torch's initialisation; the spec's init sets the dense layers, as in
    the other families. Telemetry measures every weight: the embedding, the positions, and per block
    its attention (q·k·v in, out) and feed-forward (in, out) maps."""
    length, _ = plan.inputs
    modules: list[nn.Module] = [nn.Unflatten(1, plan.inputs)]
    dense_names, activations, non_dense, measured = [], [], [], {}
    shape = plan.inputs
    blocks = 0
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        for layer in plan.layers:
            name = str(len(modules))
            if layer.kind == "embedding":
                modules.append(Embedding(shape[1], layer["width"], length, layer["positional"]))
                measured[f"{name}.project"] = "embedding"
                if layer["positional"] == "learned":
                    measured[name] = "positions"
            elif layer.kind == "encoder":
                blocks += 1
                modules.append(EncoderBlock(shape[1], layer["heads"], layer["feedforward"], layer["dropout"],
                                            layer["causal"]))
                for part, what in (("self_attn", "q·k·v"), ("self_attn.out_proj", "attention out"),
                                   ("linear1", "ff in"), ("linear2", "ff out")):
                    measured[f"{name}.{part}"] = f"block {blocks} {what}"
            else:  # linear: a dense layer at every position with its activation, or the output layer
                built, activation = planned_dense(layer, shape[-1])
                modules.extend(built)
                dense_names.append(name)
                activations.append(activation)
                measured[name] = layer.label
            if layer.kind != "linear":  # before the first dense layer: on the tokens, left of the diagram's inputs
                after = len(dense_names) if dense_names else FEATURE_STAGE
                non_dense.append(NonDenseLayer(layer.kind, after, layer.settings))
            shape = layer.shape
        initialised = list(zip(dense_names, activations))  # the dense layers; the blocks keep torch's init
        return initialised_network(model, modules, initialised, dense_names, activations, non_dense, measured)
