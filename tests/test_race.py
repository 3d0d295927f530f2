"""Optimizer races: identical starts and batches, divergence handled per contestant, honest
results, the threaded runner, the `compare` CLI and the race chart."""

from __future__ import annotations

import contextlib
import io
import math
import time

import numpy as np
import pandas as pd
import pytest
import torch

from playground import charts
from playground.charts.style import OPTIMIZER_COLORS
from playground.cli import main
from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.spec import Spec, optimizer
from playground.lab.contestants import Contestant, contestant, parse_contestants
from playground.lab.race import Race, RaceRunner, results_table
from playground.train.trainer import Trainer
from thread_support import check_interrupted_run, raising_once, thread_ends_when_dropped

SMALL = {"data.n_samples": 200, "train.epochs": 4}  # 100 training points, 10 steps an epoch
DROPOUT = {**SMALL, "model.layers": [{"kind": "linear", "units": 8}, {"kind": "dropout", "p": 0.3},
                                     {"kind": "linear", "units": 4}]}
DIVERGING = {"train.epochs": 3}  # on sine-regression, sgd at lr 10 blows up within a few steps


def small_spec(**overrides) -> Spec:
    return Spec().with_overrides(**{**SMALL, **overrides})


def curve(trainer: Trainer) -> np.ndarray:
    return np.array([(r.step, r.train_loss, r.test_loss, r.train_metric, *r.layer_stats.ravel())
                     for r in trainer.history.records])


# --------------------------------------------------------------------------- contestants

def test_parse_plain_names_aliases_and_settings():
    cs = parse_contestants("sgd, adam ,momentum,nesterov")
    assert [c.label for c in cs] == ["sgd", "adam", "momentum", "nesterov"]
    assert cs[1].optimizer == optimizer("adam")
    assert cs[2].optimizer == optimizer("sgd", momentum=0.9)
    assert cs[3].optimizer == optimizer("sgd", momentum=0.9, nesterov=True)

    cs = parse_contestants("sgd:lr=0.1,momentum:lr=0.05,adam:lr=0.01:beta1=0.8,rmsprop:lr=0.001,centered=true")
    assert [c.label for c in cs] == ["sgd lr=0.1", "momentum lr=0.05", "adam lr=0.01 beta1=0.8",
                                     "rmsprop lr=0.001 centered=true"]
    assert cs[1].optimizer == optimizer("sgd", lr=0.05, momentum=0.9)
    assert cs[2].optimizer["beta1"] == 0.8 and cs[3].optimizer["centered"] is True


def test_duplicates_are_valid_and_labels_made_unique():
    cs = parse_contestants("sgd,sgd,sgd:lr=0.5,sgd")
    assert [c.label for c in cs] == ["sgd", "sgd (2)", "sgd lr=0.5", "sgd (3)"]
    race = Race(small_spec(), [Contestant("x", optimizer("sgd")), Contestant("x", optimizer("adam"))])
    assert race.labels == ["x", "x (2)"]


def test_defaults_apply_unless_given():
    defaults = {"sgd": {"lr": 0.001}, "momentum": {"lr": 0.0005}}
    cs = parse_contestants("sgd,momentum,sgd:lr=0.2,adam", defaults=defaults)
    assert [c.optimizer["lr"] for c in cs] == [0.001, 0.0005, 0.2, 0.001]


@pytest.mark.parametrize("text, fragment", [
    ("sgd,foo", "'foo' is not an optimizer"),
    ("sgd,,adam", "empty name"),
    ("lr=0.1,sgd", "comes before any optimizer name"),
    ("sgd:lr", "is not KEY=VALUE"),
    ("sgd:lr=20", "lr: 20 is out of range"),
    ("adam:momentum=0.9", "momentum: unknown setting"),
    ("sgd:lr=fast", "lr: must be a number"),
    ("nesterov:momentum=0", "Nesterov needs momentum"),
])
def test_bad_contestants_name_the_field(text, fragment):
    with pytest.raises(SpecError) as info:
        parse_contestants(text, field="--optimizers")
    assert info.value.errors[0][0] == "--optimizers"
    assert fragment in info.value.errors[0][1]


@pytest.mark.parametrize("count", [1, 9])
def test_a_race_takes_two_to_eight(count):
    with pytest.raises(SpecError, match="a race takes 2 to 8"):
        Race(small_spec(), [contestant("sgd")] * count)


# --------------------------------------------------------------------------- fairness

def test_every_contestant_starts_from_identical_weights():
    race = Race(small_spec(), parse_contestants("sgd,adam,rmsprop,nesterov"))
    states = [t.module.state_dict() for t in race.trainers]
    assert len(states[0]) == 6  # 3 dense layers: weight + bias each
    for other in states[1:]:
        assert all(torch.equal(states[0][k], other[k]) for k in states[0])
    lone = Trainer(small_spec())
    assert all(torch.equal(states[0][k], v) for k, v in lone.module.state_dict().items())
    assert torch.equal(race.snapshot().initial_parameters, race.snapshot().contestants[2].path[0])


def test_every_contestant_sees_the_identical_batch_sequence():
    race = Race(small_spec(), parse_contestants("sgd,adam,adagrad"))
    lone = Trainer(small_spec())
    seen: dict[int, list[list[int]]] = {}
    for key, trainer in [*enumerate(race.trainers), (-1, lone)]:
        original = trainer._next_batch
        seen[key] = []

        def recording(original=original, log=seen[key]):
            batch = original()
            log.append(batch.tolist())
            return batch

        trainer._next_batch = recording
    race.run(25)  # two and a half epochs: crosses two reshuffles
    lone.run(25)
    assert len(seen[0]) == 25 and sorted(seen[0][0] + sum(seen[0][1:10], [])) == list(range(100))
    assert seen[0] != [sorted(b) for b in seen[0]] or seen[0][0] != seen[0][10]  # really shuffled
    assert seen[0] == seen[1] == seen[2] == seen[-1]


def test_a_watched_chunk_of_rounds_ends_with_a_record_and_a_path_point_for_everyone():
    race = Race(small_spec(**{"train.epochs": 1000}), parse_contestants("sgd,adam"))
    rounds = race.run(10**6, deadline=time.perf_counter() + 0.05, record_last=True)  # cut short by time
    assert 0 < rounds < 10**6
    for entry in race.entries:
        assert entry.trainer.history.records[-1].step == entry.trainer.step == rounds
        assert entry.path.records[-1][0] == rounds  # the landscape's path follows too


def test_same_optimizer_twice_gives_identical_curves_even_with_dropout():
    spec = Spec().with_overrides(**DROPOUT)
    race = Race(spec, parse_contestants("sgd,adam,sgd"))
    race.run(race.total_steps)
    a, b = curve(race.trainers[0]), curve(race.trainers[2])
    np.testing.assert_array_equal(a, b)  # same init, same batches, same dropout masks
    # ... and the same as the optimizer trained alone.
    lone = Trainer(spec)
    lone.run(lone.total_steps)
    np.testing.assert_array_equal(a, curve(lone))
    assert not np.array_equal(a[:, 1], curve(race.trainers[1])[:, 1])


# --------------------------------------------------------------------------- divergence and results

@pytest.fixture(scope="module")
def diverged_race():
    spec = get_preset("sine-regression").with_overrides(**DIVERGING)
    race = Race(spec, parse_contestants("sgd:lr=10,adam,momentum:lr=0.01"))
    race.run(race.total_steps)
    return race


def test_a_diverging_contestant_is_marked_and_the_race_goes_on(diverged_race):
    snap = diverged_race.snapshot()
    bad, adam, momentum = snap.contestants
    assert bad.status == "diverged" and 0 < bad.diverged_step < snap.total_steps
    assert "diverged" in bad.message and "learning rate" in bad.message
    assert bad.step == bad.diverged_step
    for c in (adam, momentum):
        assert c.status == "done" and c.step == snap.total_steps
        assert c.history["step"].iloc[-1] == snap.total_steps
    assert snap.status == "done" and "1 diverged (sgd lr=10)" in snap.message
    assert np.isfinite(bad.history["train_loss"]).all()  # the history keeps the finite records
    assert torch.isfinite(bad.path).all()


def test_results_table_matches_the_histories(diverged_race):
    snap = diverged_race.snapshot()
    target = float(snap.contestants[1].history["train_loss"].iloc[len(snap.contestants[1].history) // 2])
    table = results_table(snap, target_loss=target)
    assert list(table["optimizer"]) == ["sgd lr=10", "adam", "momentum lr=0.01"]
    assert list(table["status"]) == ["diverged", "done", "done"]
    for (_, row), c in zip(table.iterrows(), snap.contestants):
        h = c.history
        assert row["final_train_loss"] == h["train_loss"].iloc[-1]
        assert row["final_test_loss"] == h["test_loss"].iloc[-1]
        assert row["best_train_loss"] == h["train_loss"].min()
        assert row["best_test_loss"] == h["test_loss"].min()
        assert row["final_test_r2"] == h["test_r2"].iloc[-1]
        assert row["best_test_r2"] == h["test_r2"].max()
        assert row["steps"] == c.step and row["ms_per_step"] > 0
        reached = h["step"][h["train_loss"] <= target]
        if len(reached):
            assert row["steps_to_target"] == reached.iloc[0]
        else:
            assert math.isnan(row["steps_to_target"])
    assert not math.isnan(table["steps_to_target"].iloc[1])
    assert table["diverged_step"].iloc[0] == snap.contestants[0].diverged_step
    assert results_table(snap)["steps_to_target"].isna().all()  # no target, no number


def test_results_table_status_is_the_race_s_until_a_contestant_finishes():
    race = Race(small_spec(), parse_contestants("sgd,adam"))
    assert list(results_table(race.snapshot())["status"]) == ["ready", "ready"]  # not "running" at step 0
    assert results_table(race.snapshot())["ms_per_step"].isna().all()  # no step timed yet
    race.run(1)
    assert list(results_table(race.snapshot())["status"]) == ["paused", "paused"]
    assert list(results_table(race.snapshot("running"))["status"]) == ["running", "running"]


def test_grad_norm_total_is_the_norm_over_layers(diverged_race):
    c = diverged_race.snapshot().contestants[1]
    layers = c.snapshot.layers
    last = layers[layers["step"] == c.history["step"].iloc[-1]]
    assert c.history["grad_norm"].iloc[-1] == pytest.approx(math.sqrt((last["grad_norm"] ** 2).sum()))
    assert math.isnan(c.history["grad_norm"].iloc[0])  # no gradient before the first update


def test_race_curves_figure_one_colour_per_contestant_and_an_x_where_it_diverged(diverged_race):
    snap = diverged_race.snapshot()
    for metric in ("test_loss", "train_loss", "test_acc", "grad_norm"):
        fig = charts.race_curves_figure(snap, metric, log_y=metric == "grad_norm").to_plotly()  # validated
        lines = [t for t in fig.data if t.mode.startswith("lines")]
        assert [t.name for t in lines] == [c.label for c in snap.contestants]
        assert [t.line.color for t in lines] == OPTIMIZER_COLORS[:3]
        crosses = [t for t in fig.data if t.mode == "markers"]
        assert len(crosses) == 1 and crosses[0].marker.symbol == "x"
        assert crosses[0].x[0] == snap.contestants[0].diverged_step
    fig = charts.race_curves_figure(snap, "test_loss")
    assert list(fig.data[0]["y"]) == list(snap.contestants[0].history["test_loss"])
    with pytest.raises(ValueError):
        charts.race_curves_figure(snap, "speed")


# --------------------------------------------------------------------------- the runner

@pytest.fixture
def runner():
    made = []

    def make(spec=None, contestants="sgd,adam", **kwargs):
        r = RaceRunner(spec or small_spec(**{"train.epochs": 500}), parse_contestants(contestants), **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
    assert not any(r.alive for r in made)


def test_runner_steps_pauses_and_resumes(runner):
    r = runner()
    snap = r.snapshot()
    assert snap.status == "ready" and [c.step for c in snap.contestants] == [0, 0]
    assert all(c.visuals is not None for c in snap.contestants)
    r.step(3)
    assert r.wait(lambda s: all(c.step == 3 for c in s.contestants))
    assert r.snapshot().status == "paused"
    r.start()
    assert r.wait(lambda s: s.step >= 60)
    r.pause()
    held = [c.step for c in r.snapshot().contestants]
    assert held[0] == held[1]  # lock-step: paused after a whole round
    assert r.snapshot().status == "paused"
    r.toggle()
    assert r.wait(lambda s: s.step > held[0] + 20)
    r.pause()


def test_runner_reset_with_new_contestants_and_run_to_done(runner):
    r = runner()
    r.step(5)
    assert r.wait(lambda s: s.step == 5)
    with pytest.raises(SpecError):
        r.reset(contestants=[contestant("sgd")])  # a race needs two; the old one stays
    assert r.snapshot().step == 5
    r.reset(small_spec(**{"train.epochs": 2}), parse_contestants("momentum,rmsprop,adagrad"))
    snap = r.snapshot()
    assert snap.status == "ready" and [c.label for c in snap.contestants] == ["momentum", "rmsprop", "adagrad"]
    assert [c.color for c in snap.contestants] == [0, 1, 2]
    r.start()
    assert r.wait(lambda s: s.status == "done")
    snap = r.snapshot()
    assert all(c.status == "done" and c.step == snap.total_steps for c in snap.contestants)
    assert all(c.visuals.step == c.step for c in snap.contestants)
    assert len(r.results_table()) == 3


@pytest.mark.parametrize("interruption", [SystemExit, KeyboardInterrupt])
def test_an_interrupted_race_fails_visibly_and_every_command_returns(runner, monkeypatch, interruption):
    # As for a single run (test_runner.py): not Exceptions, they once ended the thread silently.
    r = runner()
    race = r.race
    monkeypatch.setattr(race, "step_all", raising_once(lambda: race.step == 3, race.step_all, interruption))
    r.start()
    check_interrupted_run(r, interruption)


def test_a_race_dropped_without_close_ends_its_thread():
    assert thread_ends_when_dropped(lambda: RaceRunner(small_spec(**{"train.epochs": 500}),
                                                       parse_contestants("sgd,adam")), "playground-race", True)


# --------------------------------------------------------------------------- the compare command

def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_compare_writes_metrics_results_and_spec(tmp_path):
    out = tmp_path / "cmp"
    code, stdout, stderr = run_cli("compare", "--preset", "xor", "--optimizers", "sgd,momentum:lr=0.05,adam",
                                   "--set", "data.n_samples=200", "--epochs", "3", "--target-loss", "0.69",
                                   "--out", str(out), "--quiet")
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == {"spec.json", "metrics.csv", "results.csv"}
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns[:3]) == ["optimizer", "step", "epoch"]
    assert "examples_per_sec" not in metrics
    labels = ["sgd", "momentum lr=0.05", "adam"]
    assert list(pd.unique(metrics["optimizer"])) == labels
    for label in labels:
        rows = metrics[metrics["optimizer"] == label]
        assert list(rows["step"]) == [0, 10, 20, 30]  # step 0 before any update, then every epoch
    start = metrics[metrics["step"] == 0]
    assert start["train_loss"].nunique() == 1  # identical initial weights
    results = pd.read_csv(out / "results.csv")
    assert list(results["optimizer"]) == labels and list(results["status"]) == ["done"] * 3
    assert Spec.from_json((out / "spec.json").read_text()).data.n_samples == 200
    assert "adam" in stdout and "wrote spec.json, metrics.csv, results.csv" in stdout


def test_compare_exit_codes(tmp_path):
    code, _, stderr = run_cli("compare", "--preset", "xor", "--optimizers", "sgd,fast", "--out", str(tmp_path / "a"))
    assert code == 2 and "error: --optimizers: 'fast' is not an optimizer" in stderr and "Traceback" not in stderr
    code, _, stderr = run_cli("compare", "--preset", "xor", "--optimizers", "sgd", "--out", str(tmp_path / "b"))
    assert code == 2 and "a race takes 2 to 8" in stderr
    code, _, stderr = run_cli("compare", "--preset", "xor", "--optimizers", "sgd,adam", "--set", "train.epochs=0")
    assert code == 2 and "error: train.epochs:" in stderr
    # One diverging is a result (exit 0); all diverging is exit 3, with the files written.
    args = ["--preset", "sine-regression", "--epochs", "2", "--quiet"]
    code, stdout, _ = run_cli("compare", *args, "--optimizers", "sgd:lr=10,adam", "--out", str(tmp_path / "c"))
    assert code == 0 and "diverged" in stdout
    code, _, stderr = run_cli("compare", *args, "--optimizers", "sgd:lr=10,sgd:lr=9", "--out", str(tmp_path / "d"))
    assert code == 3 and "error:" in stderr
    assert set(pd.read_csv(tmp_path / "d" / "results.csv")["status"]) == {"diverged"}


def test_compare_in_a_worker_process_writes_the_same_files(tmp_path):
    args = ["compare", "--preset", "xor", "--optimizers", "sgd,adam", "--epochs", "3", "--quiet"]
    outs = {}
    for backend in ("thread", "process"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main([*args, "--out", str(tmp_path / backend), "--backend", backend]) == 0
        outs[backend] = out.getvalue()
        assert "sgd" in outs[backend] and f"to {tmp_path / backend}" in outs[backend]
    for name in ("metrics.csv", "spec.json"):
        assert (tmp_path / "thread" / name).read_bytes() == (tmp_path / "process" / name).read_bytes(), name
    here, there = (pd.read_csv(tmp_path / b / "results.csv").drop(columns="ms_per_step") for b in ("thread", "process"))
    pd.testing.assert_frame_equal(here, there)
