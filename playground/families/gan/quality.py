"""How close a GAN's points are to the real ones, as numbers on a grid:

    js_divergence  Jensen-Shannon divergence, in bits (0: the same histogram, 1: no cell shared),
                   between the 2-D histograms of the real and the generated points on a BINS x BINS
                   grid over the real points' range (padded); points outside count in the border cells
    modes_covered  how many of a mixture's gaussians (ring, grid) hold at least a quarter of their fair
                   share of the generated points within a quarter of the distance between neighbours

Plain torch, on any device; two samples of the same distribution are not at 0 (a few hundred points
in BINS² cells: about 0.1 bits).
"""

from __future__ import annotations

import torch

BINS = 12
PAD = 0.1  # the grid reaches this share of the real points' span beyond them


def grid_range(real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(low (2,), high (2,)) of the histogram grid around the real points (N, 2)."""
    low, high = real.min(dim=0).values, real.max(dim=0).values
    span = (high - low).clamp_min(1e-6)
    return low - PAD * span, high + PAD * span


def histogram(points: torch.Tensor, low: torch.Tensor, high: torch.Tensor, bins: int = BINS) -> torch.Tensor:
    """(N, 2) -> (bins * bins,) the share of the points in each cell."""
    cell = ((points - low) / (high - low) * bins).floor().long().clamp(0, bins - 1)  # (N, 2)
    counts = torch.bincount(cell[:, 0] * bins + cell[:, 1], minlength=bins * bins).float()
    return counts / counts.sum()


def js_divergence(real: torch.Tensor, fake: torch.Tensor, bins: int = BINS) -> torch.Tensor:
    """() JS(P_real || P_fake) in bits between the two histograms on the real points' grid."""
    low, high = grid_range(real)
    p, q = histogram(real, low, high, bins), histogram(fake, low, high, bins)
    m = 0.5 * (p + q)

    def kl(a: torch.Tensor) -> torch.Tensor:  # KL(a || m); cells where a is 0 add nothing
        return torch.where(a > 0, a * torch.log2(a / m), torch.zeros_like(a)).sum()

    return 0.5 * kl(p) + 0.5 * kl(q)


def modes_covered(points: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """() how many of the K centres (K, 2) are covered by the points (N, 2), in the same units."""
    distance = torch.cdist(points, centers)  # (N, K)
    apart = torch.cdist(centers, centers) + torch.eye(len(centers), device=centers.device) * 1e9
    radius = 0.25 * apart.min()
    near = (distance < radius).float().sum(dim=0)  # (K,)
    return (near >= 0.25 * len(points) / len(centers)).float().sum()
