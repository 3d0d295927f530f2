"""The autoencoder family (issue 12): a swiss-roll generator, encoder -> latent code (plain or
variational) -> decoder planned and built, the system that trains it without labels (reconstruction,
a VAE's KL), the latent-space score, its views beside PCA, presets, the CLI and the page."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from apptest_support import charts, errors, started, step_of
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors
from streamlit.testing.v1 import AppTest

from playground.core.params import SpecError
from playground.core.presets import PRESETS, get_preset
from playground.core.spec import Spec
from playground.data.datasets import load_dataset
from playground.data.generators import swiss_roll_3d
from playground.families import build_model, plan_model
from playground.families.autoencoder import charts as ae_charts
from playground.families.autoencoder.model import LatentCode, halves
from playground.families.autoencoder.system import SCORED, AutoencoderSystem, kl_divergence, neighbour_scores
from playground.families.autoencoder.views import autoencoder_views, pca_baseline
from playground.train.heads import make_head
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer
from test_cli import run_cli

APP = str(Path(__file__).resolve().parents[1] / "app.py")
RELU = {"kind": "linear", "activation": "relu"}


def _spec(*layers: dict, **overrides) -> Spec:
    values = {"model.family": "autoencoder", "data.name": "digits", "train.loss": "mse", "train.device": "cpu",
              "train.epochs": 2, "train.batch_size": 64}
    if layers:
        values["model.layers"] = list(layers)
    return Spec().with_overrides(**{**values, **overrides})


def _latent(size: int = 2, variational: bool = False, kl_weight: float = 0.05) -> dict:
    return {"kind": "latent", "size": size, "variational": variational, "kl_weight": kl_weight}


def trained(name: str, **overrides) -> Trainer:
    trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu", **overrides}))
    trainer.run(trainer.total_steps)
    return trainer


# --------------------------------------------------------------------------- data

def test_the_swiss_roll_lies_on_its_roll_and_its_label_is_how_far_along():
    X, t = swiss_roll_3d(400, 0.0, np.random.default_rng(3))  # (400, 3), (400,)
    np.testing.assert_allclose(X[:, 0], t * np.cos(t))
    np.testing.assert_allclose(X[:, 2], t * np.sin(t))
    assert 1.5 * np.pi <= t.min() and t.max() <= 4.5 * np.pi and 0 <= X[:, 1].min() and X[:, 1].max() <= 21
    ds = load_dataset(_spec(**{"data.name": "swissroll-3d"}).data)
    assert ds.task == "regression" and ds.feature_names == ("x", "y", "z") and ds.geometry == "table"


# --------------------------------------------------------------------------- plan, build, spec

def test_the_decoder_mirrors_the_encoder_and_the_plan_counts_what_is_built():
    spec = _spec({**RELU, "units": 32}, {**RELU, "units": 16, "activation": "tanh"}, _latent(3))
    plan = plan_model(spec.model, (64,), 10)  # 10: the labels' classes, which an autoencoder does not answer
    assert [(layer.label, layer.shape) for layer in plan.layers] == [
        ("encoder 1", (32,)), ("encoder 2", (16,)), ("latent", (3,)), ("decoder 1", (16,)), ("decoder 2", (32,)),
        ("output", (64,))]
    assert [layer["activation"] for layer in plan.layers[3:5]] == ["tanh", "relu"]  # the encoder's, reversed
    assert plan.outputs == 64 and plan.widths == [64, 32, 16, 3, 16, 32, 64] and not plan.problems
    network = build_model(spec.model, 64, 10, seed=0)
    assert network.parameter_count() == plan.parameters
    assert network.dense_labels == [layer.label for layer in plan.layers]
    assert network.module(torch.zeros(5, 64)).shape == (5, 64)


def test_a_vae_code_has_a_mean_and_a_log_variance_and_a_decoder_of_its_own_is_used():
    spec = _spec({**RELU, "units": 32}, _latent(2, variational=True), {**RELU, "units": 8})
    plan = plan_model(spec.model, (64,), 10)
    assert [layer.label for layer in plan.layers] == ["encoder 1", "latent", "decoder 1", "output"]
    assert plan.widths == [64, 32, 4, 8, 64]  # the latent column: 2 means, 2 log-variances
    assert plan.layers[1].parameters == 32 * 4 + 4  # (B, 32) -> (B, 2L): a mean and a log-variance each
    network = build_model(spec.model, 64, 10, seed=0)
    assert network.parameter_count() == plan.parameters
    encoder, code, decoder = halves(network.module)
    assert isinstance(code, LatentCode) and code.variational and code.size == 2
    stats = encoder(torch.randn(5, 64))  # (5, 4)
    assert stats.shape == (5, 4) and torch.equal(network.module(torch.ones(3, 64)),
                                                 decoder(encoder(torch.ones(3, 64))[:, :2]))


@pytest.mark.parametrize("layers, field, words", [
    ([{**RELU, "units": 8}], "model.layers", "Latent code"),
    ([_latent(), {**RELU, "units": 8}, _latent()], "model.layers.2", "second latent code"),
])
def test_an_autoencoder_without_one_latent_code_is_refused_naming_the_layer(layers, field, words):
    with pytest.raises(SpecError) as caught:
        build_model(_spec(*layers).model, 64, 10, seed=0)
    assert any(f == field and words in m for f, m in caught.value.errors), caught.value.errors


@pytest.mark.parametrize("key, value, field", [
    ("model.layers.1.size", 0, "model.layers.1.size"),
    ("model.layers.1.size", 99, "model.layers.1.size"),
    ("model.layers.1.kl_weight", -1, "model.layers.1.kl_weight"),
    ("model.layers.1.variational", "maybe", "model.layers.1.variational"),
    ("model.layers.0.kind", "conv", "model.layers.0.kind"),  # not in an autoencoder's menu
])
def test_bad_latent_settings_are_refused_naming_the_field(key, value, field):
    with pytest.raises(SpecError) as caught:
        _spec().with_overrides(**{key: value})
    assert field in {f for f, _ in caught.value.errors}, caught.value.errors


def test_an_autoencoder_spec_round_trips_and_the_family_alone_brings_its_default_layers():
    spec = get_preset("digits-vae")
    assert Spec.from_json(spec.to_json()) == spec and Spec.from_flat(spec.to_flat()) == spec
    plain = Spec().with_overrides(**{"model.family": "autoencoder", "data.name": "digits"})
    assert [layer.name for layer in plain.model.layers] == ["linear", "latent"]
    assert plain.model.layers[1]["size"] == 2 and not plain.model.layers[1]["variational"]


# --------------------------------------------------------------------------- the system

def test_the_kl_term_is_the_divergence_from_the_standard_normal():
    mean, log_var = torch.randn(7, 3), torch.randn(7, 3)
    direct = torch.distributions.kl_divergence(torch.distributions.Normal(mean, (0.5 * log_var).exp()),
                                               torch.distributions.Normal(0.0, 1.0)).sum(dim=1)
    torch.testing.assert_close(kl_divergence(mean, log_var), direct)
    assert torch.allclose(kl_divergence(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))  # N(0, 1) itself


@pytest.mark.parametrize("variational", [False, True])
def test_the_training_step_is_a_hand_written_one(variational):
    """Same seed, same numbers: the batch from the trainer's generator, ε from the run's own generator
    (seeded with the run's seed), the loss and Adam's update written out here."""
    trainer = Trainer(_spec({**RELU, "units": 32}, _latent(2, variational, kl_weight=0.5),
                            **{"train.optimizer.name": "adam", "train.optimizer.lr": 0.01}))
    model = copy.deepcopy(trainer.module)  # Linear, ReLU, Linear (code), LatentCode, Linear, ReLU, Linear
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(2):
        if step == 0:
            order = torch.randperm(len(trainer.x_train), generator=torch.Generator().manual_seed(0))
            eps_source = torch.Generator().manual_seed(0)  # PrivateRandomState(cpu, seed 0)
        xb = trainer.x_train[order[64 * step:64 * (step + 1)]]  # (64, 64)
        stats = model[2](F.relu(model[0](xb)))  # (64, 2) or (64, 4)
        mean = stats[:, :2]
        if variational:
            log_var = stats[:, 2:]
            z = mean + torch.randn(64, 2, generator=eps_source) * torch.exp(0.5 * log_var)
        else:
            z = mean
        reconstruction = F.mse_loss(model[6](F.relu(model[4](z))), xb)
        kl = (0.5 * (mean ** 2 + log_var.exp() - 1 - log_var).sum(dim=1)).mean() if variational else 0.0
        loss = reconstruction + 0.5 * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        assert trainer.train_step() == pytest.approx(loss.item(), rel=1e-6)
    for (name, mine), theirs in zip(trainer.module.state_dict().items(), model.state_dict().values()):
        torch.testing.assert_close(mine, theirs, msg=name)


def test_records_carry_the_named_losses_and_the_step_ignores_the_targets():
    trainer = Trainer(_spec({**RELU, "units": 16}, _latent(2, variational=True)))
    assert isinstance(trainer.system, AutoencoderSystem) and trainer.system.draws_random_numbers
    trainer.begin_step()  # what train_step does first: the step's bookkeeping
    losses = trainer.system.training_step(trainer.x_train[:32], torch.full((32, 10), math.nan),  # no targets
                                          trainer._tools)
    assert list(losses) == ["loss", "reconstruction", "kl"]
    assert losses["loss"].item() == pytest.approx(losses["reconstruction"].item() + 0.05 * losses["kl"].item())
    trainer.run(trainer.total_steps)
    record = trainer.history.records[-1]
    assert set(record.scalars) == {"train_reconstruction", "test_reconstruction", "train_kl", "test_kl"}
    assert record.test_loss == pytest.approx(record.scalars["test_reconstruction"] + 0.05 * record.scalars["test_kl"],
                                             rel=1e-5)
    history = take_snapshot(trainer, "done", "").history
    assert {"train_reconstruction", "test_kl"} <= set(history.columns)


def test_the_latent_score_is_a_nearest_neighbour_guess_as_scikit_learn_makes_it():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(120, 2)).astype(np.float32)
    labels = (codes[:, 0] > 0).astype(np.int64) + 2 * (rng.uniform(size=120) < 0.2)  # 4 classes, some noise
    n_train = 80
    train_acc, test_acc = neighbour_scores(torch.from_numpy(codes), torch.from_numpy(labels), n_train, 4).tolist()
    knn = KNeighborsClassifier(1).fit(codes[:n_train], labels[:n_train])
    assert test_acc == pytest.approx(knn.score(codes[n_train:], labels[n_train:]))
    # a training point's own code is left out: its nearest other one guesses
    others = NearestNeighbors(n_neighbors=2).fit(codes[:n_train]).kneighbors(codes[:n_train])[1][:, 1]
    assert train_acc == pytest.approx((labels[others] == labels[:n_train]).mean())
    values = codes[:, 0] * 3 + 1  # a numeric label: R² of the neighbour's value
    _, test_r2 = neighbour_scores(torch.from_numpy(codes), torch.from_numpy(values), n_train, 0).tolist()
    regressor = KNeighborsRegressor(1).fit(codes[:n_train], values[:n_train])
    assert test_r2 == pytest.approx(regressor.score(codes[n_train:], values[n_train:]), rel=1e-5)


def test_the_latent_score_looks_at_a_bounded_sample_of_each_split():
    codes = torch.randn(3000, 2)
    labels = (codes[:, 0] > 0).long()
    n_train = 2000
    _, test_acc = neighbour_scores(codes, labels, n_train, 2).tolist()
    knn = KNeighborsClassifier(1).fit(codes[:SCORED].numpy(), labels[:SCORED].numpy())  # the first SCORED codes
    assert test_acc == pytest.approx(knn.score(codes[n_train:n_train + SCORED].numpy(),
                                               labels[n_train:n_train + SCORED].numpy()))


# --------------------------------------------------------------------------- views

def test_the_latent_view_is_the_encoders_output_and_pca_is_a_direct_svd():
    trainer = Trainer(_spec({**RELU, "units": 32}, _latent(3, variational=True)))
    trainer.run(20)
    module = trainer.module.eval()
    views = trainer.compute_visuals().family
    with torch.no_grad():
        direct = module[2](module[1](module[0](trainer.x_test)))[:, :3]  # the encoder's mean, layer by layer
    np.testing.assert_allclose(views.codes, direct.numpy(), rtol=1e-6, atol=1e-6)
    ds = trainer.dataset
    centre = ds.x_train.mean(axis=0)
    _, _, axes = np.linalg.svd(ds.x_train - centre, full_matrices=False)  # rows: principal axes
    projected = (ds.x_test - centre) @ axes[:3].T  # (N, 3)
    rebuilt = projected @ axes[:3] + centre
    assert views.baseline.components == 3
    assert views.baseline.error == pytest.approx(float(((rebuilt - ds.x_test) ** 2).mean()), rel=1e-4)
    np.testing.assert_allclose(np.abs(views.baseline.codes), np.abs(projected[:, :2]), rtol=1e-3, atol=1e-3)
    assert views.prior.shape == (16, 64) and views.interpolations.shape == (10, 10, 8, 64)
    np.testing.assert_allclose(views.originals, ds.featurize.unstandardize(ds.x_test[:12]), rtol=1e-6)


def test_interpolations_run_between_the_anchor_images_codes():
    trainer = Trainer(_spec({**RELU, "units": 32}, _latent(2)))
    trainer.run(20)
    views = trainer.compute_visuals().family
    ds = trainer.dataset
    assert [int(ds.y_test[i]) for i in views.anchors] == list(range(10))  # the first of each digit
    _, _, decoder = halves(trainer.module)
    with torch.no_grad():
        ends = decoder(torch.as_tensor(views.codes[views.anchors[[3, 8]]])).numpy()  # (2, 64)
    np.testing.assert_allclose(views.interpolations[3, 8, [0, -1]], ds.featurize.unstandardize(ends),
                               rtol=1e-4, atol=1e-4)


def test_points_get_clouds_and_no_interpolation():
    trainer = Trainer(_spec({**RELU, "units": 16}, _latent(2, variational=True),
                            **{"data.name": "swissroll-3d", "data.n_samples": 300}))
    trainer.run(5)
    trainer.compute_visuals()
    snap = take_snapshot(trainer, "paused", "")
    views = snap.visuals.family
    assert views.interpolations is None and views.originals.shape == views.reconstructions.shape == (150, 3)
    figure = ae_charts.reconstruction_figure(snap)
    assert [t["type"] for t in figure.data] == ["scatter3d", "scatter3d"]
    assert ae_charts.interpolation_figure(snap) is None
    assert ae_charts.prior_figure(snap).data[1]["name"] == "decoded from N(0, 1)"
    latent = ae_charts.latent_figure(snap)
    assert "colorbar" in latent.data[0]["marker"]  # a numeric label: a colour scale
    figure.to_plotly()
    latent.to_plotly()


def test_the_pca_baseline_is_fitted_once_per_data_set_and_size():
    ds = load_dataset(_spec().data)
    assert pca_baseline(ds, 2, "mse") is pca_baseline(ds, 2, "mse")
    assert pca_baseline(ds, 5, "mse").error < pca_baseline(ds, 2, "mse").error  # more axes rebuild more
    assert pca_baseline(ds, 2, "mae").error != pca_baseline(ds, 2, "mse").error


def test_views_need_no_targets():
    trainer = Trainer(_spec({**RELU, "units": 8}, _latent(2)))
    head = make_head("mse", "multiclass", 10)
    views = autoencoder_views(trainer.module.eval(), trainer.dataset, trainer.x_test, head, None)
    assert views.codes.shape == (len(trainer.x_test), 2)


# --------------------------------------------------------------------------- learning

def test_the_digits_autoencoder_separates_the_classes_and_beats_pca_at_the_same_size():
    """Never shown a label, its 2 numbers a digit still tell the digits apart far better than chance
    (10%), and better than PCA's 2 axes; and it rebuilds the test digits with less error than PCA."""
    trainer = trained("digits-autoencoder")
    ds = trainer.dataset
    encoder, code, _ = halves(trainer.module.eval())
    with torch.no_grad():
        train_codes, test_codes = (code(encoder(torch.as_tensor(x))).numpy() for x in (ds.x_train, ds.x_test))
    accuracy = KNeighborsClassifier(5).fit(train_codes, ds.y_train).score(test_codes, ds.y_test)
    pca = PCA(2).fit(ds.x_train)
    pca_accuracy = KNeighborsClassifier(5).fit(pca.transform(ds.x_train), ds.y_train).score(
        pca.transform(ds.x_test), ds.y_test)
    assert accuracy > 0.65 and accuracy > pca_accuracy + 0.1, (accuracy, pca_accuracy)
    record = trainer.history.records[-1]
    nearest = KNeighborsClassifier(1).fit(train_codes[:SCORED], ds.y_train[:SCORED])
    assert record.test_metric == pytest.approx(nearest.score(test_codes, ds.y_test))  # the record's metric
    baseline = trainer.compute_visuals().family.baseline
    assert record.scalars["test_reconstruction"] < 0.8 * baseline.error, (record.scalars, baseline.error)


def test_the_vae_decodes_the_prior_into_digit_like_images_and_keeps_its_code_near_n01():
    trainer = trained("digits-vae")
    record = trainer.history.records[-1]
    assert record.test_metric > 0.6 and 0 < record.scalars["test_kl"] < 10
    views = trainer.compute_visuals().family
    assert abs(views.codes.mean()) < 0.5 and 0.3 < views.codes.std() < 2.0  # pulled towards N(0, 1)
    # decoded prior samples lie about as near the training digits as the reconstructions of test digits do,
    # and far nearer than digits with their pixels shuffled (what "not a digit" looks like in these units)
    pixels = trainer.dataset.featurize.unstandardize(trainer.dataset.x_train)  # (N, 64)

    def nearest(images: np.ndarray) -> float:  # median over the images of the MSE to the nearest training digit
        return float(np.median(((images[:, None, :] - pixels[None]) ** 2).mean(axis=2).min(axis=1)))

    shuffled = np.random.default_rng(0).permuted(pixels[:16], axis=1)
    assert nearest(views.prior) < 1.5 * nearest(views.reconstructions)
    assert nearest(views.prior) < 0.2 * nearest(shuffled)


def test_the_swiss_roll_autoencoder_rebuilds_the_roll_far_better_than_pca():
    trainer = trained("swissroll-autoencoder")
    record = trainer.history.records[-1]
    baseline = trainer.compute_visuals().family.baseline
    assert record.scalars["test_reconstruction"] < 0.3 * baseline.error
    assert record.test_metric > 0.3  # the latent space keeps much of how far along the roll a point is


# --------------------------------------------------------------------------- presets, the CLI, the page

def test_the_autoencoder_presets_exist_with_their_family():
    for name in ("digits-autoencoder", "digits-vae", "swissroll-autoencoder"):
        assert PRESETS[name].spec.model.family == "autoencoder"
    assert get_preset("digits-vae").model.layers[-1]["variational"]


def test_the_cli_trains_an_autoencoder_preset_and_writes_the_named_losses(tmp_path):
    code, _, err = run_cli("train", "--preset", "digits-vae", "--epochs", "2", "--out", str(tmp_path / "run"))
    assert code == 0, err
    header = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"train_loss", "test_loss", "train_reconstruction", "test_reconstruction", "train_kl", "test_kl"} <= set(
        header)
    import json

    from safetensors.torch import load_file
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    spec = Spec.from_json((tmp_path / "run" / "spec.json").read_text())
    module = build_model(spec.model, tuple(summary["input_shape"]), summary["n_outputs"], seed=0).module
    module.load_state_dict(load_file(str(tmp_path / "run" / "model.safetensors")))
    assert (tmp_path / "run" / "layers.csv").is_file()


@pytest.fixture
def at():
    yield from started(AppTest.from_file(APP, default_timeout=30), ("playground-runner",))


def test_the_page_draws_an_autoencoder_preset_and_its_views(at):
    at.selectbox(key="preset").set_value("digits-vae").run()
    assert not at.exception and not at.error, errors(at)
    assert at.selectbox(key="model_family").value == "autoencoder"
    assert any(c.value.startswith("64 inputs → 64 → 4 → 64 → 64 outputs") for c in at.caption)
    at.button(key="btn_step").click().run()
    assert step_of(at) > 0 and not at.exception and not at.error, errors(at)
    assert "Latent space" in charts(at)["chart_latent_top"]["layout"]["title"]["text"]  # beside the network
    at.session_state["view_tab"] = "Neurons"
    at.run()
    assert {"chart_latent", "chart_pca", "chart_interpolation", "chart_prior"} <= set(charts(at)), errors(at)
    at.selectbox(key="interpolate_to").set_value(8).run()
    assert not at.exception and "to a 8" in charts(at)["chart_interpolation"]["layout"]["title"]["text"]
    at.session_state["view_tab"] = "Evaluation"
    at.run()
    assert {"chart_reconstructions", "chart_reconstruction_curve"} <= set(charts(at)) and not at.exception
    assert "chart_evaluation" not in charts(at)  # no predictions: no confusion matrix
