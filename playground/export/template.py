"""The text of an exported training script (script.py fills it in): a tutorial that reads top to
bottom, settings first, then data, network, training and the records. `$name` marks what
script.py fills in; every other line is the same in every export. It must draw its random
numbers exactly as the engine does (data/datasets.py, families/mlp/model.py, train/trainer.py),
so a change there is a change here; tests/test_export.py holds the two together."""

SCRIPT = '''\
"""$title: a neural network trained with PyTorch, exported from the neural-network playground.

    python $file_name        (needs torch and numpy, nothing else)

It builds the same data, network and training run as the playground did for the spec below,
seeds included, trains on the CPU and prints its metrics as CSV on stdout, one row per record:
step, epoch, learning rate, train and test loss, train and test $metric_label. They are the numbers
the playground recorded for this spec on the CPU (its metrics.csv). Change anything and
experiment: it is yours.

The spec it was made from:

$spec_text
"""

import math
import sys

import numpy as np
import torch
from torch import nn

# ============================================================================ 1. settings
# Taken from the spec; the comments name each setting's key in it.

DATA_SET = $data_name  # data.name
N_SAMPLES = $n_samples  # data.n_samples: points in all, train + test
NOISE = $noise  # data.noise: 0 clean .. 1 very noisy
TRAIN_FRACTION = $train_fraction  # data.train_fraction: the rest is the test set
DATA_SEED = $data_seed  # data.seed: the points and the train/test split
FEATURES = $features  # data.features: what the network reads of each point
STANDARDIZE = $standardize  # data.standardize: features to mean 0, std 1 (train split statistics)
TASK = $task  # what the data asks for: binary, multiclass or regression

SEED = $seed  # train.seed: the initial weights, the batch order and dropout
EPOCHS = $epochs  # train.epochs
BATCH_SIZE = $batch_size  # train.batch_size
L1 = $l1  # train.l1: penalty on the sum of |w| of the dense layers' weights
L2 = $l2  # train.l2: penalty on the sum of w² of the dense layers' weights
GRAD_CLIP = $grad_clip  # train.grad_clip: largest total gradient norm (0: off)
PATIENCE = $patience  # train.early_stopping_patience: epochs without a better test loss (0: off)
RECORD_EVERY = $record_every  # telemetry.every_steps: updates between records (0: the playground's auto)

# ============================================================================ 2. the data
# Every random number comes from a numpy generator made from DATA_SEED: one stream for the
# points, another for the split (so changing the split does not move the points).

$generator_source


$split_source


# Features computed from each point's coordinates p (M, $n_coordinates), each -> (M,).
FEATURE_FUNCTIONS = {
$feature_functions
}


def load_data():
    """(x_train, y_train, x_test, y_test): inputs (N, F) float32 and labels (N,)."""
    points_seed, split_seed = np.random.SeedSequence(DATA_SEED).spawn(2)
    X, y = $generator_call  # (N, $n_coordinates) float64, (N,)
    train, test = split_indices(y, TASK, TRAIN_FRACTION, np.random.default_rng(split_seed))

    points = X.astype(np.float32)  # the playground keeps its points in float32

    def features(rows):  # (M, $n_coordinates) -> (M, F) float64
        rows = rows.astype(np.float64)
        return np.stack([FEATURE_FUNCTIONS[name](rows) for name in FEATURES], axis=1)

    x_train, x_test = features(points[train]), features(points[test])
    if STANDARDIZE:  # with the training split's mean and std, applied to both splits
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std = np.where(std > 1e-12, std, 1.0)
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    y = y.astype($label_dtype)
    return x_train.astype(np.float32), y[train], x_test.astype(np.float32), y[test]


# ============================================================================ 3. the network

def build_model(n_inputs):
    """An nn.Sequential: (B, n_inputs) -> (B, $n_outputs). Its initial weights depend on SEED only."""
    torch.manual_seed(SEED)  # each nn.Linear below draws its weights from this, in this order
    model = nn.Sequential(
$model_layers
    )
    # Then every dense layer, input side first, is initialised as model.init says ($init).
    dense = [m for m in model if isinstance(m, nn.Linear)]
    activations = $activations  # the activation after each dense layer
    for layer, activation in zip(dense, activations):
        initialise(layer, activation)
    return model


def initialise(layer, activation):
$init_body


# ============================================================================ 4. the loss and the answer
# $head_comment

loss_fn = $loss_build  # the mean over a batch


def per_example_loss(out, t):
    """The loss of each example (records average it per split): $per_example_doc"""
$per_example_body


def targets(y):
    """Labels as stored -> what the loss compares the network's output with."""
$targets_body


def predict(out):
    """Network output (B, $n_outputs) -> (B,) $prediction_kind."""
$predict_body


def metric(out, y):
    """$metric_label of a split: $metric_doc"""
$metric_body


# ============================================================================ 5. training

def main():
    x_train, y_train, x_test, y_test = load_data()
$target_statistics
    x_train, x_test = torch.as_tensor(x_train), torch.as_tensor(x_test)
    y_train, y_test = torch.as_tensor(y_train), torch.as_tensor(y_test)
    t_train, t_test = targets(y_train), targets(y_test)
    # A record evaluates both splits in one forward pass: the train rows, then the test rows.
    x_all, t_all, y_all = torch.cat([x_train, x_test]), torch.cat([t_train, t_test]), torch.cat([y_train, y_test])
    n_train = len(x_train)

    model = build_model(x_train.shape[1])
    if sum(p.numel() for p in model.parameters()) < 200_000:
        torch.set_num_threads(1)  # a tiny network: one thread is faster than several

    batch_size = min(BATCH_SIZE, n_train)
    # BatchNorm cannot normalise a batch of one: a lone last example joins the batch before it.
    fold_last = $has_batchnorm and n_train % batch_size == 1
    steps_per_epoch = math.ceil(n_train / batch_size) - (1 if fold_last else 0)
    total_steps = EPOCHS * steps_per_epoch
    record_every = RECORD_EVERY or auto_record_every(steps_per_epoch, EPOCHS)

    optimizer = $optimizer_build
    scheduler = $schedule_build  # stepped after every update

    # The batch order comes from its own generator, seeded with SEED: a fresh shuffle every epoch.
    batch_order = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)  # dropout draws its masks from torch's global generator, from here on

    print("step,epoch,lr,train_loss,test_loss,train_$metric,test_$metric")
    best = (math.inf, 0.0)  # (test loss, epoch) for early stopping

    def record(step):
        """Measure both splits now, print a CSV row; False when early stopping says stop."""
        nonlocal best
        model.eval()  # dropout off, BatchNorm uses its running statistics
        with torch.no_grad():
            out = model(x_all)  # (N_train + N_test, $n_outputs)
            losses = per_example_loss(out, t_all)
            scores = [losses[:n_train].mean(), metric(out[:n_train], y_all[:n_train]),
                      losses[n_train:].mean(), metric(out[n_train:], y_all[n_train:])]
        model.train()
        train_loss, train_metric, test_loss, test_metric = (float(s) for s in scores)
        epoch = step / steps_per_epoch
        lr = optimizer.param_groups[0]["lr"]
        print(",".join(repr(v) for v in (step, epoch, lr, train_loss, test_loss, train_metric, test_metric)),
              flush=True)
        if PATIENCE:
            if test_loss < best[0]:
                best = (test_loss, epoch)
            elif epoch - best[1] >= PATIENCE:
                print(f"Early stopping at epoch {epoch:.0f}: no better test loss for {PATIENCE} epochs.",
                      file=sys.stderr)
                return False
        return True

    keep_going = record(0)
    order, position = None, 0
    for step in range(1, total_steps + 1):
        if not keep_going:
            break
        if order is None or position >= len(order):
            order, position = torch.randperm(n_train, generator=batch_order), 0
        size = batch_size + 1 if fold_last and len(order) - position == batch_size + 1 else batch_size
        batch = order[position:position + size]  # (B,) row numbers
        position += size

        loss = loss_fn(model(x_train[batch]), t_train[batch])
        optimizer.zero_grad(set_to_none=True)
        objective = loss + penalty(dense_weights(model)) if L1 or L2 else loss
        objective.backward()
        if GRAD_CLIP > 0:
            torch.nn.utils.clip_grad_norm_(list(model.parameters()), GRAD_CLIP)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if not math.isfinite(loss.item()):
            sys.exit(f"Training diverged: the loss became {loss.item()} at step {step}; lower the learning rate.")
        if step % record_every == 0 or step == total_steps:
            keep_going = record(step)


def dense_weights(model):
    return [m.weight for m in model if isinstance(m, nn.Linear)]


def penalty(weights):
    """L1 * sum |w| + L2 * sum w², over the dense layers' weights (not the biases)."""
    total = 0.0
    for w in weights:
        if L1:
            total = total + L1 * w.abs().sum()
        if L2:
            total = total + L2 * (w * w).sum()
    return total


def auto_record_every(steps_per_epoch, epochs):
    """The playground's default cadence: whole epochs, at least 100 updates apart, unless that
    would leave fewer than 50 records."""
    epochs_apart = min(math.ceil(100 / steps_per_epoch), epochs // 50)
    return max(1, epochs_apart) * steps_per_epoch


if __name__ == "__main__":
    main()
'''
