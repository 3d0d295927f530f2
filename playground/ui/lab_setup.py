"""The race setup in the lab's sidebar: a task (a preset's spec, with its epochs, batch size
and seed) and 2 to 8 contestants, one bordered row each: optimizer, learning rate, and its
other settings in an expander. Quick-fill buttons load ready-made line-ups.

Rows have stable ids, and each row keeps a value per optimizer it has shown
(`lab_c{row}_{optimizer}_{setting}`), so switching a row from Adam to SGD and back restores
Adam's settings, and a new optimizer starts from its own defaults (SGD at 0.1, not Adam's 0.001).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from ..charts.style import OPTIMIZER_COLORS
from ..core import catalog
from ..core.params import SpecError
from ..core.presets import PRESETS, get_preset
from ..core.spec import Spec
from ..lab.contestants import ALIASES, MAX_CONTESTANTS, MIN_CONTESTANTS, Contestant, contestant
from .widgets import field_problems, param_widget, show_errors

KEEP = "session"  # persist_state: values survive other tabs and pages
ROWS, NEXT_ROW = "lab_rows", "lab_next_row"
DEFAULT_PRESET = "circle"
NAMES = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam"]
NAME_LABELS = {"momentum": "Momentum", "nesterov": "Nesterov"}  # SGD with momentum 0.9

# name -> (button label, help, [(optimizer, settings), ...])
QUICK_FILLS: dict[str, tuple[str, str, list[tuple[str, dict[str, Any]]]]] = {
    "classic": ("SGD vs Momentum vs Adam vs RMSprop", "The classic line-up, each at a learning rate that suits it.",
                [("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05}), ("adam", {"lr": 0.01}),
                 ("rmsprop", {"lr": 0.01})]),
    "lr": ("SGD learning rates", "One optimizer, four step sizes (0.01, 0.1, 1, 10): too slow, good, fast, "
                                 "and too big (it bounces around or diverges).",
           [("sgd", {"lr": 0.01}), ("sgd", {"lr": 0.1}), ("sgd", {"lr": 1.0}), ("sgd", {"lr": 10.0})]),
    "adaptive": ("Adaptive methods", "Adam, AdamW, NAdam and Adagrad at the same learning rate.",
                 [("adam", {"lr": 0.01}), ("adamw", {"lr": 0.01}), ("nadam", {"lr": 0.01}),
                  ("adagrad", {"lr": 0.01})]),
    "momentum": ("Momentum 0 / 0.5 / 0.9 / Nesterov", "SGD at one learning rate with more and more momentum.",
                 [("sgd", {"lr": 0.05}), ("sgd", {"lr": 0.05, "momentum": 0.5}), ("momentum", {"lr": 0.05}),
                  ("nesterov", {"lr": 0.05})]),
}
DEFAULT_FILL = "classic"
ADD_ORDER = ["sgd", "momentum", "adam", "rmsprop", "adamw", "nadam", "adagrad", "nesterov", "adadelta"]


@dataclass
class RaceSetup:
    spec: Spec | None
    contestants: list[Contestant] | None
    errors: list[tuple[str, str]] = field(default_factory=list)  # task problems (row problems show in place)


def base_name(name: str) -> str:
    return ALIASES.get(name, (name, {}))[0]


def name_label(name: str) -> str:
    return NAME_LABELS.get(name, catalog.OPTIMIZERS[base_name(name)].label)


def defaults(name: str) -> dict[str, Any]:
    """Every setting of `name` (an optimizer or alias) before the user changes any."""
    base, alias = ALIASES.get(name, (name, {}))
    return {**{p.name: p.default for p in catalog.OPTIMIZERS[base].params}, **alias}


def row_key(row: int, name: str, setting: str) -> str:
    return f"lab_c{row}_{name}_{setting}"


def _params(name: str) -> dict[str, catalog.Param]:
    start = defaults(name)
    return {p.name: replace(p, default=start[p.name]) for p in catalog.OPTIMIZERS[base_name(name)].params}


# --------------------------------------------------------------------------- state

def fill(line_up: list[tuple[str, dict[str, Any]]]) -> None:
    """Replace the rows with `line_up` (a callback: runs before the widgets are drawn)."""
    ss = st.session_state
    first = ss.get(NEXT_ROW, 0)
    ss[ROWS] = list(range(first, first + len(line_up)))
    ss[NEXT_ROW] = first + len(line_up)
    for row, (name, settings) in zip(ss[ROWS], line_up):
        ss[f"lab_c{row}_opt"] = name
        for setting, value in {**defaults(name), **settings}.items():
            ss[row_key(row, name, setting)] = value


def _add_row() -> None:
    rows = st.session_state[ROWS]
    used = {st.session_state.get(f"lab_c{r}_opt") for r in rows}
    row = st.session_state.get(NEXT_ROW, 0)
    st.session_state[NEXT_ROW] = row + 1
    st.session_state[ROWS] = rows + [row]
    st.session_state[f"lab_c{row}_opt"] = next((n for n in ADD_ORDER if n not in used), "adam")


def _remove_row(row: int) -> None:
    st.session_state[ROWS] = [r for r in st.session_state[ROWS] if r != row]


def _load_preset() -> None:
    spec = get_preset(st.session_state["lab_preset"])
    st.session_state["lab_epochs"] = spec.train.epochs
    st.session_state["lab_batch"] = spec.train.batch_size
    st.session_state["lab_seed"] = spec.train.seed


def row_values(row: int) -> tuple[str, dict[str, Any]]:
    """(optimizer name, every setting) of a row, from session state (defaults where unset)."""
    name = st.session_state.get(f"lab_c{row}_opt", "sgd")
    return name, {k: st.session_state.get(row_key(row, name, k), v) for k, v in defaults(name).items()}


def row_label(name: str, settings: dict[str, Any]) -> str:
    """'adam lr=0.01 beta1=0.8': the name, the learning rate, and settings changed from defaults."""
    start = defaults(name)
    changed = [f"{k}={_text(v)}" for k, v in settings.items() if k != "lr" and v != start[k]]
    return " ".join([name, f"lr={_text(settings['lr'])}", *changed])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- drawing

def race_setup() -> RaceSetup:
    """Draw the setup in the sidebar (call inside `with st.sidebar`) and return it."""
    ss = st.session_state
    if ROWS not in ss:
        fill(QUICK_FILLS[DEFAULT_FILL][2])
    spec, errors = _task()
    head = st.columns([1, 1], vertical_alignment="bottom")
    head[0].subheader("Contestants")
    with head[1]:
        with st.popover("Quick fill", icon=":material/bolt:", key="lab_fill_menu", width="stretch",
                        help="Load a ready-made line-up of contestants (replaces the rows below)."):
            for name, (label, help_text, line_up) in QUICK_FILLS.items():
                st.button(label, key=f"lab_fill_{name}", on_click=fill, args=(line_up,), width="stretch",
                          help=f"{help_text} Replaces the contestants (and resets the race).")
    contestants: list[Contestant] = []
    bad = False
    rows = list(ss[ROWS])
    for index, row in enumerate(rows):
        made = _row(row, index, removable=len(rows) > MIN_CONTESTANTS)
        bad = bad or made is None
        if made is not None:
            contestants.append(made)
    st.button("Add contestant", icon=":material/add:", key="lab_add", on_click=_add_row,
              disabled=len(rows) >= MAX_CONTESTANTS,
              help=f"Add one more optimizer to the race ({MIN_CONTESTANTS} to {MAX_CONTESTANTS}; each gets the next "
                   "colour).")
    return RaceSetup(spec, None if bad else contestants, errors)


def _task() -> tuple[Spec | None, list[tuple[str, str]]]:
    ss = st.session_state
    if "lab_preset" not in ss:
        ss["lab_preset"] = DEFAULT_PRESET
        _load_preset()
    lines = ["The task every contestant trains on: a preset's data, network and loss. "
             "Only the optimizer differs between contestants.", ""]
    lines += [f"- **{p.name}**: {p.description}" for p in PRESETS.values()]
    name = st.selectbox("Task (preset)", list(PRESETS), key="lab_preset", on_change=_load_preset,
                        help="\n".join(lines), persist_state=KEEP)
    st.caption(PRESETS[name].description)
    cols = st.columns(3, gap="small")
    with cols[0]:
        st.number_input("Epochs", 1, 10_000, key="lab_epochs", step=10, persist_state=KEEP,
                        help="Passes over the training set each contestant makes (the preset's by default).")
    with cols[1]:
        st.number_input("Batch", 1, 4096, key="lab_batch", step=1, persist_state=KEEP,
                        help="Examples per update, the same for every contestant.")
    with cols[2]:
        st.number_input("Seed", 0, 2**31 - 1, key="lab_seed", step=1, persist_state=KEEP,
                        help="Seed of the shared initial weights and batch order: every contestant starts "
                             "from the same weights and sees the same batches. Change it to check a result "
                             "is not luck.")
    try:
        spec = get_preset(name).with_overrides(**{"train.epochs": int(ss["lab_epochs"]),
                                                  "train.batch_size": int(ss["lab_batch"]),
                                                  "train.seed": int(ss["lab_seed"])})
    except SpecError as e:
        show_errors(e.errors)
        return None, list(e.errors)
    return spec, []


def _row(row: int, index: int, removable: bool) -> Contestant | None:
    """One contestant's row; returns its Contestant, or None (its problem shown in place)."""
    name, settings = row_values(row)
    color = OPTIMIZER_COLORS[index % len(OPTIMIZER_COLORS)]
    with st.container(border=True, key=f"lab_row_{row}"):
        head = st.columns([1, 0.14], gap="small", vertical_alignment="center")
        head[0].markdown(f'<span style="color:{color}; font-size:1.15em">●</span> **{row_label(name, settings)}**',
                         unsafe_allow_html=True)
        head[1].button("", icon=":material/close:", key=f"lab_remove_{row}", on_click=_remove_row, args=(row,),
                       type="tertiary", disabled=not removable,
                       help="Remove this contestant from the race." if removable else
                       f"A race needs at least {MIN_CONTESTANTS} contestants.")
        cols = st.columns(2, gap="small")
        with cols[0]:
            st.selectbox("Optimizer", NAMES, key=f"lab_c{row}_opt", format_func=name_label, persist_state=KEEP,
                         help=_optimizer_help())
        params = _params(name)
        with cols[1]:
            param_widget(params["lr"], row_key(row, name, "lr"), label="Learning rate", persist_state=KEEP)
        others = [p for p in params.values() if p.name != "lr"]
        with st.expander("More settings", key=f"lab_more_{row}"):
            for p in others:
                param_widget(p, row_key(row, name, p.name), persist_state=KEEP)
        name, settings = row_values(row)
        try:
            return contestant(name, label=row_label(name, settings), field=f"contestant {index + 1}", **settings)
        except SpecError as e:
            explained = [f"{name}: {p.name}: " for p in params.values()
                         if row_key(row, name, p.name) in field_problems()]  # said under the field
            show_errors([(f, m) for f, m in e.errors if not m.startswith(tuple(explained))])
            return None


def _optimizer_help() -> str:
    lines = ["Which optimizer this contestant uses.", ""]
    for name in NAMES:
        option = catalog.OPTIMIZERS[base_name(name)]
        extra = {"momentum": " with momentum 0.9", "nesterov": " with Nesterov momentum 0.9"}.get(name, "")
        lines.append(f"- **{name_label(name)}**: {option.description if not extra else 'SGD' + extra + '.'}")
    return "\n".join(lines)
