"""What the trainer trains for a Transformer: one network and the head's per-token loss, as every
supervised family (train/system.py), plus the share of whole sequences it gets right in every
record (every token of the row): token accuracy is kind to a network that gets 7 of 8 tokens
of every sequence right, sequence accuracy is not.
"""

from __future__ import annotations

import torch

from ...train.heads import sequence_accuracy
from ...train.system import SupervisedSystem


class TokenSystem(SupervisedSystem):
    extra_names = ("train_sequence_acc", "test_sequence_acc")

    def scores(self, x_all: torch.Tensor, t_all: torch.Tensor, y_all: torch.Tensor, n_train: int) -> torch.Tensor:
        out = self.model(x_all)  # (N, T, V)
        whole = sequence_accuracy(out, y_all)  # (N,)
        splits = torch.stack([whole[:n_train].mean(), whole[n_train:].mean()])  # (2,)
        return torch.cat([self.head.split_scores(out, t_all, y_all, n_train), splits])  # (6,)
