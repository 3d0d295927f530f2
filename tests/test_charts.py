"""Charts: figures drawn from real snapshots show the numbers the snapshot holds."""

from __future__ import annotations

import base64
import json
import math
import struct
import zlib
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from playground import charts
from playground.charts.figure import Figure
from playground.charts.image import hex_rgb
from playground.charts.style import (
    CLASS_COLORS,
    FEW_POINTS,
    NEGATIVE,
    OPTIMIZER_COLORS,
    POSITIVE,
    class_color,
    log_axis,
    sign_color,
    tint,
)
from playground.charts.surface import PALE
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Diverged, Trainer

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
    return [t for t in fig.data if (t.get("name") if isinstance(t, dict) else t.name) == name]


def validated(fig):
    """The plotly go.Figure of a chart: plotly checks every property name and value on the way."""
    return fig.to_plotly() if isinstance(fig, Figure) else fig


# --------------------------------------------------------------------------- style

def test_colour_language_is_consistent():
    assert CLASS_COLORS[0] == NEGATIVE and CLASS_COLORS[1] == POSITIVE  # binary classes = sign ends
    assert len(CLASS_COLORS) == 10 and len(set(CLASS_COLORS)) == 10
    assert len(OPTIMIZER_COLORS) == 8 and len(set(OPTIMIZER_COLORS)) == 8
    for path in Path(charts.__file__).parent.glob("*.py"):
        assert "import streamlit" not in path.read_text(), f"{path.name} must not use streamlit"


def test_base_layout_takes_a_figure_or_a_go_figure_and_gives_both_the_same_look():
    import plotly.graph_objects as go

    ours = charts.base_layout(Figure(), "Title", 300, uirevision="u").to_plotly()
    theirs = charts.base_layout(go.Figure(), "Title", 300, uirevision="u")
    assert json.loads(ours.to_json())["layout"] == json.loads(theirs.to_json())["layout"]
    assert ours.layout.template.layout.xaxis.gridcolor == "#EBF0F8"  # the template travels as plotly.js takes it
    a, b = charts.base_layout(Figure(), None, 200), charts.base_layout(Figure(), None, 200)
    a.layout["template"]["layout"]["font"]["size"] = 99
    assert b.layout["template"]["layout"]["font"]["size"] == 14  # each figure has its own copy


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
    assert [t["name"] for t in fig.data] == ["train", "test"]
    assert fig.layout["xaxis"]["title"]["text"] == "step" and fig.layout["yaxis"]["type"] == "log"
    np.testing.assert_allclose(fig.data[1]["y"], snap.history["test_loss"])
    np.testing.assert_allclose(fig.data[0]["customdata"], snap.history["epoch"])  # hover shows the epoch

    acc = charts.metric_figure(snap)
    np.testing.assert_allclose(acc.data[0]["y"], snap.history["train_acc"] * 100)  # percent
    r2 = charts.metric_figure(snapshot(line))
    assert [t["name"] for t in r2.data] == ["train", "test"] and "R²" in r2.layout["yaxis"]["title"]["text"]

    lr = charts.lr_figure(snap)
    np.testing.assert_allclose(lr.data[0]["y"], snap.history["lr"])


# --------------------------------------------------------------------------- layers

def test_histogram_bars_are_the_snapshot_counts(binary):
    snap = snapshot(binary)
    total = 0
    for i, layer in enumerate(binary.dense):
        fig = charts.weight_histogram_figure(snap, i)
        weights, biases = traces_named(fig, "weights")[0], traces_named(fig, "biases")[0]
        np.testing.assert_array_equal(weights["y"], snap.weight_counts[i][-1])
        assert weights["y"].sum() == layer.weight.numel()
        assert biases["y"].sum() == layer.bias.numel()
        assert biases["visible"] == "legendonly"  # a toggle, off by default
        centres = np.asarray(weights["x"])
        colours = np.asarray(weights["marker"]["color"])
        assert (colours[centres < 0] == NEGATIVE).all() and (colours[centres > 0] == POSITIVE).all()
        total += weights["y"].sum() + biases["y"].sum()
    assert total == snap.parameter_count


def test_a_layer_without_biases_offers_no_biases_toggle():
    from torch import nn

    from playground.train.telemetry import parameter_groups

    module = nn.Sequential(nn.Linear(2, 3, bias=False), nn.Tanh(), nn.Linear(3, 1))
    groups = parameter_groups(module)
    assert groups[0].biases == [] and groups[1].biases
    trainer = make_trainer(steps=5)
    snap = snapshot(trainer)
    snap.bias_counts[0] = np.zeros_like(snap.bias_counts[0])  # as the probe counts a group with no biases
    assert not traces_named(charts.weight_histogram_figure(snap, 0), "biases")
    assert traces_named(charts.weight_histogram_figure(snap, 1), "biases")


def test_weight_evolution_is_a_step_by_value_heatmap(binary):
    snap = snapshot(binary)
    fig = charts.weight_evolution_figure(snap, 1)
    heat = fig.data[0]
    counts = snap.weight_counts[1]  # (T, bins)
    assert np.shape(heat["z"]) == (counts.shape[1], counts.shape[0])
    np.testing.assert_allclose(heat["z"], np.log1p(counts.T), rtol=1e-6)
    np.testing.assert_array_equal(heat["x"], snap.hist_steps)


def test_gradient_charts_before_any_step_do_not_break():
    snap = snapshot(make_trainer(steps=0, **{"data.name": "xor"}))
    assert np.isnan(snap.layers["grad_norm"]).all()  # step 0 has no gradient
    fig = charts.gradient_bars_figure(snap)
    assert "No gradients yet" in fig.layout["annotations"][0]["text"]
    for fig in (charts.gradient_norm_figure(snap), charts.update_ratio_figure(snap),
                charts.gradient_norm_figure(snap, log_y=False)):
        assert len(fig.data) == len(snap.layer_labels)
        fig.to_plotly()


def test_gradient_lines_and_bars_per_layer(binary):
    snap = snapshot(binary)
    fig = charts.gradient_norm_figure(snap)
    assert [t["name"] for t in fig.data] == snap.layer_labels
    assert len({t["line"]["color"] for t in fig.data}) == len(fig.data)
    assert np.isnan(fig.data[0]["y"][0])  # step 0: a gap, not a point
    latest = snap.layers[snap.layers["step"] == snap.step].set_index("layer")["grad_norm"]
    bars = charts.gradient_bars_figure(snap).data[0]
    assert list(bars["x"]) == snap.layer_labels
    np.testing.assert_allclose(bars["y"], latest[snap.layer_labels].to_numpy())

    ratio = charts.update_ratio_figure(snap).to_plotly()
    assert ratio.layout.yaxis.type == "log"
    assert any(shape.y0 == 1e-3 and shape.line.dash == "dot" for shape in ratio.layout.shapes)
    low, high = ratio.layout.yaxis.range
    assert low < -3 < high  # the 1e-3 guide line is inside the range


def test_log_axes_label_decades_only_when_the_data_spans_them(binary):
    snap = snapshot(binary)
    wide = snap.layers.assign(grad_norm=np.where(snap.layers["layer"] == "output", 1e-1, 1e-4))  # 3 decades
    axis = charts.gradient_norm_figure(replace(snap, layers=wide)).to_plotly().layout.yaxis
    assert axis.dtick == 1 and axis.minor.dtick == "D1" and axis.minor.ticks == "outside"  # minor ticks, no labels
    assert axis.range[0] <= -4 and axis.range[1] >= -1
    narrow = snap.layers.assign(grad_norm=np.where(snap.layers["layer"] == "output", 0.3, 0.1))  # half a decade
    axis = charts.gradient_norm_figure(replace(snap, layers=narrow)).to_plotly().layout.yaxis
    assert axis.dtick is None and axis.minor.dtick is None  # plotly's own ticks, labelled in full
    assert axis.range[1] - axis.range[0] < 1  # under a decade, where plotly labels ticks in full, never digits


# --------------------------------------------------------------------------- surface

def points_drawn(image: dict, extent) -> dict[str, list[tuple[float, float, str]]]:
    """The points in surface.py's SVG picture: split -> [(x, y, fill colour)], in data coordinates.
    Each path's vertices are points; its markers (named after the split) draw them."""
    svg = ElementTree.fromstring(base64.b64decode(image["source"].split(",", 1)[1]))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    fills = {m.get("id"): m[0].get("fill") for m in svg.iterfind(".//svg:marker", ns)}
    x0, x1, y0, y1 = extent
    drawn: dict[str, list] = {}
    for path in svg.iterfind("svg:path", ns):
        marker = path.get("marker-mid")[len("url(#"):-1]
        assert path.get("marker-start") == path.get("marker-end") == path.get("marker-mid")
        numbers = [float(v) for v in path.get("d").lstrip("M").split()]
        split = marker.rstrip("0123456789")
        drawn.setdefault(split, []).extend(
            (x0 + px / width * (x1 - x0), y1 - py / height * (y1 - y0), fills[marker])
            for px, py in zip(numbers[::2], numbers[1::2]))
    return drawn


def test_binary_surface_with_train_and_test_points(binary):
    snap = snapshot(binary)
    ds = snap.dataset
    g = binary.spec.telemetry.surface_resolution
    fig = charts.decision_surface_figure(snap, show_test=True)
    heat = fig.data[0]  # the hover and the colour bar; the surface itself is a picture
    assert np.shape(heat["z"]) == (g, g) and (heat["zmin"], heat["zmax"]) == (0, 1) and heat["opacity"] == 0
    surface, points = fig.layout["images"]
    assert surface["layer"] == points["layer"] == "below"  # points after the surface: drawn on top
    drawn = points_drawn(points, ds.extent)
    assert sorted(drawn) == ["test", "train"]
    span = ds.extent[1] - ds.extent[0]
    for split, xy, labels in (("train", ds.points_train, ds.y_train), ("test", ds.points_test, ds.y_test)):
        assert len(drawn[split]) == len(xy)
        # Every point, at its place (to the picture's 1/1000 grid) and in its class's colour.
        at = np.array([(x, y) for x, y, _ in drawn[split]])
        fills = np.array([fill for _, _, fill in drawn[split]])
        for (x, y), c in zip(xy, labels):
            near = np.abs(at - (x, y)).max(axis=1) <= span / 1000
            assert (fills[near] == class_color(int(c))).any(), (split, x, y)
    legend = [t for t in fig.data if t["type"] == "scatter"]  # a grey marker of each split's shape
    assert [(t["name"], t["marker"]["symbol"]) for t in legend] == [("train", "circle"), ("test", "diamond")]
    assert fig.layout["yaxis"]["scaleanchor"] == "x"  # equal aspect

    only_train = charts.decision_surface_figure(snap)
    assert not traces_named(only_train, "test")
    assert list(points_drawn(only_train.layout["images"][1], ds.extent)) == ["train"]
    # Every redraw sends the same picture of the points (the browser keeps the one it shows).
    again = charts.decision_surface_figure(snap)
    assert only_train.layout["images"][1]["source"] == again.layout["images"][1]["source"]


def test_binary_surface_picture_shows_the_model_probability(binary):
    """The surface's picture: P(class 1) on the diverging scale, bilinear between grid points,
    so at each grid point the pixel has that point's colour."""
    snap = snapshot(binary)
    g = binary.spec.telemetry.surface_resolution
    image = charts.decision_surface_figure(snap).layout["images"][0]
    rgb = decode_png(image["source"]).astype(float)
    size = rgb.shape[0]
    assert rgb.shape[:2] == (size, size) and size >= 5 * g
    for i in range(0, g, 4):
        for j in range(0, g, 4):
            row, col = size - 1 - round(i * (size - 1) / (g - 1)), round(j * (size - 1) / (g - 1))
            p = float(snap.visuals.surface[i, j])
            expected = hex_rgb(sign_color(2 * p - 1, 1.0))  # P 0 = NEGATIVE, 0.5 = neutral, 1 = POSITIVE
            assert np.abs(rgb[row, col] - expected).max() <= 3, (i, j, p)


def test_regression_surface_keeps_one_scale_for_surface_and_points():
    trainer = make_trainer(**{"data.name": "plane"})
    snap = snapshot(trainer)
    ds = snap.dataset
    fig = charts.decision_surface_figure(snap)
    heat = fig.data[0]
    centre, spread = float(np.mean(ds.y_train)), float(np.max(np.abs(ds.y_train - np.mean(ds.y_train))))
    assert (heat["zmin"], heat["zmax"]) == pytest.approx((centre - spread, centre + spread))
    drawn = points_drawn(fig.layout["images"][1], ds.extent)["train"]
    span = ds.extent[1] - ds.extent[0]

    def fill_at(index: int) -> np.ndarray:
        x, y = ds.points_train[index]
        return hex_rgb(next(f for px, py, f in drawn if abs(px - x) <= span / 1000 and abs(py - y) <= span / 1000))

    # The point furthest from the mean is drawn in its end of the scale; bluer as the target grows.
    far = int(np.argmax(np.abs(ds.y_train - centre)))
    end = POSITIVE if ds.y_train[far] > centre else NEGATIVE
    assert fill_at(far) == pytest.approx(hex_rgb(end), abs=1)
    blueness = [fill_at(i)[2] - fill_at(i)[0] for i in np.argsort(ds.y_train)]
    assert np.all(np.diff(blueness) >= 0) and blueness[-1] - blueness[0] > 150
    # A diverged model (NaN everywhere) still draws: the surface in the scale's middle colour.
    broken = replace(snap, visuals=replace(snap.visuals, surface=np.full_like(snap.visuals.surface, np.nan)))
    rgb = decode_png(charts.decision_surface_figure(broken).layout["images"][0]["source"])
    assert (rgb == rgb[0, 0]).all() and np.abs(rgb[0, 0] - hex_rgb(sign_color(0.0, 1.0))).max() <= 2


def test_multiclass_surface_colours_the_most_likely_class(multiclass):
    snap = snapshot(multiclass)
    fig = charts.decision_surface_figure(snap)
    z = np.asarray(fig.data[0]["z"])
    np.testing.assert_array_equal(np.floor(z), snap.visuals.surface.argmax(axis=-1))
    assert list(fig.data[0]["colorbar"]["ticktext"]) == list(snap.dataset.class_names)


def test_line_data_shows_points_and_model_curve(line):
    snap = snapshot(line)
    fig = charts.decision_surface_figure(snap)
    assert [t["name"] for t in fig.data] == ["train", "model"]
    np.testing.assert_allclose(fig.data[1]["y"], snap.visuals.surface)
    maps = charts.neuron_maps_figure(snap, 0)
    assert len(maps.data) == snap.widths[1]
    plotted = maps.to_plotly()  # one small chart per unit, as make_subplots would lay them out
    assert {t.xaxis for t in plotted.data} == {"x"} | {f"x{i}" for i in range(2, snap.widths[1] + 1)}
    assert [a.text for a in plotted.layout.annotations] == [f"unit {u + 1}" for u in range(snap.widths[1])]


def test_table_data_has_no_surface(table):
    snap = snapshot(table)
    assert charts.decision_surface_figure(snap) is None
    assert charts.neuron_maps_figure(snap, 0) is None
    assert charts.data_preview_figure(snap.dataset).layout["xaxis"]["title"]["text"] == "PC 1"


def test_neuron_maps_one_cell_per_unit_capped():
    trainer = make_trainer(steps=5, **{"data.name": "circle", "model.layers.0.units": 20})
    snap = snapshot(trainer)
    fig = charts.neuron_maps_figure(snap, 0, max_units=16)
    assert "first 16 of 20" in fig.layout["title"]["text"]
    heat = fig.data[0]  # all maps tiled into one heatmap
    z, owner = np.asarray(heat["z"]), np.asarray(heat["customdata"])
    assert set(np.unique(owner)) == set(range(17))  # 0 = the gaps between tiles
    for unit in (0, 5, 15):
        np.testing.assert_allclose(z[owner == unit + 1].reshape(24, 24), snap.visuals.neurons[0][unit], rtol=1e-6)
    assert np.isnan(z[owner == 0]).all()
    second = np.asarray(charts.neuron_maps_figure(snap, 1).data[0]["customdata"])
    assert second.max() == 2


# --------------------------------------------------------------------------- evaluation

def test_confusion_matrix_counts_every_test_point(multiclass, line):
    snap = snapshot(multiclass)
    fig = charts.confusion_matrix_figure(snap)
    counts = np.asarray(fig.data[0]["customdata"])
    assert counts.sum() == len(snap.dataset.y_test)
    assert np.trace(counts) == (snap.visuals.test_pred == snap.visuals.test_true).sum()
    np.testing.assert_allclose(np.asarray(fig.data[0]["z"]).sum(axis=1), 1.0)  # rows normalised
    assert charts.confusion_matrix_figure(snapshot(line)) is None


def test_class_scores_are_precision_recall_and_f1_counted_by_hand(multiclass, line):
    from playground.charts.evaluation import class_scores

    true = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    pred = np.array([0, 0, 1, 2, 1, 0, 2, 2])
    scores = class_scores(true, pred, 4)  # class 3: never there, never predicted
    # class 0: 3 called 0, 2 of them right (precision 2/3); 4 true 0s, 2 found (recall 1/2)
    np.testing.assert_allclose(scores[:, 0], [2 / 3, 1 / 2, 2 * (2 / 3 * 1 / 2) / (2 / 3 + 1 / 2)])
    np.testing.assert_allclose(scores[:, 2], [2 / 3, 1, 0.8])
    np.testing.assert_array_equal(scores[:, 3], 0)
    np.testing.assert_allclose(class_scores(true.reshape(2, 4), pred.reshape(2, 4), 4), scores)  # tokens
    snap = snapshot(multiclass)
    fig = validated(charts.class_scores_figure(snap))
    assert [t.name for t in fig.data] == ["precision", "recall", "F1"]
    expected = class_scores(snap.visuals.test_true, snap.visuals.test_pred, 3)
    np.testing.assert_allclose([t.y for t in fig.data], expected)
    assert f"mean F1 {expected[2].mean():.2f}" in fig.layout.title.text
    assert charts.class_scores_figure(snapshot(line)) is None


def test_residuals_are_predicted_minus_true_with_the_r2(line, binary):
    snap = snapshot(line)
    fig = charts.residuals_figure(snap)
    test = traces_named(fig, "test")[0]
    true, pred = snap.visuals.test_true.astype(float), snap.visuals.test_pred.astype(float)
    np.testing.assert_allclose(test["y"], pred - true)
    r2 = 1 - ((pred - true) ** 2).sum() / ((true - true.mean()) ** 2).sum()
    assert f"R² {r2:.3f}" in fig.layout["title"]["text"]
    validated(fig)
    assert charts.residuals_figure(snapshot(binary)) is None
    assert charts.r2_text(-2.0225e21) == "-2.02e+21" and charts.r2_text(0.98765) == "0.988"


def test_prediction_scatter_for_regression(line, binary):
    snap = snapshot(line)
    fig = charts.prediction_scatter_figure(snap)
    test = traces_named(fig, "test")[0]
    np.testing.assert_allclose(test["x"], snap.visuals.test_true)
    np.testing.assert_allclose(test["y"], snap.visuals.test_pred)
    ideal = fig.data[0]
    assert list(ideal["x"]) == list(ideal["y"])  # the y = x line
    assert charts.prediction_scatter_figure(snapshot(binary)) is None


def test_data_preview_for_each_geometry(binary, multiclass, line, table):
    for trainer in (binary, multiclass, line, table):
        ds = trainer.dataset
        fig = charts.data_preview_figure(ds, height=200)
        assert len(fig.data[0]["x"]) == len(ds.y_train) + len(ds.y_test) and fig.layout["height"] == 200
    pcs = charts.preview.principal_components(table.dataset.x_train.astype(float))
    assert pcs.shape == (len(table.dataset.x_train), 2)
    assert pcs[:, 0].var() >= pcs[:, 1].var()  # the first component carries the most variance


@pytest.mark.parametrize("shape", [(300, 12), (8, 40), (400, 300)])  # exact SVD, and randomized past 256
def test_principal_components_are_the_exact_ones_up_to_sign(shape):
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    signal = rng.normal(size=(shape[0], 2)) * [5.0, 3.0] @ rng.normal(size=(2, shape[1]))  # two clear axes
    x = signal + 0.1 * rng.normal(size=shape)
    ours = charts.preview.principal_components(x)
    theirs = PCA(2, svd_solver="full").fit_transform(x)
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-6 * np.abs(theirs).max())


# --------------------------------------------------------------------------- serialisation

def test_every_figure_serialises_and_a_long_history_stays_small(binary, multiclass, line, table):
    long = make_trainer(steps=1100, **{"data.name": "xor", "data.n_samples": 100, "train.epochs": 1000,
                                       "telemetry.every_steps": 1, "telemetry.history_points": 5000})
    long_snap = snapshot(long)
    assert len(long_snap.history) > 1000
    loss = charts.loss_figure(long_snap)
    assert all(len(t["x"]) <= 400 for t in loss.data) and loss.data[0]["x"][-1] == long_snap.step
    assert len(loss.to_json()) < 1_000_000
    assert len(charts.gradient_norm_figure(long_snap).data[0]["x"]) <= 400
    assert len(charts.weight_evolution_figure(long_snap, 0).data[0]["x"]) <= 400

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
            html = validated(fig).to_html(include_plotlyjs=False, full_html=False)
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


# --------------------------------------------------------------------------- every chart is plotly-valid

@pytest.fixture(scope="module")
def diverged():
    """A regression run blown up by a learning rate of 10: losses 1e34 then inf, R² -1e34."""
    trainer = Trainer(Spec().with_overrides(**{
        **FAST, "data.name": "plane", "train.loss": "mse", "train.optimizer.lr": 10.0, "telemetry.every_steps": 1,
        "model.layers.0.activation": "relu", "model.layers.1.activation": "relu"}))
    with pytest.raises(Diverged):
        trainer.run(trainer.total_steps)
    trainer.compute_visuals()
    return trainer


CHARTS = {
    "loss": charts.loss_figure,
    "loss (log)": lambda s: charts.loss_figure(s, log_y=True),
    "metric": charts.metric_figure,
    "learning rate": charts.lr_figure,
    "weight histogram": lambda s: charts.weight_histogram_figure(s, 1),
    "weight evolution": lambda s: charts.weight_evolution_figure(s, 0),
    "gradient norm": charts.gradient_norm_figure,
    "gradient norm (linear)": lambda s: charts.gradient_norm_figure(s, log_y=False),
    "gradient bars": charts.gradient_bars_figure,
    "update ratio": charts.update_ratio_figure,
    "surface": lambda s: charts.decision_surface_figure(s, show_test=True),
    "neuron maps": lambda s: charts.neuron_maps_figure(s, 0),
    "data preview": lambda s: charts.data_preview_figure(s.dataset, title="Data"),
    "confusion matrix": charts.confusion_matrix_figure,
    "prediction scatter": charts.prediction_scatter_figure,
}
NOTHING_TO_DRAW = {("surface", "table"), ("neuron maps", "table"), ("confusion matrix", "line"),
                   ("confusion matrix", "diverged"), ("prediction scatter", "binary"),
                   ("prediction scatter", "multiclass"), ("prediction scatter", "table")}


@pytest.mark.parametrize("run", ["binary", "multiclass", "line", "table", "diverged"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_every_chart_is_a_figure_plotly_accepts(request, chart, run):
    """plotly validates every property name and value: a misspelt one fails here, not in the browser."""
    snap = snapshot(request.getfixturevalue(run))
    fig = CHARTS[chart](snap)
    if (chart, run) in NOTHING_TO_DRAW:
        assert fig is None
        return
    assert isinstance(fig, Figure)
    plotted = fig.to_plotly()
    assert plotted.layout.height == fig.layout["height"] and plotted.layout.template.layout.font.size == 14
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text  # not JSON: plotly.js would refuse the figure
    assert json.loads(text)["layout"]["uirevision"]


def test_message_figure_is_valid():
    fig = charts.message_figure("Nothing yet.", "Loss", 200)
    assert fig.to_plotly().layout.annotations[0].text == "Nothing yet."


# --------------------------------------------------------------------------- readability

def test_log_axis_labels_decades_only():
    axis = log_axis([1e-4, 3e-3, 0.1, np.nan, 0.0, -1.0])  # 3 decades; NaN, 0 and negatives left out
    assert axis["type"] == "log" and axis["dtick"] == 1 and axis["tick0"] == 0 and axis["exponentformat"] == "power"
    assert axis["minor"]["dtick"] == "D1" and axis["minor"]["ticks"] == "outside"  # 2..9 ticked, not labelled
    assert axis["range"][0] < -4 and axis["range"][1] > -1
    huge = log_axis([1e-12, 1e15])  # 27 decades: every 5th decade labelled, each decade ticked
    assert huge["dtick"] == 5 and huge["minor"]["dtick"] == 1
    one = log_axis([0.0015, 0.015])  # one decade holds one power of 10: the range reaches a second
    low, high = one["range"]
    assert math.floor(high) - math.ceil(low) >= 1 and low <= math.log10(0.0015) and high >= math.log10(0.015)
    narrow = log_axis([0.03, 0.09])  # half a decade: plotly's own ticks, in full, never digits
    assert "dtick" not in narrow and "minor" not in narrow
    assert narrow["range"][1] - narrow["range"][0] < 1  # from a decade up, plotly would label digits
    assert narrow["range"][0] < math.log10(0.03) and narrow["range"][1] > math.log10(0.09)
    flat = log_axis([0.05, 0.05])
    assert flat["range"][0] < math.log10(0.05) < flat["range"][1]
    assert log_axis([np.nan, 0.0]) == {"type": "log", "exponentformat": "power"}


def test_every_log_axis_uses_the_decade_labels(binary):
    snap = snapshot(binary)
    n = len(snap.history)
    wide = replace(snap, history=snap.history.assign(train_loss=np.geomspace(10, 1e-3, n),
                                                     test_loss=np.geomspace(20, 2e-3, n),
                                                     lr=np.geomspace(0.1, 1e-4, n)),
                   layers=snap.layers.assign(grad_norm=np.where(snap.layers["layer"] == "output", 1e-1, 1e-5),
                                             update_ratio=np.where(snap.layers["layer"] == "output", 1e-2, 1e-6)))
    for fig in (charts.loss_figure(wide, log_y=True), charts.lr_figure(wide), charts.gradient_norm_figure(wide),
                charts.update_ratio_figure(wide), charts.gradient_bars_figure(wide)):
        axis = fig.to_plotly().layout.yaxis
        assert axis.type == "log" and axis.dtick == 1 and axis.minor.dtick == "D1", fig.layout["title"]["text"]


def test_a_short_history_draws_its_points():
    """At step 0 the status shows a loss; one record drawn as a line draws nothing."""
    snap = snapshot(make_trainer(steps=0, **{"data.name": "circle"}))
    assert len(snap.history) == 1
    for fig in (charts.loss_figure(snap), charts.loss_figure(snap, log_y=True), charts.metric_figure(snap),
                charts.lr_figure(snap)):
        assert all("markers" in t["mode"] and len(t["x"]) == 1 for t in fig.data)
    long = snapshot(make_trainer(steps=400, **{"telemetry.every_steps": 2}))
    assert len(long.history) > FEW_POINTS and charts.loss_figure(long).data[0]["mode"] == "lines"


def decode_png(uri: str) -> np.ndarray:
    """charts.image.png_data_uri's output (8-bit RGB or palette, filter 0 on each row) -> (H, W, 3)."""
    png = base64.b64decode(uri.split(",", 1)[1])
    width, height, _, color_type = struct.unpack(">IIBB", png[16:26])
    pos, idat, palette = 8, b"", None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IDAT":
            idat += body
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        pos += 12 + length
    channels = 3 if color_type == 2 else 1
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + channels * width)
    assert (rows[:, 0] == 0).all()
    pixels = rows[:, 1:].reshape(height, width, channels)
    return pixels if palette is None else palette[pixels[..., 0]]


def test_three_class_surface_is_smooth_and_never_mixes_class_colours(multiclass):
    snap = snapshot(multiclass)
    g = multiclass.spec.telemetry.surface_resolution
    fig = charts.decision_surface_figure(snap)
    heat = fig.data[0]
    assert heat["opacity"] == 0 and "colorbar" in heat  # hover and colour bar only
    image, _points = fig.layout["images"]
    rgb = decode_png(image["source"]).astype(float)
    assert rgb.shape[0] == rgb.shape[1] >= 5 * g  # far finer than one block per grid cell
    x0, x1, y0, y1 = snap.dataset.extent
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == pytest.approx((x0, y1, x1 - x0, y1 - y0))
    # Every pixel lies on one class's scale, from its pale tint (unsure) to its full colour (sure):
    # no blend of two classes at a boundary.
    k = snap.dataset.n_classes
    full = np.array([hex_rgb(class_color(c)) for c in range(k)])
    pale = np.array([hex_rgb(tint(class_color(c), PALE)) for c in range(k)])

    def distance_to_scale(colours: np.ndarray, c: int) -> np.ndarray:
        """(..., 3) -> (...): how far each colour is from class c's pale..full segment."""
        direction = full[c] - pale[c]
        along = np.clip((colours - pale[c]) @ direction / (direction @ direction), 0, 1)
        return np.linalg.norm(colours - (pale[c] + along[..., None] * direction), axis=-1)

    distances = np.stack([distance_to_scale(rgb, c) for c in range(k)])  # (K, H, W)
    assert distances.min(axis=0).max() <= 1.5  # rounding to 8 bits only
    # At the grid's own points a pixel has that point's most likely class (image row 0 = top).
    winners = snap.visuals.surface.argmax(axis=-1)  # (G, G), row 0 = lowest y
    size = rgb.shape[0]
    for i in range(0, g, 3):
        for j in range(0, g, 3):
            row, col = size - 1 - round(i * (size - 1) / (g - 1)), round(j * (size - 1) / (g - 1))
            assert distances[:, row, col].argmin() == winners[i, j]


def test_plane_axes_carry_the_data_own_coordinate_names():
    csv = "height,weight,kind\n" + "\n".join(f"{h},{w},{'a' if h > w else 'b'}" for h, w in
                                            np.random.default_rng(0).normal(size=(80, 2)).round(3))
    for features, names in ((("x1", "x2"), ("height", "weight")),
                            (("x1^2", "sin(x2)", "x1*x2"), ("height", "weight")),  # no plain coordinate
                            (("x2", "x1*x2"), ("x1", "weight"))):  # x1 named nowhere alone or in one: x1
        spec = Spec().with_overrides(**{**FAST, "data.name": "upload:pets.csv", "data.features": list(features)})
        trainer = Trainer(spec, uploads={"pets.csv": csv.encode()})
        trainer.run(2)
        trainer.compute_visuals()
        snap = snapshot(trainer)
        for fig in (charts.decision_surface_figure(snap), charts.neuron_maps_figure(snap, 0),
                    charts.data_preview_figure(snap.dataset)):
            titles = (fig.layout["xaxis"]["title"]["text"], fig.layout["yaxis"]["title"]["text"])
            assert [title.rstrip(" →") for title in titles] == list(names), (features, titles)


def test_an_image_data_sets_preview_shows_its_images_class_by_class():
    from playground.data.datasets import load_dataset

    ds = load_dataset(Spec().with_overrides(**{"data.name": "digits"}).data)
    fig = charts.data_preview_figure(ds, height=200)
    z = np.asarray(fig.data[0]["z"], dtype=float)  # a 4 x 5 mosaic of 8x8 tiles, 1-pixel gaps
    assert z.shape == (4 * 9 - 1, 5 * 9 - 1)
    first = np.flatnonzero(ds.y_train == 0)[0]  # tile 0: the first training image of class 0
    pixels = ds.x_train[first] * ds.featurize.std + ds.featurize.mean
    np.testing.assert_allclose(z[:8, :8], pixels.reshape(8, 8), atol=1e-4)
    assert np.nanmax(z) == pytest.approx(16, abs=1e-4)  # the data's own pixel values, not standardised
    assert [fig.data[0]["customdata"][0][9 * i] for i in range(5)] == ["0", "1", "2", "3", "4"]  # classes in turn
