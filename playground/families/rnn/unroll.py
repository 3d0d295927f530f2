"""torch's recurrent layers stepped by hand, one time step at a time, with their own weights.

nn.RNN/LSTM/GRU run the whole sequence inside one operator: its output at every step comes out,
but not the gates, and autograd cannot reach the hidden state h_t on its way to h_{t+1}. Stepped
here with the formulas of torch's documentation (the same gate order, both biases), every h_t
is a tensor of its own that feeds the next step, so the views can show the gates and autograd
gives dL/dh_t through the recurrence (backpropagation through time). tests/test_rnn_views.py
checks the outputs against the layer's own forward pass.

    RNN   h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM  i, f, g, o = σ, σ, tanh, σ of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), in that order
          c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)
    GRU   r, z = σ(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z})
          n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn));  h_t = (1 - z) * n + z * h_{t-1}
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

GATE_NAMES = {"lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update", "new"), "rnn": ()}


@dataclass
class Unrolled:
    """One recurrent layer stepped by hand over inputs (B, T, F).

    output:  (B, T, H·directions) what the layer hands on, as its own forward pass would
    states:  per direction, T tensors (B, H) in time order: h_t, each one a node of the graph
    gates:   per direction, {gate name: (B, T, H)} the gate activations (none for a plain RNN)
    """

    output: torch.Tensor
    states: list[list[torch.Tensor]]
    gates: list[dict[str, torch.Tensor]]


def kind_of(layer: nn.Module) -> str:
    """"rnn", "lstm" or "gru" for torch's recurrent layers (and their subclasses)."""
    for kind, cls in (("lstm", nn.LSTM), ("gru", nn.GRU), ("rnn", nn.RNN)):
        if isinstance(layer, cls):
            return kind
    raise TypeError(f"not a recurrent layer: {type(layer).__name__}")


def unroll(layer: nn.RNNBase, x: torch.Tensor) -> Unrolled:
    """Step `layer` (one layer, batch first, either direction) over x (B, T, F) from a zero state."""
    if layer.num_layers != 1 or not layer.batch_first or getattr(layer, "proj_size", 0):
        raise ValueError("unroll steps one batch-first layer without projections (the family builds only those)")
    kind = kind_of(layer)
    outputs, states, gates = [], [], []
    for suffix in ("", "_reverse")[: 2 if layer.bidirectional else 1]:
        weights = [getattr(layer, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        order = range(x.shape[1]) if not suffix else reversed(range(x.shape[1]))
        hs, gate_steps = _step_direction(kind, layer, x, order, *weights)
        hs_in_time = hs if not suffix else hs[::-1]
        outputs.append(torch.stack(hs_in_time, dim=1))  # (B, T, H)
        states.append(hs_in_time)
        steps_in_time = gate_steps if not suffix else gate_steps[::-1]
        gates.append({name: torch.stack([step[i] for step in steps_in_time], dim=1)  # (B, T, H)
                      for i, name in enumerate(GATE_NAMES[kind])})
    return Unrolled(torch.cat(outputs, dim=2), states, gates)


def _step_direction(kind, layer, x, order, w_ih, w_hh, b_ih, b_hh):
    """h_t for t in `order`, and each step's gates; (B, H) tensors."""
    batch, hidden = x.shape[0], layer.hidden_size
    h = x.new_zeros(batch, hidden)
    c = x.new_zeros(batch, hidden)
    hs, gate_steps = [], []
    for t in order:
        from_input = x[:, t] @ w_ih.T + b_ih  # (B, gates·H)
        from_state = h @ w_hh.T + b_hh
        if kind == "lstm":
            i, f, g, o = (from_input + from_state).chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            gate_steps.append((i, f, g, o))
        elif kind == "gru":
            in_r, in_z, in_n = from_input.chunk(3, dim=1)
            st_r, st_z, st_n = from_state.chunk(3, dim=1)
            r, z = torch.sigmoid(in_r + st_r), torch.sigmoid(in_z + st_z)
            n = torch.tanh(in_n + r * st_n)
            h = (1 - z) * n + z * h
            gate_steps.append((r, z, n))
        else:
            pre = from_input + from_state
            h = torch.tanh(pre) if layer.nonlinearity == "tanh" else torch.relu(pre)
            gate_steps.append(())
        hs.append(h)
    return hs, gate_steps
