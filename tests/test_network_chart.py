"""The network diagram: a plain-dict figure (charts.figure.Figure) that shows every layer, names
inputs and outputs without overlapping text at the page's narrow width, and validates in plotly."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from playground import charts
from playground.charts import network as net
from playground.charts.figure import Figure, merge
from playground.charts.style import NEGATIVE, POSITIVE
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

FAST = {"data.n_samples": 200, "train.epochs": 20, "telemetry.surface_resolution": 24}
HEIGHT = 390  # the page's TOP_HEIGHT
LINE_PX = net.LINE_EM * net.LABEL_FONT


def dense(*units: int, activation: str = "tanh") -> list[dict]:
    return [{"kind": "linear", "units": u, "activation": activation} for u in units]


def make_snapshot(spec: Spec | None = None, steps: int = 20, uploads=None, **overrides):
    spec = (spec or Spec()).with_overrides(**{**FAST, **overrides})
    trainer = Trainer(spec, uploads=uploads)
    trainer.run(steps)
    trainer.compute_visuals()
    return take_snapshot(trainer, "paused", "")


def deep(n_hidden: int) -> list[dict]:
    return dense(*([8] * n_hidden))


# Six hidden layers with every kind of non-dense layer, before the first dense layer and after the last too.
MIXED = [{"kind": "dropout", "p": 0.1}, *dense(8), {"kind": "batchnorm"}, *dense(8),
         {"kind": "dropout", "p": 0.25}, *dense(8, activation="relu"), {"kind": "layernorm"}, *dense(8, 8),
         {"kind": "batchnorm"}, {"kind": "dropout", "p": 0.5}, *dense(8)]


@pytest.fixture(scope="module")
def circle():
    return make_snapshot(**{"data.name": "circle"})


@pytest.fixture(scope="module")
def iris():
    return make_snapshot(**{"data.name": "iris"})


@pytest.fixture(scope="module")
def digits():
    return make_snapshot(get_preset("digits-mlp"), steps=5, **{"model.layers": dense(64, 64, 32, activation="relu")})


@pytest.fixture(scope="module")
def mixed():
    return make_snapshot(**{"data.name": "circle", "model.layers": MIXED})


def nodes(fig: Figure) -> dict:
    return next(t for t in fig.data if t["name"] == "nodes")


def annotations(fig: Figure, name: str) -> list[dict]:
    return [a for a in fig.layout["annotations"] if a.get("name") == name]


def column(fig: Figure, col: int) -> tuple[np.ndarray, list[str]]:
    """(y of each drawn node, its label) in column `col`."""
    trace = nodes(fig)
    x = np.asarray(trace["x"])
    return np.asarray(trace["y"])[x == col], [t for t, xx in zip(trace["text"], x) if xx == col]


def px_per_unit(fig: Figure, width: float = net.NARROW_PX) -> tuple[float, float]:
    """(px between neighbouring columns, px per row) of the figure drawn `width` px wide."""
    lay = fig.layout
    m = lay["margin"]
    (x0, x1), (y0, y1) = lay["xaxis"]["range"], lay["yaxis"]["range"]
    return (width - m["l"] - m["r"]) / (x1 - x0), (lay["height"] - m["t"] - m["b"]) / (y1 - y0)


# --------------------------------------------------------------------------- nodes and links

def test_a_node_per_unit_named_by_features_and_classes(circle, iris):
    for snap in (circle, iris):
        fig = charts.network_figure(snap)
        assert isinstance(fig, Figure)
        assert len(nodes(fig)["x"]) == sum(snap.widths)
        assert column(fig, 0)[1] == [net.short_name(n) for n in snap.dataset.feature_names]
    assert column(fig, len(iris.widths) - 1)[1] == ["setosa", "versicolor", "virginica"]
    assert column(charts.network_figure(circle), 3)[1] == [f"P({circle.dataset.class_names[1]})"]


def test_wide_layers_are_capped():
    snap = make_snapshot(steps=0, **{"data.name": "circle", "model.layers.0.units": 40})
    fig = charts.network_figure(snap)
    assert len(column(fig, 1)[0]) == net.MAX_NODES - 1
    assert [a["text"] for a in annotations(fig, "more")] == [f"… {40 - net.MAX_NODES + 1} more"]
    assert len(fig.data) <= 2 * net.BUCKETS + 1 + (len(snap.widths) - 1)  # links grouped; a hover trace a layer


def link_style(fig: Figure, layer: int, source: int, target: int) -> tuple[str, float]:
    """(colour, width) of the drawn link from node `source` of column `layer` to `target` of the next."""
    y0, y1 = column(fig, layer)[0][source], column(fig, layer + 1)[0][target]
    n = net.CURVE_POINTS + 1  # a curve and its NaN gap
    for trace in fig.data:
        if trace["mode"] != "lines":
            continue
        xy = np.stack([np.asarray(trace["x"], float), np.asarray(trace["y"], float)], axis=1).reshape(-1, n, 2)
        hit = (xy[:, 0, 0] == layer) & np.isclose(xy[:, 0, 1], y0) & np.isclose(xy[:, n - 2, 1], y1)
        if hit.any():
            return trace["line"]["color"], trace["line"]["width"]
    raise AssertionError("link not drawn")


def test_link_colour_and_width_follow_a_known_weight():
    trainer = Trainer(Spec().with_overrides(**{**FAST, "data.name": "circle"}))
    for value, colour in ((3.0, POSITIVE), (-3.0, NEGATIVE)):
        with torch.no_grad():
            trainer.dense[0].weight[1, 0] = value  # x1 -> hidden 1 unit 2, the biggest weight
        trainer.compute_visuals()
        fig = charts.network_figure(take_snapshot(trainer, "ready", ""), height=HEIGHT)
        assert link_style(fig, 0, 0, 1) == (colour, max(net.LINK_WIDTHS))  # roomy: full widths
    with torch.no_grad():
        trainer.dense[0].weight[1, 0] = 1e-4
    trainer.compute_visuals()
    fig = charts.network_figure(take_snapshot(trainer, "ready", ""), height=HEIGHT)
    assert link_style(fig, 0, 0, 1)[1] == min(net.LINK_WIDTHS)


def test_close_rows_get_thinner_links(digits):
    fig = charts.network_figure(digits, height=HEIGHT)
    widths = {t["line"]["width"] for t in fig.data if t["mode"] == "lines"}
    assert max(widths) < max(net.LINK_WIDTHS) / 2 and min(widths) >= 0.5


def test_wide_networks_draw_only_their_strongest_links():
    spec = Spec().with_overrides(**{"data.name": "digits", "model.layers": dense(64)})
    trainer = Trainer(spec)
    visuals = trainer.compute_visuals()
    fig = charts.network_figure(take_snapshot(trainer, "ready", ""))
    hover = [t for t in fig.data if t["name"] == "weights"]
    assert [len(t["customdata"]) for t in hover] == [net.MAX_LINKS_PER_LAYER, net.MAX_LINKS_PER_LAYER]
    first = np.abs(visuals.weights[0][:31, :31])
    drawn = np.abs(hover[0]["customdata"][:, 2])
    np.testing.assert_allclose(np.sort(drawn), np.sort(first.ravel())[-net.MAX_LINKS_PER_LAYER:], rtol=1e-6)
    src, dst = hover[0]["customdata"][:, 0].astype(int) - 1, hover[0]["customdata"][:, 1].astype(int) - 1
    np.testing.assert_allclose(visuals.weights[0][dst, src], hover[0]["customdata"][:, 2], rtol=1e-6)
    assert hover[0]["text"] == [trainer.dataset.feature_names[i] for i in src]  # hover names the pixel
    assert "strongest" in annotations(fig, "key")[0]["text"]


# --------------------------------------------------------------------------- readable at any size

def test_dense_input_column_is_labelled_sparsely_without_overlap(digits):
    fig = charts.network_figure(digits, height=HEIGHT)
    _, row_px = px_per_unit(fig)
    y, labels = column(fig, 0)
    shown = y[[bool(t) for t in labels]]
    assert 2 <= len(shown) < len(y)  # 31 drawn rows ~9 px apart: some named, not all
    assert np.all(-np.diff(shown) * row_px >= LINE_PX - 1e-6)  # never two names closer than a line
    more = annotations(fig, "more")[0]
    assert (shown[-1] - more["y"]) * row_px >= LINE_PX - 1e-6  # nor a name on "… N more"
    hover = nodes(fig)["hovertext"][:len(y)]
    assert [h.split(": ", 1)[1] for h in hover] == list(digits.dataset.feature_names[:len(y)])  # hover: every one


def test_labels_never_exceed_what_a_column_holds():
    for row_px in (4.0, 9.4, 14.9, 15.0, 30.0):
        for width in (1, 10, 31, 64, 300):
            drawn = net.drawn_count(width)
            shown = net.labelled_units(drawn, width, row_px)
            assert len(shown) <= max(1, math.floor(drawn * row_px / LINE_PX) + 1)
            assert all(b - a >= LINE_PX / row_px for a, b in zip(shown, shown[1:]))
            assert shown[0] == 0 and (width <= drawn or drawn - shown[-1] >= LINE_PX / row_px)


def test_few_outputs_beside_many_inputs_spread_out_to_name_every_class(digits):
    fig = charts.network_figure(digits, height=HEIGHT)
    _, row_px = px_per_unit(fig)
    y, labels = column(fig, len(digits.widths) - 1)
    assert labels == [str(c) for c in digits.dataset.class_names]  # all ten digits named
    assert np.all(-np.diff(y) * row_px >= LINE_PX - 1e-6)


@pytest.mark.parametrize("n_hidden", [1, 3, 6, 9, 12])
@pytest.mark.parametrize("width_px", [net.NARROW_PX, 650])
def test_headers_fit_their_columns_up_to_twelve_layers(n_hidden, width_px):
    snap = make_snapshot(steps=0, **{"data.name": "circle", "model.layers": deep(n_hidden)})
    fig = charts.network_figure(snap, height=HEIGHT)
    col_px, _ = px_per_unit(fig, width_px)
    headers = annotations(fig, "header")
    assert [h["x"] for h in headers] == list(range(n_hidden + 2))  # one a column
    sizes = [net.text_px(h["text"], h["font"]["size"]) for h in headers]
    assert all((a + b) / 2 < col_px for a, b in zip(sizes, sizes[1:]))  # neighbours never touch
    m = fig.layout["margin"]
    assert sizes[0] / 2 <= m["l"] + net.X_PAD * col_px and sizes[-1] / 2 <= m["r"] + net.X_PAD * col_px
    assert headers[0]["font"]["size"] >= 10
    if n_hidden == 1:
        assert headers[1]["text"] == "hidden 1<br>8 · tanh"  # roomy: the full header
    if "tanh" not in " ".join(h["text"] for h in headers):
        assert "hidden: tanh" in annotations(fig, "key")[0]["text"]  # the key says what the headers left out


def test_room_is_kept_for_the_longest_input_and_output_names(iris):
    snap = make_snapshot(**{"data.name": "circle"})
    long = snap.dataset.class_names[1] * 3
    snap = replace(snap, dataset=replace(snap.dataset, class_names=("a", long)))
    for s, names in ((snap, [f"P({long})"]), (iris, ["versicolor"])):
        fig = charts.network_figure(s, height=HEIGHT)
        col_px, _ = px_per_unit(fig)
        half_node = nodes(fig)["marker"]["size"] / 2
        for name in names:
            assert name in nodes(fig)["text"]
            assert net.text_px(name, net.LABEL_FONT) + half_node <= fig.layout["margin"]["r"] + net.X_PAD * col_px
        longest_input = max(net.text_px(t, net.LABEL_FONT) for t in column(fig, 0)[1])
        assert longest_input + half_node <= fig.layout["margin"]["l"] + net.X_PAD * col_px


# --------------------------------------------------------------------------- layers that are not dense

def test_every_non_dense_layer_is_recorded_in_order(mixed):
    kinds = [(layer.kind, layer.after, dict(layer.settings)) for layer in mixed.non_dense_layers]
    assert kinds == [("dropout", 0, {"p": 0.1}), ("batchnorm", 1, {}), ("dropout", 2, {"p": 0.25}),
                     ("layernorm", 3, {}), ("batchnorm", 5, {}), ("dropout", 5, {"p": 0.5})]
    assert mixed.widths == [2, 8, 8, 8, 8, 8, 8, 1]  # dense columns only, as before


def test_every_non_dense_layer_is_drawn_between_its_columns(mixed):
    fig = charts.network_figure(mixed, height=HEIGHT)
    bands = annotations(fig, "layer band")
    assert [b["x"] for b in bands] == [0.5, 1.5, 2.5, 3.5, 5.5]  # one band a gap, between its two columns
    hovers = " ".join(b["hovertext"] for b in bands)
    assert hovers.count("Dropout") == 3 and hovers.count("BatchNorm") == 2 and hovers.count("LayerNorm") == 1
    assert "p = 0.25" in bands[2]["hovertext"]
    texts = [b["text"] for b in bands]
    assert texts[0] in ("dropout 0.1", "drop 0.1") and texts[4] in ("BatchNorm · dropout 0.5", "BN · drop 0.5")
    col_px, row_px = px_per_unit(fig)
    for band in bands:
        assert net.text_px(band["text"], band["font"]["size"]) <= band["width"]  # the label fits the band
        assert band["height"] + nodes(fig)["marker"]["size"] < col_px  # and the band fits between the nodes
        assert band["textangle"] == -90


def test_a_plain_dense_network_has_no_bands(circle):
    assert circle.non_dense_layers == []
    assert annotations(charts.network_figure(circle), "layer band") == []


# --------------------------------------------------------------------------- data and validity

def test_uploaded_csv_inputs_are_named_by_its_columns():
    rows = ["height_cm,weight_kg,age_years,label"] + [f"{150 + i % 40},{50 + i % 30},{20 + i % 50},{i % 2}"
                                                      for i in range(120)]
    snap = make_snapshot(uploads={"people.csv": "\n".join(rows).encode()},
                         **{"data.name": "upload:people.csv", "data.label_column": "label"})
    fig = charts.network_figure(snap, height=HEIGHT)
    assert column(fig, 0)[1] == ["height_cm", "weight_kg", "age_years"]
    first = next(t for t in fig.data if t["name"] == "weights")
    assert set(first["text"]) == {"height_cm", "weight_kg", "age_years"}  # link hover too


@pytest.mark.parametrize("case", ["default", "spiral", "digits", "mixed", "twelve"])
def test_the_figure_validates_in_plotly(case, digits, mixed):
    snap = {"default": lambda: make_snapshot(), "spiral": lambda: make_snapshot(get_preset("spiral")),
            "digits": lambda: digits, "mixed": lambda: mixed,
            "twelve": lambda: make_snapshot(**{"model.layers": deep(12)})}[case]()
    fig = charts.network_figure(snap, height=HEIGHT)
    plotly_fig = fig.to_plotly()  # raises on any invalid property
    assert plotly_fig.layout.template.layout.paper_bgcolor == "white"
    assert len(plotly_fig.data) == len(fig.data)
    layout = json.loads(fig.to_json())["layout"]
    assert layout["uirevision"] == "network" and layout["height"] == HEIGHT


def test_magic_underscores_leave_plotly_names_with_underscores_whole():
    assert merge({}, paper_bgcolor="white", title_font_size=12, error_y_width=2) == {
        "paper_bgcolor": "white", "title": {"font": {"size": 12}}, "error_y": {"width": 2}}
    fig = charts.base_layout(Figure(), None, 200)  # the template as plain data, paper_bgcolor kept
    assert fig.layout["template"]["layout"]["paper_bgcolor"] == "white"
    assert fig.to_plotly().layout.template.layout.plot_bgcolor == "white"


# --------------------------------------------------------------------------- in a real browser

CHROMIUM = "/usr/bin/chromium"
_PAGE = """<html><head><meta charset="utf-8"><script src="file://{plotly}"></script></head><body style="margin:0">
<div id="g" style="width:{width}px;height:{height}px"></div><script>
const fig = {figure};
Plotly.newPlot("g", fig.data, fig.layout, {{displayModeBar: false}}).then(() => {{ window.done = true; }});
</script></body></html>"""
_TEXT_BOXES = """() => [...document.querySelectorAll('#g .annotation-text-g, #g .textpoint text')]
    .filter(e => e.textContent.trim())
    .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


@pytest.mark.browser
def test_no_text_overlaps_or_is_clipped_in_a_browser(tmp_path, digits, mixed):
    """Rendered by plotly.js in Chromium at the page's two widths: no two texts overlap, none is cut off."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    import plotly

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    figures = {"default": charts.network_figure(make_snapshot(), height=HEIGHT),
               "digits": charts.network_figure(digits, height=HEIGHT),
               "mixed": charts.network_figure(mixed, height=HEIGHT),
               "twelve": charts.network_figure(make_snapshot(**{"model.layers": deep(12)}), height=HEIGHT),
               "twelve wide, with bands": charts.network_figure(make_snapshot(steps=0, **{"model.layers": [
                   *dense(*[40] * 5), {"kind": "batchnorm"}, *dense(*[40] * 5), {"kind": "dropout", "p": 0.3}]}),
                   height=HEIGHT)}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 700, "height": 500})
        for name, fig in figures.items():
            for width in (net.NARROW_PX, 650):
                html = tmp_path / f"{name}-{width}.html"
                html.write_text(_PAGE.format(plotly=plotly_js, width=width, height=HEIGHT, figure=fig.to_json()))
                page.goto(html.as_uri())
                page.wait_for_function("window.done === true")
                boxes = page.evaluate(_TEXT_BOXES)
                assert len(boxes) >= len(fig.layout["annotations"])
                for i, (text, left, top, right, bottom) in enumerate(boxes):
                    assert left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= HEIGHT + 0.5, \
                        f"{name} at {width} px: {text!r} is cut off"
                    for other, l2, t2, r2, b2 in boxes[i + 1:]:
                        overlap = min(right, r2) - max(left, l2), min(bottom, b2) - max(top, t2)
                        assert min(overlap) <= 1, f"{name} at {width} px: {text!r} overlaps {other!r}"
        browser.close()


# --------------------------------------------------------------------------- layers that read the data first

@pytest.mark.parametrize("preset, first, band, kinds", [
    ("adding-lstm", "last step", ("LSTM",), ["lstm"]),
    ("digits-cnn", "flattened", ("Conv", "Max pool"), ["conv", "maxpool", "conv", "maxpool"]),
    ("copy-transformer", "per position", ("Embedding", "Encoder block"), ["embedding", "encoder"]),
])
def test_layers_before_the_dense_ones_are_one_band_left_of_what_they_hand_on(preset, first, band, kinds):
    """Column 0 of a recurrent network is its state after the last step (not the sequence's values,
    so not named by them), and of a CNN the flattened maps; their layers are a band before it."""
    snap = make_snapshot(get_preset(preset), steps=3, **{"train.epochs": 1})
    assert [(layer.kind, layer.after) for layer in snap.non_dense_layers] == [(k, -1) for k in kinds]
    fig = charts.network_figure(snap, height=HEIGHT)
    headers = annotations(fig, "header")
    assert headers[0]["text"] == f"{first}<br>{snap.widths[0]}" and headers[0]["x"] == 0
    bands = annotations(fig, "layer band")
    assert [b["x"] for b in bands] == [-0.5]
    assert all(name in bands[0]["hovertext"] for name in band)
    assert fig.layout["xaxis"]["range"][0] == pytest.approx(-net.LEAD - net.X_PAD)
    _, labels = column(fig, 0)
    assert not any(labels)  # no data feature names on what is not the data
    hover = nodes(fig)["hovertext"][0]
    assert hover == f"{first} 1"
    col_px, _ = px_per_unit(fig)
    assert bands[0]["height"] <= col_px * (net.LEAD + net.X_PAD)  # the band fits left of column 0


def test_a_dropout_between_a_cnns_dense_layers_stays_between_their_columns():
    spec = get_preset("digits-cnn")
    layers = [dict(layer.params, kind=layer.name) for layer in spec.model.layers]
    layers.insert(5, {"kind": "dropout", "p": 0.3})  # after the first dense layer (32 units)
    snap = make_snapshot(spec.with_overrides(**{"model.layers": layers}), steps=1, **{"train.epochs": 1})
    assert [(layer.kind, layer.after) for layer in snap.non_dense_layers][-1] == ("dropout", 1)
    bands = annotations(charts.network_figure(snap, height=HEIGHT), "layer band")
    assert [b["x"] for b in bands] == [-0.5, 1.5]
