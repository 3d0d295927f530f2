"""Telemetry on any module: parameter groups of conv, norm, recurrent and attention layers,
the probe's numbers on them against torch, and the MLP's groups unchanged (its dense layers)."""

import numpy as np
import pytest
import torch
from torch import nn

from playground import charts
from playground.cli import histogram_frame
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.telemetry import LAYER_STAT_NAMES, ParameterGroup, ParameterProbe, flat_copy, parameter_groups
from playground.train.trainer import Trainer

BINS = 8


def small_cnn(conv_bias: bool = True) -> nn.Sequential:
    """(B, 1, 6, 6) -> (B, 3)."""
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=conv_bias), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3))


class LastStep(nn.Module):
    """A recurrent layer read at its last time step: (B, T, F) -> (B, hidden)."""

    def __init__(self, rnn: nn.Module):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0][:, -1]


def encoder_layer() -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)


# name -> (module, input (B, ...)): every family the playground is about to add.
MODULES = {
    "cnn": (lambda: small_cnn(conv_bias=False), lambda: torch.randn(5, 1, 6, 6)),
    "lstm": (lambda: LastStep(nn.LSTM(3, 4, num_layers=2, batch_first=True)), lambda: torch.randn(5, 7, 3)),
    "gru": (lambda: LastStep(nn.GRU(3, 4, batch_first=True)), lambda: torch.randn(5, 7, 3)),
    "transformer": (encoder_layer, lambda: torch.randn(5, 4, 8)),
}


def group_parts(groups: list[ParameterGroup]) -> list[nn.Parameter]:
    return [p for g in groups for p in g.weights + g.biases]


def ids(tensors) -> list[int]:
    """Which tensors, in order (a list of Parameters compared with == compares their values)."""
    return [id(t) for t in tensors]


def named(module: nn.Module) -> dict[int, str]:
    return {id(p): name for name, p in module.named_parameters()}


# ------------------------------------------------------------------ parameter_groups


@pytest.mark.parametrize("kind", MODULES)
def test_groups_cover_every_parameter_exactly_once(kind):
    module = MODULES[kind][0]()
    parts = group_parts(parameter_groups(module))
    assert sum(p.numel() for p in parts) == sum(p.numel() for p in module.parameters())
    assert sorted(id(p) for p in parts) == sorted(id(p) for p in module.parameters())  # no repeats, none missing


def test_cnn_groups_are_its_layers_with_norm_gamma_as_weight_and_beta_as_bias():
    module = small_cnn()
    groups = parameter_groups(module)
    assert [g.label for g in groups] == ["0 · Conv2d", "1 · BatchNorm2d", "5 · Linear"]  # ReLU, pool: none
    assert [g.name for g in groups] == ["0", "1", "5"]
    conv, norm, linear = module[0], module[1], module[5]
    assert [ids(g.weights) for g in groups] == [ids([conv.weight]), ids([norm.weight]), ids([linear.weight])]
    assert [ids(g.biases) for g in groups] == [ids([conv.bias]), ids([norm.bias]), ids([linear.bias])]


def test_recurrent_matrices_are_weights_and_their_bias_vectors_biases():
    lstm = nn.LSTM(3, 4, num_layers=2)
    (group,) = parameter_groups(lstm)
    names = named(lstm)
    assert group.label == "LSTM" and group.name == ""  # the root module: its class alone
    assert [names[id(p)] for p in group.weights] == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"]
    assert [names[id(p)] for p in group.biases] == ["bias_ih_l0", "bias_hh_l0", "bias_ih_l1", "bias_hh_l1"]
    (gru,) = parameter_groups(nn.GRU(3, 4, bias=False))
    assert len(gru.weights) == 2 and gru.biases == []


def test_attention_projection_and_its_output_linear_are_separate_groups():
    layer = encoder_layer()
    groups = {g.name: g for g in parameter_groups(layer)}
    assert list(groups) == ["self_attn", "self_attn.out_proj", "linear1", "linear2", "norm1", "norm2"]
    assert groups["self_attn"].label == "self_attn · MultiheadAttention"
    assert ids(groups["self_attn"].weights) == ids([layer.self_attn.in_proj_weight])
    assert ids(groups["self_attn"].biases) == ids([layer.self_attn.in_proj_bias])
    assert ids(groups["self_attn.out_proj"].weights) == ids([layer.self_attn.out_proj.weight])
    assert ids(groups["norm1"].weights) == ids([layer.norm1.weight])
    assert ids(groups["norm1"].biases) == ids([layer.norm1.bias])


def test_a_tied_parameter_belongs_to_its_first_owner_only():
    first, second = nn.Linear(3, 3), nn.Linear(3, 3)
    second.weight = first.weight
    groups = parameter_groups(nn.Sequential(first, second))
    assert ids(groups[0].weights) == ids([first.weight]) and ids(groups[0].biases) == ids([first.bias])
    assert ids(groups[1].weights) == ids([second.bias]) and groups[1].biases == []  # a lone bias: a weight


def test_a_module_with_only_scalars_and_vectors_is_split_by_name():
    prelu = nn.PReLU(4)
    norm = nn.LayerNorm(4, bias=False)
    (p,), (n,) = parameter_groups(prelu), parameter_groups(norm)
    assert ids(p.weights) == ids([prelu.weight]) and p.biases == []
    assert ids(n.weights) == ids([norm.weight]) and n.biases == []


def test_labels_choose_and_name_the_groups():
    module = small_cnn()
    groups = parameter_groups(module, {"5": "output", "0": "conv"})
    assert [g.label for g in groups] == ["conv", "output"]  # registration order, not the mapping's
    assert ids(groups[1].weights) == ids([module[5].weight])


# ------------------------------------------------------------------ the probe on each family


def trained_once(kind: str, seed: int = 0):
    """(module, probe, measured stats (G, 4), counts (2G, bins), copies of every parameter from
    before the step) after one real backward pass and one optimizer step."""
    torch.manual_seed(seed)
    make_module, make_input = MODULES[kind]
    module = make_module()
    with torch.no_grad():  # attention and norm biases start at 0, a bin edge: float32 rounding
        for p in module.parameters():  # may bin a -1e-15 above it, where numpy (float64) bins it below
            p.add_(0.1 * torch.randn_like(p))
    x = make_input()
    probe = ParameterProbe(parameter_groups(module), BINS)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5, momentum=0.9)
    before = {id(p): p.detach().clone() for p in module.parameters()}
    loss = (module(x) ** 2).mean()
    loss.backward()
    weights_before = probe.weights()
    optimizer.step()
    flat = probe.flat()
    probe.grow_ranges(flat)
    measured = probe.measure(flat, weights_before).numpy()
    n = len(probe.groups)
    return module, probe, measured[:4 * n].reshape(n, 4), measured[4 * n:].reshape(2 * n, BINS), before


def concat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1) for t in tensors])


@pytest.mark.parametrize("kind", MODULES)
def test_probe_statistics_equal_torch_on_each_group(kind):
    module, probe, stats, _, before = trained_once(kind)
    assert stats.shape == (len(probe.groups), len(LAYER_STAT_NAMES))
    for group, (grad_norm, grad_mean_abs, update_ratio, weight_norm) in zip(probe.groups, stats):
        grads = torch.cat([w.grad.reshape(-1) for w in group.weights])
        w, w0 = concat(group.weights), concat(before[id(p)] for p in group.weights)
        assert grad_norm == pytest.approx(float(torch.linalg.vector_norm(grads)), rel=1e-5)
        assert grad_mean_abs == pytest.approx(float(grads.abs().mean()), rel=1e-5)
        assert weight_norm == pytest.approx(float(torch.linalg.vector_norm(w)), rel=1e-5)
        expected_ratio = torch.linalg.vector_norm(w - w0) / torch.linalg.vector_norm(w)
        assert update_ratio == pytest.approx(float(expected_ratio), rel=1e-4)
        assert update_ratio > 0  # the step moved every group (else the ratio check proves little)


@pytest.mark.parametrize("kind", MODULES)
def test_probe_histograms_count_every_entry_of_each_group(kind):
    _, probe, _, counts, _ = trained_once(kind)
    n = len(probe.groups)
    for i, (tensors, hist) in enumerate(zip(probe.segment_tensors, probe.histograms)):
        values = flat_copy(tensors).numpy()
        expected, _ = np.histogram(values, bins=BINS, range=(-hist.limit, hist.limit))
        np.testing.assert_array_equal(counts[i], expected)
        group = probe.groups[i % n]
        assert counts[i].sum() == sum(p.numel() for p in (group.weights if i < n else group.biases))


def test_a_group_without_bias_gets_zero_bias_counts():
    _, probe, _, counts, _ = trained_once("cnn")  # the conv has bias=False, as before a BatchNorm
    n = len(probe.groups)
    assert probe.groups[0].biases == []
    np.testing.assert_array_equal(counts[n], np.zeros(BINS))
    assert (counts[n + 1:].sum(axis=1) > 0).all()  # the other groups' biases are counted


def test_a_parameter_without_gradient_gives_nan_in_its_group_only():
    module = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    probe = ParameterProbe(parameter_groups(module), BINS)
    module[1](torch.randn(5, 4)).sum().backward()  # the first layer takes no part
    flat = probe.flat()
    probe.grow_ranges(flat)
    stats = probe.measure(flat, probe.weights()).numpy()[:8].reshape(2, 4)
    assert np.isnan(stats[0, :2]).all()
    assert stats[1, 0] == pytest.approx(float(torch.linalg.vector_norm(module[1].weight.grad)), rel=1e-6)
    assert stats[:, 2].tolist() == [0.0, 0.0]  # no step since the copy


def test_a_probe_needs_a_group():
    with pytest.raises(ValueError, match="at least one"):
        ParameterProbe(parameter_groups(nn.ReLU()), BINS)


# ------------------------------------------------------------------ the MLP: its dense layers, as before

MIXED_MLP = Spec().with_overrides(**{
    "telemetry.every_steps": 5, "train.epochs": 2, "train.optimizer.name": "adam",
    "model.layers": [{"kind": "linear", "units": 6, "activation": "relu"}, {"kind": "batchnorm"},
                     {"kind": "dropout", "p": 0.2}, {"kind": "linear", "units": 3}, {"kind": "layernorm"}],
})


def test_mlp_groups_are_its_dense_layers_in_the_old_flat_layout():
    trainer = Trainer(MIXED_MLP)
    dense = trainer.network.dense_layers
    assert trainer.probe.labels == ["hidden 1", "hidden 2", "output"] == trainer.network.dense_labels
    assert [ids(g.weights) for g in trainer.probe.groups] == [ids([layer.weight]) for layer in dense]
    assert [ids(g.biases) for g in trainer.probe.groups] == [ids([layer.bias]) for layer in dense]  # norms left out
    # The layout the dense-layer probe had: every weight matrix, then every bias, one segment each.
    expected = concat([layer.weight for layer in dense] + [layer.bias for layer in dense])
    assert torch.equal(trainer.probe.flat(), expected)
    sizes = [layer.weight.numel() for layer in dense] + [layer.bias.numel() for layer in dense]
    assert torch.equal(trainer.probe.segment, torch.repeat_interleave(torch.arange(6), torch.tensor(sizes)))


def test_mlp_record_equals_torch_on_each_dense_layer():
    trainer = Trainer(MIXED_MLP)
    for _ in range(4):
        trainer.train_step()
    before = [layer.weight.detach().clone() for layer in trainer.dense]
    trainer.train_step()  # step 5 records
    record = trainer.history.records[-1]
    assert record.step == 5 and record.layer_stats.shape == (3, 4)
    for i, layer in enumerate(trainer.dense):
        w, g = layer.weight.detach(), layer.weight.grad
        expected = [torch.linalg.vector_norm(g), g.abs().mean(),
                    torch.linalg.vector_norm(w - before[i]) / torch.linalg.vector_norm(w), torch.linalg.vector_norm(w)]
        np.testing.assert_allclose(record.layer_stats[i], [float(e) for e in expected], rtol=1e-5)
        for counts, tensor, hist in ((record.weight_hist[i], w, trainer.probe.weight_histograms[i]),
                                     (record.bias_hist[i], layer.bias.detach(), trainer.probe.bias_histograms[i])):
            expected_counts, _ = np.histogram(tensor.numpy(), bins=hist.bins, range=(-hist.limit, hist.limit))
            np.testing.assert_array_equal(counts, expected_counts)


def test_a_group_without_bias_flows_through_snapshot_charts_and_files():
    """A family whose layer has no bias: zero bias counts, and nothing downstream breaks on them."""
    trainer = Trainer(Spec().with_overrides(**{"telemetry.every_steps": 5, "train.epochs": 1}))
    dense = trainer.network.dense_layers
    trainer.history.records.clear()  # records of the old probe have the old shapes
    trainer.probe = ParameterProbe([ParameterGroup("all weights", [layer.weight for layer in dense]),
                                    ParameterGroup("all biases", [layer.bias for layer in dense])], BINS)
    trainer.record()
    trainer.run(10)
    snap = take_snapshot(trainer, "done", "")
    assert snap.layer_labels == ["all weights", "all biases"]
    assert snap.bias_counts[0].shape == (3, BINS) and not snap.bias_counts[0].any()
    assert (snap.weight_counts[0].sum(axis=1) == sum(layer.weight.numel() for layer in dense)).all()
    for i in range(2):
        assert charts.weight_histogram_figure(snap, i).data
        assert charts.weight_evolution_figure(snap, i).data
    assert [t["name"] for t in charts.gradient_norm_figure(snap).data] == snap.layer_labels
    assert len(charts.update_ratio_figure(snap).data) == 2
    assert list(charts.gradient_bars_figure(snap).data[0]["x"]) == snap.layer_labels
    frame = histogram_frame(snap)
    no_bias = frame[(frame["layer"] == "all weights") & (frame["param"] == "bias")]
    assert len(no_bias) == 3 * BINS and (no_bias["count"] == 0).all()
    assert set(snap.layers["layer"]) == {"all weights", "all biases"}
