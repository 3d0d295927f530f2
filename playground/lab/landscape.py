"""Loss landscapes of a trained model, after Li et al. 2018 ("Visualizing the Loss Landscape
of Neural Nets"):

    landscape_line(race_snapshot)       loss along the straight line from the shared initial
                                        weights to each contestant's current weights,
                                        alpha in [-0.25, 1.25] (0 = start, 1 = now)
    landscape_surface(race_snapshot)    the loss on a 2-D slice around one contestant's weights,
                                        along two seeded random directions with filter
                                        normalisation, and every contestant's weight path
                                        projected onto the same two directions

Weights are handled as one flat vector (model.parameters() order). `LossProbe` evaluates the
loss at any such vector with torch.func.functional_call on a private copy of the model in
eval mode, so the live model (possibly training on another thread) is never touched.
Biases and other 1-D parameters get a zero direction (the paper's default); BatchNorm
running statistics are held at the centre contestant's values.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.func import functional_call, vmap

LINE_ALPHAS = np.linspace(-0.25, 1.25, 31)


def flat_parameters(module: nn.Module) -> torch.Tensor:
    """(P,) a detached CPU copy of every parameter, in module.parameters() order."""
    return torch.cat([p.detach().reshape(-1).cpu() for p in module.parameters()]).clone()


class LossProbe:
    """The loss of one architecture at any flat weight vector, on the train or test split."""

    def __init__(self, module: nn.Module, data: dict[str, tuple[torch.Tensor, torch.Tensor]], loss_fn: nn.Module):
        self.module = copy.deepcopy(module).eval()  # a template: only its structure is used
        for p in self.module.parameters():
            p.requires_grad_(False)
        named = list(self.module.named_parameters())
        self.names = [n for n, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        self.device = named[0][1].device
        self.data = data  # split -> (inputs (N, F), targets as the loss sees them)
        self.loss_fn = loss_fn
        self._lock = threading.Lock()  # functional_call swaps the template's tensors while it runs

    @classmethod
    def from_trainer(cls, trainer) -> LossProbe:
        return cls(trainer.module, {"train": (trainer.x_train, trainer.t_train),
                                    "test": (trainer.x_test, trainer.t_test)}, trainer.loss_fn)

    @property
    def n_parameters(self) -> int:
        return sum(self.sizes)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """(P,) -> {name: view of its shape}; works under vmap too."""
        return {name: part.view(shape) for name, part, shape in
                zip(self.names, torch.split(flat, self.sizes), self.shapes)}

    def row_slices(self) -> list[tuple[slice, torch.Size]]:
        """Where each parameter lies in the flat vector, with its shape."""
        out, start = [], 0
        for size, shape in zip(self.sizes, self.shapes):
            out.append((slice(start, start + size), shape))
            start += size
        return out

    @torch.no_grad()
    def losses(self, flats: torch.Tensor, split: str = "train", buffers: dict[str, torch.Tensor] | None = None,
               chunk: int = 64) -> np.ndarray:
        """(K, P) weight vectors -> (K,) losses (NaN where not finite), vectorised with vmap."""
        x, t = self.data[split]
        buffers = {k: v.to(self.device) for k, v in (buffers or {}).items()}
        flats = flats.to(self.device, torch.float32)

        def one(flat: torch.Tensor) -> torch.Tensor:
            return self.loss_fn(functional_call(self.module, (self.unflatten(flat), buffers), (x,)), t)

        out = []
        with self._lock:
            for start in range(0, len(flats), chunk):
                part = flats[start:start + chunk]
                try:
                    out.append(vmap(one)(part))
                except RuntimeError:  # an op without a batching rule: one at a time
                    out.append(torch.stack([one(f) for f in part]))
        values = torch.cat(out).double().cpu().numpy() if out else np.zeros(0)
        values[~np.isfinite(values)] = np.nan
        return values

    def loss(self, flat: torch.Tensor, split: str = "train", buffers: dict[str, torch.Tensor] | None = None) -> float:
        return float(self.losses(flat[None], split, buffers)[0])


# --------------------------------------------------------------------------- directions

def filter_normalized_direction(probe: LossProbe, center: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(P,) a gaussian direction rescaled row by row (per output unit / filter) to the norm of
    the same row of `center`; 1-D parameters (biases, norm scales) get zero."""
    direction = torch.randn(center.numel(), generator=generator, dtype=torch.float32)
    for where, shape in probe.row_slices():
        if len(shape) < 2:
            direction[where] = 0.0
            continue
        d = direction[where].view(shape[0], -1)  # (rows, fan-in)
        w = center[where].view(shape[0], -1).float()
        d.mul_(torch.linalg.vector_norm(w, dim=1, keepdim=True)
               / torch.linalg.vector_norm(d, dim=1, keepdim=True).clamp_min(1e-12))
    return direction


def random_directions(probe: LossProbe, center: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two filter-normalised random directions, the same for the same seed and centre."""
    generator = torch.Generator().manual_seed(seed)
    return (filter_normalized_direction(probe, center, generator),
            filter_normalized_direction(probe, center, generator))


def pca_directions(offsets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two leading principal directions (unit norm) of (N, P) offsets from the centre.
    Li et al. use these to plot trajectories: random directions in many dimensions are
    nearly orthogonal to any path, so a path projected on them barely moves."""
    a = offsets.double()
    gram = a @ a.T  # (N, N): cheap when there are fewer snapshots than weights
    values, vectors = torch.linalg.eigh(gram)  # ascending
    dirs = []
    for k in (-1, -2):
        v = a.T @ vectors[:, k]  # (P,)
        norm = torch.linalg.vector_norm(v)
        v = v / norm if norm > 1e-12 else torch.zeros_like(v)
        if v[v.abs().argmax()] < 0:  # a fixed sign, so the picture does not flip between calls
            v = -v
        dirs.append(v.float())
    return dirs[0], dirs[1]


def project(points: torch.Tensor, center: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor) -> np.ndarray:
    """(T, P) weights -> (T, 2) least-squares coordinates of (w - center) on [d1, d2]."""
    basis = torch.stack([d1, d2], dim=1).double()  # (P, 2)
    offsets = (points.double() - center.double()).reshape(-1, basis.shape[0])  # (T, P)
    gram = basis.T @ basis  # (2, 2)
    coords = torch.linalg.lstsq(gram, (offsets @ basis).T).solution.T  # (T, 2)
    return coords.numpy()


# --------------------------------------------------------------------------- race landscapes

def _endpoint(contestant) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Current weights, or the last finite kept ones for a contestant that diverged."""
    if torch.isfinite(contestant.parameters).all():
        return contestant.parameters, contestant.buffers
    return contestant.path[-1], {}


def landscape_line(snap, alphas: Sequence[float] | np.ndarray = LINE_ALPHAS,
                   contestants: Sequence[int | str] | None = None) -> pd.DataFrame:
    """Long form: optimizer, color, alpha, train_loss, test_loss, for theta(alpha) =
    theta_0 + alpha * (theta_now - theta_0) per contestant (alpha 0 = the shared start)."""
    alphas = np.asarray(alphas, dtype=np.float64)
    chosen = [snap.contestant(k) for k in contestants] if contestants is not None else snap.contestants
    start = snap.initial_parameters
    frames = []
    for c in chosen:
        end, buffers = _endpoint(c)
        a = torch.as_tensor(alphas, dtype=torch.float64)[:, None]
        thetas = (start.double() + a * (end.double() - start.double())).float()  # (A, P)
        frames.append(pd.DataFrame({
            "optimizer": c.label, "color": c.color, "alpha": alphas,
            "train_loss": snap.probe.losses(thetas, "train", buffers),
            "test_loss": snap.probe.losses(thetas, "test", buffers),
        }))
    return pd.concat(frames, ignore_index=True)


@dataclass
class Landscape:
    """A 2-D slice of the loss: loss[j, i] at center + alphas[i]*d1 + betas[j]*d2."""

    alphas: np.ndarray  # (R,)
    betas: np.ndarray  # (R,)
    loss: np.ndarray  # (R, R), row = beta; NaN where not finite
    center_label: str
    center_loss: float
    directions: str  # "random" | "pca"
    seed: int
    d1: torch.Tensor  # (P,)
    d2: torch.Tensor
    center: torch.Tensor  # (P,)
    paths: pd.DataFrame  # optimizer, color, step, a, b: each contestant's kept weights, projected
    loss_name: str = ""


def landscape_surface(snap, center: int | str = 0, resolution: int = 21, span: float | None = None,
                      seed: int = 0, directions: str = "random", split: str = "train") -> Landscape:
    """The loss on a resolution x resolution grid around contestant `center`'s weights.

    directions "random" (default): two seeded filter-normalised gaussian directions, grid
    over [-span, span] (span default 1.0, in units of the weights' own row norms).
    "pca": the two leading principal directions of all kept weight paths around the
    centre; the grid then covers the projected paths (span default: 1.25 x their extent).
    """
    if directions not in ("random", "pca"):
        raise ValueError(f"directions must be 'random' or 'pca', not {directions!r}")
    probe = snap.probe
    owner = snap.contestant(center)
    middle, buffers = _endpoint(owner)
    if directions == "random":
        d1, d2 = random_directions(probe, middle, seed)
    else:
        d1, d2 = pca_directions(torch.cat([c.path for c in snap.contestants]) - middle)

    rows = []
    for c in snap.contestants:
        points, steps = c.path, c.path_steps
        end, _ = _endpoint(c)
        if steps[-1] != c.step and end is c.parameters:  # the current weights, if not yet kept
            points, steps = torch.cat([points, end[None]]), np.append(steps, c.step)
        coords = project(points, middle, d1, d2)
        rows.append(pd.DataFrame({"optimizer": c.label, "color": c.color, "step": steps,
                                  "a": coords[:, 0], "b": coords[:, 1]}))
    paths = pd.concat(rows, ignore_index=True)

    if span is None:
        extent = float(np.nanmax(np.abs(paths[["a", "b"]].to_numpy()))) if len(paths) else 0.0
        span = 1.0 if directions == "random" else max(1.25 * extent, 1e-3)
    grid = span * np.linspace(-1.0, 1.0, resolution)
    if resolution % 2:
        grid[resolution // 2] = 0.0  # the centre exactly, not 1e-17 off
    a = torch.as_tensor(grid, dtype=torch.float64)
    loss = np.empty((resolution, resolution))
    base = middle.double()
    for j, b in enumerate(grid):  # one row of the grid per call: memory R x P, not R^2 x P
        thetas = (base + a[:, None] * d1.double() + float(b) * d2.double()).float()  # (R, P)
        loss[j] = probe.losses(thetas, split, buffers)
    return Landscape(alphas=grid.copy(), betas=grid.copy(), loss=loss, center_label=owner.label,
                     center_loss=probe.loss(middle, split, buffers), directions=directions, seed=seed,
                     d1=d1, d2=d2, center=middle, paths=paths, loss_name=getattr(snap, "loss_name", ""))
