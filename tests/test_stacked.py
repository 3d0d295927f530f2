"""Stacked training (train/stacked.py): K trainers of one dense network trained as one network give
the numbers K separate runs give, within float tolerance, with every trainer's own optimizer,
penalty, clipping, schedule, divergence and early stopping; what cannot stack says why.

Tolerances: a batched matmul sums in another order than a single one, so the runs differ from
step 2 by ~1e-9, and training amplifies that slowly (SGD with momentum on the circle: 1e-6
after 100 steps, then chaotically). The comparisons run a few epochs, where both agree to ~1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core.spec import Spec
from playground.lab.contestants import parse_contestants
from playground.lab.race import Race
from playground.train.stacked import StackedTrainers, why_not_stackable
from playground.train.trainer import Diverged, Trainer

SMALL = {"data.n_samples": 200, "train.epochs": 4, "train.batch_size": 10}  # 100 training points, 40 steps
ALL_OPTIMIZERS = ("sgd,momentum,nesterov,adam:lr=0.01,adamw:lr=0.01:weight_decay=0.1,rmsprop:lr=0.01,"
                  "adagrad,adadelta:lr=1,nadam:lr=0.01")


def specs_for(text: str, **overrides) -> list[Spec]:
    base = Spec().with_overrides(**{**SMALL, **overrides})
    return [base.with_overrides(**{"train.optimizer": c.optimizer.to_dict()}) for c in parse_contestants(text)]


def weights(trainer: Trainer) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in trainer.module.parameters()])


def records(trainer: Trainer) -> np.ndarray:
    """(R, 6 + 4G): step, learning rate, the four scores and the layer statistics of every record."""
    return np.array([(r.step, r.lr, r.train_loss, r.test_loss, r.train_metric, r.test_metric, *r.layer_stats.ravel())
                     for r in trainer.history.records])


def train_both(specs: list[Spec]) -> tuple[list[Trainer], list[Trainer], dict[int, Diverged]]:
    """The same specs trained separately and stacked, to the end (or divergence)."""
    alone = [Trainer(s) for s in specs]
    alone_errors = {}
    for i, t in enumerate(alone):
        try:
            t.run(10**9)
        except Diverged as err:
            alone_errors[i] = err
    stacked = [Trainer(s) for s in specs]
    group = StackedTrainers(stacked)
    errors: dict[int, Diverged] = {}
    while True:
        active = [i for i, t in enumerate(stacked) if i not in errors and not t.finished]
        if not active:
            break
        errors.update(group.step(active))
    assert errors.keys() == alone_errors.keys()
    for i in errors:  # at the same step, with the same message
        assert (errors[i].step, str(errors[i])) == (alone_errors[i].step, str(alone_errors[i]))
    return alone, stacked, errors


def assert_same_runs(alone: list[Trainer], stacked: list[Trainer], atol: float = 1e-5) -> None:
    for a, b in zip(alone, stacked):
        assert b.step == a.step
        torch.testing.assert_close(weights(b), weights(a), atol=atol, rtol=1e-4)
        ra, rb = records(a), records(b)
        assert ra.shape == rb.shape
        np.testing.assert_allclose(rb, ra, atol=atol, rtol=1e-4)


def test_every_optimizer_in_a_stack_matches_its_separate_run():
    alone, stacked, errors = train_both(specs_for(ALL_OPTIMIZERS))
    assert not errors
    assert_same_runs(alone, stacked)
    # sgd, momentum and nesterov share one SGD (a param group each); the others have their own.
    assert len({id(t.optimizer) for t in stacked}) == 7
    # The runs really differ from each other (the test is not comparing one run nine times).
    finals = {round(t.history.records[-1].train_loss, 4) for t in stacked}
    assert len(finals) >= 8


@pytest.mark.parametrize("overrides", [
    {"train.l1": 0.001, "train.l2": 0.01, "train.grad_clip": 0.5},
    {"train.schedule": {"name": "cosine"}},
    {"data.name": "blobs", "model.layers": [{"kind": "linear", "units": 6, "activation": "relu"},
                                            {"kind": "layernorm"}, {"kind": "dropout", "p": 0.0},
                                            {"kind": "linear", "units": 5, "activation": "gelu"}]},
    {"data.name": "sine", "train.loss": "huber"},
], ids=["penalties-and-clipping", "schedule", "multiclass-layernorm", "regression"])
def test_stacked_runs_match_separate_runs_with_each_training_setting(overrides):
    alone, stacked, errors = train_both(specs_for("sgd,adam:lr=0.01,rmsprop:lr=0.003", **overrides))
    assert not errors
    assert_same_runs(alone, stacked)


def test_each_row_keeps_its_own_penalty_and_epochs():
    # Two Adam rows share one optimizer; the one that ends first must not move on with its momentum.
    base = specs_for("sgd,adam:lr=0.01,adam:lr=0.03")
    specs = [base[0], base[1].with_overrides(**{"train.l2": 0.05}),
             base[2].with_overrides(**{"train.l1": 0.01, "train.epochs": 2})]
    alone, stacked, _ = train_both(specs)
    assert_same_runs(alone, stacked)
    assert [t.step for t in stacked] == [40, 40, 20]


def test_a_diverging_row_leaves_the_others_untouched():
    # sgd at lr 10 on the sine regression blows up within a few steps; the others train on.
    alone, stacked, errors = train_both(specs_for("sgd:lr=10,adam:lr=0.01,sgd", **{"data.name": "sine"}))
    assert list(errors) == [0]
    assert str(errors[0]).startswith("Training diverged") and "try 1" in str(errors[0])
    assert_same_runs(alone[1:], stacked[1:])
    assert stacked[1].finished and stacked[2].finished


def test_early_stopping_ends_one_row_at_the_epoch_it_ends_alone():
    specs = specs_for("sgd:lr=1,adam:lr=0.01", **{"train.epochs": 60, "train.early_stopping_patience": 3,
                                                    "telemetry.every_steps": 10, "data.noise": 0.5})
    alone, stacked, _ = train_both(specs)
    stopped = [t for t in alone if t.stop_reason]
    assert stopped, "the setting is meant to stop at least one run early"
    for a, b in zip(alone, stacked):
        assert b.stop_reason == a.stop_reason and b.step == a.step
    assert_same_runs(alone, stacked, atol=1e-4)


def test_the_modules_read_the_stacked_weights_and_gradients():
    stacked = [Trainer(s) for s in specs_for("sgd,adam:lr=0.01")]
    group = StackedTrainers(stacked)
    for _ in range(5):
        group.step([0, 1])
    for i, t in enumerate(stacked):
        torch.testing.assert_close(weights(t), group.values[i], atol=0, rtol=0)
        grads = torch.cat([p.grad.reshape(-1) for p in t.module.parameters()])
        torch.testing.assert_close(grads, group.grads[i], atol=0, rtol=0)
        assert grads.abs().sum() > 0
    # What a run saves is its own weights, of the shapes a separate run saves.
    state = stacked[1].system.state_dict()
    assert state["0.weight"].shape == (4, 2)
    torch.testing.assert_close(torch.cat([v.reshape(-1) for v in state.values()]), group.values[1])


@pytest.mark.parametrize("overrides, reason", [
    ({"model.layers": [{"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.3}]}, "Dropout"),
    ({"model.layers": [{"kind": "linear", "units": 8}, {"kind": "batchnorm"}]}, "BatchNorm1d"),
    ({"data.name": "digits", "model.family": "cnn"}, "only dense networks"),
])
def test_what_does_not_stack_says_why(overrides, reason):
    trainers = [Trainer(s) for s in specs_for("sgd,adam", **overrides)]
    assert reason in why_not_stackable(trainers)
    with pytest.raises(ValueError, match=reason):
        StackedTrainers(trainers)


def test_networks_of_other_widths_stack_padded_and_match_their_separate_runs():
    # Sigmoid and softplus are not 0 at 0: a padded unit's output would leak without the zero
    # weights out of it and the masked gradients that keep them zero.
    layers = [{"kind": "linear", "units": 3, "activation": "sigmoid"}, {"kind": "linear", "units": 2,
                                                                         "activation": "softplus"}]
    base = specs_for("adam:lr=0.01", **{"model.layers": layers})[0]
    specs = [base, base.with_overrides(**{"model.layers.0.units": 8, "train.optimizer.name": "sgd",
                                          "train.optimizer.lr": 0.3}),
             base.with_overrides(**{"model.layers.1.units": 5, "train.optimizer.name": "rmsprop",
                                    "train.optimizer.lr": 0.01, "train.l2": 0.01})]
    alone, stacked, errors = train_both(specs)
    assert not errors
    assert_same_runs(alone, stacked)
    assert [tuple(t.module[0].weight.shape) for t in stacked] == [(3, 2), (8, 2), (3, 2)]
    group = StackedTrainers([Trainer(s) for s in specs])
    for _ in range(20):
        group.step([0, 1, 2])
    padding = group.values[group._mask == 0]
    assert padding.numel() > 0 and torch.count_nonzero(padding) == 0


def test_other_layers_layernorm_widths_or_batches_do_not_stack():
    a = Trainer(specs_for("sgd")[0])
    deeper = Trainer(specs_for("sgd", **{"model.layers.2.units": 3})[0])
    norm = [{"kind": "linear", "units": 4}, {"kind": "layernorm"}]
    normed = [Trainer(specs_for("sgd", **{"model.layers": norm, "model.layers.0.units": u})[0]) for u in (4, 6)]
    other_batch = Trainer(specs_for("sgd", **{"train.batch_size": 20})[0])
    assert "same layers" in why_not_stackable([a, deeper])
    assert "LayerNorm" in why_not_stackable(normed)
    assert "batch size" in why_not_stackable([a, other_batch])
    assert "at least two" in why_not_stackable([a])


def test_a_race_of_dense_networks_is_stacked_and_one_with_dropout_is_not():
    race = Race(specs_for("sgd")[0], parse_contestants("sgd,adam"))
    assert race.stacked is not None
    dropout = specs_for("sgd", **{"model.layers": [{"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.3}]})
    assert Race(dropout[0], parse_contestants("sgd,adam")).stacked is None
