"""The CNN family: image layers (convolutions, pooling, batchnorm, dropout) on (C, H, W)
images, then dense layers on the flattened result. The flatten is implicit: it comes before
the first dense layer (or the output), and the plan shows it as a step of its own, with the
vector's length, as CNN Explainer does."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...core import catalog
from ...core.rng import GLOBAL_RNG_LOCK
from ...core.spec import Choice, ModelSpec
from ...data.datasets import Dataset
from ...train.plan import LayerPlan, Plan, Problem, plan_with_output
from ..network import FEATURE_STAGE, Network, NonDenseLayer, initialised_network, planned_dense

IMAGE_KINDS = ("conv", "maxpool", "avgpool")  # the layers that need an image (C, H, W)
DEFAULT_LAYERS = tuple(Choice.parse(item, catalog.IMAGE_LAYERS, "layer", key="kind")
                       for item in catalog.FAMILY_DEFAULT_LAYERS["cnn"])


def inputs(dataset: Dataset) -> tuple[int, ...]:
    """An image set's (C, H, W); any other data as its vector, which plan() then refuses."""
    return tuple(dataset.image_shape) if dataset.image_shape is not None else (dataset.n_inputs,)


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """Walk the layers with the shape of one example: (C, H, W) until the flatten, then (units,).
    A layer that cannot act on its input is a problem naming it and the sizes, and is skipped."""
    if len(inputs) != 3:
        return Plan("cnn", inputs, outputs, (), (("model.family", "a convolutional network needs images; pick an "
                                                  "image data set (Digits, Shapes or Fashion-MNIST), give a CSV "
                                                  "of pixels its image shape, or choose a dense network"),))
    shape: tuple[int, ...] = inputs
    layers: list[LayerPlan] = []
    problems: list[Problem] = []
    counts = {"conv": 0, "linear": 0}
    for i, layer in enumerate(model.layers):
        field, settings = f"model.layers.{i}", tuple(layer.params.items())
        if layer.name == "linear" and len(shape) == 3:
            shape = _flatten(layers, shape)
        if layer.name in IMAGE_KINDS:
            problem, out = _image_layer(layer.name, dict(layer.params), shape, i + 1)
            if problem:
                problems.append((field, problem))
                continue
            c_in = shape[0]
            shape = out
            parameters = 0
            if layer.name == "conv":
                k = layer["kernel"]
                parameters = c_in * layer["channels"] * k * k + layer["channels"]
            counts[layer.name] = counts.get(layer.name, 0) + 1
            label = f"conv {counts['conv']}" if layer.name == "conv" else catalog.IMAGE_LAYERS[layer.name].label.lower()
            layers.append(LayerPlan(label, layer.name, shape, parameters, settings, i))
        elif layer.name == "linear":
            counts["linear"] += 1
            units = layer["units"]
            layers.append(LayerPlan(f"hidden {counts['linear']}", "linear", (units,), shape[0] * units + units,
                                    settings, i))
            shape = (units,)
        else:  # batchnorm (a scale and a shift per channel, or per unit) or dropout: the shape stays
            parameters = 2 * shape[0] if layer.name == "batchnorm" else 0
            layers.append(LayerPlan(layer.name, layer.name, shape, parameters, settings, i))
    if len(shape) == 3:
        shape = _flatten(layers, shape)
    return plan_with_output("cnn", inputs, outputs, layers, shape[0], problems)


def _flatten(layers: list[LayerPlan], shape: tuple[int, ...]) -> tuple[int]:
    c, h, w = shape
    layers.append(LayerPlan("flatten", "flatten", (c * h * w,), 0))
    return (c * h * w,)


def _image_layer(kind: str, params: dict[str, Any], shape: tuple[int, ...], number: int
                 ) -> tuple[str, tuple[int, ...]]:
    """(problem or "", output shape) of a conv or pooling layer on `shape`. Sizes as torch
    computes them: out = floor((in + 2·padding - kernel) / stride) + 1."""
    name = catalog.IMAGE_LAYERS[kind].label
    if len(shape) != 3:
        return (f"layer {number} ({name}) needs an image, but it comes after a dense layer: move it above "
                "the dense layers"), shape
    c, h, w = shape
    k = params["kernel"]
    stride, padding = (params["stride"], params["padding"]) if kind == "conv" else (k, 0)
    if k > min(h, w) + 2 * padding:
        padded = f" (with padding {padding})" if padding else ""
        return (f"layer {number} ({name}): kernel {k} is larger than its {h}×{w} input{padded}; use a smaller "
                "kernel, more padding, or fewer pooling layers before it"), shape
    out_h, out_w = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    return "", (params["channels"] if kind == "conv" else c, out_h, out_w)


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    """nn.Sequential: Unflatten (B, C·H·W) -> (B, C, H, W), then one module group per planned
    layer. Weights are drawn from `seed` and set by the spec's init, conv and dense alike."""
    modules: list[nn.Module] = [nn.Unflatten(1, plan.inputs)]
    dense_names, activations, non_dense, initialised, measured = [], [], [], [], {}
    shape = plan.inputs
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        for layer in plan.layers:
            name = str(len(modules))
            if layer.kind == "conv":
                modules += [nn.Conv2d(shape[0], layer["channels"], layer["kernel"], layer["stride"],
                                      layer["padding"]), catalog.ACTIVATIONS[layer["activation"]].build()]
                initialised.append((name, layer["activation"]))
                measured[name] = layer.label
            elif layer.kind in ("maxpool", "avgpool"):
                modules.append((nn.MaxPool2d if layer.kind == "maxpool" else nn.AvgPool2d)(layer["kernel"]))
            elif layer.kind == "flatten":
                modules.append(nn.Flatten())
            elif layer.kind == "batchnorm":
                modules.append((nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d)(shape[0]))
            elif layer.kind == "dropout":
                modules.append(nn.Dropout(layer["p"]))
            else:  # linear: a hidden layer with its activation, or the output layer
                built, activation = planned_dense(layer, shape[0])
                modules.extend(built)
                dense_names.append(name)
                activations.append(activation)
                initialised.append((name, activation))
                measured[name] = layer.label
            if layer.kind not in ("linear", "flatten"):
                after = len(dense_names) if len(shape) == 1 else FEATURE_STAGE  # on the vector, or the image
                non_dense.append(NonDenseLayer(layer.kind, after, layer.settings))
            shape = layer.shape
        return initialised_network(model, modules, initialised, dense_names, activations, non_dense,
                                   measured)
