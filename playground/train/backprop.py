"""Backpropagation by hand: one training example forward and backward through a dense network,
every number kept, as a lesson shows it.

Forward, layer by layer:   z = W a_prev + b,   a = act(z)          (the output layer's act: identity)
Loss:                      L = loss(a_last, target)
Backward, output first:    dL/dz = dL/da * act'(z)
                           dL/dW = outer(dL/dz, a_prev),   dL/db = dL/dz,   dL/da_prev = Wᵀ dL/dz
One step of plain gradient descent: W - lr · dL/dW.

The chain rule is written out here; only the two local derivatives, the activation's act'(z) and
the loss's dL/d(output), are asked of autograd (each on its own, elementwise). tests/test_backprop.py
checks every gradient against autograd on the whole network, loss.backward() as the trainer does.
It works from the weights as plain arrays (a snapshot's Visuals.weights and .biases), so the page
can show it for the network it is drawing without reaching into the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core import catalog
from .heads import Head


@dataclass(frozen=True)
class LayerTrace:
    """One dense layer for one example; n: its units, m: its inputs' count."""

    label: str  # "hidden 1", ..., "output"
    activation: str
    inputs: np.ndarray  # (m,) a_prev
    weights: np.ndarray  # (n, m) W
    bias: np.ndarray  # (n,) b
    z: np.ndarray  # (n,) W a_prev + b
    outputs: np.ndarray  # (n,) a = act(z)
    grad_outputs: np.ndarray  # (n,) dL/da
    slope: np.ndarray  # (n,) act'(z)
    grad_z: np.ndarray  # (n,) dL/dz
    grad_weights: np.ndarray  # (n, m) dL/dW
    grad_inputs: np.ndarray  # (m,) dL/da_prev


@dataclass(frozen=True)
class BackpropTrace:
    example: np.ndarray  # (F,) the model's inputs (standardised features)
    target: np.ndarray  # what the loss compares the output with (a class id, 0/1, a standardised value)
    loss: float
    layers: list[LayerTrace]  # input side first

    def stepped(self, lr: float) -> list[np.ndarray]:
        """Each layer's weights after one step of plain gradient descent on this example."""
        return [layer.weights - lr * layer.grad_weights for layer in self.layers]


def trace_example(weights: list[np.ndarray], biases: list[np.ndarray], activations: list[str], labels: list[str],
                  head: Head, example: np.ndarray, target) -> BackpropTrace:
    """Forward and backward through the dense layers given as arrays (weights (n, m) per layer,
    input side first; activations by catalog name, the output's "identity") for one example (F,)
    and its target as the loss takes it (head.targets of the label)."""
    a = torch.as_tensor(np.asarray(example, dtype=np.float64))
    forward = []  # per layer: (a_prev, W, b, z, a)
    for w, b, name in zip(weights, biases, activations):
        W, bias = torch.as_tensor(w, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
        z = W @ a + bias
        forward.append((a, W, bias, z, _activate(name, z)))
        a = forward[-1][-1]
    t = torch.as_tensor(np.asarray(target))
    out = a.detach().clone().requires_grad_(True)
    loss = head.make_loss()(out.unsqueeze(0), t.unsqueeze(0).to(out.dtype if t.is_floating_point() else t.dtype))
    (grad_a,) = torch.autograd.grad(loss, out)  # dL/d(output): the loss's own derivative
    layers: list[LayerTrace] = []
    for (a_prev, W, bias, z, a_out), name, label in reversed(list(zip(forward, activations, labels))):
        slope = _slope(name, z)
        grad_z = grad_a * slope
        grad_w = torch.outer(grad_z, a_prev)
        grad_prev = W.T @ grad_z
        layers.append(LayerTrace(label, name, *(_np(v) for v in (a_prev, W, bias, z, a_out, grad_a, slope, grad_z,
                                                                   grad_w, grad_prev))))
        grad_a = grad_prev
    return BackpropTrace(np.asarray(example, dtype=np.float64), np.asarray(target), float(loss.detach()), layers[::-1])


def _activate(name: str, z: torch.Tensor) -> torch.Tensor:
    return catalog.ACTIVATIONS[name].build()(z)


def _slope(name: str, z: torch.Tensor) -> torch.Tensor:
    """act'(z), elementwise: the derivative of the activation alone, at each unit's z."""
    z = z.detach().clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(_activate(name, z).sum(), z)  # elementwise: the sum's gradient is act'(z)
    return slope


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().copy()


def autograd_gradients(weights: list[np.ndarray], biases: list[np.ndarray], activations: list[str], head: Head,
                       example: np.ndarray, target) -> list[np.ndarray]:
    """dL/dW of each layer as autograd gives it on the same network (torch modules, float64,
    loss.backward()): what the page sets beside the hand-made gradients."""
    layers = []
    for w, b, name in zip(weights, biases, activations):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(w))
            linear.bias.copy_(torch.as_tensor(b))
        layers += [linear, catalog.ACTIVATIONS[name].build()]
    model = torch.nn.Sequential(*layers)
    t = torch.as_tensor(np.asarray(target)).unsqueeze(0)
    out = model(torch.as_tensor(np.asarray(example, dtype=np.float64)).unsqueeze(0))
    head.make_loss()(out, t.to(out.dtype) if t.is_floating_point() else t).backward()
    return [layer.weight.grad.numpy().copy() for layer in layers[::2]]
