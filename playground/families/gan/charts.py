"""A GAN's charts (GAN Lab's pictures), pure functions of a snapshot whose visuals carry GanViews:

    game_figure     D's heatmap over the plane, the real points, G's points, and where G's next update
                    moves each of them (short segments: plotly has no arrows on scatter traces)
    mesh_figure     the noise grid as G maps it: how the generator folds the noise space
    losses_figure   d_loss and g_loss over the steps (the history's named scalars)
    quality_figure  the Jensen-Shannon divergence of real and generated points over the steps, and the
                    modes covered where the target has modes (ring, grid)
"""

from __future__ import annotations

import numpy as np

from ...charts.curves import downsample
from ...charts.figure import Figure, trace
from ...charts.style import DIVERGING, GUIDE, NEGATIVE, POSITIVE, TRAIN, base_layout, curve_style

FAKE = "#8e24aa"  # G's points: apart from the data's dark points and the heatmap's blue and orange
ARROW_LENGTH = 0.08  # the longest movement segment, as a share of the plot's width


def _views(snap):
    return snap.visuals.family if snap.visuals is not None else None


def _square(fig: Figure, extent) -> None:
    x0, x1, y0, y1 = extent
    fig.update_xaxes(range=[x0, x1], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)


def segments(starts: np.ndarray, moves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M, 2) starts and (M, 2) moves -> x, y of M segments for one scatter trace, None-separated."""
    ends = starts + moves
    x = np.stack([starts[:, 0], ends[:, 0], np.full(len(starts), np.nan)], axis=1).ravel()
    y = np.stack([starts[:, 1], ends[:, 1], np.full(len(starts), np.nan)], axis=1).ravel()
    return x, y


def game_figure(snap, show_movement: bool = True, height: int = 390) -> Figure | None:
    views = _views(snap)
    if views is None:
        return None
    fig = Figure(trace(
        "heatmap", x=views.grid_x, y=views.grid_y, z=views.d_surface, zmin=0, zmax=1, colorscale=DIVERGING,
        opacity=0.8, colorbar=dict(title=dict(text="D: real?"), thickness=10, len=0.9),
        hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}<br>D says real: %{z:.2f}<extra></extra>"))
    fig.add_trace(trace("scatter", x=views.real[:, 0], y=views.real[:, 1], mode="markers", name="real",
                        marker=dict(color=TRAIN, size=5, opacity=0.7), hoverinfo="skip"))
    fig.add_trace(trace("scatter", x=views.fake[:, 0], y=views.fake[:, 1], mode="markers", name="generated",
                        marker=dict(color=FAKE, size=5, line=dict(color="white", width=0.5)), hoverinfo="skip"))
    if show_movement:
        x0, x1, _, _ = snap.dataset.extent
        longest = float(np.linalg.norm(views.movement, axis=1).max()) or 1.0
        moves = views.movement * (ARROW_LENGTH * (x1 - x0) / longest)  # the longest drawn this long
        x, y = segments(views.fake, moves)
        fig.add_trace(trace("scatter", x=x, y=y, mode="lines", name="G's gradient",
                            line=dict(color=FAKE, width=1.2), hoverinfo="skip"))
    _square(fig, snap.dataset.extent)
    return base_layout(fig, "Real and generated points over D", height, uirevision="gan_game")


def mesh_figure(snap, height: int = 360) -> Figure | None:
    """Each line of the noise grid (both directions) through G, over the real points."""
    views = _views(snap)
    if views is None:
        return None
    mesh = views.mesh  # (K, K, 2)
    lines = [*mesh, *mesh.transpose(1, 0, 2)]  # rows, then columns: (K, 2) each
    x = np.concatenate([np.append(line[:, 0], np.nan) for line in lines])
    y = np.concatenate([np.append(line[:, 1], np.nan) for line in lines])
    fig = Figure(trace("scatter", x=views.real[:, 0], y=views.real[:, 1], mode="markers", name="real",
                       marker=dict(color=GUIDE, size=4, opacity=0.5), hoverinfo="skip"))
    fig.add_trace(trace("scatter", x=x, y=y, mode="lines", name="noise grid through G",
                        line=dict(color=FAKE, width=1), hoverinfo="skip"))
    _square(fig, snap.dataset.extent)
    rest = views.noise_dim - 2
    title = "Noise grid through G" + (f" (z1, z2; the other {rest} at 0)" if rest > 0 else "")
    return base_layout(fig, title, height, uirevision="gan_mesh")


def _curve(fig: Figure, history, column: str, name: str, color: str, **extra) -> None:
    fig.add_trace(trace("scatter", x=history["step"].to_numpy(), y=history[column].to_numpy(dtype=float), name=name,
                        **curve_style(len(history)), line=dict(color=color, width=2.5), marker=dict(color=color),
                        hovertemplate=f"step %{{x}}<br>{name} %{{y:.4g}}<extra></extra>", **extra))


def losses_figure(snap, height: int = 300) -> Figure | None:
    if "d_loss" not in snap.history:
        return None
    history = downsample(snap.history)
    fig = Figure()
    _curve(fig, history, "d_loss", "discriminator", POSITIVE)
    _curve(fig, history, "g_loss", "generator", NEGATIVE)
    fig.update_xaxes(title_text="step", rangemode="tozero")
    fig.update_yaxes(title_text=f"loss ({snap.loss_name})")
    return base_layout(fig, "Discriminator and generator loss", height)


def quality_figure(snap, height: int = 300) -> Figure | None:
    if "js_divergence" not in snap.history:
        return None
    history = downsample(snap.history)
    fig = Figure()
    _curve(fig, history, "js_divergence", "JS divergence (bits)", FAKE)
    fig.update_yaxes(title_text="JS divergence (bits)", range=[0, 1.02])
    if "modes_covered" in history:
        _curve(fig, history, "modes_covered", "modes covered", TRAIN, yaxis="y2")
        fig.update_layout(yaxis2=dict(title=dict(text="modes covered"), overlaying="y", side="right",
                                      rangemode="tozero", showgrid=False))
    fig.update_xaxes(title_text="step", rangemode="tozero")
    return base_layout(fig, "Quality: real vs generated", height)
