"""Model families: each kind of network the playground trains (the MLP, CNNs, recurrent
networks; next transformers, GANs, autoencoders) behind one seam.

A family says how a model spec becomes a plan (train/plan.py: shapes, parameter counts, problems),
a built network, and the system that trains it (train/system.py: networks, optimizers, the
training step); the trainer, the runner and the pages reach a family only through
`family_of(spec)`, never by its name. `model.family` in the spec picks one ("mlp" unless
given, so every older spec, preset and link means what it meant).

network.py holds the Network every family builds; each family is a folder (mlp/, cnn/, rnn/, transformer/,
gan/, autoencoder/).
Imports: core/, data/, and from train/ only plan.py, telemetry.py, heads.py and system.py
(cnn/charts.py and rnn/charts.py also draw with charts/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..core import catalog
from ..core.params import SpecError
from ..core.spec import Choice, ModelSpec
from ..data.datasets import Dataset
from ..train.heads import Head
from ..train.plan import Plan, Problem
from ..train.system import SupervisedSystem, System
from . import autoencoder, cnn, gan, mlp, rnn, transformer
from .autoencoder import views as autoencoder_views
from .autoencoder.system import AutoencoderSystem
from .cnn import views as cnn_views
from .gan.system import GanSystem
from .network import Network
from .rnn import views as rnn_views
from .transformer import views as transformer_views
from .transformer.system import TokenSystem


@dataclass(frozen=True)
class Family:
    """How one family plans and builds its networks (its name, label and layer menu: catalog)."""

    name: str
    plan: Callable[[ModelSpec, tuple[int, ...], int], Plan]  # (model spec, input shape, outputs)
    build: Callable[[ModelSpec, Plan, int], Network]  # (model spec, its plan without problems, seed)
    inputs: Callable[[Dataset], tuple[int, ...]]  # one example's shape as the family takes it
    default_layers: tuple[Choice, ...]  # what a new network of the family starts with
    # What the family draws of itself besides the common pictures: (module in eval mode, data,
    # test inputs on the device, the task's Head, the test targets the loss compares with) -> a
    # view object for its charts, or None.
    views: Callable[[Any, Dataset, Any, Head, Any], Any] | None = None
    # What the trainer trains (train/system.py): (built module on its device, the task's head) ->
    # a System owning the networks, optimizers and training step. One network and the head's
    # loss unless the family says otherwise (a GAN, an autoencoder).
    system: Callable[[Any, Head], System] = SupervisedSystem
    # Whether its network answers at every position of a sequence, (B, T, outputs): what a "tokens"
    # task (copy, reverse) needs, and all it can do; the others answer once an example.
    per_position: bool = False
    # Whether it learns where unlabelled points lie (a GAN: data of task "generative"), and nothing else.
    generative: bool = False


FAMILIES: dict[str, Family] = {
    "mlp": Family("mlp", plan=mlp.plan, build=mlp.build, inputs=mlp.inputs, default_layers=mlp.DEFAULT_LAYERS),
    "cnn": Family("cnn", plan=cnn.plan, build=cnn.build, inputs=cnn.inputs, default_layers=cnn.DEFAULT_LAYERS,
                  views=cnn_views.image_views),
    "rnn": Family("rnn", plan=rnn.plan, build=rnn.build, inputs=rnn.inputs, default_layers=rnn.DEFAULT_LAYERS,
                  views=rnn_views.recurrent_views),
    "transformer": Family("transformer", plan=transformer.plan, build=transformer.build, inputs=transformer.inputs,
                          default_layers=transformer.DEFAULT_LAYERS, views=transformer_views.attention_views,
                          system=TokenSystem, per_position=True),
    "gan": Family("gan", plan=gan.plan, build=gan.build, inputs=gan.inputs, default_layers=gan.DEFAULT_LAYERS,
                  system=GanSystem, generative=True),
    "autoencoder": Family("autoencoder", plan=autoencoder.plan, build=autoencoder.build, inputs=autoencoder.inputs,
                          default_layers=autoencoder.DEFAULT_LAYERS, views=autoencoder_views.autoencoder_views,
                          system=AutoencoderSystem),
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


def plan_model(model: ModelSpec, inputs: tuple[int, ...] | int, outputs: int, task: str = "") -> Plan:
    """The plan of `model` on inputs of this shape (an int: that many features), for data of this
    task ("": not checked): a family that answers once an example cannot learn a token per position,
    nor the other way round."""
    shape = (inputs,) if isinstance(inputs, int) else tuple(inputs)
    family = family_of(model)
    plan = family.plan(model, shape, outputs)
    problem = _task_problem(family, task)
    return replace(plan, problems=(problem, *plan.problems)) if problem else plan


def _task_problem(family: Family, task: str) -> Problem | None:
    """Whether the family's kind of answer (once an example, or at every position) fits the task's."""
    if task == "generative" and not family.generative:
        types = " or ".join(catalog.FAMILIES[f.name].label for f in FAMILIES.values() if f.generative)
        return ("model.family", f"this data set is unlabelled points, with nothing to predict; choose the {types} "
                                "network type, which learns where the points lie, or a labelled data set")
    if task and task != "generative" and family.generative:
        return ("data.name", f"a {catalog.FAMILIES[family.name].label} learns unlabelled 2-D points; pick a target "
                             "set (Ring of gaussians, Grid of gaussians, Line, Two moons unlabelled, Spiral "
                             "unlabelled, Swiss roll), or choose another network type for labelled data")
    if task == "tokens" and not family.per_position:
        types = " or ".join(catalog.FAMILIES[f.name].label for f in FAMILIES.values() if f.per_position)
        return ("model.family", f"this data set asks for a token at every position of the sequence; choose the "
                                f"{types} network type, which answers at every position")
    if task and task != "tokens" and family.per_position:
        return ("model.family", f"a {catalog.FAMILIES[family.name].label} network answers a token at every "
                                "position; pick a token data set (Copy or Reverse tokens), or choose another "
                                "network type for one answer per example")
    return None


def build_model(model: ModelSpec, inputs: tuple[int, ...] | int, outputs: int, seed: int, task: str = "") -> Network:
    """Build `model` with initial weights drawn from `seed`; SpecError naming the field if its
    plan has problems (the same ones the sidebar shows)."""
    plan = plan_model(model, inputs, outputs, task)
    if plan.problems:
        raise SpecError(list(plan.problems))
    return family_of(model).build(model, plan, seed)
