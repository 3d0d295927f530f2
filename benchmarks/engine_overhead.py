"""Engine overhead: the playground's training loop (with default telemetry) against a bare,
hand-written PyTorch loop on the same model, data, batch order and seed, in one process.

Prints the median time per epoch of each and their ratio (target: at most 1.10x), for an
MLP on 2-D data (the TensorFlow playground's default) and for digits-mlp, plus the TF
default's epochs per second on this CPU, for the trainer alone and for the threaded runner.

    .venv/bin/python benchmarks/engine_overhead.py [--repeats 7] [--epochs 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from playground import catalog
from playground.model import build_network
from playground.runner import Runner
from playground.spec import Spec
from playground.trainer import Trainer

SPECS = {
    # The TensorFlow playground's default: circle, 2 inputs, hidden 4 and 2, tanh, batch 10,
    # lr 0.03, half of 500 points for training.
    "circle 2-4-2-1 tanh sgd": Spec().with_overrides(**{"train.optimizer.lr": 0.03}),
    "digits 64-64-32-10 relu adam": Spec().with_overrides(**{
        "data.name": "digits", "train.batch_size": 32, "train.optimizer.name": "adam",
        "model.layers": [{"kind": "linear", "units": 64, "activation": "relu"},
                         {"kind": "linear", "units": 32, "activation": "relu"}]}),
}


def bare_epochs(spec: Spec, epochs: int) -> float:
    """Seconds for `epochs` epochs of the plainest correct loop over the trainer's own data."""
    reference = Trainer(spec)  # only borrowed for its tensors, head and batch size
    network = build_network(spec.model, reference.dataset.n_inputs, reference.head.n_outputs, spec.train.seed)
    model = network.module
    optimizer = catalog.build_optimizer(spec.train.optimizer.name, dict(spec.train.optimizer.params),
                                        model.parameters())
    loss_fn = reference.head.make_loss()
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
    while runner.status == "running":  # a cheap poll, fine enough not to overstate a 0.3 s run
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    runner.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    Trainer(Spec())  # settles the thread count the engine uses, for both sides alike
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); median of {args.repeats}, "
          f"{args.epochs} epochs each, runs interleaved\n")
    print(f"{'model':32} {'bare ms/ep':>11} {'trainer ms/ep':>14} {'ratio':>6} {'runner ms/ep':>13} {'ratio':>6}")
    for name, spec in SPECS.items():
        bare_epochs(spec, 2), trainer_epochs(spec, 2)  # warm-up
        bare, ours, threaded = [], [], []
        for _ in range(args.repeats):  # interleaved so drift on a busy machine hits both sides
            bare.append(bare_epochs(spec, args.epochs))
            ours.append(trainer_epochs(spec, args.epochs))
            threaded.append(runner_epochs(spec, args.epochs))
        b, o, r = (statistics.median(v) / args.epochs * 1e3 for v in (bare, ours, threaded))
        print(f"{name:32} {b:11.2f} {o:14.2f} {o / b:6.2f} {r:13.2f} {r / b:6.2f}")
    tf_spec = SPECS["circle 2-4-2-1 tanh sgd"]
    tf_default = statistics.median(trainer_epochs(tf_spec, args.epochs) for _ in range(args.repeats))
    print(f"\nTensorFlow-playground default on this CPU: {args.epochs / tf_default:.0f} epochs/s "
          f"({args.epochs / tf_default * Trainer(Spec()).steps_per_epoch:.0f} steps/s) with telemetry")


if __name__ == "__main__":
    main()
