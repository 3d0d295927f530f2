"""The transformer family: an embedding (each step's input to the model width d, plus a vector per
position), encoder blocks of self-attention and feed-forward layers, optional dense layers at every
position, and an output layer at every position: a prediction per token (the "tokens" task: copy,
reverse).

Shapes of one example: (T, F) in (a token set: F = V one-hot features), (T, d) after the embedding
and each block, (T, units) after a dense layer, (T, outputs) out. model.py builds the network,
views.py computes its attention maps and positions, charts.py draws them.
"""

from __future__ import annotations

from ...core import catalog
from ...core.spec import Choice, ModelSpec
from ...data.datasets import Dataset
from ...train.plan import LayerPlan, Plan, Problem, size_problems
from ..network import Network
from .model import build_network

DEFAULT_LAYERS = tuple(Choice.parse(item, catalog.TRANSFORMER_LAYERS, "layer", key="kind")
                       for item in catalog.FAMILY_DEFAULT_LAYERS["transformer"])


def inputs(dataset: Dataset) -> tuple[int, ...]:
    """A sequence set's (T, F); any other data as its vector, which plan() then refuses."""
    return tuple(dataset.sequence_shape) if dataset.sequence_shape is not None else (dataset.n_inputs,)


def embedding_parameters(features: int, width: int, length: int, positional: str) -> int:
    """nn.Linear(F, d) (weight and bias), plus a learned (T, d) table of positions (sinusoidal: none)."""
    return features * width + width + (length * width if positional == "learned" else 0)


def encoder_parameters(width: int, feedforward: int) -> int:
    """torch's nn.TransformerEncoderLayer(d, heads, f): attention in_proj (3d, d) + 3d and out_proj
    (d, d) + d, feed-forward (f, d) + f and (d, f) + d, two LayerNorms of 2d. The heads split the
    width; they add no parameters."""
    d, f = width, feedforward
    return (3 * d * d + 3 * d) + (d * d + d) + (f * d + f) + (d * f + d) + 2 * (2 * d)


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """Walk the layers with the shape of one example: (T, F), then (T, d) from the embedding on. A
    layer that cannot be built is a problem naming it (`model.layers.<i>`) and is skipped."""
    if len(inputs) != 2:
        return Plan("transformer", inputs, outputs, (), (("model.family", "a Transformer needs sequences; pick a "
                                                          "token data set (Copy or Reverse tokens), or choose a "
                                                          "dense network"),))
    length, _ = inputs
    shape: tuple[int, ...] = inputs
    layers: list[LayerPlan] = []
    problems: list[Problem] = []
    counts = {"encoder": 0, "linear": 0}
    embedded = False
    for i, layer in enumerate(model.layers):
        field, settings = f"model.layers.{i}", tuple(layer.params.items())
        name = catalog.TRANSFORMER_LAYERS[layer.name].label
        if layer.name == "embedding":
            if i != 0:
                problems.append((field, f"layer {i + 1} ({name}) must come first: move it to the top"))
                continue
            width = layer["width"]
            parameters = embedding_parameters(shape[1], width, length, layer["positional"])
            shape = (length, width)
            embedded = True
            layers.append(LayerPlan("embedding", "embedding", shape, parameters, settings, i))
        elif layer.name == "encoder":
            heads = layer["heads"]
            if not embedded:
                continue  # the missing embedding is the problem, reported once below
            if shape[1] % heads:
                fits = ", ".join(str(h) for h in range(1, min(shape[1], 16) + 1) if shape[1] % h == 0)
                problems.append((field, f"layer {i + 1} ({name}): the model width {shape[1]} cannot be split "
                                        f"between {heads} heads; use {fits} heads, or a width that {heads} "
                                        "divides"))
                continue
            counts["encoder"] += 1
            parameters = encoder_parameters(shape[1], layer["feedforward"])
            layers.append(LayerPlan(f"block {counts['encoder']}", "encoder", shape, parameters, settings, i))
        else:  # linear: a dense layer applied at every position
            units = layer["units"]
            counts["linear"] += 1
            layers.append(LayerPlan(f"hidden {counts['linear']}", "linear", (length, units),
                                    shape[1] * units + units, settings, i))
            shape = (length, units)
    if not embedded:
        problems.append(("model.layers", "a Transformer starts with an Embedding layer (model width, positions); "
                                         "add one at the top (each layer's ⋮ menu changes its kind)"))
    output = LayerPlan("output", "linear", (length, outputs), shape[1] * outputs + outputs)
    layers.append(output)
    total = sum(layer.parameters for layer in layers)
    return Plan("transformer", inputs, outputs, tuple(layers), tuple(problems) + size_problems(total))


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    return build_network(model, plan, seed)
