"""The paths tab: real torch optimizers walking a 2-D test function from one start point.

Settings in the sidebar (function, start, steps, optimizers with their learning rates), the
contour with every path and a step slider to scrub along them (or the animated figure),
and the loss along each path beside it. Paths and the animation are cached on their inputs
(st.cache_data), so scrubbing or switching tabs recomputes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from ..charts import paths_animation_figure, paths_figure, paths_loss_figure
from ..charts.figure import Figure
from ..charts.style import GUIDE
from ..core import catalog
from ..core.params import SpecError
from ..lab.contestants import MAX_CONTESTANTS, contestant
from ..lab.paths import path_summary, run_paths
from ..lab.testfunctions import FUNCTIONS, TestFunction, get_function
from .lab_setup import KEEP, NAMES, base_name, name_label
from .panels import CONFIG
from .widgets import float_step, show_errors

DEFAULT_OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"]
KAPPAS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
MAX_STEPS = 20_000
HEIGHT = 600
VIEWS = {"scrub": "Scrub", "animate": "Animate"}

LineUp = tuple[tuple[str, float], ...]  # (optimizer or alias, learning rate)


@dataclass(frozen=True)
class PathsInput:
    function_text: str  # "rosenbrock" or "quadratic:kappa=50"
    line_up: LineUp
    start: tuple[float, float]
    steps: int


# --------------------------------------------------------------------------- cached work

@st.cache_data(max_entries=64, show_spinner=False)
def compute_paths(function_text: str, line_up: LineUp, start: tuple[float, float], steps: int) -> pd.DataFrame:
    function = get_function(function_text)
    return run_paths(function, [contestant(name, lr=lr) for name, lr in line_up], start=start, steps=steps)


@st.cache_data(max_entries=16, show_spinner="Building the animation…")
def animation(function_text: str, line_up: LineUp, start: tuple[float, float], steps: int) -> Figure:
    """The animated figure (~0.5 s to build): cached like the paths it draws."""
    paths = compute_paths(function_text, line_up, start, steps)
    return paths_animation_figure(get_function(function_text), paths, height=HEIGHT)


# --------------------------------------------------------------------------- sidebar

def paths_settings() -> PathsInput | None:
    """Draw the settings (call inside `with st.sidebar`); None while they cannot make a run."""
    function = _function_choice()
    st.caption(function.description)
    key = function.name if function.name != "quadratic" else f"quadratic_{st.session_state['lab_path_kappa']}"
    x_key, y_key = f"lab_path_x_{key}", f"lab_path_y_{key}"
    (x0, x1), (y0, y1) = function.domain
    (x_low, x_high), (y_low, y_high) = function.start_bounds
    for k, label, v, low, high in ((x_key, "Start x", function.start[0], x_low, x_high),
                                   (y_key, "Start y", function.start[1], y_low, y_high)):
        _checked_start(k, label, float(v), low, high, function)
    cols = st.columns([1, 1, 0.42], gap="small", vertical_alignment="bottom")
    with cols[0]:
        st.number_input("Start x", x_low, x_high, key=x_key, step=0.1, format="%.4g", persist_state=KEEP,
                        help=f"Where every optimizer starts, x (the plot shows x from {x0:g} to {x1:g}). "
                             f"Allowed: {x_low:g} to {x_high:g}, the plot and one plot width either side.")
    with cols[1]:
        st.number_input("Start y", y_low, y_high, key=y_key, step=0.1, format="%.4g", persist_state=KEEP,
                        help=f"Where every optimizer starts, y (the plot shows y from {y0:g} to {y1:g}). "
                             f"Allowed: {y_low:g} to {y_high:g}, the plot and one plot width either side.")
    with cols[2]:
        st.button("", icon=":material/undo:", key="lab_path_start_reset", on_click=_reset_start,
                  args=(x_key, y_key, function.start),
                  help=f"Back to this function's own start point ({function.start[0]:g}, {function.start[1]:g}).")
    st.session_state.setdefault("lab_path_steps", 500)
    st.session_state.setdefault("lab_path_optimizers", list(DEFAULT_OPTIMIZERS))
    steps = st.number_input("Steps", 1, MAX_STEPS, step=100, key="lab_path_steps", persist_state=KEEP,
                            help=f"How many updates each optimizer makes (1 to {MAX_STEPS:,}).")
    names = st.multiselect("Optimizers", NAMES, key="lab_path_optimizers",
                           format_func=name_label, max_selections=MAX_CONTESTANTS, persist_state=KEEP,
                           help="Which optimizers walk the surface (1 to 8), each from the same start. "
                                "Momentum and Nesterov are SGD with momentum 0.9.")
    if not names:
        st.info("Choose at least one optimizer.", icon=":material/info:")
        return None
    line_up = _learning_rates(function, key, names)
    return PathsInput(_function_text(), line_up, (float(st.session_state[x_key]), float(st.session_state[y_key])),
                      int(steps))


def _function_choice() -> TestFunction:
    name = st.selectbox("Test function", list(FUNCTIONS), key="lab_path_function", persist_state=KEEP,
                        format_func=lambda n: FUNCTIONS[n].label.split(" (")[0],
                        help="The 2-D surface the optimizers walk on:\n\n"
                             + "\n".join(f"- **{f.label.split(' (')[0]}** `{f.formula}`: {f.description}"
                                         for f in FUNCTIONS.values()))
    st.session_state.setdefault("lab_path_kappa", 10)
    if name == "quadratic":
        st.select_slider("Condition number κ", KAPPAS, key="lab_path_kappa", persist_state=KEEP,
                         help="How much steeper the bowl is along y than along x. Gradient descent needs a "
                              "learning rate below 2/κ and then crawls along x; momentum and Adam cope better.")
    return get_function(_function_text())


def _function_text() -> str:
    name = st.session_state.get("lab_path_function", "rosenbrock")
    return f"quadratic:kappa={st.session_state.get('lab_path_kappa', 10)}" if name == "quadratic" else name


def _checked_start(key: str, label: str, default: float, low: float, high: float, function: TestFunction) -> None:
    """Before the field is drawn: a value kept in the session (or set there by anyone) outside
    [low, high] is replaced by the function's own start, and the page says so. Far outside, the
    start overflows float32 and no path has a point to draw."""
    value = st.session_state.setdefault(key, default)
    try:
        ok = low <= float(value) <= high  # False for NaN
    except (TypeError, ValueError):
        ok = False
    if not ok:
        st.session_state[key] = default
        st.error(f"**{label}**: {value!r} is out of range; on {function.label} it must be between {low:g} and "
                 f"{high:g}. Using the function's own start, {default:g}.", icon=":material/error:")


def _reset_start(x_key: str, y_key: str, start: tuple[float, float]) -> None:
    st.session_state[x_key], st.session_state[y_key] = float(start[0]), float(start[1])


def suggested_lr(function: TestFunction, name: str) -> float:
    """The function's suggested rate for this optimizer (alias first, then its base), else the catalog's."""
    base = base_name(name)
    rates = function.defaults
    lr = {**rates.get(base, {}), **rates.get(name, {})}.get("lr")
    if lr is None:
        lr = next(p.default for p in catalog.OPTIMIZERS[base].params if p.name == "lr")
    return float(lr)


def _learning_rates(function: TestFunction, key: str, names: list[str]) -> LineUp:
    lr_param = next(p for p in catalog.OPTIMIZERS["sgd"].params if p.name == "lr")
    st.caption("Learning rates (the function's suggested ones to start with)")
    cols = st.columns(2, gap="small")
    line_up = []
    for i, name in enumerate(names):
        lr_key = f"lab_path_lr_{key}_{name}"
        st.session_state.setdefault(lr_key, suggested_lr(function, name))
        with cols[i % 2]:
            lr = st.number_input(name_label(name), min_value=lr_param.low, max_value=lr_param.high, key=lr_key,
                                 step=float_step(replace(lr_param, default=st.session_state[lr_key])),
                                 format="%.6g", persist_state=KEEP,
                                 help=f"Learning rate of {name_label(name)} on this function "
                                      f"(suggested: {suggested_lr(function, name):g}). Too big and the path "
                                      "leaves the plot or diverges.")
        line_up.append((name, float(lr)))
    return tuple(line_up)


# --------------------------------------------------------------------------- main area

def paths_tab(inputs: PathsInput | None) -> None:
    if inputs is None:
        st.info("Choose a function and at least one optimizer in the sidebar.", icon=":material/info:")
        return
    try:
        paths = compute_paths(inputs.function_text, inputs.line_up, inputs.start, inputs.steps)
    except SpecError as e:
        show_errors(e.errors)
        return
    st.fragment(_charts)(inputs, paths)


def _charts(inputs: PathsInput, paths: pd.DataFrame) -> None:
    """A fragment: scrubbing or switching the view redraws only this."""
    function = get_function(inputs.function_text)
    if st.session_state.get("lab_path_seen") != inputs:  # new paths: show them whole
        st.session_state["lab_path_seen"] = inputs
        st.session_state["lab_path_step"] = inputs.steps
    st.session_state.setdefault("lab_path_view", "scrub")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        view = st.segmented_control("View", list(VIEWS), format_func=VIEWS.get, key="lab_path_view",
                                    required=True, persist_state=KEEP,
                                    help="Scrub: a slider moves every optimizer back and forth along its path. "
                                         "Animate: a Play button runs the paths in the browser.")
        step = None
        if view != "animate":
            step = st.slider("Step", 0, inputs.steps, key="lab_path_step", persist_state=KEEP,
                             help="Show every path up to this step: drag to watch the optimizers move.")
    left, right = st.columns([1.45, 1], gap="medium")
    with left:
        if view == "animate":
            st.plotly_chart(animation(inputs.function_text, inputs.line_up, inputs.start, inputs.steps).to_plotly(),
                            key="lab_path_animation", config=CONFIG)
        else:
            st.plotly_chart(paths_figure(function, paths, step=step, height=HEIGHT).to_plotly(),
                            key="lab_path_chart", config=CONFIG)
    with right:
        loss = paths_loss_figure(paths, height=440)  # a log axis labels decades only
        if step is not None and step < inputs.steps:
            loss.add_vline(x=step, line=dict(color=GUIDE, dash="dot", width=1.5))
        st.plotly_chart(loss.to_plotly(), key="lab_path_loss", config=CONFIG)
        _summary(paths, step)


def _summary(paths: pd.DataFrame, step: int | None) -> None:
    shown = paths if step is None else paths[paths["step"] <= step]
    summary = path_summary(shown).rename(columns={"optimizer": "Optimizer", "loss": "f(x, y)", "status": "Status"})
    diverged = summary["Status"] == "diverged"
    if diverged.any():  # the step that overflowed float32; the row shows the last finite point
        summary["Status"] = [f"diverged at step {at}" if d else "" for d, at in zip(diverged, summary["diverged_at"])]
    else:
        summary = summary.drop(columns=["Status"])
    summary = summary.drop(columns=["steps", "diverged_at"])
    st.dataframe(summary, hide_index=True, key="lab_path_summary",
                 column_config={"x": st.column_config.NumberColumn(format="%.4g"),
                                "y": st.column_config.NumberColumn(format="%.4g"),
                                "f(x, y)": st.column_config.NumberColumn(format="%.4g")})
