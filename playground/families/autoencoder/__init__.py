"""The autoencoder family: dense encoder layers squeeze each example into a latent code of a few
numbers (the Latent code layer), dense decoder layers rebuild the example from the code alone,
and training minimises the difference (system.py). No label is used: a data set's labels only
colour the latent space and score how well it separates them (views.py, system.py).

model.layers reads in order: the encoder's dense layers, one Latent code layer (its size, whether
it is variational, the KL weight), then the decoder's dense layers; with none after the latent
code, the decoder mirrors the encoder (the same widths and activations, in reverse). The output
layer always has as many units as the data has inputs.

Shapes of one example: (F,) in, (units,) after a dense layer, (L,) the code (a VAE's latent layer:
(2L,), a mean and a log-variance each), (F,) out. model.py
builds the network, system.py trains it, views.py and charts.py draw it, with PCA beside it.
"""

from __future__ import annotations

from ...core import catalog
from ...core.spec import Choice, ModelSpec
from ...data.datasets import Dataset
from ...train.plan import LayerPlan, Plan, Problem, size_problems
from ..network import Network
from .model import build_network

DEFAULT_LAYERS = tuple(Choice.parse(item, catalog.AUTOENCODER_LAYERS, "layer", key="kind")
                       for item in catalog.FAMILY_DEFAULT_LAYERS["autoencoder"])


def inputs(dataset: Dataset) -> tuple[int, ...]:
    """Every data set as its vector of features (an image's pixels, flattened): what it rebuilds."""
    return (dataset.n_inputs,)


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """Encoder, latent code, decoder (as given, or the encoder mirrored), then the output layer of
    as many units as there are inputs: `outputs` (the task head's, from labels) is not used, for
    an autoencoder's target is its input."""
    (features,) = inputs
    problems: list[Problem] = []
    latent = [i for i, layer in enumerate(model.layers) if layer.name == "latent"]
    if not latent:
        problems.append(("model.layers", "an autoencoder needs a Latent code layer between its encoder and its "
                                         "decoder; add one (each layer's ⋮ menu changes its kind)"))
    for i in latent[1:]:
        problems.append((f"model.layers.{i}", f"layer {i + 1} is a second latent code; an autoencoder has one: "
                                              "remove it or make it a dense layer"))
    cut = latent[0] if latent else len(model.layers)
    encoder = list(enumerate(model.layers[:cut]))
    decoder = [(cut + 1 + i, layer) for i, layer in enumerate(model.layers[cut + 1:]) if layer.name == "linear"]
    if latent and not decoder:  # the encoder mirrored: its widths and activations in reverse, no layer of the spec
        decoder = [(None, layer) for _, layer in reversed(encoder)]
    layers: list[LayerPlan] = []
    width = features
    for part, stack in (("encoder", encoder), ("decoder", decoder)):
        if part == "decoder" and latent:
            code = model.layers[cut]
            size = code["size"]
            # A VAE's layer makes 2L numbers, a mean and a log-variance per latent number (the diagram's
            # column); the decoder reads the L means, or while training a sample around them.
            stats = 2 * size if code["variational"] else size
            layers.append(LayerPlan("latent", "linear", (stats,), width * stats + stats, tuple(code.params.items()),
                                    cut))
            width = size
        for k, (index, layer) in enumerate(stack):
            units = layer["units"]
            layers.append(LayerPlan(f"{part} {k + 1}", "linear", (units,), width * units + units,
                                    tuple(layer.params.items()), index))
            width = units
    layers.append(LayerPlan("output", "linear", (features,), width * features + features))
    total = sum(layer.parameters for layer in layers)
    return Plan("autoencoder", inputs, features, tuple(layers), tuple(problems) + size_problems(total))


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    return build_network(model, plan, seed)
