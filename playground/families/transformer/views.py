"""What a Transformer shows of itself while it trains: for a few test sequences, the attention
weights of every block and head (which positions each position reads), the tokens and what the
network answers, and the positional encoding. Computed by the trainer with the other pictures
(Trainer.compute_visuals, module in eval mode) as plain arrays; charts.py draws them.

The weights come from each block's own attention module, asked for them: self_attn(h, h, h,
need_weights=True, average_attn_weights=False) on the very input the block's attention reads
(post-norm: the block's input), with the block's mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ...data.datasets import Dataset
from .model import Embedding, EncoderBlock

TRACED = 8  # the first test sequences whose attention is kept (the page picks one)


@dataclass(frozen=True)
class AttentionViews:
    """labels:     (K, T) the tokens of each traced test sequence ("C")
    targets:    (K, T) the true answer at each position, as text
    predicted:  (K, T) the network's answer at each position, as text
    attention:  per block, (K, H, T, T): per sequence and head, row = the position reading (query),
                column = the position read (key); each row sums to 1 (blocks may differ in heads)
    positions:  (T, d) the positional encoding added to the embedding, or None (no positions)
    """

    labels: np.ndarray
    targets: np.ndarray
    predicted: np.ndarray
    attention: list[np.ndarray]
    positions: np.ndarray | None


def block_inputs_and_weights(module: nn.Sequential, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Run flat rows x (K, T·F) through the layers one by one; returns, per encoder block, its
    attention weights (K, H, T, T) on the input it got, and the network's output (K, T, outputs)."""
    weights = []
    for part in module:
        if isinstance(part, EncoderBlock):
            mask = part.mask(x.shape[1], x.device)  # (T, T) or None
            _, w = part.self_attn(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
            weights.append(w)  # (K, H, T, T)
        x = part(x)
    return weights, x


@torch.no_grad()
def attention_views(module: nn.Sequential, dataset: Dataset, x_test: torch.Tensor, head=None, t_test=None
                    ) -> AttentionViews | None:
    """The views of `module` (in eval mode: the caller sets it) on the data's first test sequences.
    None for data that is not a token set, or a network without blocks. (`head` and `t_test`, the
    seam's, are not needed here.)"""
    if dataset.task != "tokens" or dataset.sequence_shape is None:
        return None
    count = min(TRACED, len(x_test))
    weights, out = block_inputs_and_weights(module, x_test[:count])
    if not weights:
        return None
    length, vocabulary = dataset.sequence_shape
    ids = dataset.x_test[:count].reshape(count, length, vocabulary).argmax(axis=2)  # (K, T): the hot feature
    names = np.asarray(dataset.class_names, dtype=object)
    embedding = next((m for m in module if isinstance(m, Embedding)), None)
    positions = embedding.position if embedding is not None else None
    return AttentionViews(
        labels=names[ids], targets=names[dataset.y_test[:count]], predicted=names[out.argmax(dim=-1).cpu().numpy()],
        attention=[w.cpu().numpy() for w in weights],  # per block (K, H, T, T)
        positions=positions.detach().cpu().numpy().copy() if positions is not None else None,
    )
