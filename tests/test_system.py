"""The training-step seam (train/system.py): a family's system owns its networks, optimizers and
step; the trainer does zero_grad, penalties, backward, clipping, the steps, schedules, records and
divergence for any of them. Checked with a system of two networks and two optimizers, as a GAN
will be: a 'critic' trained with its own optimizer to predict the model's batch loss."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from playground import families
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.system import OptimizerPlan, StepTools, SupervisedSystem
from playground.train.trainer import Diverged, Trainer


class CriticSystem(SupervisedSystem):
    """The supervised model, plus a one-weight critic fitted (by its own optimizer, after the
    model's update) to the model's batch loss. Records carry the critic's error on the test split."""

    extra_names = ("critic_error",)
    draws_random_numbers = True  # a little noise on the critic's input, from the run's own generator

    def __init__(self, module, head):
        super().__init__(module, head)
        torch.manual_seed(1)  # the critic's initial weight, the same every time
        self.modules["critic"] = nn.Linear(1, 1).to(next(module.parameters()).device)
        self.calls: list[str] = []
        self.poison_critic = False

    def optimizers(self, choice):
        return [*super().optimizers(choice),
                OptimizerPlan("critic", choice, list(self.modules["critic"].parameters()))]

    def training_step(self, x, t, tools: StepTools):
        losses = super().training_step(x, t, _Spy(tools, self.calls))
        with tools.randomness():
            noise = 1e-3 * torch.randn(1, 1)
        guess = self.modules["critic"](noise + 1.0)[0, 0]
        target = losses["loss"].detach() * (float("nan") if self.poison_critic else 1.0)
        critic_loss = (guess - target) ** 2
        _Spy(tools, self.calls).update("critic", critic_loss)
        return {**losses, "critic_loss": critic_loss}

    def scores(self, x_all, t_all, y_all, n_train):
        four = super().scores(x_all, t_all, y_all, n_train)
        guess = self.modules["critic"](torch.ones(1, 1))[0, 0]
        return torch.cat([four, (guess - four[2]).abs().reshape(1)])


@dataclasses.dataclass
class _Spy:
    tools: StepTools
    calls: list

    def update(self, name, loss):
        self.calls.append(name)
        self.tools.update(name, loss)

    def randomness(self):
        return self.tools.randomness()


@pytest.fixture
def critic_family(monkeypatch):
    mlp = families.FAMILIES["mlp"]
    monkeypatch.setitem(families.FAMILIES, "mlp", dataclasses.replace(mlp, system=CriticSystem))


def spec(**overrides) -> Spec:
    return Spec().with_overrides(**{"train.device": "cpu", "train.epochs": 2, "telemetry.every_steps": 5,
                                    **overrides})


def test_the_supervised_system_is_the_default_for_every_family():
    # the Transformer's TokenSystem is one too, adding sequence accuracy to the records; the GAN, a
    # game of two networks on unlabelled points, and an autoencoder, trained without labels, have
    # their own (tests/test_gan.py, tests/test_autoencoder.py)
    unsupervised = {"autoencoder"}
    assert all(issubclass(f.system, SupervisedSystem) for f in families.FAMILIES.values()
               if not f.generative and f.name not in unsupervised)
    trainer = Trainer(spec())
    assert isinstance(trainer.system, SupervisedSystem) and list(trainer.optimizers) == ["model"]
    assert trainer.system.model is trainer.module


def test_each_optimizer_updates_its_own_network_in_the_systems_order(critic_family):
    trainer = Trainer(spec())
    system = trainer.system
    assert list(trainer.optimizers) == ["model", "critic"]
    assert type(trainer.optimizers["critic"]) is type(trainer.optimizers["model"])  # the spec's choice
    critic_before = [p.detach().clone() for p in system.modules["critic"].parameters()]
    model_before = [p.detach().clone() for p in trainer.module.parameters()]
    trainer.run(3)
    assert system.calls == ["model", "critic"] * 3
    assert all(not torch.equal(a, b) for a, b in zip(critic_before, system.modules["critic"].parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(model_before, trainer.module.parameters()))
    # Each optimizer holds only its own network's parameters.
    critic_ids = {id(p) for p in system.modules["critic"].parameters()}
    assert {id(p) for g in trainer.optimizers["critic"].param_groups for p in g["params"]} == critic_ids
    assert not critic_ids & {id(p) for g in trainer.optimizers["model"].param_groups for p in g["params"]}


def test_records_carry_the_systems_named_extras(critic_family):
    trainer = Trainer(spec())
    trainer.run(10)
    record = trainer.history.records[-1]
    assert record.step == 10 and set(record.scalars) == {"critic_error"}
    with torch.no_grad():  # the critic's error, computed here from the record's own test loss
        guess = trainer.system.modules["critic"](torch.ones(1, 1))[0, 0].item()
    assert record.scalars["critic_error"] == pytest.approx(abs(guess - record.test_loss), rel=1e-5)
    # The four scores are where they always were, and layer statistics follow them.
    assert record.test_loss == pytest.approx(take_snapshot(trainer, "paused", "").history["test_loss"].iloc[-1])
    history = take_snapshot(trainer, "paused", "").history
    assert history["critic_error"].iloc[-1] == record.scalars["critic_error"]
    assert record.layer_stats.shape == (len(trainer.probe.groups), 4)


def test_a_non_finite_second_loss_is_a_divergence_that_names_it(critic_family):
    trainer = Trainer(spec())
    trainer.system.poison_critic = True
    with pytest.raises(Diverged, match="the critic loss became nan"):
        trainer.train_step()


def test_penalties_apply_to_the_measured_weights_each_optimizer_updates(critic_family):
    trainer = Trainer(spec(**{"train.l2": 0.1}))
    clipped, penalized = trainer._updated["critic"]
    assert penalized == []  # the critic is not a measured layer: no L2 on it
    model_clipped, model_penalized = trainer._updated["model"]
    measured = [w for g in trainer.network.parameter_groups() for w in g.weights]
    assert [id(w) for w in model_penalized] == [id(w) for w in measured]
    assert len(model_clipped) == len(list(trainer.module.parameters()))


def test_a_system_drawing_random_numbers_gets_the_runs_own_generator(critic_family):
    """Its noise depends on its seed alone, whatever else draws from torch's global generator."""
    def weights_after_steps(disturb: bool) -> list[torch.Tensor]:
        trainer = Trainer(spec())
        for _ in range(6):
            trainer.train_step()
            if disturb:
                torch.rand(1000)  # another session's model building, say
        return [p.detach().clone() for p in trainer.system.modules["critic"].parameters()]

    assert all(torch.equal(a, b) for a, b in zip(weights_after_steps(False), weights_after_steps(True)))


def test_a_new_optimizer_mid_run_replaces_only_the_first(critic_family):
    trainer = Trainer(spec())
    critic_optimizer = trainer.optimizers["critic"]
    trainer.set_optimizer(spec(**{"train.optimizer": {"name": "adam"}}).train.optimizer)
    assert isinstance(trainer.optimizers["model"], torch.optim.Adam)
    assert trainer.optimizers["critic"] is critic_optimizer
    trainer.run(2)  # and training goes on with both
    assert trainer.system.calls[-2:] == ["model", "critic"]


def test_the_cli_writes_every_networks_weights_and_the_named_extras(critic_family, tmp_path):
    import pandas as pd
    from safetensors.torch import load_file

    from playground.cli.train import write_run

    trainer = Trainer(spec())
    trainer.run(trainer.total_steps)
    write_run(trainer, tmp_path, "done", "", 1.0, 1.0)
    weights = load_file(str(tmp_path / "model.safetensors"))
    assert set(weights) == set(trainer.module.state_dict()) | {"critic.weight", "critic.bias"}
    assert torch.equal(weights["critic.weight"], trainer.system.modules["critic"].weight.detach())
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert "critic_error" in metrics.columns and metrics["critic_error"].notna().all()
