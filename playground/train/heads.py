"""The output head: how the task and the loss shape the last layer, targets and predictions.

    binary      + bce            1 logit, p = σ(z)
    binary      + cross_entropy  2 logits, p = softmax(z)[1]
    binary      + mse/mae/huber  1 output regressed onto 0/1, p = clamp(z, 0, 1)
    multiclass  + cross_entropy  K logits
    multiclass  + mse/mae/huber  K outputs regressed onto one-hot targets
    regression  + mse/mae/huber  1 output, targets standardised with the train split's mean/std
    tokens      + cross_entropy  V logits at each of T positions: outputs (B, T, V), targets (B, T);
                                 the loss is the mean over every position, the metric token accuracy
    generative  + a GAN loss     no outputs or targets: a GAN's system (families/gan/) computes its losses
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from ..core import catalog
from ..core.params import SpecError


@dataclass(frozen=True)
class Head:
    task: str
    loss_name: str
    n_classes: int  # 0 for regression
    y_mean: float = 0.0  # regression targets are trained as (y - mean) / std
    y_std: float = 1.0

    @property
    def n_outputs(self) -> int:
        if self.task == "regression":
            return 1
        if self.task == "binary" and self.loss_name != "cross_entropy":
            return 1
        return self.n_classes

    @property
    def metric_name(self) -> str:
        return "r2" if self.task == "regression" else "acc"

    def make_loss(self) -> torch.nn.Module:
        if self.task == "tokens":
            return PerTokenCrossEntropy()
        return catalog.LOSSES[self.loss_name].build()

    @cached_property
    def loss_per_element(self) -> torch.nn.Module:
        """The loss unreduced: (N, outputs), or (N,) for cross-entropy; its mean is make_loss()'s value."""
        return catalog.LOSSES[self.loss_name].build(reduction="none")

    def split_scores(self, out: torch.Tensor, t: torch.Tensor, y: torch.Tensor, n_train: int) -> torch.Tensor:
        """(4,) [train loss, train metric, test loss, test metric] on the device, from outputs
        (N, outputs) over the train rows then the test rows, with their targets `t` and labels `y`.

        The loss and the accuracy are computed once over all rows and averaged per split: on a
        small network a record's cost is its number of kernel launches, not its arithmetic."""
        if self.loss_name == "cross_entropy":
            # The same loss as F.cross_entropy, -log softmax(z)_y = logsumexp(z) - z_y. torch
            # 2.13's CPU log_softmax is ~10x slower when the class count is not a multiple of
            # the SIMD width (measured 227 us for 1437x10 vs 23 us for 1437x16); this is 59 us.
            # The class axis is the last: (N, K), or (N, T, V) for tokens, whose rows then hold T losses.
            losses = torch.logsumexp(out, dim=-1) - out.gather(-1, t.unsqueeze(-1)).squeeze(-1)  # (N,) or (N, T)
        else:
            losses = self.loss_per_element(out, t)  # (N, outputs)
        if self.task == "regression":  # R² needs each split's own mean
            train_metric, test_metric = self.metric(out[:n_train], y[:n_train]), self.metric(out[n_train:], y[n_train:])
        else:
            correct = (self.predict(out) == y).float()  # (N,), or (N, T) per token: its mean is token accuracy
            train_metric, test_metric = correct[:n_train].mean(), correct[n_train:].mean()
        return torch.stack([losses[:n_train].mean(), train_metric, losses[n_train:].mean(), test_metric])

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        """Labels as stored by the data set -> what the loss compares the output with."""
        if self.task == "generative":
            return y.float().unsqueeze(1)  # (B, 1) zeros: unlabelled points have no targets (a GAN needs none)
        if self.task == "regression":
            return ((y.float() - self.y_mean) / self.y_std).unsqueeze(1)  # (B, 1)
        if self.loss_name == "cross_entropy":
            return y.long()  # (B,) class ids
        if self.n_outputs == 1:
            return y.float().unsqueeze(1)  # (B, 1) in {0, 1}
        return F.one_hot(y.long(), self.n_classes).float()  # (B, K)

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """(B, n_outputs) -> (B,) class ids, or values in the data's own units; (B, T, V) -> (B, T) tokens."""
        if self.task == "regression":
            return out[:, 0] * self.y_std + self.y_mean
        if self.n_outputs == 1:
            threshold = 0.0 if self.loss_name == "bce" else 0.5
            return (out[:, 0] > threshold).long()
        return out.argmax(dim=-1)

    def probabilities(self, out: torch.Tensor) -> torch.Tensor:
        """What the decision surface shows: (B,) P(class 1) for binary, (B, K) for multiclass,
        (B,) predicted value for regression."""
        if self.task == "regression":
            return self.predict(out)
        if self.loss_name == "bce":
            return torch.sigmoid(out[:, 0])
        if self.loss_name == "cross_entropy":
            p = torch.softmax(out, dim=-1)
            return p[:, 1] if self.task == "binary" else p
        if self.n_outputs == 1:
            return out[:, 0].clamp(0.0, 1.0)
        return out.clamp(0.0, 1.0)

    def metric(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Accuracy for classification (of every token for tokens), R² for regression (a 0-d tensor, on the
        device)."""
        if self.task == "regression":
            pred = self.predict(out)
            y = y.float()
            ss_res = ((y - pred) ** 2).sum()
            ss_tot = ((y - y.mean()) ** 2).sum().clamp_min(1e-12)
            return 1.0 - ss_res / ss_tot
        return (self.predict(out) == y).float().mean()


class PerTokenCrossEntropy(torch.nn.Module):
    """Cross-entropy averaged over every position of every sequence: outputs (B, T, V), targets (B, T).
    nn.CrossEntropyLoss wants the classes on axis 1, (B, V, T); flattening the positions into the
    batch gives the same mean without a transposed copy."""

    def forward(self, out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(out.flatten(0, -2), t.flatten())  # (B·T, V) against (B·T,)


def sequence_accuracy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(N,) 1.0 where every token of the row is right: outputs (N, T, V), targets (N, T)."""
    return (out.argmax(dim=-1) == y).all(dim=1).float()


def resolve_loss(requested: str, task: str) -> str:
    """'auto' -> the task's usual loss; a loss that does not fit the task is a SpecError."""
    name = catalog.DEFAULT_LOSS[task] if requested == "auto" else requested
    option = catalog.LOSSES[name]
    if task not in option.tasks:
        raise SpecError(option.why_not or f"{option.label} does not fit a {task} task", "train.loss")
    return name


def make_head(requested_loss: str, task: str, n_classes: int, y_train=None) -> Head:
    loss = resolve_loss(requested_loss, task)
    if task == "regression" and y_train is not None:
        mean, std = float(y_train.mean()), float(y_train.std())
        return Head(task, loss, 0, mean, std if std > 1e-12 else 1.0)
    return Head(task, loss, n_classes)
