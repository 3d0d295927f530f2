"""What the trainer trains for an autoencoder (train/system.py): one network, one optimizer, and a
step that ignores the targets: the loss compares the network's output with its own input.

    reconstruction  the train loss between output and input (B, F) on the model's inputs (standardised
                    features, as the network sees them): MSE, or MAE / Huber when train.loss names one;
                    'auto' and the classification losses (which compare classes, not values) mean MSE
    kl              a VAE's KL divergence of its code's gaussian from N(0, 1), in nats per example (summed
                    over the L latent numbers, averaged over the batch); the loss is reconstruction +
                    kl_weight · kl, and the code is sampled (μ + σ·ε, ε from the run's own generator)

A record's four scores: the loss (reconstruction, + the weighted KL for a VAE) on each split, with a
VAE's code taken at its mean; and as the metric, how well the latent codes tell apart the labels the
network never saw: the accuracy (R² for a numeric label) of a nearest-neighbour guess among the
training points' codes (a training point's own code left out). Extra scalars: the
reconstruction (and a VAE's KL) on each split.
"""

from __future__ import annotations

import torch
from torch import nn

from ...core.spec import Choice
from ...train.heads import Head
from ...train.system import OptimizerPlan, StepTools, System
from .model import halves

SCORED = 500  # rows of each split the latent-space score looks at (a bound on a record's cost)
DISTANCE_LOSSES = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}


def reconstruction_loss(loss_name: str, reduction: str = "mean") -> nn.Module:
    """The train loss when it measures a distance between values; else (auto, cross-entropy, BCE) MSE."""
    return DISTANCE_LOSSES.get(loss_name, nn.MSELoss)(reduction=reduction)


def kl_divergence(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """(B, L) -> (B,) KL(N(μ, σ²) || N(0, 1)) summed over the latent numbers:
    ½ Σ (μ² + σ² - 1 - log σ²)."""
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=1)


def neighbour_scores(codes: torch.Tensor, y: torch.Tensor, n_train: int, n_classes: int) -> torch.Tensor:
    """(2,) how well the codes (N, L) tell the labels y (N,) apart, on the train rows then the test
    rows: each point's label guessed as that of its nearest training code (a training point's own
    left out), scored as accuracy, or for a numeric label (n_classes 0) as R². A record computes it:
    so one neighbour (min, not topk: 1 ms where topk took 5 on the digits), and at most SCORED rows
    of each split, the first SCORED training rows also the codes they are compared with (the split
    is shuffled, so these are a random sample)."""
    reference = min(n_train, SCORED)
    rows = torch.cat([codes[:reference], codes[n_train:n_train + SCORED]])  # (R + T, L)
    labels = torch.cat([y[:reference], y[n_train:n_train + SCORED]])  # (R + T,)
    distances = torch.cdist(rows, codes[:reference])  # (R + T, R)
    if reference > 1:
        distances[:reference].fill_diagonal_(float("inf"))  # a training point is not its own neighbour
    guess = labels[distances.min(dim=1).indices]  # (R + T,) the nearest training code's label
    splits = (slice(0, reference), slice(reference, None))
    if n_classes:
        right = (guess == labels).float()
        return torch.stack([right[s].mean() for s in splits])
    guess, labels = guess.float(), labels.float()
    return torch.stack([1.0 - ((labels[s] - guess[s]) ** 2).sum()
                        / ((labels[s] - labels[s].mean()) ** 2).sum().clamp_min(1e-12) for s in splits])


class AutoencoderSystem(System):
    def __init__(self, module: nn.Sequential, head: Head):
        self.modules = {"model": module}
        self.encoder, self.code, self.decoder = halves(module)  # (B, F) -> stats, stats -> (B, L), (B, L) -> (B, F)
        self.head = head
        self.variational = self.code.variational
        self.kl_weight = self.code.kl_weight
        self.reconstruction_fn = reconstruction_loss(head.loss_name)
        self.reconstruction_each = reconstruction_loss(head.loss_name, reduction="none")  # (N, F)
        self.draws_random_numbers = self.variational  # ε of the sampled code
        self.extra_names = ("train_reconstruction", "test_reconstruction") + (
            ("train_kl", "test_kl") if self.variational else ())

    def optimizers(self, choice: Choice) -> list[OptimizerPlan]:
        return [OptimizerPlan("model", choice, list(self.model.parameters()))]

    def training_step(self, x: torch.Tensor, t: torch.Tensor, tools: StepTools) -> dict[str, torch.Tensor]:
        """t (the labels as the head shapes them) is not used: the target is x itself."""
        stats = self.encoder(x)  # (B, L), a VAE's (B, 2L)
        mean, log_var = self.code.split(stats)  # (B, L) each; log_var None for a plain code
        if log_var is None:
            reconstruction = self.reconstruction_fn(self.decoder(mean), x)  # decoder: (B, L) -> (B, F)
            tools.update("model", reconstruction)
            return {"loss": reconstruction, "reconstruction": reconstruction}
        with tools.randomness():
            noise = torch.randn_like(mean)  # (B, L) ε ~ N(0, 1), from the run's own generator
        z = mean + noise * torch.exp(0.5 * log_var)  # the reparameterisation: the gradient flows through μ and σ
        reconstruction = self.reconstruction_fn(self.decoder(z), x)
        kl = kl_divergence(mean, log_var).mean()
        loss = reconstruction + self.kl_weight * kl
        tools.update("model", loss)
        return {"loss": loss, "reconstruction": reconstruction, "kl": kl}

    def scores(self, x_all: torch.Tensor, t_all: torch.Tensor, y_all: torch.Tensor, n_train: int) -> torch.Tensor:
        mean, log_var = self.code.split(self.encoder(x_all))  # (N, L)
        reconstruction = self.reconstruction_each(self.decoder(mean), x_all).mean(dim=1)  # (N,) at the mean code
        per_split = [reconstruction[:n_train].mean(), reconstruction[n_train:].mean()]
        loss = reconstruction
        if log_var is not None:
            kl = kl_divergence(mean, log_var)  # (N,)
            loss = reconstruction + self.kl_weight * kl
            per_split += [kl[:n_train].mean(), kl[n_train:].mean()]
        metric = neighbour_scores(mean, y_all, n_train, self.head.n_classes)  # (2,)
        return torch.stack([loss[:n_train].mean(), metric[0], loss[n_train:].mean(), metric[1], *per_split])
