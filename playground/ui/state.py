"""Widget keys <-> Spec: the one mapping shared by the sidebar, presets and shared links.

Every setting lives in `st.session_state` under a fixed key (`data_noise`,
`train_batch_size`, `opt_adam_lr`, `layer_3_units`, ...). Loading a spec (a preset, a
link) writes those keys before the widgets are drawn; the sidebar reads them back into a
plain dict for `Spec.from_dict`. Optimizer and schedule settings are keyed by their owner
(`opt_sgd_lr` vs `opt_adam_lr`), so each one keeps its own values, as the spec does.
Layers are rows with stable ids, so moving a row moves its widgets' values with it.

Every settings widget is drawn with `persist_state="session"` (widgets.KEEP): Streamlit
otherwise drops the value of a widget that is not drawn in a run (noise while digits is
chosen, Adam's settings while SGD is, and every setting while the optimizer lab is open).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from ..core import catalog
from ..core.presets import Preset
from ..core.spec import Choice, DataSpec, ModelSpec, Spec, TelemetrySpec, TrainSpec

UPLOAD = "upload"  # the data-set menu entry that shows the CSV uploader
UPLOAD_KEY = "data_upload"  # the file_uploader (its value cannot be set from code)
LAYER_IDS = "layer_ids"
NEXT_LAYER_ID = "next_layer_id"
LAYERS_FAMILY = "layers_family"  # the network type (model_family) the layer rows were made for

VIEW_KEYS = {"loss_log": "loss_log"}  # presets.VIEW_OPTIONS name -> the widget key that shows it
_PREFIXES = ("data_", "model_", "train_", "telemetry_", "opt_", "sched_", "layer_")
_NOT_SETTABLE = {UPLOAD_KEY, "data_new_seed"}  # buttons and uploaders


def data_key(name: str) -> str:
    return f"data_{name}"


def train_key(name: str) -> str:
    return f"train_{name}"


def telemetry_key(name: str) -> str:
    return f"telemetry_{name}"


def optimizer_key(optimizer: str, param: str) -> str:
    return f"opt_{optimizer}_{param}"


def schedule_key(schedule: str, param: str) -> str:
    return f"sched_{schedule}_{param}"


def layer_key(layer_id: int, field: str) -> str:
    return f"layer_{layer_id}_{field}"


def _managed(key: str) -> bool:
    return key.startswith(_PREFIXES) and key not in _NOT_SETTABLE


def is_setting(key: str) -> bool:
    """Whether `key` holds a setting of the spec (a widget value that code may also write)."""
    return _managed(key)


# --------------------------------------------------------------------------- spec -> state

def spec_to_state(spec: Spec) -> dict[str, Any]:
    """Every widget value that shows `spec` (layers excluded: see `set_layers`)."""
    state: dict[str, Any] = {}
    for p in DataSpec.FIELDS:
        value = getattr(spec.data, p.name)
        state[data_key(p.name)] = list(value) if p.kind is tuple else value
    if spec.data.name.startswith("upload:"):
        state[data_key("name")] = UPLOAD
    state["model_family"] = spec.model.family
    state["model_init"] = spec.model.init
    state["model_init_std"] = spec.model.init_std
    state[DISCRIMINATOR] = [c.to_dict("kind") for c in spec.model.discriminator]  # a GAN's
    for p in ModelSpec.GAN_PARAMS:
        state[f"model_{p.name}"] = getattr(spec.model, p.name)
    state[train_key("discriminator_optimizer")] = spec.train.discriminator_optimizer.to_dict()
    for p in TrainSpec.PLAIN:
        state[train_key(p.name)] = getattr(spec.train, p.name)
    for kind, choice, key in (("optimizer", spec.train.optimizer, optimizer_key),
                              ("schedule", spec.train.schedule, schedule_key)):
        state[train_key(kind)] = choice.name
        state.update({key(choice.name, k): v for k, v in choice.params.items()})
    for p in TelemetrySpec.FIELDS:
        state[telemetry_key(p.name)] = getattr(spec.telemetry, p.name)
    return state


def load_spec(spec: Spec) -> None:
    """Show `spec` in every widget. Call before the widgets are drawn (or from a callback)."""
    ss = st.session_state
    for key in [k for k in ss if isinstance(k, str) and _managed(k)]:
        del ss[key]
    ss.update(spec_to_state(spec))
    set_layers(spec.model.layers, spec.model.family)


def load_view(preset: Preset) -> None:
    """Set the chart options `preset` asks for (and the others back to their defaults)."""
    for name, value in preset.view_settings().items():
        st.session_state[VIEW_KEYS[name]] = value


def in_use(spec: Spec | None) -> dict[str, Any]:
    """{widget key: value} of the settings `spec` holds (the run's), layers matched to the rows
    by position while the rows are the same kinds as the spec's layers."""
    if spec is None:
        return {}
    values = spec_to_state(spec)
    ids = st.session_state.get(LAYER_IDS, [])
    if len(ids) == len(spec.model.layers):
        for layer_id, choice in zip(ids, spec.model.layers):
            if st.session_state.get(layer_key(layer_id, "kind"), "linear") == choice.name:
                values.update(layer_state(layer_id, choice))
    return values


def field_of(key: str) -> str:
    """The spec field a widget key shows, as the spec's errors name it: `train_batch_size` ->
    `train.batch_size`, `opt_adam_lr` -> `train.optimizer.lr`, `layer_7_units` ->
    `model.layers.<row>.units`; "" for a key that is not a setting."""
    for prefix, section in (("opt_", "train.optimizer"), ("sched_", "train.schedule")):
        if key.startswith(prefix):
            return f"{section}.{key[len(prefix):].split('_', 1)[1]}"
    if key.startswith("layer_"):
        _, layer_id, name = key.split("_", 2)
        ids = st.session_state.get(LAYER_IDS, [])
        return f"model.layers.{ids.index(int(layer_id))}.{name}" if int(layer_id) in ids else ""
    for prefix in ("data_", "model_", "train_", "telemetry_"):
        if key.startswith(prefix):
            return f"{prefix[:-1]}.{key[len(prefix):]}"
    return ""


# --------------------------------------------------------------------------- layers

def layer_state(layer_id: int, choice: Choice) -> dict[str, Any]:
    state = {layer_key(layer_id, "kind"): choice.name}
    state.update({layer_key(layer_id, k): v for k, v in choice.params.items()})
    return state


def set_layers(layers: Iterable[Choice], family: str) -> None:
    """Replace the layer rows with `layers` (made for the network type `family`), each under a
    fresh id."""
    ss = st.session_state
    ss[LAYERS_FAMILY] = family
    next_id = ss.get(NEXT_LAYER_ID, 0)
    ids = []
    for choice in layers:
        ss.update(layer_state(next_id, choice))
        ids.append(next_id)
        next_id += 1
    ss[LAYER_IDS] = ids
    ss[NEXT_LAYER_ID] = next_id


def add_layer(choice: Choice) -> None:
    ss = st.session_state
    layer_id = ss.get(NEXT_LAYER_ID, 0)
    ss.update(layer_state(layer_id, choice))
    ss[LAYER_IDS] = [*ss.get(LAYER_IDS, []), layer_id]
    ss[NEXT_LAYER_ID] = layer_id + 1


def remove_layer(layer_id: int) -> None:
    ss = st.session_state
    ss[LAYER_IDS] = [i for i in ss.get(LAYER_IDS, []) if i != layer_id]
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"layer_{layer_id}_")]:
        del ss[key]


def move_layer(layer_id: int, offset: int) -> None:
    ids = list(st.session_state.get(LAYER_IDS, []))
    i = ids.index(layer_id)
    j = i + offset
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        st.session_state[LAYER_IDS] = ids


def layer_values(layer_id: int) -> dict[str, Any]:
    """{"kind": "linear", "units": 4, "activation": "tanh"} from the row's widgets."""
    ss = st.session_state
    kind = ss.get(layer_key(layer_id, "kind"), "linear")
    values: dict[str, Any] = {"kind": kind}
    for p in catalog.ALL_LAYERS[kind].params:
        values[p.name] = ss.get(layer_key(layer_id, p.name), p.default)
    return values


# --------------------------------------------------------------------------- a GAN's discriminator

DISCRIMINATOR = "model_discriminator"  # its layers as last loaded; each row's widgets hold the edits


def discriminator_key(row: int, field: str) -> str:
    return f"model_dlayer_{row}_{field}"


def discriminator_values() -> list[dict[str, Any]]:
    """A GAN discriminator's layers: the loaded ones, each field as its widget shows it."""
    ss = st.session_state
    loaded = ss.get(DISCRIMINATOR, [c.to_dict("kind") for c in ModelSpec.discriminator])
    return [{"kind": "linear", **{f: ss.get(discriminator_key(i, f), layer.get(f)) for f in ("units", "activation")}}
            for i, layer in enumerate(loaded)]


# --------------------------------------------------------------------------- state -> spec dict

def spec_dict(data_name: str) -> dict[str, Any]:
    """The settings as a plain dict for Spec.from_dict (which validates and names bad fields).

    `data_name` is passed in because an upload's name comes from the uploaded file.
    """
    ss = st.session_state

    def get(key: str, default: Any) -> Any:
        return ss.get(key, default)

    data = {p.name: get(data_key(p.name), p.default) for p in DataSpec.FIELDS}
    data["name"] = data_name
    data["features"] = list(data["features"] or [])
    model = {"family": get("model_family", ModelSpec.family),
             "layers": [layer_values(i) for i in ss.get(LAYER_IDS, [])],
             "init": get("model_init", ModelSpec.init),
             "init_std": get("model_init_std", ModelSpec.init_std),
             "discriminator": {"layers": discriminator_values()},
             **{p.name: get(f"model_{p.name}", p.default) for p in ModelSpec.GAN_PARAMS}}
    train: dict[str, Any] = {p.name: get(train_key(p.name), p.default) for p in TrainSpec.PLAIN}
    for kind, table, key in (("optimizer", catalog.OPTIMIZERS, optimizer_key),
                             ("schedule", catalog.SCHEDULES, schedule_key)):
        name = get(train_key(kind), getattr(TrainSpec, kind).name)
        train[kind] = {"name": name, **{p.name: get(key(name, p.name), p.default) for p in table[name].params}}
    train["discriminator_optimizer"] = get(train_key("discriminator_optimizer"),
                                           TrainSpec.discriminator_optimizer.to_dict())
    telemetry = {p.name: get(telemetry_key(p.name), p.default) for p in TelemetrySpec.FIELDS}
    return {"data": data, "model": model, "train": train, "telemetry": telemetry}
