"""Charts: figures drawn from real snapshots show the numbers the snapshot holds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from playground import charts
from playground.charts.style import CLASS_COLORS, NEGATIVE, OPTIMIZER_COLORS, POSITIVE
from playground.snapshot import take_snapshot
from playground.spec import Spec
from playground.trainer import Trainer

FAST = {"data.n_samples": 200, "train.epochs": 20, "telemetry.surface_resolution": 24}


def make_trainer(steps: int = 60, **overrides) -> Trainer:
    trainer = Trainer(Spec().with_overrides(**{**FAST, "train.loss": "auto", **overrides}))
    trainer.run(steps)
    trainer.compute_visuals()
    return trainer


def snapshot(trainer: Trainer):
    return take_snapshot(trainer, "paused", "")


@pytest.fixture(scope="module")
def binary():
    return make_trainer(**{"data.name": "circle"})


@pytest.fixture(scope="module")
def multiclass():
    return make_trainer(**{"data.name": "blobs", "data.classes": 3})


@pytest.fixture(scope="module")
def line():
    return make_trainer(**{"data.name": "sine"})


@pytest.fixture(scope="module")
def table():
    return make_trainer(**{"data.name": "iris"})


def traces_named(fig, name):
    return [t for t in fig.data if t.name == name]


# --------------------------------------------------------------------------- style

def test_colour_language_is_consistent():
    assert CLASS_COLORS[0] == NEGATIVE and CLASS_COLORS[1] == POSITIVE  # binary classes = sign ends
    assert len(CLASS_COLORS) == 10 and len(set(CLASS_COLORS)) == 10
    assert len(OPTIMIZER_COLORS) == 8 and len(set(OPTIMIZER_COLORS)) == 8
    for path in Path(charts.__file__).parent.glob("*.py"):
        assert "import streamlit" not in path.read_text(), f"{path.name} must not use streamlit"


# --------------------------------------------------------------------------- curves

def test_downsample_keeps_first_and_last_and_caps_length():
    df = pd.DataFrame({"step": np.arange(1234) * 3, "v": np.random.default_rng(0).random(1234)})
    small = charts.downsample(df, 400)
    assert len(small) <= 400 and len(small) >= 390
    assert small["step"].iloc[0] == 0 and small["step"].iloc[-1] == 1233 * 3
    assert small["step"].is_monotonic_increasing
    assert charts.downsample(df.head(50), 400).equals(df.head(50))  # short: untouched


def test_loss_and_metric_curves_show_both_splits(binary, line):
    snap = snapshot(binary)
    fig = charts.loss_figure(snap, log_y=True)
    assert [t.name for t in fig.data] == ["train", "test"]
    assert fig.layout.xaxis.title.text == "step" and fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(fig.data[1].y, snap.history["test_loss"])
    np.testing.assert_allclose(fig.data[0].customdata, snap.history["epoch"])  # hover shows the epoch

    acc = charts.metric_figure(snap)
    np.testing.assert_allclose(acc.data[0].y, snap.history["train_acc"] * 100)  # percent
    r2 = charts.metric_figure(snapshot(line))
    assert [t.name for t in r2.data] == ["train", "test"] and "R²" in r2.layout.yaxis.title.text

    lr = charts.lr_figure(snap)
    np.testing.assert_allclose(lr.data[0].y, snap.history["lr"])


# --------------------------------------------------------------------------- layers

def test_histogram_bars_are_the_snapshot_counts(binary):
    snap = snapshot(binary)
    total = 0
    for i, layer in enumerate(binary.dense):
        fig = charts.weight_histogram_figure(snap, i)
        weights, biases = traces_named(fig, "weights")[0], traces_named(fig, "biases")[0]
        np.testing.assert_array_equal(weights.y, snap.weight_counts[i][-1])
        assert weights.y.sum() == layer.weight.numel()
        assert biases.y.sum() == layer.bias.numel()
        assert biases.visible == "legendonly"  # a toggle, off by default
        centres = np.asarray(weights.x)
        colours = np.asarray(weights.marker.color)
        assert (colours[centres < 0] == NEGATIVE).all() and (colours[centres > 0] == POSITIVE).all()
        total += weights.y.sum() + biases.y.sum()
    assert total == snap.parameter_count


def test_weight_evolution_is_a_step_by_value_heatmap(binary):
    snap = snapshot(binary)
    fig = charts.weight_evolution_figure(snap, 1)
    heat = fig.data[0]
    counts = snap.weight_counts[1]  # (T, bins)
    assert np.shape(heat.z) == (counts.shape[1], counts.shape[0])
    np.testing.assert_allclose(heat.z, np.log1p(counts.T))
    np.testing.assert_array_equal(heat.x, snap.hist_steps)


def test_gradient_charts_before_any_step_do_not_break():
    snap = snapshot(make_trainer(steps=0, **{"data.name": "xor"}))
    assert np.isnan(snap.layers["grad_norm"]).all()  # step 0 has no gradient
    fig = charts.gradient_bars_figure(snap)
    assert "No gradients yet" in fig.layout.annotations[0].text
    for fig in (charts.gradient_norm_figure(snap), charts.update_ratio_figure(snap),
                charts.gradient_norm_figure(snap, log_y=False)):
        assert len(fig.data) == len(snap.layer_labels)
        fig.to_json()


def test_gradient_lines_and_bars_per_layer(binary):
    snap = snapshot(binary)
    fig = charts.gradient_norm_figure(snap)
    assert [t.name for t in fig.data] == snap.layer_labels
    assert len({t.line.color for t in fig.data}) == len(fig.data)
    assert np.isnan(fig.data[0].y[0])  # step 0: a gap, not a point
    latest = snap.layers[snap.layers["step"] == snap.step].set_index("layer")["grad_norm"]
    bars = charts.gradient_bars_figure(snap).data[0]
    assert list(bars.x) == snap.layer_labels
    np.testing.assert_allclose(bars.y, latest[snap.layer_labels].to_numpy())

    ratio = charts.update_ratio_figure(snap)
    assert ratio.layout.yaxis.type == "log"
    assert any(shape.y0 == 1e-3 and shape.line.dash == "dot" for shape in ratio.layout.shapes)


def test_log_axes_label_decades_only_when_the_data_spans_them():
    snap = snapshot(make_trainer(**{"data.name": "circle"}))
    wide = snap.layers.assign(grad_norm=np.where(snap.layers["layer"] == "output", 1e-1, 1e-4))  # 3 decades
    assert charts.gradient_norm_figure(replace(snap, layers=wide)).layout.yaxis.dtick == 1
    narrow = snap.layers.assign(grad_norm=np.where(snap.layers["layer"] == "output", 0.3, 0.1))  # half a decade
    assert charts.gradient_norm_figure(replace(snap, layers=narrow)).layout.yaxis.dtick is None  # 2s and 5s help here


# --------------------------------------------------------------------------- surface

def test_binary_surface_with_train_and_test_points(binary):
    snap = snapshot(binary)
    g = binary.spec.telemetry.surface_resolution
    fig = charts.decision_surface_figure(snap, show_test=True)
    heat = fig.data[0]
    assert np.shape(heat.z) == (g, g) and (heat.zmin, heat.zmax) == (0, 1)
    points = [t for t in fig.data if t.name in ("train", "test") and t.x[0] is not None]
    assert [t.name for t in points] == ["train", "test"]
    assert len(points[0].x) == len(snap.dataset.y_train) and len(points[1].x) == len(snap.dataset.y_test)
    np.testing.assert_array_equal(points[0].marker.color, snap.dataset.y_train)
    assert fig.layout.yaxis.scaleanchor == "x"  # equal aspect

    only_train = charts.decision_surface_figure(snap)
    assert not traces_named(only_train, "test")


def test_multiclass_surface_colours_the_most_likely_class(multiclass):
    snap = snapshot(multiclass)
    fig = charts.decision_surface_figure(snap)
    z = np.asarray(fig.data[0].z)
    np.testing.assert_array_equal(np.floor(z), snap.visuals.surface.argmax(axis=-1))
    assert list(fig.data[0].colorbar.ticktext) == list(snap.dataset.class_names)


def test_line_data_shows_points_and_model_curve(line):
    snap = snapshot(line)
    fig = charts.decision_surface_figure(snap)
    assert [t.name for t in fig.data] == ["train", "model"]
    np.testing.assert_allclose(fig.data[1].y, snap.visuals.surface)
    maps = charts.neuron_maps_figure(snap, 0)
    assert len(maps.data) == snap.widths[1]


def test_table_data_has_no_surface(table):
    snap = snapshot(table)
    assert charts.decision_surface_figure(snap) is None
    assert charts.neuron_maps_figure(snap, 0) is None
    assert charts.data_preview_figure(snap.dataset).layout.xaxis.title.text == "PC 1"


def test_neuron_maps_one_cell_per_unit_capped():
    trainer = make_trainer(steps=5, **{"data.name": "circle", "model.layers.0.units": 20})
    snap = snapshot(trainer)
    fig = charts.neuron_maps_figure(snap, 0, max_units=16)
    assert "first 16 of 20" in fig.layout.title.text
    heat = fig.data[0]  # all maps tiled into one heatmap
    z, owner = np.asarray(heat.z), np.asarray(heat.customdata)
    assert set(np.unique(owner)) == set(range(17))  # 0 = the gaps between tiles
    for unit in (0, 5, 15):
        np.testing.assert_allclose(z[owner == unit + 1].reshape(24, 24), snap.visuals.neurons[0][unit], rtol=1e-6)
    assert np.isnan(z[owner == 0]).all()
    second = np.asarray(charts.neuron_maps_figure(snap, 1).data[0].customdata)
    assert second.max() == 2


# --------------------------------------------------------------------------- evaluation

def test_confusion_matrix_counts_every_test_point(multiclass, line):
    snap = snapshot(multiclass)
    fig = charts.confusion_matrix_figure(snap)
    counts = np.asarray(fig.data[0].customdata)
    assert counts.sum() == len(snap.dataset.y_test)
    assert np.trace(counts) == (snap.visuals.test_pred == snap.visuals.test_true).sum()
    np.testing.assert_allclose(np.asarray(fig.data[0].z).sum(axis=1), 1.0)  # rows normalised
    assert charts.confusion_matrix_figure(snapshot(line)) is None


def test_prediction_scatter_for_regression(line, binary):
    snap = snapshot(line)
    fig = charts.prediction_scatter_figure(snap)
    test = traces_named(fig, "test")[0]
    np.testing.assert_allclose(test.x, snap.visuals.test_true)
    np.testing.assert_allclose(test.y, snap.visuals.test_pred)
    ideal = fig.data[0]
    assert list(ideal.x) == list(ideal.y)  # the y = x line
    assert charts.prediction_scatter_figure(snapshot(binary)) is None


def test_data_preview_for_each_geometry(binary, multiclass, line, table):
    for trainer in (binary, multiclass, line, table):
        ds = trainer.dataset
        fig = charts.data_preview_figure(ds, height=200)
        assert len(fig.data[0].x) == len(ds.y_train) + len(ds.y_test) and fig.layout.height == 200
    pcs = charts.preview.principal_components(table.dataset.x_train.astype(float))
    assert pcs.shape == (len(table.dataset.x_train), 2)
    assert pcs[:, 0].var() >= pcs[:, 1].var()  # the first component carries the most variance


# --------------------------------------------------------------------------- serialisation

def test_every_figure_serialises_and_a_long_history_stays_small(binary, multiclass, line, table):
    long = make_trainer(steps=1100, **{"data.name": "xor", "data.n_samples": 100, "train.epochs": 1000,
                                       "telemetry.every_steps": 1, "telemetry.history_points": 5000})
    long_snap = snapshot(long)
    assert len(long_snap.history) > 1000
    loss = charts.loss_figure(long_snap)
    assert all(len(t.x) <= 400 for t in loss.data) and loss.data[0].x[-1] == long_snap.step
    assert len(loss.to_json()) < 1_000_000
    assert len(charts.gradient_norm_figure(long_snap).data[0].x) <= 400
    assert len(charts.weight_evolution_figure(long_snap, 0).data[0].x) <= 400

    for snap in [snapshot(t) for t in (binary, multiclass, line, table)] + [long_snap]:
        figures = [
            charts.loss_figure(snap), charts.metric_figure(snap), charts.lr_figure(snap),
            charts.weight_histogram_figure(snap, 0), charts.weight_evolution_figure(snap, 0),
            charts.gradient_norm_figure(snap), charts.gradient_bars_figure(snap), charts.update_ratio_figure(snap),
            charts.decision_surface_figure(snap, show_test=True), charts.neuron_maps_figure(snap, 0),
            charts.data_preview_figure(snap.dataset),  # the network diagram: test_network_chart.py
            charts.confusion_matrix_figure(snap), charts.prediction_scatter_figure(snap),
        ]
        for fig in filter(None, figures):
            html = fig.to_html(include_plotlyjs=False, full_html=False)
            assert "Plotly.newPlot" in html
            layout = json.loads(fig.to_json())["layout"]
            assert layout["uirevision"]  # zoom survives live redraws


def test_before_the_first_visuals_only_the_curves_draw():
    trainer = Trainer(Spec().with_overrides(**{**FAST, "data.name": "circle"}))  # no compute_visuals yet
    snap = snapshot(trainer)
    assert snap.visuals is None
    for draw in (charts.decision_surface_figure, charts.network_figure, charts.confusion_matrix_figure,
                 charts.prediction_scatter_figure, lambda s: charts.neuron_maps_figure(s, 0)):
        assert draw(snap) is None
    assert len(charts.loss_figure(snap).data) == 2 and len(charts.weight_histogram_figure(snap, 0).data) == 2
