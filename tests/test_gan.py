"""The GAN family (issue 12): its training step against one written out by hand, its views and its
quality score against direct computations, its presets doing what their descriptions say, its
spec settings and refusals, the CLI's files and the page."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from apptest_support import charts, errors, started, step_of
from scipy.spatial.distance import jensenshannon
from streamlit.testing.v1 import AppTest

from playground.cli import main
from playground.core.params import SpecError
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.data.generators import ring_centers
from playground.families import build_model
from playground.families.gan import charts as gan_charts
from playground.families.gan.quality import BINS, PAD, js_divergence, modes_covered
from playground.families.gan.views import MESH, noise_grid
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Diverged, Trainer

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def gan_spec(**overrides) -> Spec:
    return get_preset("gan-ring").with_overrides(**{"train.device": "cpu", "telemetry.every_steps": 1000,
                                                    **overrides})


# --------------------------------------------------------------------------- the training step

def bce_logits(score: torch.Tensor, target: float) -> torch.Tensor:
    """-[t·log σ(s) + (1 - t)·log(1 - σ(s))], averaged: written out, not torch's loss module."""
    return -(target * F.logsigmoid(score) + (1 - target) * F.logsigmoid(-score)).mean()


def hand_losses(kind: str, real: torch.Tensor, fake_for_d: torch.Tensor, fake_for_g: torch.Tensor,
                smoothing: float) -> tuple[torch.Tensor, torch.Tensor]:
    if kind == "least_squares":
        d = 0.5 * ((real - (1 - smoothing)) ** 2).mean() + 0.5 * (fake_for_d ** 2).mean()
        return d, 0.5 * ((fake_for_g - 1) ** 2).mean()
    d = bce_logits(real, 1 - smoothing) + bce_logits(fake_for_d, 0.0)
    g = -bce_logits(fake_for_g, 0.0) if kind == "minimax" else bce_logits(fake_for_g, 1.0)
    return d, g


@pytest.mark.parametrize("kind", ["minimax", "non_saturating", "least_squares"])
def test_the_training_step_is_the_hand_written_one(kind):
    """Same seed, same numbers: two D updates (label smoothing 0.1), then one G update, three times."""
    spec = gan_spec(**{"train.loss": kind, "train.discriminator_steps": 2, "train.label_smoothing": 0.1,
                       "model.noise_dim": 3})
    trainer = Trainer(spec)
    G, D = copy.deepcopy(trainer.module), copy.deepcopy(trainer.system.discriminator)
    g_opt = torch.optim.Adam(G.parameters(), lr=0.001, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(D.parameters(), lr=0.001, betas=(0.5, 0.999))
    order = torch.randperm(len(trainer.x_train), generator=torch.Generator().manual_seed(spec.train.seed))
    noise = torch.Generator().manual_seed(spec.train.seed)  # the run's own stream, as the system draws it
    batch = spec.train.batch_size
    for step in range(3):
        x = trainer.x_train[order[step * batch:(step + 1) * batch]]  # (B, 2)
        for _ in range(2):
            z = torch.randn(batch, 3, generator=noise)
            d_opt.zero_grad()
            d_loss, _ = hand_losses(kind, D(x), D(G(z).detach()), torch.zeros(1), 0.1)
            d_loss.backward()
            d_opt.step()
        d_grads = [p.grad.clone() for p in D.parameters()]
        z = torch.randn(batch, 3, generator=noise)
        g_opt.zero_grad()
        _, g_loss = hand_losses(kind, torch.zeros(1), torch.zeros(1), D(G(z)), 0.1)
        g_loss.backward()
        g_opt.step()
        trainer.train_step()  # the trainer's: the same batch, from its own batch order
    for mine, theirs in ((trainer.module, G), (trainer.system.discriminator, D)):
        for a, b in zip(mine.parameters(), theirs.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    # D's gradients are those of its own last update: G's loss went through D without adding to them.
    for p, grad in zip(trainer.system.discriminator.parameters(), d_grads):
        torch.testing.assert_close(p.grad, grad, rtol=1e-5, atol=1e-7)


def test_train_step_names_both_losses_and_a_nan_is_a_divergence_naming_it():
    trainer = Trainer(gan_spec())
    trainer.train_step()
    losses = trainer.system.training_step(trainer.x_train[:8], None, trainer._tools)
    assert list(losses) == ["discriminator_loss", "generator_loss"]
    with torch.no_grad():
        trainer.system.discriminator[0].weight.fill_(float("nan"))
    with pytest.raises(Diverged, match="the discriminator loss became nan"):
        trainer.train_step()


def test_records_and_telemetry_name_both_networks():
    trainer = Trainer(gan_spec(**{"telemetry.every_steps": 5}))
    trainer.run(10)
    record = trainer.history.records[-1]
    assert set(record.scalars) == {"d_loss", "g_loss", "js_divergence", "modes_covered"}
    history = take_snapshot(trainer, "paused", "").history
    assert {"d_loss", "g_loss", "js_divergence", "modes_covered"} <= set(history.columns)
    assert trainer.probe.labels == ["G hidden 1", "G hidden 2", "G output", "D hidden 1", "D hidden 2", "D output"]
    assert list(trainer.optimizers) == ["generator", "discriminator"]
    # 2 -> 64 -> 64 -> 2 and 2 -> 64 -> 64 -> 1
    assert trainer.network.parameter_count() == (192 + 4160 + 130) + (192 + 4160 + 65)
    # The record's losses are the ones on all the points against the fixed generated sample.
    system = trainer.system
    with torch.no_grad():
        real, fake = system.discriminator(trainer.x_all), system.discriminator(system.generator(system.eval_noise))
        d = 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()
        g = 0.5 * ((fake - 1) ** 2).mean()
    assert record.scalars["d_loss"] == pytest.approx(d.item(), rel=1e-5)
    assert record.scalars["g_loss"] == pytest.approx(g.item(), rel=1e-5)


# --------------------------------------------------------------------------- views and quality

def test_the_views_are_the_networks_on_the_grid_and_the_noise():
    trainer = Trainer(gan_spec(**{"train.loss": "non_saturating", "model.noise_dim": 3}))
    trainer.run(20)
    views = trainer.compute_visuals().family
    ds, system = trainer.dataset, trainer.system
    xx, yy = np.meshgrid(views.grid_x, views.grid_y)
    raw = np.stack([xx.ravel(), yy.ravel()], axis=1)
    with torch.no_grad():
        expected = torch.sigmoid(system.discriminator(torch.as_tensor(ds.featurize(raw))))[:, 0]
    np.testing.assert_allclose(views.d_surface, expected.numpy().reshape(views.d_surface.shape), rtol=1e-5,
                               atol=1e-6)
    assert views.grid_x[0] == ds.extent[0] and views.grid_y[-1] == ds.extent[3]
    # The mesh: a grid over z1, z2 (z3 = 0) through G, in the data's units.
    z = noise_grid("gaussian", 3)
    assert (z[:, 2] == 0).all() and z[:, :2].abs().max() == 2.0
    with torch.no_grad():
        mesh = ds.featurize.unstandardize(system.generator(z).numpy())
    np.testing.assert_allclose(views.mesh, mesh.reshape(MESH, MESH, 2), rtol=1e-5, atol=1e-5)
    # The arrows: minus G's loss gradient on each of its points (standardised), in the data's units.
    points = system.generator(system.eval_noise[:len(views.fake)]).detach().requires_grad_(True)
    F.binary_cross_entropy_with_logits(system.discriminator(points), torch.ones(len(points), 1),
                                       reduction="sum").backward()
    np.testing.assert_allclose(views.movement, -points.grad.numpy() * ds.featurize.std, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(views.fake, ds.featurize.unstandardize(points.detach().numpy()), rtol=1e-5, atol=1e-5)


def test_the_quality_score_is_the_jensen_shannon_divergence_of_the_histograms():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 1, (400, 2)), rng.normal(0.5, 1.5, (300, 2))  # some fake points fall off the grid
    low, high = real.min(0), real.max(0)
    low, high = low - PAD * (high - low), high + PAD * (high - low)
    edges = [np.linspace(low[i], high[i], BINS + 1) for i in range(2)]

    def hist(points):  # points off the grid count in the border cells
        clipped = np.clip(points, low, high - 1e-9)
        return np.histogram2d(clipped[:, 0], clipped[:, 1], bins=edges)[0].ravel() / len(points)

    expected = jensenshannon(hist(real), hist(fake), base=2) ** 2  # scipy gives the distance: its root
    got = js_divergence(torch.as_tensor(real), torch.as_tensor(fake))  # float64, as numpy bins them
    assert got.item() == pytest.approx(expected, abs=1e-7)  # the shares are float32
    assert js_divergence(torch.as_tensor(real), torch.as_tensor(real)).item() == pytest.approx(0.0, abs=1e-9)


def test_modes_covered_counts_the_gaussians_that_get_their_share():
    centers = torch.as_tensor(ring_centers(), dtype=torch.float32)
    three = centers[[0, 3, 5]].repeat_interleave(100, dim=0) + 0.05 * torch.randn(300, 2)
    assert modes_covered(three, centers).item() == 3
    assert modes_covered(centers.repeat(50, 1), centers).item() == 8


# --------------------------------------------------------------------------- presets

def generated_modes(trainer: Trainer) -> int:
    """Modes of the ring within a quarter of the neighbours' distance of at least a quarter of their fair
    share of 2,000 fresh generated points, counted here with numpy."""
    torch.manual_seed(123)
    with torch.no_grad():
        points = trainer.dataset.featurize.unstandardize(trainer.module(torch.randn(2000, 2)).numpy())
    centers = ring_centers()
    near = np.linalg.norm(points[:, None] - centers[None], axis=2) < 0.25 * np.linalg.norm(centers[0] - centers[1])
    return int((near.sum(axis=0) >= 0.25 * 2000 / 8).sum())


def run_preset(name: str) -> Trainer:
    trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu"}))
    trainer.run(trainer.total_steps)
    return trainer


def test_gan_ring_covers_most_modes_and_the_collapse_does_not():
    ring = run_preset("gan-ring")
    assert generated_modes(ring) >= 7 and ring.history.records[-1].scalars["modes_covered"] >= 7
    assert ring.history.records[-1].scalars["js_divergence"] < 0.4
    collapsed = run_preset("gan-mode-collapse")
    assert generated_modes(collapsed) <= 3 and collapsed.history.records[-1].scalars["js_divergence"] > 0.6


def test_gan_unbalanced_has_a_discriminator_that_wins():
    last = run_preset("gan-unbalanced").history.records[-1]
    assert last.train_metric > 0.99 and last.test_metric > 0.99  # D tells every point apart
    assert last.scalars["js_divergence"] > 0.9 and last.scalars["modes_covered"] == 0


# --------------------------------------------------------------------------- spec and refusals

def test_the_gan_settings_round_trip_through_json_and_the_flat_form():
    spec = gan_spec(**{"model.noise_dim": 5, "model.noise": "uniform", "train.discriminator_steps": 3,
                       "train.label_smoothing": 0.2, "train.discriminator_optimizer.name": "rmsprop",
                       "model.discriminator.layers.1.units": 16, "model.discriminator.layers.2.units": 8})
    assert [c["units"] for c in spec.model.discriminator] == [64, 16, 8]
    optimizer = spec.train.discriminator_optimizer
    assert optimizer.name == "rmsprop" and "beta1" not in optimizer.params  # switched: its own defaults
    assert Spec.from_json(spec.to_json()) == spec and Spec.from_flat(spec.to_flat()) == spec
    flat = spec.to_flat()
    # a layer added by the flat form starts as a dense layer's defaults (tanh), as model.layers.N does
    assert json.loads(flat["model.discriminator.layers"])[2] == {"kind": "linear", "units": 8, "activation": "tanh"}
    assert flat["train.discriminator_optimizer.name"] == "rmsprop" and flat["model.noise"] == "uniform"


@pytest.mark.parametrize("setting, value, field", [
    ("model.discriminator.layers.0.units", 0, "model.discriminator.layers.0.units"),
    ("model.discriminator.layers.0.kind", "conv", "model.discriminator.layers.0.kind"),
    ("model.discriminator.layers", "[3]", "model.discriminator.layers.0"),
    ("model.noise_dim", 0, "model.noise_dim"),
    ("model.noise", "pink", "model.noise"),
    ("train.discriminator_optimizer.lr", 100, "train.discriminator_optimizer.lr"),
    ("train.discriminator_optimizer.name", "lbfgs", "train.discriminator_optimizer.name"),
    ("train.discriminator_steps", 0, "train.discriminator_steps"),
    ("train.label_smoothing", 0.9, "train.label_smoothing"),
])
def test_bad_gan_settings_name_their_field(setting, value, field):
    with pytest.raises(SpecError) as caught:
        gan_spec(**{setting: value})
    assert field in [f for f, _ in caught.value.errors], caught.value.errors


@pytest.mark.parametrize("overrides, field, words", [
    ({"model.family": "mlp"}, "model.family", "unlabelled points"),  # a dense network on the ring
    ({"model.family": "cnn"}, "model.family", "unlabelled points"),
    ({"data.name": "circle", "train.loss": "auto"}, "data.name", "learns unlabelled 2-D points"),  # labelled
    ({"data.name": "digits", "train.loss": "auto"}, "data.name", "learns unlabelled 2-D points"),
    ({"data.name": "circle"}, "train.loss", "GAN on unlabelled points"),  # least squares asks for a target set
    ({"data.features": ["x1", "x2", "x1^2"]}, "data.name", "features x1 and x2"),
    ({"train.loss": "mse"}, "train.loss", "generative"),
    ({"data.name": "circle", "model.family": "mlp"}, "train.loss", "GAN network type"),  # least squares kept
])
def test_data_and_families_that_do_not_fit_are_refused_naming_the_field(overrides, field, words):
    spec = gan_spec(**overrides)
    with pytest.raises(SpecError) as caught:
        Trainer(spec)
    assert any(f == field and words in m for f, m in caught.value.errors), caught.value.errors


# --------------------------------------------------------------------------- charts, CLI, page

def test_the_charts_draw_a_gan_snapshot():
    trainer = Trainer(gan_spec(**{"telemetry.every_steps": 5, "model.noise_dim": 4}))
    trainer.run(10)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    game = gan_charts.game_figure(snap)
    kinds = [t["type"] for t in game.to_dict()["data"]]
    assert kinds == ["heatmap", "scatter", "scatter", "scatter"]
    assert [t["name"] for t in game.to_dict()["data"][1:]] == ["real", "generated", "G's gradient"]
    assert len(gan_charts.game_figure(snap, show_movement=False).to_dict()["data"]) == 3
    assert "other 2 at 0" in gan_charts.mesh_figure(snap).to_dict()["layout"]["title"]["text"]
    assert [t["name"] for t in gan_charts.losses_figure(snap).to_dict()["data"]] == ["discriminator", "generator"]
    assert len(gan_charts.quality_figure(snap).to_dict()["data"]) == 2


def test_the_cli_writes_both_networks_and_both_losses(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--preset", "gan-ring", "--epochs", "2", "--set", "train.device=cpu",
                     "--out", str(tmp_path / "run")])
    assert code == 0, err.getvalue()
    run = tmp_path / "run"
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"d_loss", "g_loss", "js_divergence", "modes_covered"} <= set(header)
    layers = (run / "layers.csv").read_text()
    assert "G hidden 1" in layers and "D output" in layers
    summary = json.loads((run / "summary.json").read_text())
    assert summary["task"] == "generative" and summary["loss"] == "least_squares"
    from safetensors.torch import load_file

    weights = load_file(str(run / "model.safetensors"))
    spec = Spec.from_json((run / "spec.json").read_text())
    network = build_model(spec.model, (2,), 0, seed=0, task="generative")
    network.module.load_state_dict({k: v for k, v in weights.items() if not k.startswith("discriminator.")})
    discriminator = network.companions["discriminator"][0]
    discriminator.load_state_dict({k[len("discriminator."):]: v for k, v in weights.items()
                                   if k.startswith("discriminator.")})


@pytest.fixture
def at():
    yield from started(AppTest.from_file(APP, default_timeout=30), ("playground-runner",))


def test_the_page_draws_a_gan_preset_and_its_views(at):
    at.selectbox(key="preset").set_value("gan-ring").run()
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="model_family").value == "gan"
    assert at.number_input(key="model_dlayer_1_units").value == 64
    assert at.number_input(key="train_discriminator_steps").value == 1
    summary = next(c.value for c in at.caption if "parameters" in c.value)
    assert "8,899" in summary, summary
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)
    assert "chart_gan_game" in charts(at) and "chart_surface" not in charts(at)
    at.session_state["view_tab"] = "Neurons"
    at.run()
    assert "chart_gan_mesh" in charts(at) and not at.exception
    at.session_state["view_tab"] = "Evaluation"
    at.run()
    assert {"chart_gan_losses", "chart_gan_quality"} <= set(charts(at)) and not at.exception, errors(at)
    at.session_state["view_tab"] = "Weights"
    at.run()
    assert not at.exception, errors(at)
    # A change to the discriminator in the sidebar reaches the spec the page trains.
    at.number_input(key="model_dlayer_0_units").set_value(16).run()
    assert not at.exception and not at.error, errors(at)
    assert "5,683" in next(c.value for c in at.caption if "parameters" in c.value)  # D: 2 -> 16 -> 64 -> 1
    at.button(key="gan_add_d_layer").click().run()  # a copy of the last layer: 64 -> 64 more
    assert at.number_input(key="model_dlayer_2_units").value == 64 and not at.exception and not at.error, errors(at)
    assert "9,843" in next(c.value for c in at.caption if "parameters" in c.value)
    at.button(key="gan_remove_d_layer").click().run()
    assert "5,683" in next(c.value for c in at.caption if "parameters" in c.value) and not at.exception
