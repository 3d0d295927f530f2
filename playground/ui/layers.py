"""The layer list: one row of widgets per hidden layer (kind, size, activation) with a menu
to move or remove it (and a conv layer's kernel, stride and padding), and a button to add one.
Input and output widths follow the data and the loss, so they are shown, not edited. The
kinds on offer are the network type's (catalog.FAMILY_LAYERS); for a CNN or a recurrent network
each row also says the shape it outputs (channels x height x width; steps x width), from the same
plan the trainer builds."""

from __future__ import annotations

import streamlit as st

from ..core import catalog
from ..core.spec import MAX_LAYERS, ModelSpec, layer
from ..train.plan import Plan
from . import locks, state
from .widgets import KEEP, full_run_only, options_help, param_widget

_COLUMNS = [1.5, 0.95, 0.5]
_ACTIVATION_HELP = options_help("The non-linearity applied to each unit's weighted sum.", catalog.ACTIVATIONS)
_SIZE_HELP = ("Dense: the number of units (neurons). Conv: the number of filters. Pool: the window size. "
              "RNN, LSTM, GRU: the hidden size. Dropout: the probability p of dropping each value.")
_SIZE_PARAMS = {"units": "Units", "channels": "Filters", "hidden": "Hidden size", "kernel": "Window",
                "p": "Dropout p", "width": "Model width", "heads": "Heads",
                "size": "Latent size"}  # the size column
# Other settings, in the row's ⋮ menu: a conv layer's; a recurrent layer's direction; a Transformer's.
_MENU_PARAMS = ("kernel", "stride", "padding", "bidirectional", "positional", "feedforward", "dropout", "causal",
                "variational", "kl_weight")


def _family() -> str:
    return st.session_state.get("model_family", ModelSpec.family)


def layer_rows(plan: Plan | None = None) -> None:
    """Draw the rows; their values live in session state (see state.layer_values). `plan`: what
    the rows build on the chosen data (None while it cannot be worked out)."""
    ids = list(st.session_state.get(state.LAYER_IDS, []))
    if ids:
        head = st.columns(_COLUMNS, gap="small")
        head[0].caption("Hidden layer", help=_ACTIVATION_HELP)
        head[1].caption("Size", help=_SIZE_HELP)
    else:
        st.caption("No hidden layers: the inputs connect straight to the output (a linear model).")
    for position, layer_id in enumerate(ids):
        shape = plan.shape_after(position) if plan is not None and len(plan.inputs) > 1 else None  # images
        _row(layer_id, position, len(ids), shape)
    last = next((state.layer_values(i) for i in reversed(ids) if state.layer_values(i)["kind"] == "linear"),
                {"units": 4, "activation": "tanh"})
    st.button("Add layer", icon=":material/add:", key="btn_layer_add",
              disabled=len(ids) >= MAX_LAYERS or locks.locked("model.layers"),
              help=f"Append a dense layer like the last one (at most {MAX_LAYERS} layers). Other kinds "
                   "(convolutions, pooling, dropout, normalisation) are in each layer's ⋮ menu.",
              on_click=full_run_only(state.add_layer),
              args=(layer("linear", units=last["units"], activation=last["activation"]),))


def _row(layer_id: int, position: int, count: int, shape: tuple[int, ...] | None) -> None:
    """[activation (dense, conv) or kind][size][⋮ menu: kind, a conv's kernel/stride/padding,
    move, remove], and under the whole row its output shape (CNN) and a message when a number
    is out of range (in the size column it would be squeezed into the field's width). style.py
    makes the ⋮ menu open on its first click."""
    menu = catalog.FAMILY_LAYERS[_family()]
    kind_key = state.layer_key(layer_id, "kind")
    kind = st.session_state.setdefault(kind_key, "linear")
    option = catalog.ALL_LAYERS[kind]
    params = {p.name: p for p in option.params}
    n = position + 1
    cols = st.columns(_COLUMNS, gap="small", vertical_alignment="center")
    below = st.container()
    with cols[0]:
        if "activation" in params:
            param_widget(params["activation"], state.layer_key(layer_id, "activation"),
                         label=f"Activation of layer {n}", label_visibility="collapsed",
                         format_func=lambda a: f"{n} · {catalog.ACTIVATIONS[a].label}", help=_ACTIVATION_HELP)
        else:
            st.markdown(f"{n} · {option.label}", help=option.description)
    with cols[1]:
        size = next((name for name in _SIZE_PARAMS if name in params), None)
        if size is not None:
            param_widget(params[size], state.layer_key(layer_id, size), label=f"{_SIZE_PARAMS[size]} of layer {n}",
                         step=0.05 if size == "p" else None, label_visibility="collapsed", explain_in=below)
    with cols[2]:
        with st.popover("", icon=":material/more_vert:", help=f"Layer {n}: change its kind, move or remove it",
                        key=f"menu_layer_{layer_id}"):
            kinds = list(menu) if kind in menu else [*menu, kind]  # a kind of another network type: shown, refused
            st.selectbox(f"Kind of layer {n}", kinds, key=kind_key, disabled=locks.locked(state.field_of(kind_key)),
                         help=locks.help_for(state.field_of(kind_key), options_help("What this layer does.", menu)),
                         format_func=lambda k: catalog.ALL_LAYERS[k].label, persist_state=KEEP)
            st.caption(option.description)
            for name in _MENU_PARAMS:
                if name in params and name != size:  # a pool's kernel is its size
                    param_widget(params[name], state.layer_key(layer_id, name), explain_in=below)
            with st.container(horizontal=True, gap="small"):
                st.button("Up", icon=":material/arrow_upward:", key=f"btn_layer_up_{layer_id}",
                          disabled=position == 0 or locks.locked("model.layers"),
                          on_click=full_run_only(state.move_layer),
                          args=(layer_id, -1),
                          help="Move this layer one place towards the input.")
                st.button("Down", icon=":material/arrow_downward:", key=f"btn_layer_down_{layer_id}",
                          disabled=position == count - 1 or locks.locked("model.layers"),
                          on_click=full_run_only(state.move_layer), args=(layer_id, 1),
                          help="Move this layer one place towards the output.")
                st.button("Remove", icon=":material/delete:", key=f"btn_layer_remove_{layer_id}",
                          on_click=full_run_only(state.remove_layer), args=(layer_id,),
                          disabled=locks.locked("model.layers"),
                          help="Delete this layer.")
    if shape is not None:
        with below:
            st.caption(f"→ {shape_text(shape)}{_what(layer_id, kind)}")


def _what(layer_id: int, kind: str) -> str:
    """What a row with an activation is, which its first field does not say: ' · dense', or
    ' · conv 3×3, stride 1, pad 1' (settings otherwise only in the ⋮ menu; short enough for one
    line in a projector's sidebar)."""
    if kind == "linear":
        return " · dense"
    if kind in catalog.RECURRENT_LAYERS:
        both = state.layer_values(layer_id)["bidirectional"]
        return f" · {catalog.RECURRENT_LAYERS[kind].label}{', both ways' if both else ''}"
    v = state.layer_values(layer_id)
    if kind == "embedding":
        return f" · embedding, {v['positional']} positions"
    if kind == "encoder":
        return f" · encoder, {v['heads']} heads, ff {v['feedforward']}{', causal' if v['causal'] else ''}"
    if kind != "conv":
        return ""
    return f" · conv {v['kernel']}×{v['kernel']}, stride {v['stride']}, pad {v['padding']}"


def shape_text(shape: tuple[int, ...]) -> str:
    """(16, 4, 4) -> '16×4×4'; (64,) -> '64'."""
    return "×".join(str(n) for n in shape)


def network_summary(plan: Plan) -> str:
    """MLP: '2 inputs → 4 → 2 → 1 output · 17 parameters'. CNN: '1×8×8 image → 8×8×8 → 8×4×4 →
    ... → 64 → 32 → 10 outputs · 3,658 parameters' (the shape after each layer that changes it);
    a recurrent network likewise: '30×2 sequence → 30×32 → 32 → 1 output · ...', a Transformer
    '12×8 sequence → 12×32 → 12×8 outputs · ...' (8 outputs at each of 12 positions)."""
    outputs = f"{plan.outputs} output{'s' * (plan.outputs != 1)}"
    if plan.layers and len(plan.layers[-1].shape) == 2:  # a Transformer: outputs at every position
        outputs = f"{shape_text(plan.layers[-1].shape)} outputs"
    if len(plan.inputs) == 1:  # a vector of features
        widths = plan.widths
        middle = "".join(f" → {w}" for w in widths[1:-1])
        text = f"{widths[0]} input{'s' * (widths[0] != 1)}{middle} → {outputs}"
    else:
        shapes, last = [], plan.inputs
        for step in plan.layers[:-1]:
            if step.shape != last:
                shapes.append(shape_text(step.shape))
            last = step.shape
        what = "image" if len(plan.inputs) == 3 else "sequence"
        text = " → ".join([f"{shape_text(plan.inputs)} {what}", *shapes, outputs])
    return text + f" · **{plan.parameters:,}** parameters"
