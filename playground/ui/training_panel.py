"""The sidebar's Training group: loss, optimizer with all of its own settings (generated from
the catalog), learning-rate schedule, batch size, epochs, regularisation, device and seed."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ..core import catalog
from ..core.devices import available_devices, describe_device, resolve_device
from ..core.spec import TelemetrySpec, TrainSpec
from . import locks, state
from .widgets import KEEP, describe_option, options_help, param_widget, show_errors

_PLAIN = {p.name: p for p in TrainSpec.PLAIN}
Take = Callable[[str], list[tuple[str, str]]]  # errors whose field starts with a prefix


def training_settings(resolved_loss: str | None, take: Take) -> None:
    _loss(resolved_loss)
    show_errors(take("train.loss"))
    _choice("Optimizer", "optimizer", catalog.OPTIMIZERS, state.optimizer_key,
            "How the weights are updated from the gradients.")
    show_errors(take("train.optimizer"))
    _choice("Learning-rate schedule", "schedule", catalog.SCHEDULES, state.schedule_key,
            "How the learning rate changes during the run (stepped every batch, set in epochs).")
    show_errors(take("train.schedule"))
    cols = st.columns(2)
    with cols[0]:
        param_widget(_PLAIN["batch_size"], state.train_key("batch_size"), label="Batch size")
    with cols[1]:
        param_widget(_PLAIN["epochs"], state.train_key("epochs"), label="Epochs")
    with st.expander("Regularisation and early stopping", icon=":material/tune:"):
        cols = st.columns(2)
        with cols[0]:
            param_widget(_PLAIN["l1"], state.train_key("l1"), step=0.001)
        with cols[1]:
            param_widget(_PLAIN["l2"], state.train_key("l2"), step=0.001)
        cols = st.columns(2)
        with cols[0]:
            param_widget(_PLAIN["grad_clip"], state.train_key("grad_clip"), label="Gradient clip", step=0.1)
        with cols[1]:
            param_widget(_PLAIN["early_stopping_patience"], state.train_key("early_stopping_patience"),
                         label="Early stopping")
    with st.expander("Device, seed and measurement", icon=":material/memory:"):
        _device()
        param_widget(_PLAIN["seed"], state.train_key("seed"), label="Training seed")
        for p in TelemetrySpec.FIELDS:
            param_widget(p, state.telemetry_key(p.name))
    show_errors(take("train") + take("telemetry"))


def _loss(resolved: str | None) -> None:
    table = catalog.LOSSES
    chosen = param_widget(_PLAIN["loss"], state.train_key("loss"), label="Loss",
                          format_func=lambda n: "Auto (the usual loss for the task)" if n == "auto" else table[n].label,
                          help=options_help(_PLAIN["loss"].help, table))
    if resolved is not None:
        option = table[resolved]
        prefix = f"Auto → **{option.label}**. " if chosen == "auto" else ""
        st.caption(prefix + describe_option(option))


def _choice(label: str, kind: str, table: dict[str, catalog.Option], key_of, intro: str) -> None:
    """A menu of options, the chosen one's description, and a widget for each of its settings."""
    key = state.train_key(kind)
    st.session_state.setdefault(key, getattr(TrainSpec, kind).name)
    name = st.selectbox(label, list(table), key=key, format_func=lambda n: table[n].label, persist_state=KEEP,
                        help=locks.help_for(f"train.{kind}.name", options_help(intro, table)),
                        disabled=locks.locked(f"train.{kind}.name"))
    option = table[name]
    st.caption(describe_option(option))
    numbers = [p for p in option.params if p.kind is not bool]
    switches = [p for p in option.params if p.kind is bool]
    for start in range(0, len(numbers), 2):
        cols = st.columns(2)
        for col, p in zip(cols, numbers[start:start + 2]):
            with col:
                param_widget(p, key_of(name, p.name))
    for p in switches:
        param_widget(p, key_of(name, p.name))


def _device() -> None:
    key = state.train_key("device")
    current = st.session_state.setdefault(key, TrainSpec.device)
    options = ["auto", *available_devices()]
    if current not in options:  # a link asked for a device this machine lacks: keep it, the error says why
        options.append(current)
    chosen = st.selectbox("Device", options, key=key, help=locks.help_for("train.device", _PLAIN["device"].help),
                          persist_state=KEEP, disabled=locks.locked("train.device"))
    try:
        st.caption(f"Trains on **{describe_device(resolve_device(chosen))}**")
    except Exception:  # noqa: BLE001 - the spec check reports the missing device
        pass
