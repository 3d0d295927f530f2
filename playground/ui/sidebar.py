"""The settings sidebar: a preset menu, then Data, Network and Training groups. Returns the
validated Spec, or the problems (each shown next to its group, naming the field)."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from ..core import catalog
from ..core.devices import resolve_device
from ..core.params import SpecError
from ..core.presets import PRESETS, get_preset
from ..core.spec import DataSpec, ModelSpec, Spec
from ..data.datasets import Dataset
from ..families import data_inputs, default_layers, plan_model
from ..train.heads import Head, resolve_loss
from ..train.plan import Plan
from . import locks, state
from .data_panel import DataChoice, data_menu, data_settings, try_load
from .gan_settings import gan_settings
from .layers import layer_rows, network_summary
from .training_panel import training_settings
from .widgets import (
    KEEP,
    clear_field_problems,
    describe_option,
    field_problems,
    full_run_only,
    options_help,
    param_widget,
    show_errors,
)

Errors = list[tuple[str, str]]
NO_FILE = ("data.name", "choose a CSV or NPZ file to upload")  # "Upload a CSV file" chosen, no file yet


@dataclass
class Settings:
    spec: Spec | None  # None while any setting is invalid
    errors: Errors = field(default_factory=list)
    uploads: dict[str, bytes] | None = None
    dataset: Dataset | None = None


@dataclass
class _Checked:
    """Everything the sidebar learns from the current values before drawing them."""

    spec: Spec | None
    errors: Errors
    dataset: Dataset | None
    resolved_loss: str | None
    plan: Plan | None  # what the layers build on this data (None until data and loss are known)


def sidebar() -> Settings:
    clear_field_problems()
    _act_on_picks()
    with st.sidebar:
        st.markdown("#### :material/hub: Neural network playground")
        preset_note = _preset_menu()
        st.subheader("Data", divider="gray")
        choice = data_menu()
        checked = _check(choice)
        _preset_caption(preset_note, checked.spec)
        pending = [e for e in checked.errors if e != NO_FILE]  # the uploader's own note says so

        def take(prefix: str | None = None) -> Errors:
            """The problems of fields under `prefix` (None: all left), once each, except those a
            field already explained under itself (drawn before this is called)."""
            mine = [e for e in pending if prefix is None or e[0] == prefix or e[0].startswith(prefix + ".")]
            for e in mine:
                pending.remove(e)
            explained = {state.field_of(key) for key in field_problems()}
            return [e for e in mine if e[0] not in explained]

        data_settings(choice, checked.dataset, take)
        st.subheader("Network", divider="gray")
        _family_setting()
        layer_rows(checked.plan)
        if checked.plan is not None:
            st.caption(network_summary(checked.plan))
        if st.session_state.get("model_family") == "gan":
            gan_settings()
        _init_settings()
        show_errors(take("model"))
        st.subheader("Training", divider="gray")
        training_settings(checked.resolved_loss, take)
        show_errors(take())
    return Settings(checked.spec, checked.errors, choice.uploads, checked.dataset)


def _check(choice: DataChoice) -> _Checked:
    """Validate the values in session state the way the engine will, so every problem can be
    shown in place: spec fields, the data file, loss vs task, device, network size."""
    raw = state.spec_dict(choice.name or "")
    errors: Errors = []
    try:
        spec = Spec.from_dict(raw)
    except SpecError as e:
        spec, errors = None, list(e.errors)
    if choice.name is None:  # "upload" chosen, no file yet: the menu already says so
        errors = [e for e in errors if e[0] != "data.name"] + [NO_FILE]
    data = _section(DataSpec.from_dict, raw["data"], "data") if choice.name else None
    dataset, load_errors = try_load(data, choice.uploads)
    errors += load_errors
    resolved, plan = None, None
    if dataset is not None:
        try:
            resolved = resolve_loss(raw["train"]["loss"], dataset.task)
        except (SpecError, KeyError) as e:
            errors += e.errors if isinstance(e, SpecError) else [("train.loss", f"{e} is not a known loss")]
        model = _section(ModelSpec.from_dict, raw["model"], "model")
        if resolved is not None and model is not None:
            # The trainer's own plan: the same sizes, and the same problems it would refuse with.
            outputs = Head(dataset.task, resolved, dataset.n_classes).n_outputs
            plan = plan_model(model, data_inputs(model, dataset), outputs, dataset.task)
            errors += plan.problems
    try:
        resolve_device(raw["train"]["device"])
    except SpecError as e:
        errors += e.errors
    unique = list(dict.fromkeys(errors))
    return _Checked(spec if not unique else None, unique, dataset, resolved, plan)


def _section(parse, values, path):
    try:
        return parse(values, path)
    except SpecError:
        return None  # Spec.from_dict already reported it


def _family_setting() -> None:
    """The network type: picking another one starts its layers from that type's defaults (a
    CNN's conv layers mean nothing to an MLP, and the other way round)."""
    param_widget(ModelSpec.FAMILY_PARAM, "model_family", label="Network type",
                 format_func=lambda f: catalog.FAMILIES[f].label,
                 help=options_help(ModelSpec.FAMILY_PARAM.help, catalog.FAMILIES))


def _init_settings() -> None:
    params = {p.name: p for p in ModelSpec.INIT_PARAMS}
    normal = st.session_state.get("model_init") == "normal"
    cols = st.columns([1.4, 1] if normal else [1], vertical_alignment="bottom")
    with cols[0]:
        init = param_widget(params["init"], "model_init", label="Initial weights",
                            format_func=lambda n: catalog.INITS[n].label,
                            help=options_help(params["init"].help, catalog.INITS))
    if init == "normal" and len(cols) > 1:
        with cols[1]:
            param_widget(params["init_std"], "model_init_std", label="Std σ")
    st.caption(describe_option(catalog.INITS[init]))


# --------------------------------------------------------------------------- picks

# A preset picked and a network type switched are acted on here, at the start of a full run, by
# comparing with what the last full run drew, not in the widgets' callbacks. A pick can reach the
# server first with a timed redraw of the live view (drawn_values.py tells how), where no preset
# can load: the page around the live view is not redrawn. Streamlit then sees no change in the
# full rerun that follows, so the callback never ran: seen in Chromium under load, 2 picks in 16
# lost, and picking the same preset again did nothing either. The timed redraw does not ask for
# a full rerun of its own: the browser's full rerun always follows, carrying the settings as the
# browser had them before the load, and they would undo a load made before it (tried: 4 runs of
# the browser test in 8 failed that way).
MENU_DRAWN = "preset_menu_drawn"  # session-state key: the preset menu's value as last drawn


def _act_on_picks() -> None:
    """Load a preset picked since the last full run, or start the layers afresh for a network
    type picked since then. Call before any setting is drawn."""
    ss = st.session_state
    picked = ss.get("preset")
    if picked in PRESETS and picked != ss.get(MENU_DRAWN):
        _load_preset(picked)
    family = ss.get("model_family")
    if family is not None and family != ss.get(state.LAYERS_FAMILY):
        # a CNN's conv layers mean nothing to an MLP, and the other way round
        state.set_layers(default_layers(family), family)


def _load_preset(name: str) -> None:
    state.load_spec(get_preset(name))
    state.load_view(PRESETS[name])
    st.session_state["loaded_preset"] = name


def show_preset_loaded(name: str) -> None:
    """Say that preset `name` is loaded (by a link) without loading it again: the menu shows it
    and the note under it is about it. Call before the sidebar is drawn."""
    ss = st.session_state
    ss["loaded_preset"] = ss["preset"] = ss[MENU_DRAWN] = name


def _preset_menu():
    """The preset menu, showing the preset last loaded; returns the slot for a note about it."""
    lines = ["Load a ready-made experiment: it sets every control below.", ""]
    lines += [f"- **{p.name}**: {p.description}" for p in PRESETS.values()]
    st.session_state[MENU_DRAWN] = st.selectbox(
        "Preset", list(PRESETS), index=None, key="preset", placeholder="Load a preset…",
        persist_state=KEEP, disabled=locks.any_locked(),
        help=f"{locks.WHY}\n\n" * locks.any_locked() + "\n".join(lines))
    return st.container()


def _preset_caption(slot, spec: Spec | None) -> None:
    loaded = st.session_state.get("loaded_preset")
    if loaded not in PRESETS:
        return
    with slot:
        if spec == PRESETS[loaded].spec:
            st.caption(f"**{loaded}**: {PRESETS[loaded].description}")
        else:
            st.caption(f"Started from preset **{loaded}**, since changed.")
            st.button(f"Back to {loaded}", key="btn_reload_preset", type="tertiary", disabled=locks.any_locked(),
                      icon=":material/undo:", on_click=full_run_only(_load_preset), args=(loaded,),
                      help=f"Load preset {loaded} again: every setting as it has it.")
