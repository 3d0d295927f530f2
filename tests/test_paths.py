"""2-D test functions and optimizer paths: known minima, known convergence results, the
batched path runner against a plain torch loop, the `paths` CLI and the path charts."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from playground import charts
from playground.charts.paths import ANIMATION_CONTROLS
from playground.charts.style import OPTIMIZER_COLORS
from playground.cli import main
from playground.core import catalog
from playground.core.params import SpecError
from playground.lab.contestants import parse_contestants
from playground.lab.paths import path_summary, run_paths
from playground.lab.testfunctions import FUNCTIONS, get_function, quadratic


def grad_at(function, x: float, y: float) -> np.ndarray:
    xy = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    function(xy).backward()
    return xy.grad.numpy()


# --------------------------------------------------------------------------- the functions

@pytest.mark.parametrize("name", ["rosenbrock", "beale", "himmelblau", "rastrigin", "quadratic"])
def test_known_minima_are_zero_and_stationary(name):
    function = FUNCTIONS[name]
    assert function.minima
    for x, y in function.minima:
        assert abs(function.value(x, y)) < 1e-10
        assert np.abs(grad_at(function, x, y)).max() < 1e-6
        (x0, x1), (y0, y1) = function.domain
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_rosenbrock_and_himmelblau_by_the_book():
    rosenbrock, himmelblau = FUNCTIONS["rosenbrock"], FUNCTIONS["himmelblau"]
    assert rosenbrock.value(1.0, 1.0) == 0.0
    assert rosenbrock.value(0.0, 0.0) == 1.0 and rosenbrock.value(-1.0, 1.0) == 4.0
    assert len(himmelblau.minima) == 4 and himmelblau.value(3.0, 2.0) == 0.0
    assert len({(round(x, 3), round(y, 3)) for x, y in himmelblau.minima}) == 4
    assert all(abs(himmelblau.value(x, y)) < 1e-10 for x, y in himmelblau.minima)


def test_saddle_has_no_minimum_and_a_marked_saddle_point():
    saddle = FUNCTIONS["saddle"]
    assert saddle.minima == () and saddle.saddles == ((0.0, 0.0),)
    assert np.allclose(grad_at(saddle, 0.0, 0.0), 0.0)
    assert saddle.value(0.1, 0.0) > 0 > saddle.value(0.0, 0.1)


def test_functions_evaluate_points_and_grids_alike():
    for function in FUNCTIONS.values():
        xs, ys, z = function.grid(9)
        assert z.shape == (9, 9) and np.isfinite(z).all()
        assert z[3, 5] == pytest.approx(function.value(xs[5], ys[3]), rel=1e-12)
        assert function.formula and function.description and len(function.start) == 2


def test_get_function_parses_kappa_and_names_the_field():
    bowl = get_function("quadratic:kappa=50")
    assert bowl.value(0.0, 1.0) == 25.0 and bowl.lipschitz == 50.0
    for text, fragment in [("rosenbrok", "is not a test function"), ("quadratic:kappa=x", "must be a number"),
                           ("quadratic:kappa=0", "out of range"), ("beale:kappa=2", "takes no settings")]:
        with pytest.raises(SpecError) as info:
            get_function(text, field="--function")
        assert info.value.errors[0][0] == "--function" and fragment in info.value.errors[0][1]


# --------------------------------------------------------------------------- paths

def test_path_frame_shape_and_start():
    df = run_paths("rosenbrock", "sgd,adam", steps=50)
    assert list(df.columns) == ["optimizer", "step", "x", "y", "loss", "diverged"]
    for label in ("sgd", "adam"):
        path = df[df["optimizer"] == label]
        assert list(path["step"]) == list(range(51))
        assert (path["x"].iloc[0], path["y"].iloc[0]) == FUNCTIONS["rosenbrock"].start
        assert not path["diverged"].any()
    assert df["loss"].iloc[0] == pytest.approx(FUNCTIONS["rosenbrock"].value(-1.5, 2.5), rel=1e-6)


def test_paths_match_a_plain_torch_loop():
    """Batched evaluation must not change a single step: each optimizer alone, by hand."""
    function = FUNCTIONS["beale"]
    contestants = parse_contestants("sgd,nesterov:lr=0.001,adam,rmsprop,adagrad", defaults=function.defaults)
    df = run_paths(function, contestants, steps=200)
    for c in contestants:
        p = torch.nn.Parameter(torch.tensor(function.start, dtype=torch.float32))
        opt = catalog.build_optimizer(c.optimizer.name, dict(c.optimizer.params), [p])
        points = [p.detach().clone()]
        for _ in range(200):
            opt.zero_grad()
            function(p).backward()
            opt.step()
            points.append(p.detach().clone())
        expected = torch.stack(points).numpy()
        path = df[df["optimizer"] == c.label]
        np.testing.assert_allclose(path[["x", "y"]].to_numpy(), expected, rtol=1e-6, atol=1e-7)


def test_adam_on_the_bowl_approaches_the_minimum():
    df = run_paths(quadratic(10.0), "adam:lr=0.05", start=(-2.5, 2.0), steps=1000)
    end = df.iloc[-1]
    assert abs(end["x"]) < 1e-2 and abs(end["y"]) < 1e-2
    first, last = df["loss"].iloc[0], df["loss"].iloc[-1]
    assert last < 1e-4 * first


def test_gradient_descent_on_the_bowl_converges_below_2_over_L_and_diverges_above():
    bowl = quadratic(10.0)  # L = 10: the threshold is lr = 0.2
    df = run_paths(bowl, "sgd:lr=0.19,sgd:lr=0.21", steps=1000)
    summary = path_summary(df).set_index("optimizer")
    assert summary.loc["sgd lr=0.19", "status"] == "done"
    assert summary.loc["sgd lr=0.19", "loss"] < 1e-12
    assert summary.loc["sgd lr=0.21", "status"] == "diverged"
    bad = df[df["optimizer"] == "sgd lr=0.21"]
    assert bad["diverged"].sum() == 1 and bad["diverged"].iloc[-1]  # marked on its last finite point
    assert np.isfinite(bad[["x", "y", "loss"]].to_numpy()).all()
    step = df.attrs["diverged"]["sgd lr=0.21"]
    assert step == bad["step"].iloc[-1] + 1 < 1000
    # |y| grows by |1 - lr * L| = 1.1 per step: float32 overflows f = 5 y² after about 450 steps.
    assert 400 < step < 500


def test_suggested_learning_rates_apply_unless_given():
    df = run_paths("rosenbrock", "sgd,sgd:lr=0.0001", steps=3)
    settings = df.attrs["settings"]
    assert settings["sgd"]["lr"] == FUNCTIONS["rosenbrock"].lr["sgd"]
    assert settings["sgd lr=0.0001"]["lr"] == 0.0001


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_start_range_is_the_plot_and_one_plot_width_around_it(name):
    """Up to its edges a start is taken, and the function is finite there in float32 (so every
    path has its step 0); a hair beyond, it is refused naming the start and the range."""
    function = FUNCTIONS[name]
    ((xl, xh), (yl, yh)), ((x0, x1), (y0, y1)) = function.start_bounds, function.domain
    assert (xl, xh) == (x0 - (x1 - x0), x1 + (x1 - x0)) and (yl, yh) == (y0 - (y1 - y0), y1 + (y1 - y0))
    xs, ys = np.meshgrid(np.linspace(xl, xh, 41), np.linspace(yl, yh, 41))
    assert torch.isfinite(function(torch.tensor(np.stack([xs, ys]), dtype=torch.float32))).all()
    for corner in [(xl, yl), (xl, yh), (xh, yl), (xh, yh)]:
        df = run_paths(function, "sgd,adam", start=corner, steps=3)
        assert list(df[df["step"] == 0]["optimizer"]) == ["sgd", "adam"]
        np.testing.assert_allclose(df[df["step"] == 0][["x", "y"]].to_numpy(), [corner, corner], rtol=1e-7)
    for beyond in [(np.nextafter(xl, -np.inf), 0.0), (0.0, np.nextafter(yh, np.inf)), (1e39, 1e39)]:
        with pytest.raises(SpecError) as info:
            run_paths(function, "sgd", start=beyond, steps=3)
        field, message = info.value.errors[0]
        assert field == "start" and "out of range" in message
        assert f"x between {xl:g} and {xh:g} and y between {yl:g} and {yh:g}" in message


def test_a_path_that_overflows_is_diverged_at_its_step_and_the_others_go_on():
    """SGD at 0.1 on Rosenbrock leaves float32 at step 3; Adam walks all 500 steps. No numpy
    warning on the way (the check is on torch tensors, the frame holds finite numbers only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = run_paths("rosenbrock", "sgd:lr=0.1,adam", steps=500)
        summary = path_summary(df).set_index("optimizer")
    assert df.attrs["diverged"] == {"sgd lr=0.1": 3}
    assert summary.loc["sgd lr=0.1", "status"] == "diverged" and summary.loc["sgd lr=0.1", "diverged_at"] == 3
    assert summary.loc["sgd lr=0.1", "steps"] == 2  # its last finite point
    assert summary.loc["adam", "status"] == "done" and pd.isna(summary.loc["adam", "diverged_at"])
    assert summary.loc["adam", "steps"] == 500
    sgd = df[df["optimizer"] == "sgd lr=0.1"]
    assert list(sgd["step"]) == [0, 1, 2] and list(sgd["diverged"]) == [False, False, True]
    assert np.isfinite(df[["x", "y", "loss"]].to_numpy()).all()


def test_bad_path_input_names_the_field():
    with pytest.raises(SpecError, match="steps"):
        run_paths("rosenbrock", "sgd", steps=0)
    with pytest.raises(SpecError, match="start"):
        run_paths("rosenbrock", "sgd", start=(float("nan"), 0.0))
    with pytest.raises(SpecError, match="paths take 1 to 8"):
        run_paths("rosenbrock", ",".join(["sgd"] * 9))


# --------------------------------------------------------------------------- the paths command

def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_paths_command_writes_paths_csv(tmp_path):
    code, stdout, stderr = run_cli("paths", "--function", "rosenbrock", "--optimizers", "sgd:lr=0.001,momentum,adam",
                                   "--start=-1,1.5", "--steps", "120", "--out", str(tmp_path))
    assert code == 0, stderr
    df = pd.read_csv(tmp_path / "paths.csv")
    assert list(df.columns) == ["optimizer", "step", "x", "y", "loss", "diverged"]
    assert list(pd.unique(df["optimizer"])) == ["sgd lr=0.001", "momentum", "adam"]
    assert len(df) == 3 * 121
    assert (df[df["step"] == 0][["x", "y"]].to_numpy() == [-1.0, 1.5]).all()
    assert "momentum" in stdout and "wrote paths.csv" in stdout


@pytest.mark.parametrize("args, field", [
    (["--function", "nope", "--optimizers", "sgd"], "--function"),
    (["--function", "beale", "--optimizers", "sgd:lr=99"], "--optimizers"),
    (["--function", "beale", "--optimizers", "sgd", "--start", "1;2"], "--start"),
    (["--function", "beale", "--optimizers", "sgd", "--steps", "0"], "--steps"),
])
def test_paths_command_bad_input_exits_2(tmp_path, args, field):
    code, _, stderr = run_cli("paths", *args, "--out", str(tmp_path / "x"))
    assert code == 2 and stderr.startswith(f"error: {field}:") and "Traceback" not in stderr


@pytest.mark.parametrize("function, start, allowed", [
    ("rosenbrock", "1e30,1e30", "x between -6 and 6 and y between -5 and 7"),  # was: max() arg is an empty sequence
    ("rosenbrock", "1e39,0", "x between -6 and 6 and y between -5 and 7"),  # inf in float32
    ("beale", "0,13.6", "x between -13.5 and 13.5 and y between -13.5 and 13.5"),
    ("quadratic:kappa=50", "-9.01,0", "x between -9 and 9 and y between -9 and 9"),
])
def test_paths_command_refuses_a_start_beyond_the_range(tmp_path, function, start, allowed):
    code, stdout, stderr = run_cli("paths", "--function", function, "--optimizers", "sgd,momentum,adam",
                                   f"--start={start}", "--steps", "50", "--out", str(tmp_path / "x"))
    assert code == 2 and stderr.startswith("error: --start:") and allowed in stderr
    assert "Traceback" not in stderr and stdout == "" and not (tmp_path / "x").exists()


def test_paths_command_writes_a_diverged_path_up_to_its_step_and_says_so(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, stdout, stderr = run_cli("paths", "--function", "rosenbrock", "--optimizers", "sgd:lr=0.1,adam",
                                       "--steps", "200", "--out", str(tmp_path))
    assert code == 0, stderr
    df = pd.read_csv(tmp_path / "paths.csv")
    sgd, adam = df[df["optimizer"] == "sgd lr=0.1"], df[df["optimizer"] == "adam"]
    assert list(sgd["step"]) == [0, 1, 2] and list(sgd["diverged"]) == [False, False, True]
    assert len(adam) == 201 and not adam["diverged"].any()
    assert "sgd lr=0.1  diverged at step 3" in stdout and "last finite at step 2" in stdout
    assert "1 of 2 paths diverged (sgd lr=0.1)" in stdout


# --------------------------------------------------------------------------- charts

@pytest.fixture(scope="module")
def himmelblau_paths():
    function = FUNCTIONS["himmelblau"]
    return function, run_paths(function, "sgd,momentum,adam", steps=300)


def test_paths_figure_draws_contours_minima_start_and_paths(himmelblau_paths):
    function, df = himmelblau_paths
    fig = charts.paths_figure(function, df, step=100).to_plotly()  # validated
    assert fig.data[0].type == "contour"
    minima = next(t for t in fig.data if t.name == "minimum")
    assert len(minima.x) == 4 and minima.marker.symbol == "star"
    start = next(t for t in fig.data if t.name == "start")
    assert (start.x[0], start.y[0]) == pytest.approx(function.start)
    paths = [t for t in fig.data if t.name in ("sgd", "momentum", "adam")]
    assert [t.line.color for t in paths] == OPTIMIZER_COLORS[:3]
    assert all(np.asarray(t.customdata)[:, 0].max() == 100 for t in paths)  # up to the step asked for
    rosenbrock = charts.paths_figure(FUNCTIONS["rosenbrock"], run_paths("rosenbrock", "adam", steps=5))
    assert rosenbrock.data[0]["colorbar"]["ticktext"]  # log-scaled levels, labelled in f


def test_paths_figure_marks_a_saddle_and_a_divergence():
    df = run_paths(quadratic(10.0), "sgd:lr=0.25,adam", steps=300)
    fig = charts.paths_figure(FUNCTIONS["saddle"], run_paths("saddle", "sgd", steps=10)).to_plotly()
    assert any(t.name == "saddle point" for t in fig.data) and not any(t.name == "minimum" for t in fig.data)
    fig = charts.paths_figure(quadratic(10.0), df).to_plotly()
    heads = {t.name: t for t in fig.data if t.name and t.name.endswith(" now")}
    assert heads["sgd lr=0.25 now"].marker.symbol == "x" and heads["adam now"].marker.symbol == "circle"
    loss = charts.paths_loss_figure(df).to_plotly()
    assert loss.layout.yaxis.type == "log" and any(t.marker.symbol == "x" for t in loss.data if t.mode == "markers")


def test_paths_animation_has_frames_and_a_slider(himmelblau_paths):
    function, df = himmelblau_paths
    fig = charts.paths_animation_figure(function, df, frames=30).to_plotly()  # validated, frames too
    assert len(fig.frames) == 30 and len(fig.layout.sliders[0].steps) == 30
    assert fig.frames[0].name == "0" and fig.frames[-1].name == "300"
    last = fig.frames[-1]
    assert len(last.data) == 6 and len(last.traces) == 6  # a path and a head per optimizer
    adam = df[df["optimizer"] == "adam"]
    assert last.data[5].x[0] == pytest.approx(adam["x"].iloc[-1])
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]


def test_a_diverged_path_stays_off_the_axes_and_is_marked_where_it_left():
    """sgd at 0.25 on a bowl of condition 10 oscillates out to 1e18 before it overflows: drawn
    whole, the plot's axes would autorange over 18 decades."""
    function = quadratic(10.0)
    df = run_paths(function, "sgd:lr=0.25,adam", steps=300)
    at = df.attrs["diverged"]["sgd lr=0.25"]
    assert df["y"].abs().max() > 1e15
    (x0, x1), (y0, y1) = function.domain
    for fig in (charts.paths_figure(function, df), charts.paths_animation_figure(function, df, frames=20)):
        plotted = fig.to_plotly()
        assert list(plotted.layout.xaxis.range) == [x0, x1] and list(plotted.layout.yaxis.range) == [y0, y1]
        drawn = [t for t in [*plotted.data, *(d for f in plotted.frames for d in f.data)] if t.x is not None]
        xs = np.concatenate([np.asarray(t.x, dtype=float) for t in drawn])
        ys = np.concatenate([np.asarray(t.y, dtype=float) for t in drawn])
        assert np.nanmax(np.abs(xs)) <= x1 + 1e-9 and np.nanmax(np.abs(ys)) <= y1 + 1e-9  # nothing off the plot
    head = next(t for t in charts.paths_figure(function, df).to_plotly().data if t.name == "sgd lr=0.25 now")
    assert head.marker.symbol == "x" and abs(head.y[-1]) == pytest.approx(y1)  # an x on the edge it crossed
    assert f"diverged at step {at}" in head.hovertemplate and "left the plot after step" in head.hovertemplate
    frames = charts.paths_animation_figure(function, df).to_plotly().frames  # each: sgd path, head, adam path, head
    assert frames[-1].data[1].marker.symbol == "x" and all(f.data[3].marker.symbol == "circle" for f in frames)
    early = charts.paths_figure(function, df, step=1).to_plotly()  # before it left, a dot as usual
    assert next(t for t in early.data if t.name == "sgd lr=0.25 now").marker.symbol == "circle"


def test_paths_animation_controls_are_stacked_under_the_plot(himmelblau_paths):
    """Play/Pause, then the slider, then the legend, each on its own band under the x axis: side
    by side, the buttons covered the slider's left end on a narrow chart."""
    function, df = himmelblau_paths
    fig = charts.paths_animation_figure(function, df, frames=30, height=600).to_plotly()
    menu, slider, legend = fig.layout.updatemenus[0], fig.layout.sliders[0], fig.layout.legend
    assert 0 > menu.y > slider.y > legend.y  # top to bottom, all below the plot
    assert menu.yanchor == slider.yanchor == legend.yanchor == "top"
    assert slider.x == 0 and slider.len == 1  # the whole width, under the buttons, not beside them
    plot = 600 + ANIMATION_CONTROLS - 44 - fig.layout.margin.b  # plot area height in px
    assert (menu.y - slider.y) * plot >= 30  # a button row's height between their tops
    assert (slider.y - legend.y) * plot >= 70  # the slider's value, rail and tick labels
    still = charts.paths_figure(function, df, height=600).to_plotly()
    assert fig.layout.height - fig.layout.margin.b == still.layout.height - still.layout.margin.b  # same plot
