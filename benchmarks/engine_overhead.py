"""Engine overhead: the playground's training loop (with default telemetry) against a bare,
hand-written PyTorch loop on the same model, data, batch order and seed, in one process.

Prints the median time per epoch of each and the median of the per-repeat ratios, each run timed
right after its own bare run so that drift on a shared machine cancels (target: at most 1.10x;
the quartiles of the ratios show how noisy the machine was, and "best" is the ratio of the
fastest runs of each, the least disturbed by other work on a shared machine), for an MLP on 2-D
data (the TensorFlow playground's default), the digits-mlp, digits-cnn and copy-transformer
presets and two recurrent ones, each run for its own number of epochs with its default (auto)
record cadence, for the trainer alone and for the threaded runner; then the TF default's epochs
per second on this CPU.

    .venv/bin/python benchmarks/engine_overhead.py [--repeats 7] [--epochs N] [--only sine-rnn]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from playground.core import catalog
from playground.core.presets import get_preset
from playground.core.spec import Spec
from playground.families import build_model, data_inputs
from playground.train.runner import Runner
from playground.train.trainer import Trainer

SPECS = {
    # The TensorFlow playground's default: circle, 2 inputs, hidden 4 and 2, tanh, batch 10,
    # lr 0.03, half of 500 points for training.
    "circle 2-4-2-1 tanh sgd": Spec().with_overrides(**{"train.optimizer.lr": 0.03}),
    "digits-mlp 64-64-32-10 relu adam": get_preset("digits-mlp"),
    # Two conv + max-pool blocks on 1x8x8 digits (3,658 parameters): telemetry covers conv layers too.
    # The preset's 15 epochs record every epoch (40 updates: a short run keeps 50 points on its
    # curves), and a record's pass over all 1,797 images costs ~6 updates of this model; a
    # 100-epoch run records 2 epochs (80 updates) apart, 150 epochs and more 3 (the steady state).
    "digits-cnn conv8-pool-conv16-pool-32-10 adam": get_preset("digits-cnn"),
    "digits-cnn, 100 epochs": get_preset("digits-cnn").with_overrides(**{"train.epochs": 100}),
    # Recurrent: the runner also steps the network by hand for its views (hidden states, gates,
    # gradient through time) whenever it redraws the pictures.
    "sine-rnn rnn32-1, 20 steps": get_preset("sine-rnn"),
    "adding-lstm lstm32-1, 30 steps": get_preset("adding-lstm"),
    # An embedding of 32, one encoder block of 2 heads, outputs at each of 12 positions (9,480 parameters).
    "copy-transformer": get_preset("copy-transformer"),
}


def bare_parts(spec: Spec, reference: Trainer) -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.nn.Module]:
    """A fresh model, its optimizer and the loss, built as the trainer builds them (same seed),
    for a hand-written loop; `reference` lends its shapes and head."""
    network = build_model(spec.model, data_inputs(spec.model, reference.dataset), reference.head.n_outputs,
                          spec.train.seed)
    model = network.module
    optimizer = catalog.build_optimizer(spec.train.optimizer.name, dict(spec.train.optimizer.params),
                                        model.parameters())
    return model, optimizer, reference.head.make_loss()


def bare_epochs(spec: Spec, epochs: int) -> float:
    """Seconds for `epochs` epochs of the plainest correct loop over the trainer's own data."""
    reference = Trainer(spec)  # only borrowed for its tensors, head and batch size
    model, optimizer, loss_fn = bare_parts(spec, reference)
    x, t = reference.x_train, reference.t_train
    generator = torch.Generator().manual_seed(spec.train.seed)
    batch = reference.batch_size
    model.train()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), batch):
            index = order[i:i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x[index]), t[index]).backward()
            optimizer.step()
    return time.perf_counter() - start


def alternating_blocks(spec: Spec, blocks: int) -> tuple[int, float]:
    """(updates a block, trainer time / bare time) over `blocks` alternating blocks: a record
    interval of bare updates, then as many trainer updates (ending in their record). Drift on a
    shared machine hits both sides alike, so this is far steadier than whole runs."""
    every = Trainer(spec).record_every  # the default run's own record cadence
    trainer = Trainer(spec.with_overrides(**{"train.epochs": 10_000, "telemetry.every_steps": every}))
    model, optimizer, loss_fn = bare_parts(spec, trainer)
    x, t, batch = trainer.x_train, trainer.t_train, trainer.batch_size
    generator = torch.Generator().manual_seed(spec.train.seed)
    batches: list[torch.Tensor] = []

    def bare_step() -> None:
        if not batches:
            batches.extend(torch.randperm(len(x), generator=generator).split(batch))
        index = batches.pop(0)
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x[index]), t[index]).backward()
        optimizer.step()

    model.train()
    bare = ours = 0.0
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(every):
            bare_step()
        middle = time.perf_counter()
        trainer.run(every)
        bare, ours = bare + middle - start, ours + time.perf_counter() - middle
    return every, ours / bare


def trainer_epochs(spec: Spec, epochs: int) -> float:
    trainer = Trainer(spec.with_overrides(**{"train.epochs": epochs}))
    start = time.perf_counter()
    trainer.run(trainer.total_steps)
    return time.perf_counter() - start


def runner_epochs(spec: Spec, epochs: int) -> float:
    """Wall time of the threaded runner from start() to done, surface redraws included."""
    runner = Runner(spec.with_overrides(**{"train.epochs": epochs}))
    start = time.perf_counter()
    runner.start()
    # Wait on the runner's signal, not by polling its status: a poll every 2 ms made the runner
    # 10% slower (each wake-up takes the GIL from the training thread), a cost no page has.
    runner.wait_until_settled(timeout=600)
    elapsed = time.perf_counter() - start
    runner.close()
    return elapsed


def _ratios(times: list[float], bare: list[float]) -> str:
    """Median [first quartile, third quartile] of the per-repeat ratios times[i] / bare[i], and
    the ratio of the fastest of each."""
    ratios = [t / b for t, b in zip(times, bare)]
    low, mid, high = statistics.quantiles(ratios, n=4)
    return f"{mid:.2f} [{low:.2f}, {high:.2f}] best {min(times) / min(bare):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--epochs", type=int, default=None, help="default: each spec's own (a whole default run)")
    parser.add_argument("--only", default="", help="only the models whose name contains this")
    args = parser.parse_args()
    Trainer(Spec())  # settles the thread count the engine uses, for both sides alike
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); median of {args.repeats} "
          f"interleaved runs each\n")
    print(f"{'model':34} {'epochs':>6} {'records every':>13} {'bare ms/ep':>11} {'trainer ms/ep':>14} "
          f"{'ratio [quartiles] best':>29} {'runner ms/ep':>13} {'ratio [quartiles] best':>29}")
    for name, spec in SPECS.items():
        if args.only not in name:
            continue
        epochs = args.epochs or spec.train.epochs
        cadence = Trainer(spec.with_overrides(**{"train.epochs": epochs}))
        every = f"{cadence.record_every} upd"
        bare_epochs(spec, 2), trainer_epochs(spec, 2)  # warm-up
        bare, ours, threaded = [], [], []
        for _ in range(args.repeats):  # interleaved so drift on a busy machine hits both sides
            bare.append(bare_epochs(spec, epochs))
            ours.append(trainer_epochs(spec, epochs))
            threaded.append(runner_epochs(spec, epochs))
        b, o, r = (statistics.median(v) / epochs * 1e3 for v in (bare, ours, threaded))
        print(f"{name:34} {epochs:6} {every:>13} {b:11.2f} {o:14.2f} {_ratios(ours, bare):>29} "
              f"{r:13.2f} {_ratios(threaded, bare):>29}")
    print("\nThe trainer in alternating blocks of one record interval, bare then trainer, 200 of each "
          "(steadier on a busy machine):")
    for name, spec in SPECS.items():
        if args.only not in name:
            continue
        every, ratio = alternating_blocks(spec, blocks=200)
        print(f"{name:34} blocks of {every} updates: trainer / bare = {ratio:.3f}")
    tf_spec = SPECS["circle 2-4-2-1 tanh sgd"]
    epochs = args.epochs or tf_spec.train.epochs
    tf_default = statistics.median(trainer_epochs(tf_spec, epochs) for _ in range(args.repeats))
    print(f"\nTensorFlow-playground default on this CPU: {epochs / tf_default:.0f} epochs/s "
          f"({epochs / tf_default * Trainer(Spec()).steps_per_epoch:.0f} steps/s) with telemetry")


if __name__ == "__main__":
    main()
