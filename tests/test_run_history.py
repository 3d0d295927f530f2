"""The runs a page remembers (train/run_history.py): kept once each, the last KEEP of them, curves
thinned, and what differed from the current settings said in the old run's own values."""

from __future__ import annotations

from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.train import run_history
from playground.train.run_history import RunHistory, differences
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer


def _snap(trainer: Trainer, status: str = "paused"):
    return take_snapshot(trainer, status, "")


def test_a_run_is_kept_once_with_its_curve_and_not_before_its_first_step():
    spec = Spec().with_overrides(**{"telemetry.every_steps": 1})
    trainer = Trainer(spec)
    history = RunHistory()
    assert history.keep(spec, _snap(trainer)) is None  # step 0: nothing to compare
    trainer.run(30)
    kept = history.keep(spec, _snap(trainer, "done"))
    assert kept.number == 1 and kept.step == 30 and kept.status == "done"
    assert list(kept.curve.columns) == ["step", "epoch", "train_loss", "test_loss", "train_acc", "test_acc"]
    assert history.keep(spec.with_overrides(**{"train.optimizer.lr": 0.5}), _snap(trainer)) is None  # the same run
    trainer.run(1)
    assert history.keep(spec, _snap(trainer)).number == 2


def test_only_the_last_runs_are_kept_and_long_curves_are_thinned(monkeypatch):
    monkeypatch.setattr(run_history, "MAX_POINTS", 10)
    spec = Spec().with_overrides(**{"telemetry.every_steps": 1})
    history = RunHistory()
    trainer = Trainer(spec)
    for _ in range(run_history.KEEP + 3):
        trainer.run(5)
        history.keep(spec, _snap(trainer))
    assert [r.number for r in history.runs] == list(range(4, run_history.KEEP + 4))
    assert all(len(r.curve) <= 10 for r in history.runs) and history.runs[-1].curve["step"].iloc[0] == 0


def test_differences_name_the_settings_in_the_old_runs_values():
    circle = get_preset("circle")
    assert differences(circle, circle) == ""
    assert differences(circle.with_overrides(**{"train.optimizer.lr": 0.5}), circle) == "train.optimizer.lr 0.5"
    wide = circle.with_overrides(**{"model.layers.0.units": 8, "train.batch_size": 25})
    assert differences(wide, circle) == "train.batch_size 25, layers 8-2"
    many = get_preset("spiral").with_overrides(**{"train.epochs": 7, "train.batch_size": 3, "data.noise": 0.3})
    assert differences(many, circle, limit=2).endswith("more")
