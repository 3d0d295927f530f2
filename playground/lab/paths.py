"""Optimizer paths on a 2-D test function: real torch.optim optimizers, each moving its own
2-element parameter from the same start point.

    run_paths("rosenbrock", "sgd,momentum,adam", steps=500) -> DataFrame
        optimizer (label), step (0 = the start, before any update), x, y, loss, diverged

A path ends at its last finite point when x, y or the loss becomes NaN/inf (overflows float32:
a learning rate too big for the surface); that row has diverged = True, the next step is the one
that diverged, and `df.attrs["diverged"]` maps the label to it. The others go on. The start must
lie in the function's start_bounds, where every function is finite: each path has its step 0.

Fast because the bookkeeping is batched: all optimizers' points are stacked into one (2, K)
tensor, evaluated and differentiated together (one autograd call per step for everyone;
each parameter's gradient depends only on its own column), written into a preallocated
tensor, and checked for divergence once every CHECK_EVERY steps. No per-step .item().
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from ..core import catalog
from ..core.params import SpecError
from .contestants import MAX_CONTESTANTS, Contestant, parse_contestants, unique_labels
from .testfunctions import TestFunction, check_start, get_function

MAX_STEPS = 100_000
CHECK_EVERY = 32
COLUMNS = ["optimizer", "step", "x", "y", "loss", "diverged"]


def run_paths(function: TestFunction | str, contestants: Sequence[Contestant] | str,
              start: tuple[float, float] | None = None, steps: int = 500,
              dtype: torch.dtype = torch.float32) -> pd.DataFrame:
    """Each contestant's path from `start` (default: the function's own) for `steps` updates.

    Text contestants use the function's suggested learning rates unless given
    ("sgd,adam:lr=0.1"). Raises SpecError for bad input.
    """
    if isinstance(function, str):
        function = get_function(function)
    if isinstance(contestants, str):
        contestants = parse_contestants(contestants, defaults=function.defaults)
    contestants = unique_labels(contestants)
    if not 1 <= len(contestants) <= MAX_CONTESTANTS:
        raise SpecError(f"{len(contestants)} optimizers given; paths take 1 to {MAX_CONTESTANTS}", "optimizers")
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise SpecError(f"{steps!r} is out of range; steps must be between 1 and {MAX_STEPS}", "steps")
    start = check_start(function, function.start if start is None else start)  # finite in float32 there

    k = len(contestants)
    params = [torch.nn.Parameter(torch.tensor([float(start[0]), float(start[1])], dtype=dtype)) for _ in range(k)]
    optimizers = [catalog.build_optimizer(c.optimizer.name, dict(c.optimizer.params), [p])
                  for c, p in zip(contestants, params)]
    points = torch.full((steps + 1, 2, k), math.nan, dtype=dtype)  # (step, x|y, optimizer)
    losses = torch.full((steps + 1, k), math.nan, dtype=dtype)
    ends = [steps] * k  # last finite step per optimizer
    bad: list[int | None] = [None] * k  # first non-finite step, if any
    active = list(range(k))
    checked = 0  # rows before this were checked
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 2-element tensors: a second thread only adds hand-offs
    try:
        for step in range(steps + 1):
            with torch.no_grad():
                torch.stack(params, dim=1, out=points[step])
            xy = points[step].detach().requires_grad_(True)  # (2, K) leaf: no stack in the backward pass
            loss = function(xy)  # (K,)
            with torch.no_grad():
                losses[step] = loss
            if step == steps:
                break
            grads = torch.autograd.grad(loss.sum(), xy)[0].T.contiguous()  # (K, 2): row k from column k only
            for i in active:
                params[i].grad = grads[i]
                optimizers[i].step()
            if (step + 1) % CHECK_EVERY == 0:
                active = _check(points, losses, checked, step + 1, active, ends, bad)
                checked = step + 1
                if not active:
                    break
        _check(points, losses, checked, steps + 1, active, ends, bad)
    finally:
        torch.set_num_threads(threads)

    xs, ys, fs = points[:, 0].double().numpy(), points[:, 1].double().numpy(), losses.double().numpy()
    frames = []
    for i, c in enumerate(contestants):
        n = ends[i] + 1
        frames.append(pd.DataFrame({
            "optimizer": c.label, "step": np.arange(n), "x": xs[:n, i], "y": ys[:n, i], "loss": fs[:n, i],
            "diverged": np.arange(n) == (n - 1 if bad[i] is not None else -1),
        }))
    df = pd.concat(frames, ignore_index=True)[COLUMNS]
    df.attrs.update(function=function.name, start=tuple(map(float, start)), steps=steps,
                    diverged={c.label: bad[i] for i, c in enumerate(contestants) if bad[i] is not None},
                    settings={c.label: {"name": c.optimizer.name, **c.optimizer.params} for c in contestants})
    return df


def _check(points: torch.Tensor, losses: torch.Tensor, first: int, stop: int, active: list[int], ends: list[int],
           bad: list[int | None]) -> list[int]:
    """Rows [first, stop) of the active optimizers: end a path at its first non-finite row."""
    if first >= stop or not active:
        return active
    finite = torch.isfinite(points[first:stop]).all(dim=1) & torch.isfinite(losses[first:stop])
    finite = finite[:, active]  # (rows, A)
    still = []
    for column, i in enumerate(active):
        ok = finite[:, column]
        if bool(ok.all()):
            still.append(i)
            continue
        row = first + int((~ok).nonzero()[0])
        bad[i], ends[i] = row, row - 1
    return still


def path_summary(df: pd.DataFrame) -> pd.DataFrame:
    """The last row of each path: optimizer, steps, x, y, loss, status (done/diverged) and
    diverged_at, the step that left float32's range (the row after the last; <NA> if none)."""
    last = df.groupby("optimizer", sort=False).tail(1)
    diverged = last["diverged"].to_numpy(dtype=bool)
    return pd.DataFrame({
        "optimizer": last["optimizer"].to_numpy(), "steps": last["step"].to_numpy(),
        "x": last["x"].to_numpy(), "y": last["y"].to_numpy(), "loss": last["loss"].to_numpy(),
        "status": np.where(diverged, "diverged", "done"),
        "diverged_at": pd.array([int(n) + 1 if d else None for n, d in zip(last["step"], diverged)], dtype="Int64"),
    })
