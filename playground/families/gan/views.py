"""What a GAN shows of itself while it plays (GAN Lab's pictures), computed with the trainer's other
pictures (Trainer.compute_visuals -> System.views) as plain arrays in the data's own units; charts.py
draws them.

    real        (N, 2)     the training points
    fake        (M, 2)     G's points for the records' fixed noise sample
    grid_x/y    (S,)       the plane's grid; d_surface (S, S) [row = y]: how real D thinks each place is
    movement    (M, 2)     where G's next update moves each of its points: -∂(G's loss)/∂(its point),
                           in the data's units (the gradient in the networks' standardised space, times
                           the data's std: how a step there moves a point here)
    mesh        (K, K, 2)  a K x K grid of noise mapped through G: how G folds the noise space. Noise of
                           more than two numbers: the grid over the first two, the rest held at 0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .losses import generator_loss, real_probability

SURFACE = 40  # grid cells a side of D's heatmap
MESH = 15  # noise grid lines a side
SHOWN = 300  # generated points drawn (of the fixed sample)
NOISE_REACH = {"gaussian": 2.0, "uniform": 1.0}  # the mesh covers -reach..reach of each noise input


@dataclass(frozen=True)
class GanViews:
    real: np.ndarray
    fake: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    d_surface: np.ndarray
    movement: np.ndarray
    mesh: np.ndarray
    loss: str  # train.loss: what D's score means
    noise_dim: int


def noise_grid(kind: str, dim: int, lines: int = MESH) -> torch.Tensor:
    """(K*K, dim) noise on a K x K grid over the first two inputs (one: a line, repeated), the rest 0."""
    ticks = torch.linspace(-NOISE_REACH[kind], NOISE_REACH[kind], lines)
    a, b = torch.meshgrid(ticks, ticks, indexing="ij")  # (K, K) each
    z = torch.zeros(lines * lines, dim)
    z[:, 0] = a.reshape(-1)
    if dim > 1:
        z[:, 1] = b.reshape(-1)
    return z


def discriminator_surface(system, dataset, size: int = SURFACE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid_x (S,), grid_y (S,), D's real-probability (S, S) [row = y]) over the data's plot area."""
    x0, x1, y0, y1 = dataset.extent
    grid_x, grid_y = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
    xx, yy = np.meshgrid(grid_x, grid_y)  # (S, S), row = y
    raw = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (S*S, 2)
    device = system.eval_noise.device
    scores = system.discriminator(torch.as_tensor(dataset.featurize(raw), device=device))  # (S*S, 1)
    return grid_x, grid_y, real_probability(system.kind, scores[:, 0]).reshape(size, size).cpu().numpy()


@torch.no_grad()
def gan_views(system, dataset) -> GanViews:
    """The views of a GanSystem's networks on `dataset` (the caller puts them in eval mode)."""
    device = system.eval_noise.device
    z = system.eval_noise[:SHOWN]  # (M, z)
    with torch.enable_grad():  # G's gradient on its own points: the arrows
        points = system.generator(z).detach().requires_grad_(True)  # (M, 2) standardised
        loss = generator_loss(system.kind, system.discriminator(points)) * len(points)  # per point, not averaged
        (gradient,) = torch.autograd.grad(loss, points)
    grid_x, grid_y, surface = discriminator_surface(system, dataset)
    mesh = system.generator(noise_grid(system.noise_kind, system.noise_dim).to(device))  # (K*K, 2)
    return GanViews(
        real=dataset.points_train, fake=system.to_data(points.detach()).cpu().numpy(),
        grid_x=grid_x, grid_y=grid_y, d_surface=surface,
        movement=(-gradient * system.std).cpu().numpy(),
        mesh=system.to_data(mesh).reshape(MESH, MESH, 2).cpu().numpy(),
        loss=system.kind, noise_dim=system.noise_dim,
    )
