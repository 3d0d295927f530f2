"""Backpropagation by hand (train/backprop.py) against autograd: for one example, every layer's
sums, activations and gradients equal those of the trainer's own network in float64 under
loss.backward(), and one step of plain gradient descent equals torch.optim.SGD's."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.train.backprop import autograd_gradients, trace_example
from playground.train.trainer import Trainer


def _trace(trainer: Trainer, index: int):
    layers = trainer.dense
    target = trainer.t_train[index]
    return trace_example([layer.weight.detach().numpy() for layer in layers],
                         [layer.bias.detach().numpy() for layer in layers],
                         list(trainer.network.activations), list(trainer.network.dense_labels), trainer.head,
                         trainer.x_train[index].numpy(), target.numpy())


@pytest.mark.parametrize("overrides", [
    {},  # the circle: tanh, binary cross-entropy on one logit
    {"model.layers": [{"kind": "linear", "units": 3, "activation": "relu"},
                      {"kind": "linear", "units": 2, "activation": "sigmoid"}], "data.name": "blobs"},  # softmax CE
    {"data.name": "plane", "model.layers": [{"kind": "linear", "units": 4, "activation": "gelu"}]},  # regression
    {"train.loss": "mse"},  # a classification loss that is not cross-entropy
])
def test_every_number_equals_autograds_on_the_whole_network(overrides):
    trainer = Trainer(get_preset("circle").with_overrides(**{"train.device": "cpu", **overrides}))
    for _ in range(30):
        trainer.train_step()  # weights away from their start, activations off their middle
    trace = _trace(trainer, index=7)
    model = copy.deepcopy(trainer.module).double().eval()
    x = trainer.x_train[7:8].double()
    target = trainer.t_train[7:8]
    out = model(x)
    loss = trainer.head.make_loss()(out, target.double() if target.is_floating_point() else target)
    loss.backward()
    assert trace.loss == pytest.approx(loss.item(), rel=1e-12)
    sums = []  # what each nn.Linear computes, by a hook
    for layer, name in zip(trainer.dense, trainer.network.dense_names):
        model.get_submodule(name).register_forward_hook(lambda m, i, o: sums.append(o[0].detach().numpy()))
    model(x)
    for step, layer_name, z in zip(trace.layers, trainer.network.dense_names, sums):
        linear = model.get_submodule(layer_name)
        np.testing.assert_allclose(step.z, z, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(step.grad_weights, linear.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(step.grad_z, linear.bias.grad.numpy(), rtol=1e-9, atol=1e-12)  # dL/db = dL/dz
    np.testing.assert_allclose(trace.layers[-1].outputs, out[0].detach().numpy(), rtol=1e-12)


def test_one_step_of_gradient_descent_is_sgds():
    trainer = Trainer(Spec().with_overrides(**{"train.device": "cpu"}))
    trace = _trace(trainer, index=3)
    model = copy.deepcopy(trainer.module).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    target = trainer.t_train[3:4]
    trainer.head.make_loss()(model(trainer.x_train[3:4].double()), target.double()).backward()
    optimizer.step()
    for stepped, name in zip(trace.stepped(0.5), trainer.network.dense_names):
        np.testing.assert_allclose(stepped, model.get_submodule(name).weight.detach().numpy(), rtol=1e-10)
    assert trace.layers[0].inputs.shape == (2,) and trace.layers[-1].grad_outputs.shape == (1,)


def test_the_pages_autograd_check_agrees_with_the_hand_made_gradients():
    trainer = Trainer(get_preset("circle").with_overrides(**{"train.device": "cpu"}))
    trace = _trace(trainer, index=0)
    grads = autograd_gradients([layer.weights for layer in trace.layers], [layer.bias for layer in trace.layers],
                               list(trainer.network.activations), trainer.head, trace.example, trace.target)
    for layer, grad in zip(trace.layers, grads):
        np.testing.assert_allclose(layer.grad_weights, grad, rtol=1e-10, atol=1e-14)
