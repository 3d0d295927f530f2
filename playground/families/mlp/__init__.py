"""The MLP family: dense layers on a vector of features, with batchnorm, layernorm and dropout
between them (model.py builds it; this module plans it and hands the plan to model.py)."""

from __future__ import annotations

from ...core.spec import ModelSpec
from ...data.datasets import Dataset
from ...train.plan import LayerPlan, Plan, plan_with_output
from ..network import Network
from .model import build_network

DEFAULT_LAYERS = ModelSpec.layers  # two tanh layers of 4 and 2 units: the TensorFlow playground's


def inputs(dataset: Dataset) -> tuple[int, ...]:
    """Every data set as its vector of features (an image's pixels, flattened)."""
    return (dataset.n_inputs,)


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """Each layer keeps or sets the width of a vector: (units,) after a dense layer."""
    if len(inputs) != 1:  # never from data_inputs: an MLP takes every table and image as a vector
        raise ValueError(f"an MLP takes a vector, not a {inputs} input")
    (width,) = inputs
    layers: list[LayerPlan] = []
    dense = 0
    for i, layer in enumerate(model.layers):
        if layer.name == "linear":
            dense, units = dense + 1, layer["units"]
            layers.append(LayerPlan(f"hidden {dense}", "linear", (units,), width * units + units,
                                    tuple(layer.params.items()), i))
            width = units
        else:
            norm = layer.name in ("batchnorm", "layernorm")  # a scale and a shift per unit
            layers.append(LayerPlan(layer.name, layer.name, (width,), 2 * width if norm else 0,
                                    tuple(layer.params.items()), i))
    return plan_with_output("mlp", inputs, outputs, layers, width)


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    return build_network(model, plan.inputs[0], plan.outputs, seed)
