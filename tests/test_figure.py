"""charts.figure: plotly figures as plain data. Checked against plotly itself: the same calls on a
go.Figure must give the same JSON, and to_plotly() must pass plotly's validation."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from playground.charts.figure import UNDERSCORED, Figure, merge, subplot_grid, trace


def plotly_json(fig) -> dict:
    """A figure as plotly.js receives it, with plotly's own encoding of arrays undone."""
    return json.loads((fig.to_plotly() if isinstance(fig, Figure) else fig).to_json())


def test_merge_nests_dicts_replaces_values_and_reads_magic_underscores():
    target = {"title": {"text": "old", "font": {"size": 10}}, "xaxis": {"range": [0, 1]}}
    merge(target, {"title": {"font": {"color": "red"}}}, title_font_size=16, xaxis_range=[2, 3],
          paper_bgcolor="white", plot_bgcolor="grey")
    assert target == {"title": {"text": "old", "font": {"size": 16, "color": "red"}},
                      "xaxis": {"range": [2, 3]},  # lists replace, never merge element by element
                      "paper_bgcolor": "white", "plot_bgcolor": "grey"}  # names with an underscore of their own
    assert trace("scatter", error_y_color="red", marker_line_width=0) == {
        "type": "scatter", "error_y": {"color": "red"}, "marker": {"line": {"width": 0}}}


def test_the_underscored_names_are_every_one_plotly_has():
    """If plotly adds a property name with an underscore, Figure must learn it (or split it wrongly)."""
    import importlib
    import inspect
    import pkgutil

    import plotly.graph_objs as graph_objs

    names = set()
    for module in pkgutil.walk_packages(graph_objs.__path__, "plotly.graph_objs."):
        if module.name.endswith("_figurewidget"):  # needs ipywidgets; the same classes as Figure's
            continue
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            names.update(p for p in getattr(cls, "_valid_props", ()) if "_" in p)
    assert names == set(UNDERSCORED)


def test_same_calls_give_the_same_figure_as_plotly():
    xs, ys = [0, 1, 2, 3, 4], [1.0, 2.0, None, 4.0, 5.0]  # lists: plotly writes numpy arrays in its own code
    ours, theirs = Figure(), go.Figure()
    for fig, make in ((ours, lambda **p: trace("scatter", **p)), (theirs, lambda **p: go.Scatter(**p))):
        fig.add_trace(make(x=xs, y=ys, name="a", line_color="red", mode="lines"))
        fig.add_traces([make(x=xs, y=ys[::-1], name="b")])
        fig.update_layout(title_text="T", title_font_size=18, margin=dict(l=10), plot_bgcolor="#eee")
        fig.update_layout(margin_r=5, legend=dict(orientation="h"))
        fig.update_xaxes(title_text="step", range=[0, 4])
        fig.update_yaxes(type="log", title=dict(text="loss"))
        fig.add_annotation(text="note", x=1, y=2, showarrow=False, font_size=12)
        fig.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, line_width=0)
        fig.add_hline(y=3, line=dict(dash="dot"))
        fig.add_vline(x=2, line_color="blue")
        fig.update_traces(line_width=4, selector=dict(name="b"))
    assert plotly_json(ours) == plotly_json(theirs)


def test_axis_updates_reach_every_axis_of_that_letter():
    fig = Figure(layout={"xaxis": {}, "xaxis2": {"domain": [0.5, 1]}, "yaxis": {}, "yaxis3": {},
                         "xaxis_extra": {}})  # xaxis_extra: a magic path (xaxis.extra), not an axis
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(dict(zeroline=True), range=[0, 1])
    assert fig.layout["xaxis"] == {"showgrid": False, "extra": {}}
    assert fig.layout["xaxis2"] == {"domain": [0.5, 1], "showgrid": False}
    assert fig.layout["yaxis"] == fig.layout["yaxis3"] == {"zeroline": True, "range": [0, 1]}
    assert Figure().update_yaxes(type="log").layout == {"yaxis": {"type": "log"}}  # none yet: the first one


def test_json_writes_nan_and_inf_as_null_and_numpy_as_lists():
    fig = Figure(trace("heatmap", z=np.array([[1.5, np.nan], [np.inf, -np.inf]], dtype=np.float32),
                       x=np.arange(2)[::-1],  # not contiguous
                       customdata=np.array([["a", "b"], ["c", "d"]], dtype=object), zmax=np.float64(2.0)))
    data = json.loads(fig.to_json())["data"][0]
    assert data["z"] == [[1.5, None], [None, None]] and data["x"] == [1, 0]
    assert data["customdata"] == [["a", "b"], ["c", "d"]] and data["zmax"] == 2.0
    assert fig.to_plotly().data[0].z[0][1] is None
    with pytest.raises(TypeError):
        Figure(trace("scatter", x=object())).to_json()


def test_to_plotly_refuses_a_misspelt_property():
    with pytest.raises(ValueError, match="colour"):
        Figure(trace("scatter", x=[1], marker_colour="red")).to_plotly()
    with pytest.raises(ValueError):
        Figure(layout={"xaxis": {"titel": "x"}}).to_plotly()


@pytest.mark.parametrize("rows, cols, spacing", [(1, 1, {}), (2, 3, {}), (3, 4, dict(horizontal_spacing=0.03,
                                                                                   vertical_spacing=0.04))])
def test_subplot_grid_lays_out_axes_as_make_subplots(rows, cols, spacing):
    titles = [f"unit {i + 1}" for i in range(rows * cols - 1)]  # one cell without a title
    layout, cells = subplot_grid(rows, cols, titles=titles, **spacing)
    fig = Figure(layout=layout)
    reference = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **spacing)
    for i, (xaxis, yaxis) in enumerate(cells):
        fig.add_trace(trace("scatter", x=[0], y=[i], xaxis=xaxis, yaxis=yaxis))
        reference.add_trace(go.Scatter(x=[0], y=[i]), row=i // cols + 1, col=i % cols + 1)
    ours, theirs = plotly_json(fig), plotly_json(reference)
    assert ours["data"] == theirs["data"]
    for name, axis in theirs["layout"].items():
        if name[1:5] == "axis":
            assert ours["layout"][name]["anchor"] == axis["anchor"]
            np.testing.assert_allclose(ours["layout"][name]["domain"], axis["domain"], atol=1e-12)
    for mine, plotly_note in zip(ours["layout"].get("annotations", []), theirs["layout"].get("annotations", []),
                                 strict=True):
        assert mine.keys() == plotly_note.keys() and mine["text"] == plotly_note["text"]
        assert mine["x"] == pytest.approx(plotly_note["x"]) and mine["y"] == pytest.approx(plotly_note["y"])


def test_frames_travel_with_the_figure_and_a_go_figure_converts():
    fig = Figure(trace("scatter", x=[0], y=[0]), frames=[dict(name="1", data=[dict(type="scatter", x=[1])])])
    assert json.loads(fig.to_json())["frames"][0]["name"] == "1"
    assert fig.to_plotly().frames[0].data[0].x == (1,)
    assert "frames" not in Figure().to_dict()
    again = Figure.from_plotly(fig.to_plotly())
    assert again.frames[0]["name"] == "1" and again.data[0]["type"] == "scatter"


def test_narrow_changes_travel_to_the_browser_and_plotly_draws_the_wide_figure():
    fig = Figure(trace("heatmap", z=[[0, 1]], colorbar=dict(len=0.8)), dict(height=300, margin=dict(r=84)))
    fig.when_narrow(400, layout=dict(margin_r=28), data=[dict(colorbar_orientation="h")])
    sent = json.loads(fig.to_json())
    assert sent["narrow"] == {"below": 400, "layout": {"margin": {"r": 28}},
                              "data": [{"colorbar": {"orientation": "h"}}]}
    drawn = plotly_json(fig)  # validated by plotly, which knows no "narrow"
    assert "narrow" not in drawn and drawn["layout"]["margin"]["r"] == 84


@pytest.mark.parametrize("entries", [1, 3, 7])
def test_a_legend_under_the_plot_grows_the_figure_and_keeps_the_plot_area(entries):
    from playground.charts.style import LEGEND_PER_ROW, LEGEND_ROW, base_layout, legend_under

    fig = base_layout(Figure([trace("scatter", y=[1, 2], name=f"layer {i}") for i in range(entries)]), "t", 300)
    before = fig.layout["height"] - fig.layout["margin"]["t"] - fig.layout["margin"]["b"]
    legend_under(fig, entries)
    layout = fig.layout
    assert layout["height"] - layout["margin"]["t"] - layout["margin"]["b"] == before  # the plot area
    rows = -(-entries // LEGEND_PER_ROW)
    assert layout["height"] - 300 >= rows * LEGEND_ROW
    assert layout["legend"]["y"] < 0 and layout["legend"]["yanchor"] == "top"  # under the plot
    plotly_json(fig)  # a valid figure
