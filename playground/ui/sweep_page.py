"""The sweeps page: the Playground's settings trained once for each combination of up to three
settings' values, in worker processes, with the results filling in a heatmap as they finish.

    sweep_page(home)    draws the page; `home` is the Playground page, which a result opens in

The base is the spec the Playground's run was last built from (its data, network, optimizer, ...);
the sidebar picks the settings to sweep and their values. One sweep per browser tab, kept in a
session-scoped cache_resource and cancelled when the tab goes away. The page redraws itself
every REFRESH_SECONDS while the sweep runs (one fragment); once it stands still, a cell clicked in
the heatmap (or a row picked in the results table) opens that variant in the Playground, as its
settings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from ..charts.sweep import metric_label, picked_variant, sweep_figure
from ..core.params import SpecError
from ..core.server_share import SHARE
from ..core.spec import Spec
from ..lab.sweep import MAX_VARIANTS, Axis, SweepRun, Variant, expand, grid_axis, random_axis
from ..train.backends import ENVIRONMENT_VARIABLE, use_workers, worker_pool
from . import state
from .live_chart import live_chart
from .session import get_session
from .widgets import KEEP, show_errors

REFRESH_SECONDS = 0.5
SWEEP_BACKEND = "process"  # variants in the server's workers unless PLAYGROUND_BACKEND=thread
CONFIG = {"displaylogo": False, "displayModeBar": False}
ROWS = 3
NONE = "(none)"
# Settings a sweep offers, with the values it starts from: the ones whose effect a class asks about.
# Random samples are drawn from RANGES (as `sweep --random` takes them), for the numeric ones.
SETTINGS = {
    "train.optimizer.lr": ("Learning rate", "0.001, 0.01, 0.1, 1"),
    "train.batch_size": ("Batch size", "1, 10, 50"),
    "train.optimizer.name": ("Optimizer", "sgd, adam, rmsprop"),
    "model.layers.0.units": ("Units in hidden layer 1", "2, 4, 8"),
    "model.layers.0.activation": ("Activation of hidden layer 1", "relu, tanh, sigmoid"),
    "train.l2": ("L2 penalty", "0, 0.001, 0.01"),
    "data.noise": ("Noise in the data", "0, 0.2, 0.5"),
    "train.epochs": ("Epochs", "10, 50, 100"),
    "train.seed": ("Seed of the weights", "0, 1, 2, 3"),
}
RANGES = {
    "train.optimizer.lr": "0.0001..1:log",
    "train.batch_size": "1..100",
    "model.layers.0.units": "2..32",
    "train.l2": "0.00001..0.1:log",
    "data.noise": "0..0.5",
    "train.epochs": "10..200",
    "train.seed": "0..1000",
}
DEFAULT_ROWS = ("train.optimizer.lr", "train.batch_size", NONE)
GRID, RANDOM = "Grid", "Random samples"
METRICS = ("test_loss", "best_test_loss", "train_loss", "test_metric")


@dataclass
class SweepState:
    run: SweepRun | None = None
    axes: list[Axis] = field(default_factory=list)
    paired: bool = False  # random samples: variant i takes the i-th value of every axis
    problems: list[tuple[str, str]] = field(default_factory=list)

    def close(self) -> None:
        if self.run is not None:
            self.run.cancel()


def _release(sweep: SweepState) -> None:
    sweep.close()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def get_sweep() -> SweepState:
    return SweepState()


def sweep_page(home) -> None:
    sweep = get_sweep()
    base = get_session().spec or Spec()
    st.markdown("#### :material/grid_on: Sweeps")
    st.caption(f"Trains the Playground's settings ({_describe(base)}) once for each combination of the values "
               f"in the sidebar (or for random draws from their ranges), at most {MAX_VARIANTS} variants, several "
               "at a time in worker processes. Click a cell or point (or pick a row of the results) to open that "
               "variant in the Playground.")
    with st.sidebar:
        st.markdown("#### :material/grid_on: Sweep setup")
        mode = st.segmented_control("Values", (GRID, RANDOM), key="sweep_mode", persist_state=KEEP,
                                    default=GRID,
                                    help="Grid: every combination of the values you list. Random samples: "
                                         "that many variants, each setting drawn from its range (LOW..HIGH, "
                                         "':log' for log-uniform), the same draws for the same seed.")
        random_mode = mode == RANDOM  # a click on the chosen mode leaves none chosen: a grid
        axes = _axes_setup(random_mode)
        samples = draw_seed = 0
        if random_mode:
            with st.container(horizontal=True):
                samples = st.number_input("Samples", 1, MAX_VARIANTS, value=16, key="sweep_samples",
                                          persist_state=KEEP, help="How many variants to draw.")
                draw_seed = st.number_input("Seed of the draws", 0, 10**6, value=0, key="sweep_draw_seed",
                                            persist_state=KEEP, help="The same seed draws the same values.")
        epochs = st.number_input("Epochs per variant", 1, 10_000, value=min(base.train.epochs, 200),
                                 key="sweep_epochs", persist_state=KEEP,
                                 help="Each variant trains this many epochs (early stopping still applies), "
                                      "unless epochs are swept.")
        st.selectbox("Colour by", METRICS, key="sweep_metric", persist_state=KEEP,
                     format_func=lambda m: "test accuracy or R²" if m == "test_metric" else metric_label(m),
                     help="What the heatmap shows: the variants' final scores (the best test loss is over "
                          "the whole run, for overfitting).")
    running = sweep.run is not None and sweep.run.status == "running"
    with st.container(horizontal=True, key="sweep_buttons"):
        if st.button("Run sweep", icon=":material/play_arrow:", type="primary", key="sweep_start",
                     disabled=running):
            _start(sweep, base, axes, int(epochs), int(samples) if random_mode else 0, int(draw_seed))
        if st.button("Cancel", icon=":material/stop:", key="sweep_cancel", disabled=not running,
                     help="Start no further variant; those training finish."):
            sweep.run.cancel()
    show_errors(sweep.problems)
    every = REFRESH_SECONDS if sweep.run is not None and sweep.run.status == "running" else None
    st.fragment(run_every=every)(_results)(sweep, home, every is not None)


def _axes_setup(random_mode: bool) -> list[str]:
    """The rows of the sidebar: "key=values" per picked setting (as --grid takes them), or
    "key=LOW..HIGH[:log]" in random mode (as --random takes them; numeric settings only)."""
    offered = [k for k in SETTINGS if k in RANGES] if random_mode else list(SETTINGS)
    rows = []
    for i in range(ROWS):
        options = [NONE, *offered]
        default = DEFAULT_ROWS[i] if DEFAULT_ROWS[i] in options else NONE
        widget_key = f"sweep_key_{i}_random" if random_mode else f"sweep_key_{i}"
        key = st.selectbox(f"Setting {i + 1}", options, key=widget_key, persist_state=KEEP,
                           index=options.index(default), format_func=lambda k: k if k == NONE else SETTINGS[k][0])
        if key == NONE:
            continue
        if random_mode:
            values = st.text_input("Range", RANGES[key], key=f"sweep_range_{i}_{key}", persist_state=KEEP,
                                   help="LOW..HIGH, drawn uniformly; add :log to draw log-uniformly (for rates). "
                                        "Whole numbers at both ends draw whole numbers.",
                                   label_visibility="collapsed")
        else:
            values = st.text_input("Values", SETTINGS[key][1], key=f"sweep_values_{i}_{key}", persist_state=KEEP,
                                   help="Comma-separated, in the order the heatmap shows them.",
                                   label_visibility="collapsed")
        rows.append(f"{key}={values}")
    return rows


def _start(sweep: SweepState, base: Spec, rows: list[str], epochs: int, samples: int = 0,
           draw_seed: int = 0) -> None:
    """samples: 0 for a grid of the rows' values, else that many random draws from their ranges."""
    sweep.problems = []
    try:
        if samples:
            draws = random.Random(draw_seed)
            axes = [random_axis(row, samples, draws) for row in rows]
        else:
            axes = [grid_axis(row) for row in rows]
        if not any(a.key == "train.epochs" for a in axes):
            base = base.with_overrides(**{"train.epochs": epochs})
        variants = expand(base, axes, paired=bool(samples))
    except SpecError as e:
        sweep.problems = list(e.errors)
        return
    try:
        process = use_workers(SWEEP_BACKEND)
    except ValueError as e:  # PLAYGROUND_BACKEND names no backend: say so, as for a bad value
        sweep.problems = [(ENVIRONMENT_VARIABLE, str(e))]
        return
    if sweep.run is not None:
        sweep.run.cancel()
    sweep.axes, sweep.paired = axes, bool(samples)
    # A tab's sweep takes at most its share of the workers (PLAYGROUND_SESSION_WORKERS): others' runs need them.
    sweep.run = SweepRun(variants, "process" if process else "thread", pool=worker_pool() if process else None,
                         workers=SHARE.session_workers if process else None)


def _results(sweep: SweepState, home, timed: bool) -> None:
    """timed: the page was drawn while the sweep ran, so this redraws on a timer; once the sweep has
    ended, a full rerun stops the timer and gives the buttons back (Run sweep enabled again)."""
    run = sweep.run
    if timed and run is not None and run.status != "running":
        st.rerun()
    if run is None:
        st.info("Pick up to three settings and their values in the sidebar, then press **Run sweep**.",
                icon=":material/info:")
        return
    total, done = len(run.variants), run.finished
    words = {"running": "Running", "done": "Done", "cancelled": "Cancelled", "failed": "Failed"}[run.status]
    diverged = sum(r is not None and r.status == "diverged" for r in run.results)
    at_once = f" · {run.workers} at a time" if run.status == "running" and run.workers else ""
    st.markdown(f"**{words}** · {done} of {total} variants{at_once}"
                + (f" · {diverged} diverged" if diverged else "")
                + (f" · {run.seconds:.1f} s" if run.status != "running" else ""))
    if run.status == "running":
        st.progress(done / total)
    if run.message:
        st.error(run.message, icon=":material/error:")
    metric = st.session_state.get("sweep_metric", "test_loss")
    if metric == "test_metric":
        metric = next((k for r in run.results if r for k in r.scores if k.startswith("test_") and k != "test_loss"),
                      "test_acc")
    figure = sweep_figure(sweep.axes, run.results, metric, paired=sweep.paired)
    picks = []
    if run.status == "running":  # redrawn in place as cells fill in
        live_chart(figure, key="chart_sweep", config=CONFIG)
    else:  # still: a click on a cell picks that variant
        clicked = st.plotly_chart(figure.to_plotly(), key="sweep_pick_chart", on_select="rerun",
                                  selection_mode="points", config=CONFIG)
        picks.append(picked_variant(figure, list(clicked["selection"]["points"]) if clicked else []))
    table = pd.DataFrame([r.row() if r is not None else {**v.settings, "status": "…"}
                          for v, r in zip(run.variants, run.results)])
    picked = st.dataframe(table, key="sweep_table", on_select="rerun", selection_mode="single-row",
                          hide_index=True, width="stretch")
    picks.extend(picked["selection"]["rows"] if picked else [])
    picks = [i for i in picks if i is not None]
    if picks:
        variant = run.variants[picks[-1]]
        st.button(f"Open {_settings_text(variant)} in the Playground", icon=":material/open_in_new:",
                  key="sweep_open", on_click=_open, args=(variant,))
    if st.session_state.pop("sweep_go_home", False):
        st.switch_page(home)


def _open(variant: Variant) -> None:
    state.load_spec(variant.spec)
    st.session_state["sweep_go_home"] = True


def _settings_text(variant: Variant) -> str:
    return ", ".join(f"{SETTINGS.get(k, (k,))[0].lower()} {v}" for k, v in variant.settings.items())


def _describe(spec: Spec) -> str:
    layers = "-".join(str(c["units"]) for c in spec.model.layers if c.name == "linear") or spec.model.family
    return (f"{spec.data.name}, {layers} network, {spec.train.optimizer.name} lr {spec.train.optimizer['lr']:g}, "
            f"batch {spec.train.batch_size}")
