"""The recurrent family: RNN, LSTM and GRU layers read a sequence of T steps of F features one
step at a time, each layer handing its output at every step to the next; dense layers then act
on the last step's output, as a vector. That pick is implicit, like a CNN's flatten: it comes
before the first dense layer (or the output) and the plan shows it as a step of its own.

Shapes of one example: (T, F) in, (T, H) after a recurrent layer of hidden size H ((T, 2H) when
it reads both ways), (H,) after the last step is taken, (units,) after a dense layer. model.py
builds the network.
"""

from __future__ import annotations

from ...core import catalog
from ...core.spec import Choice, ModelSpec
from ...data.datasets import Dataset
from ...data.generators import GENERATORS
from ...train.plan import LayerPlan, Plan, Problem, plan_with_output
from ..network import Network
from .model import build_network

RECURRENT_KINDS = tuple(catalog.RECURRENT_LAYERS)  # the layers that need a sequence (T, F)
# A new recurrent network: one LSTM of 32, then 16 ReLU units on its last step.
DEFAULT_LAYERS = tuple(Choice.parse(item, catalog.SEQUENCE_LAYERS, "layer", key="kind")
                       for item in catalog.FAMILY_DEFAULT_LAYERS["rnn"])


def inputs(dataset: Dataset) -> tuple[int, ...]:
    """A sequence set's (T, F); any other data as its vector, which plan() then refuses."""
    return tuple(dataset.sequence_shape) if dataset.sequence_shape is not None else (dataset.n_inputs,)


def recurrent_parameters(kind: str, features: int, hidden: int, bidirectional: bool) -> int:
    """torch's count for one layer: per direction and gate block, an input weight (H, F), a
    recurrent weight (H, H) and two biases (H,) (torch keeps b_ih and b_hh apart)."""
    per_direction = catalog.GATES[kind] * (hidden * features + hidden * hidden + 2 * hidden)
    return per_direction * (2 if bidirectional else 1)


def plan(model: ModelSpec, inputs: tuple[int, ...], outputs: int) -> Plan:
    """Walk the layers with the shape of one example: (T, F) until the last step is taken, then
    (units,). A recurrent layer after a dense one is a problem naming it, and is skipped."""
    if len(inputs) != 2:
        return Plan("rnn", inputs, outputs, (), (("model.family", "a recurrent network needs sequences; pick a "
                                                  f"sequence data set ({_sequence_sets()}), or choose a dense "
                                                  "network"),))
    shape: tuple[int, ...] = inputs
    layers: list[LayerPlan] = []
    problems: list[Problem] = []
    counts = {kind: 0 for kind in (*RECURRENT_KINDS, "linear")}
    for i, layer in enumerate(model.layers):
        field, settings = f"model.layers.{i}", tuple(layer.params.items())
        if layer.name == "linear" and len(shape) == 2:
            shape = _last_step(layers, shape)
        if layer.name in RECURRENT_KINDS:
            name = catalog.RECURRENT_LAYERS[layer.name].label
            if len(shape) != 2:
                problems.append((field, f"layer {i + 1} ({name}) needs a sequence, but it comes after a dense "
                                        "layer: move it above the dense layers"))
                continue
            hidden, both = layer["hidden"], layer["bidirectional"]
            counts[layer.name] += 1
            parameters = recurrent_parameters(layer.name, shape[1], hidden, both)
            shape = (shape[0], hidden * (2 if both else 1))
            layers.append(LayerPlan(f"{layer.name} {counts[layer.name]}", layer.name, shape, parameters, settings, i))
        elif layer.name == "linear":
            counts["linear"] += 1
            units = layer["units"]
            layers.append(LayerPlan(f"hidden {counts['linear']}", "linear", (units,), shape[0] * units + units,
                                    settings, i))
            shape = (units,)
        else:  # dropout: on every step's output, or on a dense layer's; the shape stays
            layers.append(LayerPlan(layer.name, layer.name, shape, 0, settings, i))
    if not any(counts[kind] for kind in RECURRENT_KINDS):
        problems.append(("model.layers", "a recurrent network needs at least one RNN, LSTM or GRU layer; add one "
                                         "(each layer's ⋮ menu changes its kind), or choose a dense network"))
    if len(shape) == 2:
        shape = _last_step(layers, shape)
    return plan_with_output("rnn", inputs, outputs, layers, shape[0], problems)


def _sequence_sets() -> str:
    """The generated sequence sets by their labels: 'Sine, next value; Adding problem; ...'."""
    return "; ".join(g.label.removesuffix(" (sequences)") for g in GENERATORS.values()
                     if g.sequence_features and g.task != "tokens")  # a token per position: a Transformer's


def _last_step(layers: list[LayerPlan], shape: tuple[int, ...]) -> tuple[int]:
    """(T, H) -> (H,): the output at the last step, which has read the whole sequence."""
    layers.append(LayerPlan("last step", "last_step", (shape[1],), 0))
    return (shape[1],)


def build(model: ModelSpec, plan: Plan, seed: int) -> Network:
    return build_network(model, plan, seed)
