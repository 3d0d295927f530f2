"""A Transformer's pictures of itself (views.py): the attention maps of one test sequence, a
heatmap per head of one block (tokens on both axes), the positional encoding as a heatmap, and
the test accuracy at each position. Pure functions of a snapshot.
"""

from __future__ import annotations

import numpy as np

from ...charts.figure import Figure, subplot_grid, trace
from ...charts.style import COUNT_SCALE, DIVERGING, TEST, base_layout


def _views(snap):
    return snap.visuals.family if snap.visuals is not None else None


def position_names(labels) -> list[str]:
    """('C', 'A', 'C') -> ['1 C', '2 A', '3 C']: unique axis labels, so a repeated token keeps its place."""
    return [f"{t + 1} {token}" for t, token in enumerate(labels)]


def attention_figure(snap, example: int = 0, block: int = 0, height: int | None = None) -> Figure | None:
    """Block `block`'s attention on test sequence `example`: a heatmap per head, row = the position
    reading (its token on the left), column = the position it reads; each row sums to 1. Reversing
    shows as an anti-diagonal, copying as the diagonal (or nothing: the residual path copies)."""
    views = _views(snap)
    if views is None:
        return None
    example = min(max(example, 0), len(views.labels) - 1)
    block = min(max(block, 0), len(views.attention) - 1)
    maps = views.attention[block][example]  # (H, T, T)
    heads = len(maps)
    names = position_names(views.labels[example])
    layout, cells = subplot_grid(1, heads, horizontal_spacing=0.04 if heads > 1 else None,
                                 titles=[f"head {h + 1}" for h in range(heads)])
    fig = Figure(layout=layout)
    for h, (xaxis, yaxis) in enumerate(cells):
        fig.add_trace(trace(
            "heatmap", z=maps[h], x=names, y=names, zmin=0, zmax=1, colorscale=COUNT_SCALE, xaxis=xaxis,
            yaxis=yaxis, showscale=h == heads - 1, colorbar=dict(title=dict(text="weight"), thickness=10, len=0.9),
            hovertemplate=f"head {h + 1}<br>%{{y}} reads %{{x}}<br>weight %{{z:.2f}}<extra></extra>"))
    # Under each head only the tokens (the positions are in the rows' labels and the hover): twelve
    # "10 D" labels side by side overlap in a head a third of the chart wide.
    fig.update_xaxes(type="category", tickangle=0, showgrid=False, constrain="domain", tickmode="array",
                     tickvals=names, ticktext=list(views.labels[example]))
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, showticklabels=False,
                     scaleanchor="x", scaleratio=1, constrain="domain")
    fig.layout["yaxis"]["showticklabels"] = True  # the first head names the reading positions
    fig.layout["yaxis"]["title"] = {"text": "position reading"}
    for n in range(heads):  # the key axis named under each head
        fig.layout["xaxis" + cells[n][0][1:]]["title"] = {"text": "position read"}
    wrong = int((views.predicted[example] != views.targets[example]).sum())
    answer = "".join(views.predicted[example])
    verdict = "right" if not wrong else f"{wrong} wrong"
    title = f"Block {block + 1} attention · answer {answer} ({verdict})"
    return base_layout(fig, title, height or 360, uirevision="attention", legend=False)


def positions_figure(snap, height: int = 300) -> Figure | None:
    """The vector added to each position before the first block: rows = positions, columns = the
    model width's dimensions. Sinusoidal stripes of many wavelengths, or what training learned;
    None without positions."""
    views = _views(snap)
    if views is None or views.positions is None:
        return None
    positions = views.positions  # (T, d)
    limit = float(np.nanmax(np.abs(positions))) or 1.0
    fig = Figure(trace(
        "heatmap", z=positions, y=[str(t + 1) for t in range(len(positions))], zmin=-limit, zmax=limit,
        colorscale=DIVERGING, colorbar=dict(title=dict(text="value"), thickness=10, len=0.9),
        hovertemplate="position %{y}, dimension %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="dimension of the model width", showgrid=False)
    fig.update_yaxes(title_text="position", type="category", autorange="reversed", showgrid=False)
    return base_layout(fig, "Positional encoding", height, uirevision="positions", legend=False)


def position_accuracy_figure(snap, height: int = 300) -> Figure | None:
    """Test accuracy at each position of the sequence (every test sequence's token there), and in the
    title the share of whole sequences right: where a network has not learned yet shows as a dip."""
    vis = snap.visuals
    if vis is None or np.ndim(vis.test_true) != 2:
        return None
    right = np.asarray(vis.test_true) == np.asarray(vis.test_pred)  # (N, T)
    per_position = right.mean(axis=0)  # (T,)
    positions = [str(t + 1) for t in range(len(per_position))]
    fig = Figure(trace("bar", x=positions, y=100 * per_position, marker=dict(color=TEST), name="test",
                       hovertemplate="position %{x}<br>%{y:.1f}% of test tokens right<extra></extra>"))
    fig.update_xaxes(title_text="position", type="category")
    fig.update_yaxes(title_text="accuracy (%)", range=[0, 101])
    whole = right.all(axis=1).mean()
    return base_layout(fig, f"Test accuracy per position ({whole:.0%} of sequences all right)", height,
                       uirevision="position_accuracy", legend=False)
