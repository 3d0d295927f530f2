"""Every lesson's point really happens: each lesson's preset and each of its "try this" changes is
trained headless from its seed, and what the lesson's text says is checked (the curve rises, the
gradient shrinks, the run diverges, ...). The texts promise these; a change to a preset that breaks
a lesson fails here."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.lessons import LESSONS, Lesson, get_lesson
from playground.core.params import SpecError
from playground.core.presets import PRESETS, get_preset
from playground.train.trainer import Diverged, Trainer

LN2 = float(np.log(2))


def trained(lesson: str, attempt: int | None = None) -> Trainer:
    trainer = Trainer(get_lesson(lesson).spec(attempt).with_overrides(**{"train.device": "cpu"}))
    trainer.run(trainer.total_steps)
    return trainer


def last(trainer: Trainer):
    return trainer.history.records[-1]


def grad_norms(trainer: Trainer) -> np.ndarray:
    """(L,) each dense layer's gradient norm at the last record, input side first."""
    return trainer.history.records[-1].layer_stats[:, 0]


def test_every_lesson_opens_on_a_preset_and_every_change_is_a_valid_run():
    assert len(LESSONS) >= 12
    for lesson in LESSONS.values():
        assert lesson.preset in PRESETS and lesson.spec() == get_preset(lesson.preset)
        assert 3 <= lesson.idea.count(". ") + 1 <= 6, f"{lesson.slug}: 3-6 sentences"
        assert lesson.tab in ("Curves", "Weights", "Gradients", "Neurons", "Evaluation") and lesson.watch
        assert lesson.tries, f"{lesson.slug} has nothing to try"
        for i, attempt in enumerate(lesson.tries):
            assert lesson.spec(i) != lesson.spec(), f"{lesson.slug}: {attempt.label!r} changes nothing"
            assert attempt.label and attempt.expect


def test_an_unknown_lesson_is_refused_naming_the_choices():
    with pytest.raises(SpecError) as caught:
        get_lesson("quantum-networks")
    assert caught.value.errors[0][0] == "lesson" and "neurons" in str(caught.value)


def test_neurons_one_edge_cannot_enclose_the_disc_three_can():
    assert last(trained("neurons")).test_metric > 0.95
    one = last(trained("neurons", 0))
    assert one.train_loss > 0.95 * LN2 and one.test_metric < 0.7
    assert last(trained("neurons", 1)).test_metric > 0.95


def test_activations_linear_cannot_bend_sigmoid_is_slow_few_relus_die():
    tanh = last(trained("activations"))
    assert tanh.test_metric > 0.95
    assert last(trained("activations", 0)).train_loss > 0.95 * LN2  # linear
    assert last(trained("activations", 1)).train_loss > 0.95 * LN2  # sigmoid, 100 epochs
    relu = trained("activations", 2)
    assert last(relu).test_metric < tanh.test_metric - 0.2
    units = relu.compute_visuals().neurons[0].reshape(4, -1)  # the first layer's units over the plane
    assert (units > 0).mean(axis=1).min() < 0.2, "a unit on over a sliver of the plane only"
    wider = Trainer(get_lesson("activations").spec(2).with_overrides(**{
        "train.device": "cpu", "model.layers.0.units": 8, "model.layers.1.units": 8}))
    wider.run(wider.total_steps)
    assert last(wider).test_metric > 0.95  # "give it 8 and 8 units and it learns"


def fitted_line(trainer: Trainer) -> tuple[float, float]:
    """(slope, intercept) of a 1-D model's prediction, read at x = -5 and x = 5."""
    x = torch.as_tensor(trainer.dataset.featurize(np.array([[-5.0], [5.0]])))
    with torch.no_grad():
        y = trainer.head.predict(trainer.module.eval()(x)).numpy()
    slope = float(y[1] - y[0]) / 10
    return slope, float(y[0]) + 5 * slope


def test_losses_squared_errors_follow_the_outliers_absolute_ones_the_line():
    mse_slope, mse_intercept = fitted_line(trained("losses"))
    assert mse_slope > 0.7 and mse_intercept > 1.6  # dragged up towards the outliers on the right
    mae = trained("losses", 0)
    slope, intercept = fitted_line(mae)
    assert abs(slope - 0.5) < 0.05 and abs(intercept - 1.0) < 0.1  # on the row: y = 0.5x + 1
    assert last(mae).test_metric < last(trained("losses")).test_metric  # R² prefers MSE's line, as said
    huber_slope, _ = fitted_line(trained("losses", 1))
    assert slope < huber_slope < mse_slope


def test_backprop_a_ten_times_larger_rate_moves_the_weights_ten_times_as_far():
    moves = []
    for attempt in (None, 0):
        trainer = Trainer(get_lesson("backprop").spec(attempt).with_overrides(**{"train.device": "cpu"}))
        before = [layer.weight.detach().clone() for layer in trainer.dense]
        trainer.train_step()  # the same first batch: the same gradients
        moves.append(torch.cat([(layer.weight.detach() - b).ravel() for layer, b in zip(trainer.dense, before)]))
    torch.testing.assert_close(moves[1], 10 * moves[0], rtol=1e-4, atol=1e-7)
    assert get_lesson("backprop").panel == "backprop"  # the numbers: tests/test_backprop.py


def test_learning_rate_too_small_creeps_too_large_diverges_with_a_message():
    good = last(trained("learning-rate"))
    assert good.test_metric > 0.95  # R²
    assert last(trained("learning-rate", 0)).test_loss > 5 * good.test_loss
    with pytest.raises(Diverged) as caught:
        trained("learning-rate", 1)
    assert "learning rate" in str(caught.value).lower()


def test_batch_size_full_batch_barely_moves_one_at_a_time_solves_it():
    assert last(trained("batch-size")).test_metric > 0.95
    full = trained("batch-size", 0)
    assert full.step == 100 and last(full).train_loss > 0.95 * LN2
    single = trained("batch-size", 1)
    assert single.step == 30 * 250 and last(single).test_metric > 0.95


def test_optimizers_adam_gets_the_loss_down_sooner():
    sgd, adam = trained("optimizers"), trained("optimizers", 0)
    early = len(sgd.history.records) // 5  # a fifth of the way
    assert adam.history.records[early].train_loss < 0.5 * sgd.history.records[early].train_loss
    assert get_lesson("optimizers").lab


def test_overfitting_test_loss_turns_up_and_early_stopping_stops_after_the_best():
    plain = trained("overfitting")
    test_loss = np.array([r.test_loss for r in plain.history.records])
    assert test_loss.argmin() < len(test_loss) // 2 and test_loss[-1] > 1.5 * test_loss.min()
    stopped = trained("overfitting", 0)
    best = plain.history.records[int(test_loss.argmin())].epoch
    assert stopped.stop_reason and f"best {test_loss.min():.4g} at epoch {best:.0f}" in stopped.stop_reason
    assert stopped.step < plain.step


def test_regularisation_keeps_the_test_loss_down_and_l2_the_weights_small():
    plain = trained("regularisation")
    l2 = trained("regularisation", 0)
    assert last(l2).test_loss < 0.6 * last(plain).test_loss
    size = lambda t: float(sum(layer.weight.detach().abs().sum() for layer in t.dense))  # noqa: E731
    assert size(l2) < 0.5 * size(plain)
    assert last(trained("regularisation", 1)).test_loss < last(plain).test_loss


def test_vanishing_gradients_relu_with_he_init_gets_every_layer_a_gradient():
    sigmoid, relu = trained("vanishing-gradients"), trained("vanishing-gradients", 0)
    first_to_last = lambda t: grad_norms(t)[0] / grad_norms(t)[-1]  # noqa: E731
    assert first_to_last(sigmoid) < 0.01 and last(sigmoid).test_metric < 0.6
    assert first_to_last(relu) > 0.05 and last(relu).test_metric > 0.95


def test_initialisation_zeros_keep_units_identical_random_breaks_the_symmetry():
    zeros = trained("initialisation")
    w = zeros.dense[0].weight.detach()
    assert torch.equal(w, w[:1].expand_as(w)) and last(zeros).train_loss > 0.99 * LN2
    assert last(trained("initialisation", 0)).test_metric > 0.95


def test_normalisation_batch_norm_lets_the_deep_sigmoid_network_learn():
    assert last(trained("normalisation")).train_loss > 0.95 * LN2
    assert last(trained("normalisation", 0)).test_metric > 0.95


def test_gpu_is_timed_on_every_device_and_the_tiny_network_has_far_less_arithmetic():
    """On a machine without a GPU (as CI), the CPU's time alone; the GPU's claims need one to check."""
    from playground.core.devices import available_devices
    from playground.train.device_race import time_on_devices

    wide = time_on_devices(get_lesson("gpu").spec(), steps=20)
    tiny = time_on_devices(get_lesson("gpu").spec(0), steps=20)
    assert [t.device.split()[0] for t in wide] == available_devices()
    cpu_wide, cpu_tiny = wide[-1], tiny[-1]
    assert cpu_wide.device == "cpu" and cpu_wide.steps == 20 and cpu_wide.ms_per_step > 0 < cpu_tiny.seconds
    wide_net, tiny_net = (Trainer(get_lesson("gpu").spec(a)).network.parameter_count() for a in (None, 0))
    assert wide_net > 10 * tiny_net  # "over 10 times less arithmetic an update" (times: no assertion on them)


def test_evaluation_accuracy_hides_the_missed_rare_points_that_recall_shows():
    from playground.charts.evaluation import class_scores

    def rare_scores(trainer: Trainer) -> tuple[float, float]:
        visuals = trainer.compute_visuals()
        return last(trainer).test_metric, class_scores(visuals.test_true, visuals.test_pred, 2)[1, 1]

    line_accuracy, line_recall = rare_scores(trained("evaluation"))
    assert line_accuracy > 0.9 and line_recall < 0.6  # "94% accurate, yet it misses half"
    wrapped_accuracy, wrapped_recall = rare_scores(trained("evaluation", 0))
    assert wrapped_recall > 1.6 * line_recall and wrapped_accuracy - line_accuracy < 0.06


def test_cnn_beats_a_dense_network_of_the_same_size():
    cnn, dense = trained("cnn"), trained("cnn", 0)
    assert dense.network.parameter_count() == pytest.approx(cnn.network.parameter_count(), rel=0.05)
    assert last(cnn).test_metric > last(dense).test_metric


def test_memory_is_the_adding_pair_whose_learning_test_sequences_checks():
    """adding-rnn against adding-lstm: tests/test_sequences.py trains both and checks the lesson's
    claims (the loss, the gradient through time); here, that the lesson's change is that pair."""
    lesson = get_lesson("memory")
    assert lesson.spec() == get_preset("adding-rnn") and lesson.spec(0) == get_preset("adding-lstm")


def test_gan_is_the_ring_against_the_collapse_whose_learning_test_gan_checks():
    """gan-ring against gan-mode-collapse: tests/test_gan.py trains both (most modes against none)."""
    lesson = get_lesson("gan")
    assert lesson.spec() == get_preset("gan-ring") and lesson.spec(0) == get_preset("gan-mode-collapse")


def test_autoencoder_is_the_digits_pair_whose_learning_test_autoencoder_checks():
    """digits-autoencoder against digits-vae: tests/test_autoencoder.py trains both (latent kNN beats
    PCA's, reconstruction beats PCA's; the VAE's prior decodes into digits)."""
    lesson = get_lesson("autoencoder")
    assert lesson.spec() == get_preset("digits-autoencoder") and lesson.spec(0) == get_preset("digits-vae")


def test_attention_without_positions_cannot_reverse():
    assert last(trained("attention")).test_metric > 0.95
    assert last(trained("attention", 0)).test_metric < 0.5


@pytest.mark.parametrize("lesson", list(LESSONS.values()), ids=list(LESSONS))
def test_every_lesson_has_its_check_here(lesson: Lesson):
    """A new lesson needs a test above that trains it and checks what it says."""
    names = {name for name in globals() if name.startswith("test_")}
    assert any(name.startswith(f"test_{lesson.slug.replace('-', '_')}") for name in names)
