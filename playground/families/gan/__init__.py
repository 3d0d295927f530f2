"""The GAN family: two dense networks in a game on unlabelled 2-D points (task "generative"). The
generator G maps noise z (B, noise_dim) to points (B, 2); the discriminator D maps points (B, 2) to
one score each (B, 1), a logit. `model.layers` are G's hidden layers, `model.discriminator.layers`
D's; the output layers (2 for G, 1 for D) are added here, as every family adds its output layer.

The drawn network ("model": the diagram, the spec's optimizer) is the generator; the discriminator
is its companion (Network.companions), measured by telemetry as "D hidden 1", ... after G's layers.
system.py trains them (losses.py: minimax, non-saturating, least squares), quality.py scores the
generated points, views.py and charts.py draw the game.
"""

from __future__ import annotations

import torch
from torch import nn

from ...core import catalog
from ...core.rng import GLOBAL_RNG_LOCK
from ...core.spec import Choice, ModelSpec
from ...data.datasets import Dataset
from ...train.plan import LayerPlan, Plan, size_problems
from ..network import FEATURE_STAGE, Network, NonDenseLayer, initialised_network

DEFAULT_LAYERS = tuple(Choice.parse(item, catalog.FAMILY_LAYERS["gan"], "layer", key="kind")
                       for item in catalog.FAMILY_DEFAULT_LAYERS["gan"])
POINT = 2  # a GAN here learns 2-D points: G's output width and D's input width
D_KIND = "discriminator"  # the plan's kind of D's layers: counted in the parameters, not drawn as G's columns


def inputs(dataset: Dataset) -> tuple[int, ...]:
    return (dataset.n_inputs,)


def _dense_plans(layers: tuple[Choice, ...], width: int, outputs: int, prefix: str, kind: str) -> list[LayerPlan]:
    """Hidden dense layers, then the output layer of `outputs` units: (units,) each. Only G's layers
    carry their place in model.layers (`index`): D's rows are model.discriminator.layers."""
    plans = []
    for i, layer in enumerate(layers):
        units = layer["units"]
        plans.append(LayerPlan(f"{prefix}hidden {i + 1}", kind, (units,), width * units + units,
                               tuple(layer.params.items()), i if kind == "linear" else None))
        width = units
    plans.append(LayerPlan(f"{prefix}output", kind, (outputs,), width * outputs + outputs))
    return plans


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """G, the drawn network: noise (noise_dim,) -> hidden -> (2,) (the plan's inputs and dense layers);
    then D: (2,) -> hidden -> (1,) as layers of kind "discriminator", counted in the parameters but not
    drawn as G's columns. `outputs` (the head's) is not used: G makes points, D one score."""
    problems = []
    if tuple(inputs) != (POINT,):
        problems.append(("data.name", f"a GAN learns where 2-D points lie, but this data has {inputs[-1]} "
                                      "features; pick a 2-D target set (Ring of gaussians, Grid, ...) with the "
                                      "features x1 and x2 only"))
    generator = _dense_plans(model.layers, model.noise_dim, POINT, "", "linear")
    discriminator = _dense_plans(model.discriminator, POINT, 1, "D ", D_KIND)
    layers = (*generator, *discriminator)
    total = sum(layer.parameters for layer in layers)
    return Plan("gan", (model.noise_dim,), POINT, layers, tuple(problems) + size_problems(total))


def _dense_stack(layers: list[LayerPlan], width: int) -> tuple[list[nn.Module], list[str], list[str]]:
    """nn.Linear + activation per planned layer, the output without one: (modules, dense names, activations)."""
    modules: list[nn.Module] = []
    names, activations = [], []
    for layer in layers:
        names.append(str(len(modules)))
        modules.append(nn.Linear(width, layer.shape[-1]))
        if layer.label.endswith("output"):  # no activation: G makes a point, D a logit
            activations.append("identity")
        else:
            activations.append(layer["activation"])
            modules.append(catalog.ACTIVATIONS[layer["activation"]].build())
        width = layer.shape[-1]
    return modules, names, activations


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    """G, then D, drawn from `seed` in that order, the spec's init on every dense layer of both."""
    g_plans = [layer for layer in plan.layers if layer.kind == "linear"]
    d_plans = [layer for layer in plan.layers if layer.kind == D_KIND]
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        g_modules, g_names, g_acts = _dense_stack(g_plans, model.noise_dim)
        d_modules, d_names, d_acts = _dense_stack(d_plans, POINT)
        # the diagram's band left of column 0: G reads noise, not the data's features
        noise = NonDenseLayer("noise", FEATURE_STAGE, (("kind", model.noise), ("dim", model.noise_dim)))
        network = initialised_network(model, g_modules, list(zip(g_names, g_acts)), g_names, g_acts, [noise])
        discriminator = nn.Sequential(*d_modules)
        init = catalog.INITS[model.init].build
        for name, activation in zip(d_names, d_acts):
            init(discriminator.get_submodule(name), activation, model.init_std)
    network.measured = {name: f"G {label}" for name, label in zip(g_names, network.dense_labels)}
    d_labels = [layer.label for layer in d_plans]  # "D hidden 1", ..., "D output"
    network.companions = {"discriminator": (discriminator, dict(zip(d_names, d_labels)))}
    return network
