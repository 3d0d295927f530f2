"""The layer list: one row of widgets per hidden layer (kind, size, activation) with a menu
to move or remove it, and a button to add one. Input and output widths follow the data
and the loss, so they are shown, not edited."""

from __future__ import annotations

import streamlit as st

from .. import catalog
from ..spec import MAX_LAYERS, layer
from . import state
from .widgets import KEEP, full_run_only, options_help, param_widget

_COLUMNS = [1.5, 0.95, 0.5]
_KIND_HELP = options_help("What this layer does.", catalog.LAYERS)
_ACTIVATION_HELP = options_help("The non-linearity applied to each unit's weighted sum.", catalog.ACTIVATIONS)
_SIZE_HELP = "Dense: the number of units (neurons). Dropout: the probability p of dropping each value."


def layer_rows() -> None:
    """Draw the rows; their values live in session state (see state.layer_values)."""
    ids = list(st.session_state.get(state.LAYER_IDS, []))
    if ids:
        head = st.columns(_COLUMNS, gap="small")
        head[0].caption("Hidden layer", help=_ACTIVATION_HELP)
        head[1].caption("Size", help=_SIZE_HELP)
    else:
        st.caption("No hidden layers: the inputs connect straight to the output (a linear model).")
    for position, layer_id in enumerate(ids):
        _row(layer_id, position, len(ids))
    last = next((state.layer_values(i) for i in reversed(ids) if state.layer_values(i)["kind"] == "linear"),
                {"units": 4, "activation": "tanh"})
    st.button("Add layer", icon=":material/add:", key="btn_layer_add", disabled=len(ids) >= MAX_LAYERS,
              help=f"Append a dense layer like the last one (at most {MAX_LAYERS} layers). Other kinds "
                   "(dropout, normalisation) are in each layer's ⋮ menu.",
              on_click=full_run_only(state.add_layer),
              args=(layer("linear", units=last["units"], activation=last["activation"]),))


def _row(layer_id: int, position: int, count: int) -> None:
    """[activation (dense) or kind][size][⋮ menu: kind, move, remove], and under the whole row
    a message when the size is out of range (in the size column it would be squeezed into the
    field's width). style.py makes the ⋮ menu open on its first click."""
    kind_key = state.layer_key(layer_id, "kind")
    kind = st.session_state.setdefault(kind_key, "linear")
    params = {p.name: p for p in catalog.LAYERS[kind].params}
    n = position + 1
    cols = st.columns(_COLUMNS, gap="small", vertical_alignment="center")
    below = st.container()
    with cols[0]:
        if "activation" in params:
            param_widget(params["activation"], state.layer_key(layer_id, "activation"),
                         label=f"Activation of layer {n}", label_visibility="collapsed",
                         format_func=lambda a: f"{n} · {catalog.ACTIVATIONS[a].label}", help=_ACTIVATION_HELP)
        else:
            st.markdown(f"{n} · {catalog.LAYERS[kind].label}", help=catalog.LAYERS[kind].description)
    with cols[1]:
        if "units" in params:
            param_widget(params["units"], state.layer_key(layer_id, "units"), label=f"Units of layer {n}",
                         label_visibility="collapsed", explain_in=below)
        elif "p" in params:
            param_widget(params["p"], state.layer_key(layer_id, "p"), label=f"Dropout p of layer {n}",
                         step=0.05, label_visibility="collapsed", explain_in=below)
    with cols[2]:
        with st.popover("", icon=":material/more_vert:", help=f"Layer {n}: change its kind, move or remove it",
                        key=f"menu_layer_{layer_id}"):
            st.selectbox(f"Kind of layer {n}", list(catalog.LAYERS), key=kind_key, help=_KIND_HELP,
                         format_func=lambda k: catalog.LAYERS[k].label, persist_state=KEEP)
            st.caption(catalog.LAYERS[kind].description)
            with st.container(horizontal=True, gap="small"):
                st.button("Up", icon=":material/arrow_upward:", key=f"btn_layer_up_{layer_id}",
                          disabled=position == 0, on_click=full_run_only(state.move_layer),
                          args=(layer_id, -1),
                          help="Move this layer one place towards the input.")
                st.button("Down", icon=":material/arrow_downward:", key=f"btn_layer_down_{layer_id}",
                          disabled=position == count - 1,
                          on_click=full_run_only(state.move_layer), args=(layer_id, 1),
                          help="Move this layer one place towards the output.")
                st.button("Remove", icon=":material/delete:", key=f"btn_layer_remove_{layer_id}",
                          on_click=full_run_only(state.remove_layer), args=(layer_id,),
                          help="Delete this layer.")


def network_summary(widths: list[int], parameters: int | None) -> str:
    """'2 inputs → 4 → 2 → 1 output · 17 parameters'."""
    if not widths:
        return ""
    middle = "".join(f" → {w}" for w in widths[1:-1])
    text = f"{widths[0]} input{'s' * (widths[0] != 1)}{middle} → {widths[-1]} output{'s' * (widths[-1] != 1)}"
    if parameters is not None:
        text += f" · **{parameters:,}** parameters"
    return text
