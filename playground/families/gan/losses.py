"""A GAN's losses, by train.loss name, on D's scores (logits) of real points and of generated ones.

    minimax         D: BCE(D(x), 1) + BCE(D(G(z)), 0)   G: -BCE(D(G(z)), 0) = E log(1 - σ(D(G(z))))
    non_saturating  D: as minimax                       G: BCE(D(G(z)), 1) = -E log σ(D(G(z)))
    least_squares   D: ½ E (D(x) - 1)² + ½ E D(G(z))²    G: ½ E (D(G(z)) - 1)²   (scores, not logits)

One-sided label smoothing: D's target for real points is 1 - smoothing (Salimans et al.); the
generated points' target stays 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(kind: str, real: torch.Tensor, fake: torch.Tensor, smoothing: float = 0.0) -> torch.Tensor:
    """real (B, 1), fake (B', 1) -> () the loss D minimises."""
    real_target = torch.full_like(real, 1.0 - smoothing)
    if kind == "least_squares":
        return 0.5 * F.mse_loss(real, real_target) + 0.5 * F.mse_loss(fake, torch.zeros_like(fake))
    return (F.binary_cross_entropy_with_logits(real, real_target)
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def generator_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """fake (B, 1), D's scores of G's points -> () the loss G minimises."""
    if kind == "minimax":
        return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    if kind == "least_squares":
        return 0.5 * F.mse_loss(fake, torch.ones_like(fake))
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def real_probability(kind: str, score: torch.Tensor) -> torch.Tensor:
    """D's score -> how real it thinks a point is, in [0, 1]: σ(logit), or the least-squares score clamped."""
    return score.clamp(0.0, 1.0) if kind == "least_squares" else torch.sigmoid(score)
