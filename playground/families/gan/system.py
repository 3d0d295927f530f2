"""What the trainer trains for a GAN (train/system.py's seam): the generator ("model", trained by the
spec's train.optimizer) and the discriminator (train.discriminator_optimizer). Each training step on a
batch of real points x (B, 2): train.discriminator_steps updates of D, each on x and a fresh batch of
G's points, then one update of G on a fresh batch of noise.

Records: the four common scores are the discriminator's (its loss and accuracy on the train and the
test points, each against the same generated points), then d_loss and g_loss over all the points,
the Jensen-Shannon divergence of real and generated histograms (quality.py) and, for a ring or a
grid, the modes covered. Generated points for records come from one fixed noise sample, drawn from
the run's seed, so a change in the numbers is a change in the networks.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ...data.generators import mode_centers
from ...train.heads import Head
from ...train.system import OptimizerPlan, StepTools, System
from .losses import discriminator_loss, generator_loss
from .quality import js_divergence, modes_covered
from .views import gan_views

EVAL_POINTS = 500  # generated points a record and the views look at


def draw_noise(kind: str, n: int, dim: int, device: torch.device | str, generator: torch.Generator | None = None
               ) -> torch.Tensor:
    """(n, dim) noise: standard normal, or uniform on -1..1; from `generator` (None: torch's global one)."""
    if kind == "uniform":
        return torch.rand(n, dim, generator=generator, device=device) * 2 - 1
    return torch.randn(n, dim, generator=generator, device=device)


class GanSystem(System):
    extra_names: tuple[str, ...] = ("d_loss", "g_loss", "js_divergence")
    draws_random_numbers = True  # the noise of every step, from the run's own generator
    answers_inputs = False  # G maps noise to points: no decision surface or test predictions

    def __init__(self, module: nn.Module, head: Head):
        self.modules = {"model": module}
        self.generator = module
        self.head = head

    def attach(self, spec, network, dataset) -> None:
        device = next(self.generator.parameters()).device
        self.discriminator = network.companions["discriminator"][0].to(device)
        self.modules["discriminator"] = self.discriminator
        self.kind = self.head.loss_name  # minimax | non_saturating | least_squares
        self.noise_kind, self.noise_dim = spec.model.noise, spec.model.noise_dim
        self.d_steps, self.smoothing = spec.train.discriminator_steps, spec.train.label_smoothing
        self.d_choice = spec.train.discriminator_optimizer
        cpu = torch.Generator().manual_seed(spec.train.seed)
        self.eval_noise = draw_noise(self.noise_kind, EVAL_POINTS, self.noise_dim, "cpu", cpu).to(device)  # (M, z)
        featurize = dataset.featurize
        mean = featurize.mean if featurize.mean is not None else [0.0, 0.0]
        std = featurize.std if featurize.std is not None else [1.0, 1.0]
        self.mean = torch.as_tensor(mean, dtype=torch.float32, device=device)  # (2,): model space -> the data's
        self.std = torch.as_tensor(std, dtype=torch.float32, device=device)
        centers = mode_centers(dataset.name)
        self.centers = None if centers is None else torch.as_tensor(centers, dtype=torch.float32, device=device)
        if self.centers is not None:
            self.extra_names = (*GanSystem.extra_names, "modes_covered")

    def optimizers(self, choice) -> list[OptimizerPlan]:
        return [OptimizerPlan("generator", choice, list(self.generator.parameters())),
                OptimizerPlan("discriminator", self.d_choice, list(self.discriminator.parameters()))]

    def noise(self, n: int) -> torch.Tensor:
        """(n, noise_dim) fresh noise from torch's global generator (call inside tools.randomness())."""
        return draw_noise(self.noise_kind, n, self.noise_dim, self.eval_noise.device)

    def training_step(self, x: torch.Tensor, t: torch.Tensor, tools: StepTools) -> dict[str, torch.Tensor]:
        batch = len(x)  # x: (B, 2) real points; t: unused (no labels)
        for _ in range(self.d_steps):
            with tools.randomness():
                z = self.noise(batch)  # (B, z)
            with torch.no_grad():  # D's update does not train G: no graph through G
                fake = self.generator(z)  # (B, 2)
            d_loss = discriminator_loss(self.kind, self.discriminator(x), self.discriminator(fake), self.smoothing)
            tools.update("discriminator", d_loss)
        with tools.randomness():
            z = self.noise(batch)
        # G's loss back-propagates through D; D's own gradients (telemetry's) stay those of its update.
        self.discriminator.requires_grad_(False)
        try:
            g_loss = generator_loss(self.kind, self.discriminator(self.generator(z)))  # D(G(z)): (B, 1)
            tools.update("generator", g_loss)
        finally:
            self.discriminator.requires_grad_(True)
        return {"discriminator_loss": d_loss, "generator_loss": g_loss}

    def scores(self, x_all: torch.Tensor, t_all: torch.Tensor, y_all: torch.Tensor, n_train: int) -> torch.Tensor:
        fake_points = self.generator(self.eval_noise)  # (M, 2)
        real = self.discriminator(x_all)  # (N, 1)
        fake = self.discriminator(fake_points)  # (M, 1)
        threshold = 0.5 if self.kind == "least_squares" else 0.0  # D calls a point real above it
        fake_right = (fake < threshold).float().mean()
        numbers = []
        for part in (real[:n_train], real[n_train:]):  # D's loss and accuracy, train then test
            right = 0.5 * ((part > threshold).float().mean() + fake_right)  # real and generated weigh alike
            numbers += [discriminator_loss(self.kind, part, fake, self.smoothing), right]
        numbers += [discriminator_loss(self.kind, real, fake, self.smoothing), generator_loss(self.kind, fake),
                    js_divergence(x_all, fake_points)]
        if self.centers is not None:
            numbers.append(modes_covered(self.to_data(fake_points), self.centers))
        return torch.stack(numbers)  # (4 + E,)

    def to_data(self, points: torch.Tensor) -> torch.Tensor:
        """(B, 2) points as the networks see them (standardised) -> in the data's own units."""
        return points * self.std + self.mean

    def views(self, dataset) -> Any:
        return gan_views(self, dataset)
