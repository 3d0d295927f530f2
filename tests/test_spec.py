"""The spec: round trips (JSON and dotted form) and every kind of validation error."""

import json

import pytest

from playground.core import catalog
from playground.core.params import SpecError
from playground.core.spec import MAX_LAYERS, Spec, layer

VARIED = [
    Spec(),
    Spec().with_overrides(**{
        "data.name": "spiral", "data.noise": 0.25, "data.features": "x1,x2,sin(x1),x1*x2",
        "model.layers": [{"kind": "linear", "units": 8, "activation": "relu"}, {"kind": "dropout", "p": 0.3},
                         {"kind": "batchnorm"}, {"kind": "linear", "units": 3, "activation": "gelu"},
                         {"kind": "layernorm"}],
        "model.init": "kaiming",
        "train.optimizer.name": "adam", "train.optimizer.beta2": 0.98, "train.optimizer.amsgrad": True,
        "train.schedule.name": "onecycle", "train.schedule.pct_start": 0.2,
        "train.l1": 1e-4, "train.grad_clip": 1.5, "train.early_stopping_patience": 5,
    }),
    Spec().with_overrides(**{"data.name": "iris", "model.layers": [], "train.optimizer.name": "adadelta"}),
]


@pytest.mark.parametrize("spec", VARIED)
def test_json_round_trip_is_exact(spec):
    text = spec.to_json()
    assert Spec.from_json(text) == spec
    assert json.loads(text) == spec.to_dict()


@pytest.mark.parametrize("spec", VARIED)
def test_flat_round_trip_is_exact(spec):
    flat = spec.to_flat()
    assert all(isinstance(v, str) for v in flat.values())  # URL- and CLI-ready
    assert Spec.from_flat(flat) == spec
    # Applying a spec's flat form on top of any other base gives the spec back too.
    assert Spec.from_flat(flat, base=VARIED[1]).to_dict()["train"] == spec.to_dict()["train"]


def test_every_optimizer_and_schedule_round_trips_with_defaults():
    for name, option in catalog.OPTIMIZERS.items():
        spec = Spec().with_overrides(**{"train.optimizer.name": name})
        assert spec.train.optimizer.params == {p.name: p.default for p in option.params}
        assert Spec.from_flat(spec.to_flat()) == spec
    for name in catalog.SCHEDULES:
        spec = Spec().with_overrides(**{"train.schedule.name": name})
        assert Spec.from_json(spec.to_json()) == spec


def test_switching_optimizer_starts_from_its_defaults_unless_given():
    spec = Spec().with_overrides(**{"train.optimizer.name": "adadelta"})
    assert spec.train.optimizer["lr"] == 1.0
    spec = Spec().with_overrides(**{"train.optimizer.name": "adam", "train.optimizer.lr": "0.005"})
    assert spec.train.optimizer["lr"] == 0.005


def test_layer_edits_by_index_and_append():
    spec = Spec().with_overrides(**{"model.layers.1.units": "7", "model.layers.2.kind": "dropout"})
    assert [c.name for c in spec.model.layers] == ["linear", "linear", "dropout"]
    assert spec.model.layers[1]["units"] == 7
    assert spec.model.layers[2]["p"] == 0.2  # defaults filled in


def test_string_values_that_look_like_numbers_survive_the_flat_form():
    spec = Spec().with_overrides(**{"data.label_column": "2024"})
    assert spec.to_flat()["data.label_column"] == '"2024"'
    assert Spec.from_flat(spec.to_flat()).data.label_column == "2024"


@pytest.mark.parametrize("overrides, field, words", [
    ({"train.optimizer.lr": "-1"}, "train.optimizer.lr", "between 1e-06 and 10"),
    ({"train.optimizer.lr": "fast"}, "train.optimizer.lr", "must be a number"),
    ({"train.batch_size": "0"}, "train.batch_size", "between 1 and 4096"),
    ({"train.batch_size": "2.5"}, "train.batch_size", "integer"),
    ({"train.epochs": "100000"}, "train.epochs", "between 1 and 10000"),
    ({"data.n_samples": "5"}, "data.n_samples", "between 10 and 20000"),
    ({"data.noise": "nan"}, "data.noise", "finite"),
    ({"data.train_fraction": "1"}, "data.train_fraction", "between 0.05 and 0.95"),
    ({"data.standardize": "maybe"}, "data.standardize", "true or false"),
    ({"data.features": "x1,x3"}, "data.features", "unknown name 'x3'"),
    ({"data.features": "[]"}, "data.features", "at least one"),
    ({"data.colour": "red"}, "data.colour", "unknown setting"),
    ({"nonsense.key": "1"}, "nonsense.key", "keys start with one of data, model, train, telemetry"),
    ({"train.loss": "hinge"}, "train.loss", "one of auto, mse"),
    ({"train.device": "tpu"}, "train.device", "one of auto, cpu, cuda, mps"),
    ({"train.optimizer.name": "lbfgs"}, "train.optimizer.name", "choose one of sgd, adam"),
    ({"train.optimizer.nesterov": "true"}, "train.optimizer.nesterov", "needs momentum above 0"),
    ({"train.optimizer.name": "adam", "train.optimizer.momentum": "0.9"}, "train.optimizer.momentum",
     "unknown setting for Adam"),
    ({"train.schedule.name": "step", "train.schedule.gamma": "2"}, "train.schedule.gamma", "between 0 and 1"),
    ({"model.layers.0.units": "0"}, "model.layers.0.units", "between 1 and 256"),
    ({"model.layers.0.activation": "swishy"}, "model.layers.0.activation", "one of relu"),
    ({"model.layers.0.kind": "conv9d"}, "model.layers.0.kind", "choose one of linear, dropout"),
    ({"model.layers.5.units": "3"}, "model.layers.5.units", "out of range"),
    ({"model.layers": "[" + ",".join(['{"kind": "linear"}'] * (MAX_LAYERS + 1)) + "]"}, "model.layers",
     f"at most {MAX_LAYERS}"),
    ({"model.init": "ones"}, "model.init", "one of default, zeros"),
    ({"telemetry.histogram_bins": "1000"}, "telemetry.histogram_bins", "between 4 and 100"),
])
def test_bad_values_name_the_field_and_the_allowed_range(overrides, field, words):
    with pytest.raises(SpecError) as caught:
        Spec().with_overrides(**overrides)
    fields = [f for f, _ in caught.value.errors]
    assert field in fields, caught.value.errors
    assert words in str(caught.value)


def test_all_errors_are_reported_at_once():
    with pytest.raises(SpecError) as caught:
        Spec.from_dict({"train": {"batch_size": 0, "epochs": 0, "optimizer": {"name": "sgd", "lr": 99}}})
    fields = {f for f, _ in caught.value.errors}
    assert {"train.batch_size", "train.epochs", "train.optimizer.lr"} <= fields


def test_bad_json_and_bad_shapes_are_spec_errors():
    with pytest.raises(SpecError, match="not valid JSON"):
        Spec.from_json("{ nope")
    with pytest.raises(SpecError, match="unknown section"):
        Spec.from_dict({"trian": {}})
    with pytest.raises(SpecError, match="must be an object"):
        Spec.from_dict({"data": [1, 2]})
    with pytest.raises(SpecError, match="list of layers"):
        Spec.from_dict({"model": {"layers": 3}})


def test_layer_helper_validates():
    assert layer("linear", units=3)["activation"] == "tanh"
    with pytest.raises(SpecError, match="units"):
        layer("linear", units=-3)


def test_flat_form_of_a_spec_with_fewer_layers_than_its_base_round_trips():
    one_layer = Spec().with_overrides(**{"model.layers": [{"kind": "linear", "units": 2}]})
    assert Spec.from_flat(one_layer.to_flat()) == one_layer  # base has two layers


def test_flat_errors_of_both_kinds_are_reported_together():
    with pytest.raises(SpecError) as caught:
        Spec().with_overrides(**{"train.foo": "1", "train.optimizer.lr": "-1"})
    assert {f for f, _ in caught.value.errors} == {"train.foo", "train.optimizer.lr"}


def test_a_layer_without_kind_is_dense_and_a_missing_optimizer_name_is_named():
    spec = Spec.from_dict({"model": {"layers": [{"units": 16}]}})
    assert spec.model.layers[0].name == "linear" and spec.model.layers[0]["units"] == 16
    with pytest.raises(SpecError, match="train.optimizer.name: missing; choose one of sgd"):
        Spec.from_dict({"train": {"optimizer": {"lr": 0.1}}})


def test_batchnorm_with_batches_of_one_is_refused():
    with pytest.raises(SpecError, match="train.batch_size: BatchNorm needs batches of at least 2"):
        Spec().with_overrides(**{"train.batch_size": 1, "model.layers.1.kind": "batchnorm"})
