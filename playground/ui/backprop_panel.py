"""One training example forward and backward through the current network, every number shown
(train/backprop.py computes them), beside autograd's gradients for the same example; drawn
under the backpropagation lesson's card. It shows the weights as the run has them now: press
Step and it follows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from ..train.backprop import autograd_gradients, trace_example
from ..train.heads import make_head
from ..train.snapshot import Snapshot
from .widgets import KEEP

EXAMPLE = "backprop_example"  # session-state key: the training example's number (from 1)


def backprop_panel(snap: Snapshot | None, lr: float | None) -> None:
    if snap is None or snap.visuals is None or snap.non_dense_layers or len(snap.dataset.x_train) == 0:
        st.caption("One example by hand needs a dense network without other layers, ready to train.")
        return
    ds = snap.dataset
    count = len(ds.x_train)
    index = st.number_input("Training example", 1, count, key=EXAMPLE, persist_state=KEEP, width=180,
                            help=f"Which of the {count} training points to push through the network.") - 1
    head = make_head(snap.loss_name, snap.task, ds.n_classes, ds.y_train)
    target = head.targets(torch.as_tensor(ds.y_train[index:index + 1]))[0].numpy()
    vis = snap.visuals
    args = (vis.weights, vis.biases, list(snap.activations))
    trace = trace_example(*args, list(snap.dense_labels), head, ds.x_train[index], target)
    checked = autograd_gradients(*args, head, trace.example, trace.target)
    worst = max(float(np.max(np.abs(layer.grad_weights - grad))) for layer, grad in zip(trace.layers, checked))

    names = list(ds.feature_names)
    st.markdown("**Forward.** Inputs: " + ", ".join(f"{n} = {v:.3g}" for n, v in zip(names, trace.example))
                + f". Each unit: z = Σ w·a + b, then a = act(z). Loss: **{trace.loss:.4g}** against the target "
                  f"{_target_text(trace.target)}.")
    st.markdown("**Backward**, output first: dL/dz = dL/da × act′(z); dL/dw = dL/dz × the input a it multiplies; "
                "dL/db = dL/dz; the gradient handed to the layer before is Σ w × dL/dz.")
    for layer in trace.layers:
        st.markdown(f"*{layer.label}* ({layer.activation})")
        cols = st.columns([1, 1.4], gap="small")
        with cols[0]:
            st.dataframe(_units_frame(layer), hide_index=True)
        with cols[1]:
            st.dataframe(_weights_frame(layer, lr), hide_index=True)
    st.caption(f"Autograd, on the same example and weights, gives the same weight gradients: largest difference "
               f"{worst:.1e}." + (f" The last column is one step of plain gradient descent at learning rate {lr:g}."
                                  if lr is not None else ""))


def _target_text(target: np.ndarray) -> str:
    value = np.asarray(target).reshape(-1)
    return ", ".join(f"{v:.3g}" for v in value)


def _units_frame(layer) -> pd.DataFrame:
    return pd.DataFrame({"unit": np.arange(1, len(layer.z) + 1), "z": layer.z, "a": layer.outputs,
                         "dL/da": layer.grad_outputs, "act′(z)": layer.slope, "dL/dz": layer.grad_z})


def _weights_frame(layer, lr: float | None) -> pd.DataFrame:
    n, m = layer.weights.shape
    rows = {"w": [f"w{j + 1},{k + 1}" for j in range(n) for k in range(m)],
            "value": layer.weights.ravel(), "input a": np.tile(layer.inputs, n),
            "dL/dw": layer.grad_weights.ravel()}
    if lr is not None:
        rows["after a step"] = (layer.weights - lr * layer.grad_weights).ravel()
    return pd.DataFrame(rows)
