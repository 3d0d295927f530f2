"""A GAN's own settings in the sidebar's network group (shown when the network type is GAN): the
discriminator's dense layers (a row each: units, activation; add and remove), the noise, and the
game (discriminator steps, label smoothing, the discriminator's optimizer and learning rate). The
generator's layers are the usual layer rows above; its optimizer is the training group's."""

from __future__ import annotations

import streamlit as st

from ..core import catalog
from ..core.spec import MAX_LAYERS, ModelSpec, TrainSpec
from . import state
from .widgets import param_widget

_LINEAR = {p.name: p for p in catalog.LAYERS["linear"].params}
_PLAIN = {p.name: p for p in TrainSpec.PLAIN}


def gan_settings() -> None:
    with st.expander("GAN: discriminator, noise and game", icon=":material/sports_kabaddi:", expanded=True):
        st.caption("The layer rows above are the **generator** (noise → point); these rows the **discriminator** "
                   "(point → real or not).")
        _discriminator_rows()
        cols = st.columns(2)
        for col, p in zip(cols, ModelSpec.GAN_PARAMS):
            with col:
                param_widget(p, f"model_{p.name}", **({"format_func": lambda n: catalog.NOISE[n].label}
                                                      if p.name == "noise" else {}))
        cols = st.columns(2)
        for col, name in zip(cols, ("discriminator_steps", "label_smoothing")):
            with col:
                param_widget(_PLAIN[name], state.train_key(name), step=0.05 if name == "label_smoothing" else None)
        _discriminator_optimizer()


def _discriminator_rows() -> None:
    ss = st.session_state
    layers = state.discriminator_values()
    for i, layer in enumerate(layers):
        for field in ("units", "activation"):  # rows start as loaded (load_spec cleared their widgets)
            ss.setdefault(state.discriminator_key(i, field), layer[field])
        cols = st.columns([1, 1.4], vertical_alignment="bottom")
        with cols[0]:
            param_widget(_LINEAR["units"], state.discriminator_key(i, "units"), label=f"D layer {i + 1} units")
        with cols[1]:
            param_widget(_LINEAR["activation"], state.discriminator_key(i, "activation"), label="activation",
                         format_func=lambda n: catalog.ACTIVATIONS[n].label)
    cols = st.columns(2)
    if cols[0].button("Add D layer", key="gan_add_d_layer", disabled=len(layers) >= MAX_LAYERS,
                      icon=":material/add:", width="stretch", help="Add a dense layer to the discriminator, "
                      "a copy of its last one."):
        ss[state.DISCRIMINATOR] = [*layers, dict(layers[-1]) if layers else
                                   {"kind": "linear", "units": 32, "activation": "relu"}]
        st.rerun()
    if cols[1].button("Remove last", key="gan_remove_d_layer", disabled=not layers, icon=":material/remove:",
                      width="stretch", help="Remove the discriminator's last hidden layer."):
        ss[state.DISCRIMINATOR] = layers[:-1]
        for field in ("units", "activation"):
            ss.pop(state.discriminator_key(len(layers) - 1, field), None)
        st.rerun()


def _discriminator_optimizer() -> None:
    """Its optimizer by name and its learning rate (other settings: the optimizer's defaults)."""
    ss = st.session_state
    key = state.train_key("discriminator_optimizer")
    current = dict(ss.get(key, TrainSpec.discriminator_optimizer.to_dict()))
    cols = st.columns([1.3, 1])
    name = cols[0].selectbox("D optimizer", list(catalog.OPTIMIZERS), index=list(catalog.OPTIMIZERS).index(
        current["name"]) if current["name"] in catalog.OPTIMIZERS else 0, key="gan_d_optimizer_name",
        format_func=lambda n: catalog.OPTIMIZERS[n].label, help="What trains the discriminator.")
    if name != current["name"]:
        current = {"name": name}  # another optimizer starts from its own defaults
    lr_param = next(p for p in catalog.OPTIMIZERS[name].params if p.name == "lr")
    lr = cols[1].number_input("D learning rate", value=float(current.get("lr", lr_param.default)), format="%g",
                              key=f"gan_d_lr_{name}", help=lr_param.help)
    ss[key] = {**current, "lr": lr}

