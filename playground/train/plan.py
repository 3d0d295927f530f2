"""What a spec will build, worked out without building it: each layer's output shape and
parameter count, the network's widths, and the problems that stop it being built.

One plan serves both sides: the sidebar shows its summary and problems while the user edits,
and the trainer builds only what a plan without problems describes, so the two never disagree
about a network's size or what is wrong with it. Each model family makes its own plans
(families/); this module holds their common shape and the checks every family shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.spec import MAX_PARAMETERS

Problem = tuple[str, str]  # (field, message), as SpecError carries them


@dataclass(frozen=True)
class LayerPlan:
    """One built layer: what it is called in charts, its catalog kind, the shape of its output
    for one example ((units,) for a dense layer; (C, H, W) for an image layer), its parameters."""

    label: str
    kind: str
    shape: tuple[int, ...]
    parameters: int
    settings: tuple[tuple[str, Any], ...] = ()  # the spec's params of this layer, e.g. (("kernel", 3), ...)
    index: int | None = None  # its place in model.layers (None: the output layer, an implicit flatten)

    def __getitem__(self, name: str) -> Any:
        return dict(self.settings)[name]


@dataclass(frozen=True)
class Plan:
    """The network a model spec builds on data with `inputs` (one example's shape) and
    `outputs` output units (from the task and the loss). `layers`: input side first, the output
    layer last. `problems`: empty when it can be built."""

    family: str
    inputs: tuple[int, ...]
    outputs: int
    layers: tuple[LayerPlan, ...]
    problems: tuple[Problem, ...] = ()

    def shape_after(self, index: int) -> tuple[int, ...] | None:
        """The output shape of model.layers[index]; None when that layer could not be planned."""
        return next((layer.shape for layer in self.layers if layer.index == index), None)

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def widths(self) -> list[int]:
        """The dense part's columns, as the network diagram draws them: the length of the vector
        the first dense layer takes (the features; a CNN's flattened image), then every dense
        layer's units, the output last. A Transformer's dense layers act at every position, (T, units):
        a width is the last axis."""
        before = self.inputs
        for layer in self.layers:
            if layer.kind == "linear":
                break
            before = layer.shape
        return [before[-1], *(layer.shape[-1] for layer in self.layers if layer.kind == "linear")]


def size_problems(parameters: int) -> tuple[Problem, ...]:
    """The bound every family shares: a network the server can train and draw."""
    if parameters <= MAX_PARAMETERS:
        return ()
    return (("model.layers", f"this network would have {parameters:,} parameters; the limit is "
                             f"{MAX_PARAMETERS:,}. Use fewer or narrower layers"),)


def plan_with_output(family: str, inputs: tuple[int, ...], outputs: int, layers: list[LayerPlan], width: int,
                     problems: tuple[Problem, ...] | list[Problem] = ()) -> Plan:
    """Every family's plan ends the same way: the output layer (a dense layer from the last
    vector of `width` to `outputs`), then the parameter count's bound on top of the family's
    own problems."""
    layers = [*layers, LayerPlan("output", "linear", (outputs,), width * outputs + outputs)]
    total = sum(layer.parameters for layer in layers)
    return Plan(family, inputs, outputs, tuple(layers), tuple(problems) + size_problems(total))
