"""A *system* is what a model family trains, split as Lightning splits it: the system owns its
networks, says which optimizers it needs (and which parameters each one updates), and turns a
batch into named losses, handing each loss to the trainer's `update` for its optimizer. The
trainer (trainer.py) keeps what every family shares: batching, zero_grad/backward, L1/L2
penalties, clipping, the optimizer step and its schedule, early stopping, divergence, records
and pacing.

The MLP, CNN and recurrent families are a `SupervisedSystem`: one network, one optimizer ("model"), the task
head's loss. A GAN (two networks, two optimizers, discriminator steps per generator step) or an
autoencoder (targets are the inputs, a KL term) is a system of its own, and reports its extra
numbers (a GAN's two losses) as named scalars in every record (`extra_names`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..core.spec import Choice
from .heads import Head


@dataclass(frozen=True)
class StepTools:
    """The trainer's side of a training step, handed to System.training_step.

    update(optimizer name, loss): zero that optimizer's gradients, back-propagate the loss plus the
        L1/L2 penalty on the weights it updates, clip, step. Called once per loss minimised, in
        the order the system wants (a GAN: the discriminator's, then the generator's).
    randomness(): a context in which torch's global generator is the run's own (dropout masks,
        a GAN's noise), so a run's numbers depend on its seed alone however many runs share the
        process (core/rng.py). Draw every random number of a step inside it, and nothing else:
        it holds a process-wide lock.
    """

    update: Callable[[str, torch.Tensor], None]
    randomness: Callable[[], AbstractContextManager]


@dataclass(frozen=True)
class OptimizerPlan:
    """One optimizer a system needs: what it is called (records, errors, the page), which
    torch.optim optimizer with which settings, and the parameters it updates."""

    name: str
    choice: Choice
    parameters: list[nn.Parameter]


class System(ABC):
    """What the trainer trains. `modules`: every network by name, the one the common pictures
    draw (the decision surface, the weights) under "model"."""

    modules: dict[str, nn.Module]
    extra_names: tuple[str, ...] = ()  # named scalars every record carries after the four scores
    draws_random_numbers: bool = False  # besides dropout masks (a GAN's noise): the run gets its own generator
    # Whether the model maps the data's inputs to the head's outputs, so that the trainer draws its
    # decision surface, hidden-unit maps and test predictions; a GAN's generator maps noise to points.
    answers_inputs: bool = True

    def attach(self, spec, network, dataset) -> None:
        """What a system needs beyond its model and head, handed over by the trainer right after it
        is made (Spec, families' Network, Dataset): a GAN's discriminator (built with the model, in
        network.companions), its losses and its second optimizer's settings. Nothing by default."""

    def views(self, dataset) -> Any:
        """What a system of several networks draws of itself (a GAN: both networks on the plane),
        for a family whose `views` (which see only the model) is None; None by default."""
        return None

    @property
    def model(self) -> nn.Module:
        return self.modules["model"]

    @abstractmethod
    def optimizers(self, choice: Choice) -> list[OptimizerPlan]:
        """The optimizers to build, the first the one the page's optimizer settings change
        (`choice`: the spec's train.optimizer)."""

    @abstractmethod
    def training_step(self, x: torch.Tensor, t: torch.Tensor, tools: StepTools) -> dict[str, torch.Tensor]:
        """One step on a batch (x: inputs, t: targets as the head shapes them): compute the losses,
        tools.update(optimizer, loss) each one minimised, return them by name, the one a step
        reports (the page's batch loss) first."""

    @abstractmethod
    def scores(self, x_all: torch.Tensor, t_all: torch.Tensor, y_all: torch.Tensor, n_train: int) -> torch.Tensor:
        """A record's numbers, still on the device (one host sync for all of them): (4 + E,) =
        train loss, train metric, test loss, test metric, then extra_names' values. x_all holds
        the n_train training rows, then the test rows."""

    def train(self, mode: bool = True) -> None:
        for module in self.modules.values():
            module.train(mode)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every network's weights in one flat dict: the model's under its own keys (so the file of
        a one-network run loads straight into that network), the others' as '<network>.<key>'."""
        state = {}
        for name, module in self.modules.items():
            prefix = "" if name == "model" else f"{name}."
            state.update({prefix + key: value for key, value in module.state_dict().items()})
        return state


class SupervisedSystem(System):
    """One network trained on inputs and targets with the head's loss (MLP, CNN, RNN)."""

    def __init__(self, module: nn.Module, head: Head):
        self.modules = {"model": module}
        self._model = module  # the hot path skips the property and the dict
        self.head = head
        self.loss_fn = head.make_loss()

    def optimizers(self, choice: Choice) -> list[OptimizerPlan]:
        return [OptimizerPlan("model", choice, list(self.model.parameters()))]

    def training_step(self, x: torch.Tensor, t: torch.Tensor, tools: StepTools) -> dict[str, torch.Tensor]:
        with tools.randomness():  # dropout masks are drawn in the forward pass
            out = self._model(x)  # (B, ...) -> (B, outputs)
        loss = self.loss_fn(out, t)
        tools.update("model", loss)
        return {"loss": loss}

    def scores(self, x_all: torch.Tensor, t_all: torch.Tensor, y_all: torch.Tensor, n_train: int) -> torch.Tensor:
        return self.head.split_scores(self.model(x_all), t_all, y_all, n_train)  # (4,)
