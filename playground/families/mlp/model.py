"""The MLP family's builder: ModelSpec -> Network, hidden layers from the spec and an output
layer from the task, as an nn.Sequential (the Network, shared by every family: ../network.py).
"""

from __future__ import annotations

import torch
from torch import nn

from ...core import catalog

# Torch's CPU generator is process-global; two sessions building models at once must not
# interleave their draws, or the same seed would give different weights.
from ...core.rng import GLOBAL_RNG_LOCK as _INIT_LOCK  # noqa: E402
from ...core.spec import ModelSpec
from ..network import Network, NonDenseLayer


def build_network(spec: ModelSpec, n_inputs: int, n_outputs: int, seed: int) -> Network:
    """Build the model with its initial weights drawn from `seed` (bit-identical per seed). Called
    through families.build_model, which refuses first what the spec's plan refuses (its size)."""
    modules: list[nn.Module] = []
    dense_names, activations, non_dense = [], [], []
    width = n_inputs
    with _INIT_LOCK:
        torch.manual_seed(seed)
        for layer in spec.layers:
            built, width = catalog.LAYERS[layer.name].build(width, dict(layer.params))
            if layer.name == "linear":
                dense_names.append(str(len(modules)))
                activations.append(layer["activation"])
            else:
                non_dense.append(NonDenseLayer(layer.name, len(dense_names), tuple(sorted(layer.params.items()))))
            modules.extend(built)
        dense_names.append(str(len(modules)))
        activations.append("identity")
        modules.append(nn.Linear(width, n_outputs))
        module = nn.Sequential(*modules)
        init = catalog.INITS[spec.init].build
        for name, act in zip(dense_names, activations):
            init(module.get_submodule(name), act, spec.init_std)
    labels = [f"hidden {i + 1}" for i in range(len(dense_names) - 1)] + ["output"]
    return Network(module, dense_names, labels, activations, non_dense)
