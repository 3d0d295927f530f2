"""What a recurrent network shows of itself while it trains, for the first test sequences:

- each recurrent layer's hidden state at every step (units x time), and its gates (LSTM, GRU);
- the gradient of the loss with respect to each step's hidden state, through the recurrence
  (backpropagation through time): a plain RNN's fades towards the early steps, an LSTM's carries;
- the network's answer after reading each step: the dense layers applied to the last recurrent
  layer's state at every step, not only the last one (what it would say if the sequence ended
  there), beside the true answer.

One forward pass stepped by hand (unroll.py) over a batch of test sequences gives all of it; the
gradients come from autograd on that pass. Computed by the trainer with the other pictures
(Trainer.compute_visuals, a few times a second at most), as plain arrays the charts draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ...data.datasets import Dataset
from .model import LastStep
from .sampling import TextViews, text_views
from .unroll import Unrolled, kind_of, unroll

TRACED = 8  # test sequences whose states, gates and answers are kept (the page picks one)
GRADIENT_BATCH = 32  # test sequences whose gradients are averaged: one sequence's are noisy


@dataclass(frozen=True)
class LayerTrace:
    """One recurrent layer, as the views show it. H: hidden size; D: directions (1, or 2 read both ways).

    states:      (K, T, D·H) its output at every step for the K traced sequences
    gates:       per direction, {gate name: (K, T, H)}; empty dicts for a plain RNN
    grad_norms:  (D, T) the mean over GRADIENT_BATCH test sequences of |dL/dh_t|, L the sequence's loss
    """

    label: str  # "lstm 1", as the plan names it
    kind: str  # "rnn" | "lstm" | "gru"
    states: np.ndarray
    gates: list[dict[str, np.ndarray]]
    grad_norms: np.ndarray


@dataclass(frozen=True)
class RecurrentViews:
    """inputs:   (K, T, F) the traced test sequences in the data's own units
    targets:  (K,) their true answers (class ids, or values)
    answers:  (K, T) or (K, T, C): the answer after each step (P(class 1), class probabilities, or
              a value); None when the last recurrent layer reads both ways (its backward half has
              already seen the whole sequence at every step)
    """

    inputs: np.ndarray
    targets: np.ndarray
    answers: np.ndarray | None
    layers: list[LayerTrace]
    text: TextViews | None = None  # for a model of text: a frozen copy that writes samples (sampling.py)


def recurrent_views(module: nn.Sequential, dataset: Dataset, x_test: torch.Tensor, head, t_test: torch.Tensor
                    ) -> RecurrentViews | None:
    """The views of `module` (in eval mode: the caller sets it) on the first test sequences; None
    for data without a sequence shape. `head`: the task's Head; t_test: what the loss compares with."""
    if dataset.sequence_shape is None or len(x_test) == 0:
        return None
    batch = min(GRADIENT_BATCH, len(x_test))
    traced = min(TRACED, batch)
    with torch.enable_grad():  # compute_visuals runs under no_grad
        layers, last, rest = _forward(module, x_test[:batch])
        out = rest(last[:, -1])  # (B, outputs): the network's own output
        loss = head.loss_per_element(out, t_test[:batch]).sum()  # a sum: each sequence's gradient is its own
        states = [h for _, unrolled in layers for direction in unrolled.states for h in direction]
        grads = torch.autograd.grad(loss, states)
    norms = torch.stack([g.norm(dim=1) for g in grads]).mean(dim=1)  # (layers·D·T,)
    traces, at = [], 0
    for label, unrolled in layers:
        directions, steps = len(unrolled.states), len(unrolled.states[0])
        grad_norms = norms[at:at + directions * steps].reshape(directions, steps)
        at += directions * steps
        traces.append(LayerTrace(label, label.split()[0], _numpy(unrolled.output[:traced]),
                                 [{name: _numpy(g[:traced]) for name, g in gates.items()} for gates in unrolled.gates],
                                 _numpy(grad_norms)))
    steps, features = dataset.sequence_shape
    inputs = dataset.featurize.unstandardize(dataset.x_test[:traced]).reshape(traced, steps, features)
    answers = None
    if len(layers[-1][1].states) == 1:  # read one way: the state at step t has seen steps 1..t
        with torch.no_grad():
            every_step = rest(last[:traced].reshape(traced * steps, -1))  # (K·T, outputs)
            answers = _numpy(head.probabilities(every_step))  # (K·T,) or (K·T, C)
            answers = answers.reshape(traced, steps, *answers.shape[1:])
    return RecurrentViews(inputs.astype(np.float32), np.asarray(dataset.y_test[:traced]), answers, traces,
                          text_views(module, dataset))


def _forward(module: nn.Sequential, x: torch.Tensor) -> tuple[list[tuple[str, Unrolled]], torch.Tensor, nn.Module]:
    """Run x (B, T·F) up to the last-step pick, recurrent layers stepped by hand: ([(label,
    Unrolled)], the last layer's output (B, T, ·), the modules after the pick as one)."""
    layers: list[tuple[str, Unrolled]] = []
    counts: dict[str, int] = {}
    parts = list(module)
    for i, part in enumerate(parts):
        if isinstance(part, LastStep):
            return layers, x, nn.Sequential(*parts[i + 1:])
        if isinstance(part, nn.RNNBase):
            kind = kind_of(part)
            counts[kind] = counts.get(kind, 0) + 1
            unrolled = unroll(part, x)
            layers.append((f"{kind} {counts[kind]}", unrolled))
            x = unrolled.output
        else:
            x = part(x)
    raise ValueError("a recurrent network ends its sequence part with a LastStep (model.py builds one)")


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()
