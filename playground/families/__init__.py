"""Model families: each kind of network the playground trains (the MLP, CNNs, recurrent
networks; next transformers, GANs, autoencoders) behind one seam.

A family says how a model spec becomes a plan (train/plan.py: shapes, parameter counts, problems),
a built network, and the system that trains it (train/system.py: networks, optimizers, the
training step); the trainer, the runner and the pages reach a family only through
`family_of(spec)`, never by its name. `model.family` in the spec picks one ("mlp" unless
given, so every older spec, preset and link means what it meant).

network.py holds the Network every family builds; each family is a folder (mlp/, cnn/, rnn/).
Imports: core/, data/, and from train/ only plan.py, telemetry.py, heads.py and system.py
(cnn/charts.py also draws with charts/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core import catalog
from ..core.params import SpecError
from ..core.spec import Choice, ModelSpec
from ..data.datasets import Dataset
from ..train.heads import Head
from ..train.plan import Plan
from ..train.system import SupervisedSystem, System
from . import cnn, mlp, rnn
from .cnn import views as cnn_views
from .network import Network
from .rnn import sampling as rnn_sampling


@dataclass(frozen=True)
class Family:
    """How one family plans and builds its networks (its name, label and layer menu: catalog)."""

    name: str
    plan: Callable[[ModelSpec, tuple[int, ...], int], Plan]  # (model spec, input shape, outputs)
    build: Callable[[ModelSpec, Plan, int], Network]  # (model spec, its plan without problems, seed)
    inputs: Callable[[Dataset], tuple[int, ...]]  # one example's shape as the family takes it
    default_layers: tuple[Choice, ...]  # what a new network of the family starts with
    # What the family draws of itself besides the common pictures: (module in eval mode, data,
    # test inputs on the device) -> a view object for its charts, or None.
    views: Callable[[Any, Dataset, Any], Any] | None = None
    # What the trainer trains (train/system.py): (built module on its device, the task's head) ->
    # a System owning the networks, optimizers and training step. One network and the head's
    # loss unless the family says otherwise (a GAN, an autoencoder).
    system: Callable[[Any, Head], System] = SupervisedSystem


FAMILIES: dict[str, Family] = {
    "mlp": Family("mlp", plan=mlp.plan, build=mlp.build, inputs=mlp.inputs, default_layers=mlp.DEFAULT_LAYERS),
    "cnn": Family("cnn", plan=cnn.plan, build=cnn.build, inputs=cnn.inputs, default_layers=cnn.DEFAULT_LAYERS,
                  views=cnn_views.image_views),
    "rnn": Family("rnn", plan=rnn.plan, build=rnn.build, inputs=rnn.inputs, default_layers=rnn.DEFAULT_LAYERS,
                  views=rnn_sampling.text_views),
}
assert FAMILIES.keys() == catalog.FAMILIES.keys(), "every family named in the catalog is built here"


def default_layers(family: str) -> tuple[Choice, ...]:
    """What a new network of `family` starts with (the page's network type menu)."""
    return FAMILIES[family].default_layers


def family_of(model: ModelSpec) -> Family:
    return FAMILIES[model.family]  # the spec already refused any other name


def data_inputs(model: ModelSpec, dataset: Dataset) -> tuple[int, ...]:
    """The shape of one example as `model`'s family takes it (a CNN: an image set's (C, H, W))."""
    return family_of(model).inputs(dataset)


def plan_model(model: ModelSpec, inputs: tuple[int, ...] | int, outputs: int) -> Plan:
    """The plan of `model` on inputs of this shape (an int: that many features)."""
    shape = (inputs,) if isinstance(inputs, int) else tuple(inputs)
    return family_of(model).plan(model, shape, outputs)


def build_model(model: ModelSpec, inputs: tuple[int, ...] | int, outputs: int, seed: int) -> Network:
    """Build `model` with initial weights drawn from `seed`; SpecError naming the field if its
    plan has problems (the same ones the sidebar shows)."""
    plan = plan_model(model, inputs, outputs)
    if plan.problems:
        raise SpecError(list(plan.problems))
    return family_of(model).build(model, plan, seed)
