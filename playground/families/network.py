"""The network every family builds: the torch module plus the facts the charts and telemetry
need about it. The model is a plain nn.Sequential so that anything (the runner, the CLI, a
notebook) can use it; `Network` keeps the names of the dense layers, which telemetry reports on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from ..core import catalog
from ..core.spec import ModelSpec
from ..train.plan import LayerPlan
from ..train.telemetry import ParameterGroup, parameter_groups

FEATURE_STAGE = -1  # NonDenseLayer.after of a layer that reads the data before the dense layers do


@dataclass(frozen=True)
class NonDenseLayer:
    """A layer that is not a dense one, for the diagram: it acts on the output of dense layer
    number `after` (0: on what the first dense layer reads), so it sits between diagram columns
    `after` and `after + 1`; FEATURE_STAGE (-1): it acts on the data before any dense layer reads
    it (a CNN's image layers before the flatten, a recurrent network's layers before the last
    step is taken), left of column 0. `settings` are its spec params as pairs, e.g. (("p", 0.2),)."""

    kind: str
    after: int
    settings: tuple[tuple[str, object], ...] = ()


@dataclass
class Network:
    """The built model plus facts about it.

    module:        nn.Sequential mapping (B, n_inputs) -> (B, n_outputs)
    dense_names:   names of the nn.Linear submodules, input side first ("0", "2", ...)
    dense_labels:  what to call them in charts ("hidden 1", ..., "output")
    activations:   the activation name following each dense layer ("identity" for output)
    non_dense:     the other layers, input side first, with where they sit between dense layers
    measured:      submodule name -> label of the layers telemetry reports on, input side first
                   (None: the dense layers under dense_labels; a CNN adds its conv layers)
    companions:    other networks the family trains beside `module`, by name (a GAN's "discriminator"),
                   each with its `measured` labels: telemetry reports on them after the module's layers
    """

    module: nn.Sequential
    dense_names: list[str]
    dense_labels: list[str]
    activations: list[str]
    non_dense: list[NonDenseLayer] = field(default_factory=list)
    measured: dict[str, str] | None = None
    companions: dict[str, tuple[nn.Module, dict[str, str]]] = field(default_factory=dict)

    @property
    def dense_layers(self) -> list[nn.Linear]:
        modules = dict(self.module.named_children())
        return [modules[n] for n in self.dense_names]

    def parameter_groups(self) -> list[ParameterGroup]:
        """What telemetry reports on: `measured`, else the dense layers under dense_labels. Norm
        layers are left out, so the layer charts and files show the layers that hold weights."""
        groups = parameter_groups(self.module, self.measured or dict(zip(self.dense_names, self.dense_labels)))
        for module, labels in self.companions.values():
            groups += parameter_groups(module, labels)
        return groups

    def parameter_count(self) -> int:
        """Every parameter the family trains: the module's and its companions'."""
        modules = [self.module, *(module for module, _ in self.companions.values())]
        return sum(p.numel() for module in modules for p in module.parameters())

    @property
    def widths(self) -> list[int]:
        """Node counts per column of the network diagram: inputs, each dense layer."""
        layers = self.dense_layers
        return [layers[0].in_features] + [layer.out_features for layer in layers]


def planned_dense(layer: LayerPlan, width_in: int) -> tuple[list[nn.Module], str]:
    """A planned dense layer (a hidden one, or the output) as modules: nn.Linear(width_in, units)
    and, unless it is the output, its activation. Returns (modules, activation name); the output's
    is "identity". The CNN and recurrent families build their dense heads with it."""
    activation = layer["activation"] if layer.label != "output" else "identity"
    modules: list[nn.Module] = [nn.Linear(width_in, layer.shape[-1])]  # (units,), or (T, units) at every position
    if layer.label != "output":
        modules.append(catalog.ACTIVATIONS[activation].build())
    return modules, activation


def initialised_network(model: ModelSpec, modules: list[nn.Module], initialised: list[tuple[str, str]],
                        dense_names: list[str], activations: list[str], non_dense: list[NonDenseLayer],
                        measured: dict[str, str] | None = None) -> Network:
    """The built layers as one nn.Sequential, the spec's init applied to the `initialised`
    (submodule name, activation) pairs in their order, as a Network. Call it holding the init lock
    with the seed set: init draws from torch's global generator, right after the layers did."""
    module = nn.Sequential(*modules)
    init = catalog.INITS[model.init].build
    for name, activation in initialised:
        init(module.get_submodule(name), activation, model.init_std)
    labels = [f"hidden {i + 1}" for i in range(len(dense_names) - 1)] + ["output"]
    return Network(module, dense_names, labels, activations, non_dense, measured)
