"""Presets: each is a valid spec, round-trips, and really shows what its description promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.params import SpecError
from playground.core.presets import PRESETS, VIEW_OPTIONS, Preset, _preset, get_preset
from playground.core.spec import Spec
from playground.train.trainer import Trainer

TF_LIKE = ("circle", "xor", "gauss", "spiral")
REQUIRED = (*TF_LIKE, "moons", "digits-mlp", "sine-regression", "vanishing-sigmoid", "overfit")


def train(spec: Spec) -> Trainer:
    trainer = Trainer(spec)
    trainer.run(trainer.total_steps)
    return trainer


# --------------------------------------------------------------------------- the table

def test_required_presets_exist_in_menu_order():
    assert all(name in PRESETS for name in REQUIRED)
    assert list(PRESETS)[:4] == list(TF_LIKE)


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_is_a_valid_spec_with_a_one_line_description(name):
    preset = PRESETS[name]
    assert isinstance(preset, Preset) and preset.name == name
    assert preset.description.strip() and "\n" not in preset.description
    assert isinstance(preset.spec, Spec)
    assert get_preset(name) == preset.spec
    assert Spec.from_json(preset.spec.to_json()) == preset.spec


@pytest.mark.parametrize("name", TF_LIKE)
def test_tf_playground_like_presets(name):
    spec = get_preset(name)
    assert spec.data.train_fraction == 0.5
    assert spec.train.optimizer.name == "sgd" and spec.train.batch_size == 10
    assert all(layer["activation"] == "tanh" for layer in spec.model.layers)
    assert max(spec.hidden_widths) <= 16


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_draws_its_pictures_after_a_step(name):
    """The pictures the page draws (the family's own views among them) build for every preset's
    data and network: a CNN's images, a recurrent network's sequences, five classes or one value."""
    trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu"}))
    trainer.train_step()
    visuals = trainer.compute_visuals()
    family = trainer.spec.model.family
    assert (visuals.family is None) == (family == "mlp"), f"{family} views: {type(visuals.family).__name__}"
    # a GAN's generator predicts nothing for the test points (its system does not answer the inputs)
    assert len(visuals.test_pred) == (len(trainer.dataset.y_test) if trainer.system.answers_inputs else 0)


def test_unknown_preset_names_the_field_and_the_choices():
    with pytest.raises(SpecError) as info:
        get_preset("no-such-preset")
    (field, message), = info.value.errors
    assert field == "preset"
    assert "no-such-preset" in message
    assert all(name in message for name in PRESETS)


def test_a_preset_sets_every_view_option_and_only_known_ones():
    assert PRESETS["digits-mlp"].view_settings()["loss_log"] is True  # its lesson is a small late rise
    assert PRESETS["circle"].view_settings() == {name: default for name, (default, _) in VIEW_OPTIONS.items()}
    with pytest.raises(ValueError, match="unknown view option.*loss_log"):
        _preset("bad", "A preset with a view option nobody draws.", view={"log_loss": True})


# --------------------------------------------------------------------------- behaviours

@pytest.mark.parametrize("name, epochs", [("xor", 60), ("circle", 60)])
def test_xor_and_circle_learn(name, epochs):
    trainer = train(get_preset(name).with_overrides(**{"train.epochs": epochs}))
    assert trainer.history.records[-1].test_metric >= 0.9


@pytest.mark.parametrize("name, threshold", [
    ("gauss", 0.95), ("spiral", 0.9), ("moons", 0.93), ("blobs", 0.95), ("digits-mlp", 0.93),
    ("sine-regression", 0.9),  # R²
])
def test_preset_learns_its_task(name, threshold):
    trainer = train(get_preset(name))
    assert trainer.history.records[-1].test_metric >= threshold


def test_digits_cnn_learns_the_digits_and_beats_the_matched_mlp():
    """digits-cnn's promise (the issue asks >= 0.95), and the comparison its twin preset sets up:
    the same digits, training and a parameter count within 5%, the CNN ahead on the test set."""
    cnn, mlp = train(get_preset("digits-cnn")), train(get_preset("digits-mlp-matched"))
    assert cnn.network.parameter_count() == 3658 and abs(mlp.network.parameter_count() / 3658 - 1) < 0.05
    cnn_acc, mlp_acc = cnn.history.records[-1].test_metric, mlp.history.records[-1].test_metric
    assert cnn_acc >= 0.95 and cnn_acc > mlp_acc, (cnn_acc, mlp_acc)


@pytest.mark.parametrize(("name", "epochs", "floor"), [
    # Measured after these epochs over data/train seeds 0-4: shapes 0.88-0.92, fashion 0.77-0.80
    # (chance: 0.2 and 0.1). The full presets reach shapes 0.92-0.97, fashion 0.81-0.85.
    ("shapes-cnn", 5, 0.85),
    ("fashion-cnn", 4, 0.72),
])
def test_image_cnn_presets_learn_their_images(name, epochs, floor):
    """A few epochs already get far above chance, on the CNN's own (C, H, W) view of the pixels."""
    spec = get_preset(name).with_overrides(**{"train.epochs": epochs})
    trainer = train(spec)
    assert spec.model.family == "cnn" and trainer.dataset.image_shape is not None
    acc = trainer.history.records[-1].test_metric
    assert acc >= floor, acc


def test_vanishing_sigmoid_first_layer_gradient_is_tiny():
    spec = get_preset("vanishing-sigmoid").with_overrides(**{"telemetry.every_steps": 1})
    trainer = Trainer(spec)
    trainer.run(5)
    stats = trainer.history.records[-1].layer_stats  # (L, 4): grad_norm first
    assert stats.shape[0] == len(spec.model.layers) + 1
    first, last = stats[0, 0], stats[-1, 0]
    assert first > 0 and last >= 100 * first


def test_overfit_test_loss_rises_while_train_loss_falls():
    trainer = train(get_preset("overfit"))
    records = trainer.history.records
    test_loss = np.array([r.test_loss for r in records])
    train_loss = np.array([r.train_loss for r in records])
    best = int(test_loss.argmin())
    assert best < len(records) // 2  # the best test loss comes early...
    assert test_loss[-1] > 1.5 * test_loss.min()  # ...and then it climbs
    assert train_loss[-1] < 0.05 and train_loss[-1] <= train_loss.min() + 0.01  # while train loss keeps falling
    assert records[-1].train_metric == 1.0


def test_symmetry_zeros_units_stay_identical_and_learn_nothing():
    spec = get_preset("symmetry-zeros")
    trainer = train(spec)
    for layer in trainer.dense[:-1]:
        w = layer.weight.detach()
        assert torch.equal(w, w[:1].expand_as(w)), "every unit of a layer has the same weights"
        assert torch.equal(layer.bias, layer.bias[:1].expand_as(layer.bias))
    assert trainer.history.records[-1].test_metric <= 0.6
    # The same network with the default initialisation does learn the circle.
    fixed = train(spec.with_overrides(**{"model.init": "default"}))
    assert fixed.history.records[-1].test_metric >= 0.9
