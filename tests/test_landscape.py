"""Loss landscapes: the line from the start, the 2-D slice, filter normalisation, projections."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import charts
from playground.core.spec import Spec
from playground.lab.contestants import parse_contestants
from playground.lab.landscape import (
    LINE_ALPHAS,
    filter_normalized_direction,
    flat_parameters,
    landscape_line,
    landscape_surface,
    pca_directions,
    project,
    random_directions,
)
from playground.lab.race import Race

SPEC = {"data.n_samples": 200, "train.epochs": 6}


@pytest.fixture(scope="module")
def snap():
    race = Race(Spec().with_overrides(**SPEC), parse_contestants("sgd:lr=0.3,adam:lr=0.02,momentum"))
    race.run(race.total_steps)
    return race.snapshot()


def test_line_starts_at_the_initial_loss_and_ends_at_the_current_loss(snap):
    line = landscape_line(snap, alphas=[0.0, 0.5, 1.0])
    assert list(line["optimizer"].unique()) == [c.label for c in snap.contestants]
    for c in snap.contestants:
        part = line[line["optimizer"] == c.label].set_index("alpha")
        first, last = c.history.iloc[0], c.history.iloc[-1]
        assert last["step"] == c.step  # the last record is of the current weights
        assert part.loc[0.0, "train_loss"] == pytest.approx(first["train_loss"], abs=1e-5)
        assert part.loc[0.0, "test_loss"] == pytest.approx(first["test_loss"], abs=1e-5)
        assert part.loc[1.0, "train_loss"] == pytest.approx(last["train_loss"], abs=1e-5)
        assert part.loc[1.0, "test_loss"] == pytest.approx(last["test_loss"], abs=1e-5)
    default = landscape_line(snap)
    assert len(default) == 3 * len(LINE_ALPHAS) and default["alpha"].min() == -0.25 and default["alpha"].max() == 1.25


def test_slice_centre_is_the_current_loss(snap):
    for center in (0, "adam lr=0.02"):
        land = landscape_surface(snap, center=center, resolution=11)
        owner = snap.contestant(center)
        current = owner.history["train_loss"].iloc[-1]
        assert land.loss.shape == (11, 11) and land.alphas[5] == 0.0 and land.betas[5] == 0.0
        assert land.center_loss == pytest.approx(current, abs=1e-5)
        assert land.loss[5, 5] == pytest.approx(current, abs=1e-5)
        assert np.isfinite(land.loss).all()
        assert land.alphas[0] == -1.0 and land.alphas[-1] == 1.0


def test_slice_matches_a_direct_evaluation_off_centre(snap):
    land = landscape_surface(snap, center=1, resolution=5, span=0.5, seed=3)
    theta = land.center + land.alphas[4] * land.d1 + land.betas[1] * land.d2
    x, t = snap.probe.data["train"]
    net = snap.probe.module
    params = snap.probe.unflatten(theta)
    with torch.no_grad():
        out = torch.func.functional_call(net, params, (x,))
        expected = float(snap.probe.loss_fn(out, t))
    assert land.loss[1, 4] == pytest.approx(expected, rel=1e-5)


def test_filter_normalised_directions_have_the_weights_row_norms(snap):
    probe, center = snap.probe, snap.contestants[0].parameters
    d = filter_normalized_direction(probe, center, torch.Generator().manual_seed(0))
    directions, weights = probe.unflatten(d), probe.unflatten(center)
    for name, w in weights.items():
        if w.dim() >= 2:
            torch.testing.assert_close(torch.linalg.vector_norm(directions[name], dim=1),
                                       torch.linalg.vector_norm(w, dim=1), rtol=1e-5, atol=1e-7)
        else:  # biases: zero, as in the paper's default
            assert torch.count_nonzero(directions[name]) == 0
    a1, a2 = random_directions(probe, center, seed=7)
    b1, b2 = random_directions(probe, center, seed=7)
    assert torch.equal(a1, b1) and torch.equal(a2, b2) and not torch.equal(a1, a2)
    assert not torch.equal(random_directions(probe, center, seed=8)[0], a1)


def test_projection_of_the_centre_is_the_origin(snap):
    center = snap.contestants[0].parameters
    d1, d2 = random_directions(snap.probe, center, seed=0)
    assert np.abs(project(center[None], center, d1, d2)).max() == 0.0
    point = center + 2.0 * d1 - 3.0 * d2
    np.testing.assert_allclose(project(point[None], center, d1, d2)[0], [2.0, -3.0], atol=1e-4)
    # the least-squares coordinates are exact on the plane whatever the directions' angle
    skew = d1 + 0.5 * d2
    np.testing.assert_allclose(project((center + skew)[None], center, d1, skew)[0], [0.0, 1.0], atol=1e-4)


def test_paths_are_projected_and_end_where_the_contestants_are(snap):
    land = landscape_surface(snap, center="momentum", resolution=5)
    assert list(land.paths["optimizer"].unique()) == [c.label for c in snap.contestants]
    own = land.paths[land.paths["optimizer"] == "momentum"]
    assert own[["a", "b"]].iloc[-1].abs().max() < 1e-9  # the centre's own path ends at (0, 0)
    assert own["step"].iloc[0] == 0 and own["step"].iloc[-1] == snap.contestants[2].step
    starts = land.paths[land.paths["step"] == 0][["a", "b"]].to_numpy()
    np.testing.assert_allclose(starts, starts[:1].repeat(3, axis=0))  # one shared start


def test_pca_directions_are_orthonormal_and_span_the_paths(snap):
    center = snap.contestants[0].parameters
    d1, d2 = pca_directions(torch.cat([c.path for c in snap.contestants]) - center)
    assert float(d1 @ d1) == pytest.approx(1.0, abs=1e-5) and float(d2 @ d2) == pytest.approx(1.0, abs=1e-5)
    assert abs(float(d1 @ d2)) < 1e-5
    land = landscape_surface(snap, center=0, resolution=5, directions="pca")
    extent = land.paths[["a", "b"]].abs().to_numpy().max()
    assert land.alphas[-1] == pytest.approx(1.25 * extent)


def test_the_probe_leaves_the_live_model_alone():
    race = Race(Spec().with_overrides(**{**SPEC, "model.layers": [
        {"kind": "linear", "units": 6}, {"kind": "batchnorm"}, {"kind": "linear", "units": 4}]}),
        parse_contestants("sgd,adam"))
    race.run(30)  # three epochs: the last record is of the current weights
    module = race.trainers[0].module
    before = flat_parameters(module)
    buffers = {k: v.clone() for k, v in module.named_buffers()}
    assert module.training
    snap = race.snapshot()
    land = landscape_surface(snap, center=0, resolution=5)
    landscape_line(snap, alphas=[0.0, 1.0])
    assert module.training and torch.equal(flat_parameters(module), before)
    assert all(torch.equal(v, buffers[k]) for k, v in module.named_buffers())
    # BatchNorm's running statistics are the centre's own: the centre loss is the recorded one
    assert land.center_loss == pytest.approx(snap.contestants[0].history["train_loss"].iloc[-1], abs=1e-5)


def test_landscape_charts(snap):
    fig = charts.landscape_line_figure(landscape_line(snap)).to_plotly()  # validated
    train = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in train] == [c.label for c in snap.contestants]
    assert [t.line.color for t in train] == [charts.OPTIMIZER_COLORS[c.color] for c in snap.contestants]
    land = landscape_surface(snap, center=1, resolution=7)
    fig = charts.landscape_surface_figure(land).to_plotly()
    assert fig.data[0].type == "contour"
    assert np.allclose(np.asarray(fig.data[0].z), np.log10(land.loss))
    names = [t.name for t in fig.data]
    assert all(c.label in names for c in snap.contestants) and "centre: adam lr=0.02" in names
