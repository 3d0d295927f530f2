"""A recurrent network's pictures of itself (views.py), for one test sequence the page picks:
its hidden state over time (units x steps), its gates over time, the answer it would give after
each step beside the true one; and, over a batch of test sequences, the gradient that reaches
each step's hidden state (backpropagation through time). Each is a few traces, cheap to redraw.
"""

from __future__ import annotations

import numpy as np

from ...charts.figure import Figure, subplot_grid, trace
from ...charts.style import (
    DIVERGING,
    GUIDE,
    MODEL,
    TEST,
    base_layout,
    class_color,
    layer_colors,
    legend_under,
    log_axis,
)
from .unroll import GATE_NAMES

# Gates squashed by tanh run from -1 to 1 (drawn in the diverging colours); the others are
# sigmoids from 0 (closed) to 1 (open), drawn from white to dark.
TANH_GATES = frozenset({"cell", "new"})
OPENNESS = [[0.0, "#ffffff"], [1.0, "#1c262b"]]
MAX_FEATURE_LINES = 4  # inputs with more features a step (one-hot text) are drawn as a heatmap


def _views(snap):
    return snap.visuals.family if snap.visuals is not None else None


def _pick(items, index: int):
    return items[min(max(index, 0), len(items) - 1)]


def _steps(count: int) -> np.ndarray:
    return np.arange(1, count + 1)


def states_figure(snap, example: int = 0, layer: int = 0, height: int = 300) -> Figure | None:
    """Recurrent layer `layer`'s hidden state while it reads test sequence `example`: one row per
    unit, one column per step, blue above zero and orange below (tanh keeps them in -1..1)."""
    views = _views(snap)
    if views is None or not views.layers:
        return None
    trace_ = _pick(views.layers, layer)
    states = _pick(trace_.states, example)  # (T, D·H)
    limit = float(np.nanmax(np.abs(states))) or 1.0
    both = len(trace_.gates) == 2
    fig = Figure(trace("heatmap", z=states.T, x=_steps(len(states)), zmin=-limit, zmax=limit, colorscale=DIVERGING,
                       colorbar=dict(title=dict(text="state"), thickness=10, len=0.9),
                       hovertemplate="step %{x}, unit %{y}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="step", showgrid=False)
    fig.update_yaxes(title_text="unit (forward, then backward)" if both else "unit", showgrid=False,
                     autorange="reversed")
    return base_layout(fig, f"{trace_.label}: hidden state over time", height, uirevision="rnn_states",
                       legend=False)


def gates_figure(snap, example: int = 0, layer: int = 0, height: int = 300) -> Figure | None:
    """The gates of an LSTM or GRU layer (its forward direction) while it reads sequence `example`:
    per gate, units x steps; 0 = closed (white), 1 = open (dark); the candidate ('cell', 'new')
    in -1..1. None for a plain RNN, which has no gates."""
    views = _views(snap)
    if views is None or not views.layers:
        return None
    trace_ = _pick(views.layers, layer)
    names = GATE_NAMES[trace_.kind]
    if not names:
        return None
    layout, cells = subplot_grid(1, len(names), horizontal_spacing=0.03,
                                 titles=[f"{name} ({'tanh' if name in TANH_GATES else 'σ'})" for name in names])
    fig = Figure(layout=layout)
    for name, (xaxis, yaxis) in zip(names, cells):
        values = _pick(trace_.gates[0][name], example)  # (T, H)
        tanh = name in TANH_GATES
        fig.add_trace(trace("heatmap", z=values.T, x=_steps(len(values)), xaxis=xaxis, yaxis=yaxis,
                            zmin=-1 if tanh else 0, zmax=1, colorscale=DIVERGING if tanh else OPENNESS,
                            showscale=False, name=name,
                            hovertemplate=f"{name}: step %{{x}}, unit %{{y}}: %{{z:.2f}}<extra></extra>"))
        fig.layout[_axis_key(xaxis)].update(showgrid=False, title=dict(text="step"))
        fig.layout[_axis_key(yaxis)].update(showgrid=False, autorange="reversed",
                                            showticklabels=xaxis == "x")
    fig = base_layout(fig, None, height, uirevision="rnn_gates", legend=False)
    fig.update_layout(margin=dict(t=36))
    return fig


def _axis_key(axis_id: str) -> str:
    """'x2' -> 'xaxis2', as the layout names a trace's axis."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


def gradient_through_time_figure(snap, height: int = 300) -> Figure | None:
    """|dL/dh_t| against the step t, one line per recurrent layer (and direction): how much of the
    loss's gradient reaches each step through the recurrence. A plain RNN's falls by orders of
    magnitude towards the first steps (it cannot learn from them); an LSTM's or GRU's carries."""
    views = _views(snap)
    if views is None or not views.layers:
        return None
    lines = [(f"{t.label}{' (backward)' if d else ''}", norms)
             for t in views.layers for d, norms in enumerate(t.grad_norms)]
    fig = Figure()
    for (name, norms), color in zip(lines, layer_colors(len(lines))):
        fig.add_trace(trace("scatter", x=_steps(len(norms)), y=norms, name=name, mode="lines+markers",
                            line=dict(color=color, width=2), marker=dict(size=4),
                            hovertemplate=f"{name}, step %{{x}}: %{{y:.3g}}<extra></extra>"))
    fig.update_xaxes(title_text="step t")
    fig.update_yaxes(title_text="|dL/dh_t|", **log_axis(np.concatenate([n for _, n in lines])))
    fig = base_layout(fig, "Gradient through time", height, uirevision="rnn_bptt")
    return legend_under(fig, len(lines)) if len(lines) > 1 else fig


def answers_figure(snap, example: int = 0, height: int = 340) -> Figure | None:
    """Test sequence `example` (below) and the network's answer after reading each of its steps
    (above) beside the true answer. A forecast (a regression on one feature a step, like the sine's
    next value) is drawn over the sequence itself: the answer after step t is placed at t + 1, the
    step it predicts, so the predicted curve lies over the true one."""
    views, ds = _views(snap), snap.dataset
    if views is None or views.answers is None:
        return None
    inputs = _pick(views.inputs, example)  # (T, F)
    answers = _pick(views.answers, example)  # (T,) or (T, C)
    target = _pick(views.targets, example)
    steps, features = inputs.shape
    if ds.task == "regression" and features == 1:
        return _forecast_figure(inputs[:, 0], answers, float(target), height)
    layout, cells = subplot_grid(2, 1, vertical_spacing=0.12)
    layout["yaxis"]["domain"] = [0.42, 1.0]  # the answers get the larger, upper part
    layout["yaxis2"]["domain"] = [0.0, 0.3]
    fig = Figure(layout=layout)
    x = _steps(steps)
    if ds.task == "regression":
        axis, y, truth = "answer", answers, float(target)
    elif answers.ndim == 1:  # binary: P(class 1)
        axis, y, truth = f"P({ds.class_names[1]})", answers, float(target)
    else:
        axis, y, truth = f"P({ds.class_names[int(target)]})", answers[:, int(target)], 1.0
    fig.add_trace(trace("scatter", x=x, y=y, name="answer", mode="lines+markers", line=dict(color=MODEL, width=2),
                        marker=dict(size=5), hovertemplate="after step %{x}: %{y:.3f}<extra></extra>"))
    fig.add_trace(trace("scatter", x=[1, steps], y=[truth, truth], name="true", mode="lines",
                        line=dict(color=TEST, dash="dash", width=2),
                        hovertemplate=f"true answer: {_answer_text(ds, target)}<extra></extra>"))
    if features <= MAX_FEATURE_LINES:
        for f in range(features):
            fig.add_trace(trace("scatter", x=x, y=inputs[:, f], name=_feature_name(ds, f), mode="lines+markers",
                                xaxis="x2", yaxis="y2", line=dict(color=class_color(f + 2), width=1.5),
                                marker=dict(size=4), showlegend=True))
    else:
        fig.add_trace(trace("heatmap", z=inputs.T, x=x, xaxis="x2", yaxis="y2", colorscale=OPENNESS,
                            showscale=False, hovertemplate="step %{x}, input %{y}: %{z:.2f}<extra></extra>"))
    fig.layout["yaxis"].update(title=dict(text=f"{axis} after step t"))
    fig.layout["xaxis"].update(matches="x2", showticklabels=False)
    fig.layout["xaxis2"].update(title=dict(text="step"))
    fig.layout["yaxis2"].update(title=dict(text="input"))
    fig = base_layout(fig, f"Test sequence {example + 1}: the answer as it reads", height, uirevision="rnn_answers")
    return legend_under(fig, len(fig.data))


def _forecast_figure(series: np.ndarray, forecasts: np.ndarray, target: float, height: int) -> Figure:
    steps = len(series)
    fig = Figure([
        trace("scatter", x=_steps(steps), y=series, name="sequence", mode="lines+markers",
              line=dict(color=GUIDE, width=1.5), marker=dict(size=5)),
        trace("scatter", x=_steps(steps) + 1, y=forecasts, name="forecast", mode="lines+markers",
              line=dict(color=MODEL, width=2), marker=dict(size=5),
              hovertemplate="step %{x}, forecast after step %{x} - 1: %{y:.3f}<extra></extra>"),
        trace("scatter", x=[steps + 1], y=[target], name="true next", mode="markers",
              marker=dict(color=TEST, size=12, symbol="star")),
    ])
    fig.update_xaxes(title_text="step")
    fig = base_layout(fig, "Forecast vs the sequence: the next value after each step", height,
                      uirevision="rnn_answers")
    return legend_under(fig, 3)


def _answer_text(ds, target) -> str:
    return f"{float(target):.3g}" if ds.task == "regression" else ds.class_names[int(target)]


def _feature_name(ds, f: int) -> str:
    """The name of feature f of a step: the data set's columns are 't1 value', 't1 marker', ... (one
    feature a step: 't1', 't2', ...; then it is just the input)."""
    steps, features = ds.sequence_shape
    name = ds.feature_names[f] if len(ds.feature_names) == steps * features else ""
    return name.split(" ", 1)[1] if " " in name else "input" if features == 1 else f"feature {f + 1}"
