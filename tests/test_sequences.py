"""Sequence models, first slice: generated sequence tasks (sine-next, adding, parity) and the
recurrent family (RNN, LSTM, GRU layers, then dense layers on the last step's output)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.data.datasets import dataset_catalog, load_dataset
from playground.data.generators import GENERATORS, PATTERN_NAMES, adding, generate, parity, patterns
from playground.families import build_model, data_inputs, plan_model
from playground.families.rnn import recurrent_parameters
from playground.train.trainer import Trainer

SEQUENCES = {"sine-next": 1, "adding": 2, "parity": 1, "patterns": 1}  # name -> features a step


# --------------------------------------------------------------------------- data

@pytest.mark.parametrize("name", list(SEQUENCES))
def test_a_sequence_set_is_t_steps_of_f_features_and_a_pure_function_of_its_seed(name):
    info = GENERATORS[name]
    for length in (2, 7, info.sequence_length):
        X, y = generate(name, 50, 0.1, np.random.default_rng(3), length=length)
        assert X.shape == (50, length * SEQUENCES[name]) and y.shape == (50,)
    assert all(np.array_equal(a, b) for a, b in zip(generate(name, 50, 0.1, np.random.default_rng(3)),
                                                    generate(name, 50, 0.1, np.random.default_rng(3))))
    spec = Spec().with_overrides(**{"data.name": name, "data.sequence_length": 12})
    ds = load_dataset(spec.data)
    assert ds.sequence_shape == (12, SEQUENCES[name]) and ds.x_train.shape[1] == 12 * SEQUENCES[name]
    assert ds.image_shape is None and ds.geometry == "table"
    default = load_dataset(Spec().with_overrides(**{"data.name": name}).data)
    assert default.sequence_shape == (info.sequence_length, SEQUENCES[name])  # 0: the task's own length
    entry = dataset_catalog()[name]
    assert entry.uses_sequence_length and entry.description and "\n" not in entry.description


def test_the_adding_target_is_the_sum_of_the_two_marked_values():
    X, y = adding(300, 0.0, np.random.default_rng(0), length=25)
    steps = X.reshape(300, 25, 2)  # (n, T, value/marker)
    values, markers = steps[..., 0], steps[..., 1]
    assert (markers.sum(axis=1) == 2).all() and set(np.unique(markers)) == {0.0, 1.0}
    assert (markers[:, :12].sum(axis=1) == 1).all()  # one in each half
    np.testing.assert_allclose(y, (values * markers).sum(axis=1))
    assert 0 <= values.min() and values.max() <= 1


def test_parity_is_the_parity_of_the_bits():
    X, y = parity(300, 0.0, np.random.default_rng(0), length=9)
    assert set(np.unique(X)) == {0.0, 1.0} and y.dtype == np.int64
    np.testing.assert_array_equal(y, X.sum(axis=1).astype(int) % 2)
    assert 100 < y.sum() < 200  # both classes


def test_each_pattern_has_its_own_shape_wherever_it_sits():
    """Without noise: a step rises and stays to the end, a pulse falls back before the end, a spike
    is one step, a ramp climbs to its height at the last step, a wave goes below zero."""
    X, y = patterns(500, 0.0, np.random.default_rng(0), length=32)
    assert set(np.unique(y)) == set(range(len(PATTERN_NAMES))) and y.dtype == np.int64
    height = X.max(axis=1)
    assert (X[:, 0] == 0).all() and ((0.5 <= height) & (height <= 1.5)).all()  # it starts flat
    for k, name in enumerate(PATTERN_NAMES):
        rows = X[y == k]
        raised = (rows > 1e-9).sum(axis=1)
        if name == "step":
            assert (rows[:, -1] == rows.max(axis=1)).all() and (raised >= 9).all()
        elif name == "pulse":
            assert (rows[:, -1] == 0).all() and ((3 <= raised) & (raised <= 8)).all()
        elif name == "spike":
            assert (raised == 1).all()
        elif name == "ramp":
            np.testing.assert_allclose(rows[:, -1], rows.max(axis=1))
            assert (np.diff(rows, axis=1) >= -1e-12).all() and (raised >= 8).all()
        else:
            assert (rows.min(axis=1) < -0.4).all()
    starts = [np.argmax(row > 1e-9) for row in X[y == 2]]  # the spikes sit anywhere
    assert len(set(starts)) > 10


@pytest.mark.parametrize("length, ok", [(0, True), (1, False), (2, True), (200, True), (201, False)])
def test_sequence_length_is_bounded_and_named_when_refused(length, ok):
    if ok:
        assert Spec().with_overrides(**{"data.name": "adding", "data.sequence_length": length})
        return
    with pytest.raises(SpecError) as refused:
        Spec().with_overrides(**{"data.name": "adding", "data.sequence_length": length})
    assert refused.value.errors[0][0] == "data.sequence_length"


def test_an_mlp_takes_sequences_as_flat_vectors():
    spec = get_preset("adding-lstm").with_overrides(**{"model.family": "mlp", "model.layers": [
        {"kind": "linear", "units": 8}], "train.epochs": 1})
    trainer = Trainer(spec)
    trainer.run(5)
    assert trainer.network.widths == [60, 8, 1]


# --------------------------------------------------------------------------- the family

def _rnn(*layers: dict) -> Spec:
    return Spec().with_overrides(**{"model.family": "rnn", "model.layers": list(layers)})


_TORCH = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_planned_shapes_and_parameters_are_torchs_own(kind):
    """Over stacks of one and two layers, hidden sizes, both directions and a dense layer or none,
    each planned layer's shape and parameters equal what torch's own modules have and output."""
    T, F = 7, 3
    for hidden in (1, 5, 16):
        for both in (False, True):
            for second in (None, "lstm", "gru"):
                for dense in (False, True):
                    layers = [{"kind": kind, "hidden": hidden, "bidirectional": both}]
                    if second:
                        layers += [{"kind": "dropout", "p": 0.1}, {"kind": second, "hidden": 4}]
                    if dense:
                        layers.append({"kind": "linear", "units": 6})
                    spec = _rnn(*layers)
                    plan = plan_model(spec.model, (T, F), 2)
                    assert not plan.problems
                    network = build_model(spec.model, (T, F), 2, seed=0)
                    assert plan.parameters == network.parameter_count()
                    x = torch.randn(4, T, F)
                    recurrent = [p for p in plan.layers if p.kind in _TORCH]
                    width = F
                    for planned, layer in zip(recurrent, layers[::2] if second else layers[:1]):
                        reference = _TORCH[layer["kind"]](width, layer["hidden"], batch_first=True,
                                                          bidirectional=layer.get("bidirectional", False))
                        x = reference(x)[0]
                        assert planned.shape == tuple(x.shape[1:])
                        assert planned.parameters == sum(p.numel() for p in reference.parameters())
                        assert planned.parameters == recurrent_parameters(layer["kind"], width, layer["hidden"],
                                                                          layer.get("bidirectional", False))
                        width = x.shape[2]
                    out = network.module(torch.randn(4, T * F))
                    assert out.shape == (4, 2)


def test_the_module_reads_flat_rows_as_steps_and_answers_from_the_last_step():
    spec = _rnn({"kind": "gru", "hidden": 5})
    network = build_model(spec.model, (6, 2), 1, seed=0)
    gru, output = network.module[1], network.module[3]
    x = torch.randn(3, 12)
    with torch.no_grad():
        expected = output(torch.nn.GRU.forward(gru, x.reshape(3, 6, 2))[0][:, -1])
        torch.testing.assert_close(network.module(x), expected)


def test_weights_are_bit_identical_per_seed_and_telemetry_covers_the_recurrent_weights():
    spec = _rnn({"kind": "lstm", "hidden": 8, "bidirectional": True}, {"kind": "rnn", "hidden": 4},
                {"kind": "linear", "units": 3})
    a, b, c = (build_model(spec.model, (5, 2), 1, seed=s) for s in (7, 7, 8))
    for (name, x), (_, y), (_, z) in zip(a.module.state_dict().items(), b.module.state_dict().items(),
                                         c.module.state_dict().items()):
        assert torch.equal(x, y), name
    assert not all(torch.equal(x, z) for x, z in zip(a.module.state_dict().values(), c.module.state_dict().values()))
    groups = a.parameter_groups()
    assert [g.label for g in groups] == ["lstm 1", "rnn 1", "hidden 1", "output"]
    assert sum(p.numel() for g in groups for p in g.weights + g.biases) == a.parameter_count()  # every weight
    assert len(groups[0].weights) == 4  # weight_ih and weight_hh, both directions


@pytest.mark.parametrize("layers, field, words", [
    ([{"kind": "lstm", "hidden": 257}], "model.layers.0.hidden", "256"),
    ([{"kind": "lstm"}, {"kind": "gru", "hidden": 0}], "model.layers.1.hidden", "1"),
    ([{"kind": "rnn", "activation": "gelu"}], "model.layers.0.activation", "relu"),
    ([{"kind": "conv"}], "model.layers.0.kind", "lstm"),
])
def test_bad_settings_are_refused_naming_the_layer(layers, field, words):
    with pytest.raises(SpecError) as refused:
        _rnn(*layers)
    assert refused.value.errors[0][0] == field and words in refused.value.errors[0][1]


def test_a_plan_refuses_what_cannot_be_built_naming_the_layer():
    late = plan_model(_rnn({"kind": "linear", "units": 4}, {"kind": "lstm"}).model, (10, 1), 1)
    assert ("model.layers.1", "layer 2 (LSTM) needs a sequence, but it comes after a dense layer: move it above "
            "the dense layers") in late.problems
    assert any(f == "model.layers" and "at least one RNN, LSTM or GRU" in m for f, m in late.problems)
    flat = plan_model(_rnn({"kind": "lstm"}).model, (64,), 10)
    assert flat.problems[0][0] == "model.family" and "sequence" in flat.problems[0][1]
    big = plan_model(_rnn(*[{"kind": "lstm", "hidden": 256, "bidirectional": True}] * 3).model, (10, 1), 1)
    assert any(f == "model.layers" and "limit" in m for f, m in big.problems)
    with pytest.raises(SpecError):
        build_model(_rnn({"kind": "linear", "units": 4}, {"kind": "lstm"}).model, (10, 1), 1, seed=0)


def test_sequence_data_feeds_the_family_and_a_cnn_refuses_it():
    spec = get_preset("parity-gru")
    ds = load_dataset(spec.data)
    assert data_inputs(spec.model, ds) == (8, 1)
    cnn = spec.with_overrides(**{"model.family": "cnn", "model.layers": [{"kind": "conv"}]})
    assert plan_model(cnn.model, data_inputs(cnn.model, ds), 1).problems[0][0] == "model.family"
    on_points = Spec().with_overrides(**{"model.family": "rnn"})  # the circle's 2 numbers are no sequence
    field, message = plan_model(on_points.model, (2,), 1).problems[0]
    assert field == "model.family" and all(GENERATORS[name].label.removesuffix(" (sequences)") in message
                                           for name in SEQUENCES)


# --------------------------------------------------------------------------- learning

def test_on_adding_the_lstm_gets_far_below_the_mean_where_the_plain_rnn_stays():
    """...and the gradient through time shows why: of what reaches the last step's hidden state,
    a plain RNN passes on ~1% to the first step (where a marked value may be), an LSTM ~30%."""
    losses, reach = {}, {}
    for name in ("adding-rnn", "adding-lstm"):
        trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu"}))
        trainer.run(10**9)
        losses[name] = trainer.history.records[-1].test_loss  # standardised: predicting the mean scores ~1
        norms = trainer.compute_visuals().family.layers[0].grad_norms[0]  # (T,) |dL/dh_t|
        reach[name] = norms[0] / norms[-1]
    assert losses["adding-rnn"] > 0.8
    assert losses["adding-lstm"] < 0.05 < 0.1 * losses["adding-rnn"]
    assert reach["adding-lstm"] > 0.1 and reach["adding-rnn"] < 0.1 * reach["adding-lstm"]


def test_patterns_lstm_names_the_pattern_where_a_plain_rnn_stalls():
    accuracy = {}
    for kind in ("lstm", "rnn"):
        spec = get_preset("patterns-lstm").with_overrides(**{"train.device": "cpu", "train.epochs": 6,
                                                            "model.layers.0.kind": kind})
        trainer = Trainer(spec)
        trainer.run(10**9)
        accuracy[kind] = trainer.history.records[-1].test_metric
    assert accuracy["lstm"] > 0.9 and accuracy["rnn"] < 0.8


def test_sine_rnn_predicts_the_next_value_better_than_repeating_the_last():
    spec = get_preset("sine-rnn").with_overrides(**{"train.device": "cpu"})
    trainer = Trainer(spec)
    trainer.run(10**9)
    ds = trainer.dataset
    trainer.module.eval()
    with torch.no_grad():
        predicted = trainer.head.predict(trainer.module(torch.as_tensor(ds.x_test))).numpy().ravel()
    last = ds.featurize.unstandardize(ds.x_test)[:, -1]  # the last noisy sample, in the data's units
    model_error = np.mean((predicted - ds.y_test) ** 2)
    assert model_error < 0.5 * np.mean((last - ds.y_test) ** 2)
