"""Autoencoder overhead: the playground's trainer (default telemetry: records with the latent-space
kNN score, the named losses and the layer statistics) against a bare, hand-written PyTorch loop of
the same model (MSE to its own input, a VAE's sampled code and KL term) on the same data, batch
order and seed, in one process; then what each live view costs to compute and to draw.

Prints, per preset, the median time per epoch of each and the median [quartiles] of the per-repeat
ratios (target: at most 1.10x), then the median milliseconds of Trainer.compute_visuals (the
family's views, PCA cached after its first fit) and of each chart, built and written as JSON
(target: at most 50 ms each).

    .venv/bin/python benchmarks/autoencoder_overhead.py [--repeats 7] [--epochs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from playground.core import catalog
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.families.autoencoder import charts as ae_charts
from playground.families.autoencoder.model import halves
from playground.families.autoencoder.system import kl_divergence
from playground.train.snapshot import take_snapshot
from playground.train.trainer import Trainer

PRESETS = ("digits-autoencoder", "digits-vae", "swissroll-autoencoder")
CHARTS = {
    "latent": ae_charts.latent_figure, "pca": ae_charts.pca_figure, "reconstructions": ae_charts.reconstruction_figure,
    "interpolation": ae_charts.interpolation_figure, "prior": ae_charts.prior_figure,
    "reconstruction curve": ae_charts.reconstruction_curve_figure,
}


def bare_epochs(spec: Spec, epochs: int) -> float:
    """Seconds for `epochs` epochs of the plainest correct loop over the trainer's own data and model."""
    reference = Trainer(spec)  # borrowed for its tensors, its freshly built model and batch size
    model = reference.module
    optimizer = catalog.build_optimizer(spec.train.optimizer.name, dict(spec.train.optimizer.params),
                                        model.parameters())
    x, batch = reference.x_train, reference.batch_size
    generator = torch.Generator().manual_seed(spec.train.seed)
    start = time.perf_counter()
    for _ in range(epochs):
        for index in torch.randperm(len(x), generator=generator).split(batch):
            bare_step(model, optimizer, x[index])
    return time.perf_counter() - start


def bare_step(model, optimizer, x: torch.Tensor) -> None:
    """One update of the plainest correct loop on the batch x."""
    encoder, code, decoder = halves(model)
    mean, log_var = code.split(encoder(x))
    if log_var is None:
        loss = F.mse_loss(decoder(mean), x)
    else:
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        loss = F.mse_loss(decoder(z), x) + code.kl_weight * kl_divergence(mean, log_var).mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def alternating_blocks(spec: Spec, blocks: int) -> tuple[int, float]:
    """(updates a block, trainer time / bare time) over `blocks` alternating blocks: a record interval
    of bare updates, then as many trainer updates (ending in their record), so that drift on a shared
    machine hits both sides alike (engine_overhead.py does the same for the other families)."""
    every = Trainer(spec).record_every  # the preset's own record cadence
    trainer = Trainer(spec.with_overrides(**{"train.epochs": 10_000, "telemetry.every_steps": every}))
    model = Trainer(spec).module
    optimizer = catalog.build_optimizer(spec.train.optimizer.name, dict(spec.train.optimizer.params),
                                        model.parameters())
    x, batch = trainer.x_train, trainer.batch_size
    generator = torch.Generator().manual_seed(spec.train.seed)
    batches: list[torch.Tensor] = []
    bare = ours = 0.0
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(every):
            if not batches:
                batches.extend(torch.randperm(len(x), generator=generator).split(batch))
            bare_step(model, optimizer, x[batches.pop(0)])
        middle = time.perf_counter()
        trainer.run(every)
        bare, ours = bare + middle - start, ours + time.perf_counter() - middle
    return every, ours / bare


def trainer_epochs(spec: Spec, epochs: int) -> float:
    trainer = Trainer(spec)
    start = time.perf_counter()
    trainer.run(trainer.total_steps)
    return time.perf_counter() - start


def _built(figure) -> str | None:
    """A chart as the page sends it: the figure, then its JSON (None: nothing to draw for this run)."""
    return figure.to_json() if figure is not None else None


def median_ms(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=30, help="epochs a timed run (default telemetry cadence)")
    args = parser.parse_args()
    Trainer(Spec())  # settles the thread count the engine uses, for both sides alike
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); median of {args.repeats} interleaved "
          "runs each\n")
    print(f"{'preset':24} {'bare ms/ep':>11} {'trainer ms/ep':>14} {'ratio [quartiles]':>22}")
    for name in PRESETS:
        spec = get_preset(name).with_overrides(**{"train.epochs": args.epochs, "train.device": "cpu"})
        bare_epochs(spec, 2), trainer_epochs(spec.with_overrides(**{"train.epochs": 2}), 2)  # warm-up
        bare, ours = [], []
        for _ in range(args.repeats):
            bare.append(bare_epochs(spec, args.epochs))
            ours.append(trainer_epochs(spec, args.epochs))
        ratios = [o / b for o, b in zip(ours, bare)]
        low, mid, high = statistics.quantiles(ratios, n=4)
        print(f"{name:24} {statistics.median(bare) / args.epochs * 1e3:11.2f} "
              f"{statistics.median(ours) / args.epochs * 1e3:14.2f} {mid:10.3f} [{low:.3f}, {high:.3f}]")
    print("\nThe trainer in alternating blocks of one record interval (each preset's own epochs), bare then "
          "trainer, 100 of each (steadier on a busy machine):")
    for name in PRESETS:
        every, ratio = alternating_blocks(get_preset(name).with_overrides(**{"train.device": "cpu"}), blocks=100)
        print(f"{name:24} blocks of {every} updates: trainer / bare = {ratio:.3f}")
    print("\nLive views, ms (median): compute_visuals, then each chart from the snapshot (figure + JSON)")
    for name in PRESETS:
        trainer = Trainer(get_preset(name).with_overrides(**{"train.device": "cpu"}))
        trainer.run(50)
        trainer.compute_visuals()  # the first call fits PCA once for the data set
        views = median_ms(trainer.compute_visuals, args.repeats)
        snap = take_snapshot(trainer, "paused", "")
        costs = {chart: median_ms(lambda draw=draw: _built(draw(snap)), args.repeats) for chart, draw in CHARTS.items()}
        print(f"{name:24} views {views:6.1f} · " + " · ".join(f"{c} {ms:.1f}" for c, ms in costs.items()))


if __name__ == "__main__":
    main()
