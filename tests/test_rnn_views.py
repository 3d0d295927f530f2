"""A recurrent network's views (families/rnn/views.py) against torch: the hidden states equal
torch's own cells stepped one step at a time with the layer's weights, the gates rebuild the
layer's own output, the gradients through time equal autograd's on those cells' states, and the
answer after the last step is the network's output."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.families.rnn import charts as rnn_charts
from playground.families.rnn.model import LastStep
from playground.families.rnn.unroll import unroll
from playground.families.rnn.views import GRADIENT_BATCH, TRACED
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _layer(kind: str, features: int = 3, hidden: int = 5, bidirectional: bool = False, **extra) -> nn.RNNBase:
    torch.manual_seed(0)
    return LAYERS[kind](features, hidden, batch_first=True, bidirectional=bidirectional, **extra)


def _cell_states(layer: nn.RNNBase, x: torch.Tensor, suffix: str = "") -> list[torch.Tensor]:
    """h_t in time order from torch's own cell, given the layer's weights of one direction."""
    kind = next(k for k, cls in LAYERS.items() if isinstance(layer, cls))
    extra = {"nonlinearity": layer.nonlinearity} if kind == "rnn" else {}
    cell = CELLS[kind](layer.input_size, layer.hidden_size, **extra)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(layer, f"{name}_l0{suffix}").data
    order = list(range(x.shape[1]))[::-1 if suffix else 1]
    h = torch.zeros(x.shape[0], layer.hidden_size)
    c = torch.zeros_like(h)
    states = {}
    for t in order:
        if kind == "lstm":
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        states[t] = h
    return [states[t] for t in range(x.shape[1])]


@pytest.mark.parametrize("kind,extra", [("rnn", {}), ("rnn", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {})])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_stepping_by_hand_gives_the_layers_own_output_and_torchs_cells_states(kind, extra, bidirectional):
    layer = _layer(kind, bidirectional=bidirectional, **extra)
    x = torch.randn(4, 7, 3)
    with torch.no_grad():
        unrolled = unroll(layer, x)
        torch.testing.assert_close(unrolled.output, layer(x)[0], atol=1e-6, rtol=1e-5)
        for direction, suffix in enumerate(["", "_reverse"][: 2 if bidirectional else 1]):
            for ours, torchs in zip(unrolled.states[direction], _cell_states(layer, x, suffix)):
                torch.testing.assert_close(ours, torchs, atol=1e-6, rtol=1e-5)


def test_lstm_gates_rebuild_its_cell_and_output():
    """c_t = f c_{t-1} + i g and h_t = o tanh(c_t) from the view's gates give the layer's own h_t;
    a wrong gate order (torch's is i, f, g, o) would not."""
    layer = _layer("lstm")
    x = torch.randn(4, 6, 3)
    with torch.no_grad():
        gates = unroll(layer, x).gates[0]
        expected = layer(x)[0]
    c = torch.zeros(4, 5)
    for t in range(6):
        c = gates["forget"][:, t] * c + gates["input"][:, t] * gates["cell"][:, t]
        torch.testing.assert_close(gates["output"][:, t] * torch.tanh(c), expected[:, t], atol=1e-6, rtol=1e-5)
    assert ((gates["input"] >= 0) & (gates["input"] <= 1)).all() and (gates["cell"].abs() <= 1).all()


def test_gru_gates_rebuild_its_state():
    layer = _layer("gru")
    x = torch.randn(4, 6, 3)
    with torch.no_grad():
        gates = unroll(layer, x).gates[0]
        expected = layer(x)[0]
    h = torch.zeros(4, 5)
    for t in range(6):
        z = gates["update"][:, t]
        h = (1 - z) * gates["new"][:, t] + z * h
        torch.testing.assert_close(h, expected[:, t], atol=1e-6, rtol=1e-5)


def _trained(name: str, steps: int = 30, **overrides) -> Trainer:
    trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu", **overrides}))
    for _ in range(steps):
        trainer.train_step()
    return trainer


def test_gradients_through_time_equal_autograds_on_torchs_cells():
    """|dL/dh_t| for each step, the mean over the first GRADIENT_BATCH test sequences, with L each
    sequence's own loss: recomputed here with nn.LSTMCell and autograd."""
    trainer = _trained("adding-lstm")
    views = trainer.compute_visuals().family
    module = trainer.module.eval()
    x = trainer.x_test[:GRADIENT_BATCH]
    parts = list(module)
    lstm = parts[1]
    seq = parts[0](x)  # (B, T, 2)
    states = _cell_states(lstm, seq)
    rest = nn.Sequential(*parts[parts.index(next(p for p in parts if isinstance(p, LastStep))) + 1:])
    out = rest(states[-1])
    loss = trainer.head.loss_per_element(out, trainer.t_test[:GRADIENT_BATCH]).sum()
    grads = torch.autograd.grad(loss, states)
    expected = torch.stack([g.norm(dim=1).mean() for g in grads]).detach().numpy()
    np.testing.assert_allclose(views.layers[0].grad_norms[0], expected, rtol=1e-4, atol=1e-9)
    assert views.layers[0].grad_norms.shape == (1, 30)


def test_views_do_not_touch_the_training_gradients_or_mode():
    trainer = _trained("adding-lstm", steps=3)
    before = [p.grad.clone() for p in trainer.module.parameters()]
    trainer.compute_visuals()
    assert trainer.module.training
    for p, g in zip(trainer.module.parameters(), before):
        torch.testing.assert_close(p.grad, g)


def test_states_and_answers_are_the_networks_own_for_the_traced_sequences():
    trainer = _trained("parity-gru")
    views = trainer.compute_visuals().family
    module = trainer.module.eval()
    x = trainer.x_test[:TRACED]
    with torch.no_grad():
        states = module[1](module[0](x))  # the GRU's own output, (K, T, H)
        probabilities = trainer.head.probabilities(module(x)).numpy()
    np.testing.assert_allclose(views.layers[0].states, states.numpy(), atol=1e-6)
    np.testing.assert_allclose(views.answers[:, -1], probabilities, atol=1e-6)  # after the last step: the output
    np.testing.assert_array_equal(views.targets, trainer.dataset.y_test[:TRACED])
    raw = trainer.dataset.featurize.unstandardize(trainer.dataset.x_test[:TRACED])
    np.testing.assert_allclose(views.inputs[..., 0], raw, atol=1e-6)  # bits 0/1, in the data's own units


def test_a_multiclass_answer_is_every_class_probability_after_each_step():
    trainer = _trained("patterns-lstm", steps=5)
    views = trainer.compute_visuals().family
    assert views.answers.shape == (TRACED, 32, 5)
    np.testing.assert_allclose(views.answers.sum(axis=2), 1.0, atol=1e-5)
    snap = take_snapshot(trainer, "paused", "")
    answer = rnn_charts.answers_figure(snap, example=3)
    true_class = int(views.targets[3])
    np.testing.assert_allclose(answer.data[0]["y"], views.answers[3, :, true_class])  # P(true class) a step
    assert answer.layout["yaxis"]["title"]["text"] == f"P({snap.dataset.class_names[true_class]}) after step t"


def test_a_bidirectional_last_layer_has_no_answer_after_each_step_and_two_gradient_lines():
    spec = get_preset("parity-gru").with_overrides(**{"train.device": "cpu", "model.layers.0.bidirectional": True})
    trainer = Trainer(spec)
    trainer.train_step()
    views = trainer.compute_visuals().family
    assert views.answers is None and views.layers[0].grad_norms.shape == (2, 8)
    assert views.layers[0].states.shape == (TRACED, 8, 64) and len(views.layers[0].gates) == 2
    snap = take_snapshot(trainer, "paused", "")
    assert rnn_charts.answers_figure(snap) is None
    assert [t["name"] for t in rnn_charts.gradient_through_time_figure(snap).data] == ["gru 1", "gru 1 (backward)"]


def test_two_recurrent_layers_are_traced_in_order_and_only_sequences_have_views():
    spec = get_preset("sine-rnn").with_overrides(**{
        "train.device": "cpu", "model.layers": [{"kind": "gru", "hidden": 8}, {"kind": "rnn", "hidden": 6}]})
    trainer = Trainer(spec)
    views = trainer.compute_visuals().family
    assert [(t.label, t.states.shape[-1]) for t in views.layers] == [("gru 1", 8), ("rnn 1", 6)]
    assert Trainer(Spec()).compute_visuals().family is None  # an MLP on points has no recurrent views


def test_charts_draw_the_picked_sequence():
    trainer = _trained("sine-rnn")
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    views = snap.visuals.family
    states = rnn_charts.states_figure(snap, example=2)
    np.testing.assert_allclose(np.asarray(states.data[0]["z"]), views.layers[0].states[2].T)
    assert rnn_charts.gates_figure(snap) is None  # a plain RNN has no gates
    forecast = rnn_charts.answers_figure(snap, example=1)  # a forecast: drawn over the sequence
    series, predicted, truth = forecast.data
    np.testing.assert_allclose(series["y"], views.inputs[1, :, 0])
    np.testing.assert_array_equal(predicted["x"], np.arange(2, 22))  # the answer after step t predicts t + 1
    assert truth["x"] == [21] and truth["y"] == [pytest.approx(float(views.targets[1]))]
    bptt = rnn_charts.gradient_through_time_figure(snap)
    np.testing.assert_allclose(bptt.data[0]["y"], views.layers[0].grad_norms[0])
    assert bptt.layout["yaxis"]["type"] == "log"
