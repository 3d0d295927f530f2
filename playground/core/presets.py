"""Named presets: a one-line description and a full Spec each, for the menu, the CLI and links.

Each preset is the default Spec plus a few overrides, so it states only what makes it
itself. The first four follow the TensorFlow playground (tanh, small layers, SGD, batch
10, half the points for training); the rest each show one idea. Every preset is tuned
to finish in seconds on a laptop CPU, and tests/test_presets.py checks that each one
really does what its description promises.

A preset may also set how its charts are shown (`view`, names from VIEW_OPTIONS), when its
lesson is invisible otherwise: digits-mlp's test loss turning up is a small rise that only
a log-scale loss axis shows. The playground applies it when the preset is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import SpecError, excerpt
from .spec import Spec

# View options a preset may set: name -> (default, what it does). The UI maps each name to
# its control; loading a preset sets every option, to the preset's value or the default.
VIEW_OPTIONS: dict[str, tuple[Any, str]] = {
    "loss_log": (False, "the loss chart's y axis is logarithmic"),
}


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    spec: Spec
    view: Mapping[str, Any] = field(default_factory=dict)  # VIEW_OPTIONS name -> value

    def view_settings(self) -> dict[str, Any]:
        """Every view option: the preset's value, else the default."""
        return {name: self.view.get(name, default) for name, (default, _) in VIEW_OPTIONS.items()}


def _layers(*units: int, activation: str = "tanh") -> list[dict[str, Any]]:
    """[8, 8] -> two dense layers of 8 units with the given activation."""
    return [{"kind": "linear", "units": u, "activation": activation} for u in units]


def _conv(channels: int, kernel: int = 3, padding: int = 1) -> dict[str, Any]:
    return {"kind": "conv", "channels": channels, "kernel": kernel, "padding": padding, "activation": "relu"}


def _recurrent(kind: str, hidden: int = 32) -> dict[str, Any]:
    return {"kind": kind, "hidden": hidden}


_POOL = {"kind": "maxpool", "kernel": 2}
# Two conv blocks on 8x8 digits: 1x8x8 -> 8x4x4 -> 16x2x2 -> 64 -> 32 -> 10 (3,658 parameters).
_DIGITS_CNN = [_conv(8), _POOL, _conv(16), _POOL, *_layers(32, activation="relu")]
_DIGITS_TRAINING = {"data.name": "digits", "data.train_fraction": 0.7, "train.optimizer.name": "adam",
                    "train.optimizer.lr": 0.01, "train.batch_size": 32, "train.epochs": 15}
# Shapes need more filters to tell a square's corners from a circle at 16x16:
# 1x16x16 -> 16x8x8 -> 32x4x4 -> 512 -> 64 -> 5 (37,957 parameters).
_SHAPES_CNN = [_conv(16), _POOL, _conv(32), _POOL, *_layers(64, activation="relu")]
_IMAGE_TRAINING = {"data.train_fraction": 0.7, "train.optimizer.name": "adam", "train.optimizer.lr": 0.003,
                   "train.batch_size": 32, "model.family": "cnn"}

# Recurrent networks on generated sequences: Adam, batches of 32, a fifth of the sequences for testing.
_SEQUENCE_TRAINING = {"model.family": "rnn", "data.n_samples": 2000, "data.train_fraction": 0.8,
                      "train.optimizer.name": "adam", "train.optimizer.lr": 0.01, "train.batch_size": 32}
# The adding problem over 30 steps: one recurrent layer of 32, plain (rnn) or gated (lstm).
_ADDING = {**_SEQUENCE_TRAINING, "data.name": "adding", "data.sequence_length": 30, "train.epochs": 20}

# A Transformer on token tasks (copy, reverse) of 12 letters: an embedding of width 32 with learned
# positions, one encoder block of two heads (9,480 parameters); Adam at 0.001 (slow enough to watch), batches of 32.
_TOKENS_TRAINING = {"model.family": "transformer", "data.n_samples": 2000, "data.train_fraction": 0.8,
                    "data.sequence_length": 12, "train.optimizer.name": "adam", "train.optimizer.lr": 0.001,
                    "train.batch_size": 32,
                    "model.layers": [{"kind": "embedding", "width": 32},
                                     {"kind": "encoder", "heads": 2, "feedforward": 64}]}

# A GAN on the ring of eight gaussians (1,000 points, a fifth kept for testing): generator and
# discriminator of two ReLU layers of 64 (4,546 and 4,481 parameters), both Adam at 0.001 with
# beta1 0.5 (the DCGAN setting), batches of 64.
_GAN_RING = {"model.family": "gan", "data.name": "ring", "data.n_samples": 1000, "data.train_fraction": 0.8,
             "model.layers": _layers(64, 64, activation="relu"),
             "model.discriminator.layers": _layers(64, 64, activation="relu"),
             "train.optimizer.name": "adam", "train.optimizer.lr": 0.001, "train.optimizer.beta1": 0.5,
             "train.discriminator_optimizer.name": "adam", "train.discriminator_optimizer.lr": 0.001,
             "train.discriminator_optimizer.beta1": 0.5, "train.batch_size": 64}

# Autoencoders: trained to rebuild their inputs, never shown a label (the labels only colour the
# latent space). Adam at 0.003, batches of 64, MSE on the standardised inputs; the decoder mirrors the encoder.
_AUTOENCODER_TRAINING = {"model.family": "autoencoder", "data.train_fraction": 0.8, "train.loss": "mse",
                         "train.optimizer.name": "adam", "train.optimizer.lr": 0.003, "train.batch_size": 64}


def _autoencoder(*units: int, size: int = 2, variational: bool = False, kl_weight: float = 0.05) -> list[dict]:
    """Encoder layers of these ReLU units, then a latent code (the decoder mirrors the encoder)."""
    return [*_layers(*units, activation="relu"),
            {"kind": "latent", "size": size, "variational": variational, "kl_weight": kl_weight}]


def _preset(name: str, description: str, view: Mapping[str, Any] | None = None, **overrides: Any) -> Preset:
    unknown = set(view or {}) - set(VIEW_OPTIONS)
    if unknown:
        raise ValueError(f"preset {name!r}: unknown view option {sorted(unknown)}; known: {', '.join(VIEW_OPTIONS)}")
    return Preset(name, description, Spec().with_overrides(**overrides), dict(view or {}))


_ALL = (
    _preset(
        "circle", "A disc inside a ring: a 4-2 tanh network learns the round boundary (TF playground default).",
        **{"data.name": "circle", "model.layers": _layers(4, 2), "train.optimizer.lr": 0.1, "train.epochs": 100},
    ),
    _preset(
        "xor", "Four quadrants: no single line separates them, but a 4-2 tanh network bends one that does.",
        **{"data.name": "xor", "model.layers": _layers(4, 2), "train.optimizer.lr": 0.1, "train.epochs": 100},
    ),
    _preset(
        "gauss", "Two gaussian clouds: the easy one, a straight line is enough.",
        **{"data.name": "gauss", "data.noise": 0.1, "model.layers": _layers(2), "train.epochs": 30},
    ),
    _preset(
        "spiral", "Two interleaved spirals: hard; needs all seven features and two layers of 16.",
        **{"data.name": "spiral", "data.features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"],
           "model.layers": _layers(16, 16), "train.optimizer.lr": 0.1, "train.epochs": 100},
    ),
    _preset(
        "moons", "Two interlocking half circles with some noise: a curved boundary.",
        **{"data.name": "moons", "data.noise": 0.1, "model.layers": _layers(8, 4), "train.epochs": 60},
    ),
    _preset(
        "blobs", "Four gaussian blobs, four classes: softmax output and cross-entropy.",
        **{"data.name": "blobs", "data.classes": 4, "data.noise": 0.2, "model.layers": _layers(8),
           "train.epochs": 40},
    ),
    _preset(
        "digits-mlp", "Handwritten 8x8 digits: 64 pixels -> 64-32 ReLU -> 10 classes, trained with Adam; "
        "late on, the test loss turns up while the train loss keeps falling (the loss axis is logarithmic, "
        "so the turn shows).",
        view={"loss_log": True},
        **{"data.name": "digits", "data.train_fraction": 0.7, "model.layers": _layers(64, 32, activation="relu"),
           "train.optimizer.name": "adam", "train.optimizer.lr": 0.001, "train.batch_size": 32,
           "train.epochs": 100},
    ),
    _preset(
        "digits-cnn", "The same digits as 1x8x8 images: two conv + max-pool blocks (8 and 16 filters), then "
        "32 ReLU units; ~98% test accuracy in a few seconds.",
        **{**_DIGITS_TRAINING, "model.family": "cnn", "model.layers": _DIGITS_CNN},
    ),
    _preset(
        "digits-mlp-matched", "An MLP with about as many parameters as digits-cnn (3,760 vs 3,658), trained "
        "the same way on the same digits as flat vectors of 64 pixels: compare their test accuracy.",
        **{**_DIGITS_TRAINING, "model.layers": _layers(50, activation="relu")},
    ),
    _preset(
        "shapes-cnn", "Generated 16x16 images of a circle, square, triangle, cross or ring at random sizes, "
        "places and angles, with pixel noise: two conv + max-pool blocks (16 and 32 filters) tell them apart, "
        "over 90% test accuracy in about ten seconds.",
        **{**_IMAGE_TRAINING, "data.name": "shapes", "data.n_samples": 3000, "data.noise": 0.1,
           "model.layers": _SHAPES_CNN, "train.epochs": 20},
    ),
    _preset(
        "fashion-cnn", "2,000 Fashion-MNIST photos of clothing (28x28, 10 classes) with digits-cnn's layers; "
        "harder than digits, as shirts, pullovers and coats look alike: 80-85% test accuracy.",
        **{**_IMAGE_TRAINING, "data.name": "fashion", "model.layers": _DIGITS_CNN, "train.epochs": 15},
    ),
    _preset(
        "sine-rnn", "A plain RNN (32 hidden) reads 20 noisy samples of a sine of random phase and frequency and "
        "predicts the next one: the test loss falls far below the baseline of 1 (predicting the mean), and the "
        "R² nears 0.99.",
        **{**_SEQUENCE_TRAINING, "data.name": "sine-next", "data.noise": 0.2, "model.layers": [_recurrent("rnn")],
           "train.epochs": 10},
    ),
    _preset(
        "adding-rnn", "The adding problem over 30 steps: sum the two values marked somewhere in the sequence. A plain "
        "RNN cannot carry them that far: its loss stays near 1, no better than predicting the mean (R² near 0); "
        "compare adding-lstm.",
        **{**_ADDING, "model.layers": [_recurrent("rnn")]},
    ),
    _preset(
        "adding-lstm", "The same adding problem with an LSTM of the same size: its gated cell keeps the marked "
        "values, and the loss falls far below the mean's 1 (R² above 0.99) where the plain RNN (adding-rnn) stays.",
        **{**_ADDING, "model.layers": [_recurrent("lstm")]},
    ),
    _preset(
        "parity-gru", "Is the number of ones among 8 random bits odd? A GRU's loss sits at ln 2 ≈ 0.69 (a coin "
        "toss) for many epochs, then drops suddenly to near 0 once it has found the running parity.",
        **{**_SEQUENCE_TRAINING, "data.name": "parity", "data.sequence_length": 8, "model.layers": [_recurrent("gru")],
           "train.epochs": 60},
    ),
    _preset(
        "patterns-lstm", "Which pattern (step, pulse, spike, ramp or wave) hides somewhere in 32 noisy steps? An "
        "LSTM names it wherever it sits: test accuracy passes 95% within a few epochs. In Neurons, pick a test "
        "sequence and watch the answer jump as the pattern goes by. Try a plain RNN (the layer's ⋮ menu): it "
        "stalls near 50%, and Gradients → Gradient through time shows why.",
        **{**_SEQUENCE_TRAINING, "data.name": "patterns", "data.noise": 0.3, "model.layers": [_recurrent("lstm")],
           "train.epochs": 15},
    ),
    _preset(
        "copy-transformer", "A Transformer copies 12 random letters, a letter out at every position: test token "
        "accuracy reaches 100% within a few epochs. Its attention maps (Neurons tab) stay blurred: each block passes "
        "its input on around the attention, so copying needs none; compare reverse-transformer.",
        **{**_TOKENS_TRAINING, "data.name": "copy", "train.epochs": 6},
    ),
    _preset(
        "reverse-transformer", "The same Transformer writes 12 random letters backwards: every position must read "
        "its mirror image, found through the learned positions. Watch the attention maps (Neurons tab) turn "
        "from a blur into an anti-diagonal as the test token accuracy climbs to 100%.",
        **{**_TOKENS_TRAINING, "data.name": "reverse", "train.epochs": 12},
    ),
    _preset(
        "text-lstm", "An LSTM of 128 reads 32 characters of Alice in Wonderland and predicts the next: the loss "
        "falls from ln 33 ≈ 3.5 (a uniform guess) to about 2 on held-out text, and the sample (top right) turns "
        "from random letters into word-like English; move the temperature (0: the likeliest character, loops; "
        "1: the model's own odds; 1.5: noise). Train longer and the test loss turns up: the text is small.",
        **{**_SEQUENCE_TRAINING, "data.name": "text-next-char", "data.n_samples": 8000,
           "model.layers": [_recurrent("lstm", hidden=128)], "train.batch_size": 64, "train.epochs": 8},
    ),
    _preset(
        "digits-autoencoder", "Handwritten digits squeezed through 2 numbers and rebuilt (64 -> 64 -> 2 -> 64 -> 64), "
        "never shown a label: the latent space (beside the network) sorts the digits into clusters by itself, and "
        "the reconstruction error falls well below PCA's with 2 axes (Evaluation tab).",
        **{**_AUTOENCODER_TRAINING, "data.name": "digits", "model.layers": _autoencoder(64), "train.epochs": 100},
    ),
    _preset(
        "digits-vae", "The same digits through a variational code: a gaussian per digit, sampled while training "
        "and pulled towards N(0, 1). The latent space is rounder and centred, and codes drawn from N(0, 1) decode "
        "into digit-like images (Neurons tab); raise the KL weight (the latent layer's ⋮) to see them blur.",
        **{**_AUTOENCODER_TRAINING, "data.name": "digits", "model.layers": _autoencoder(64, variational=True),
           "train.epochs": 100},
    ),
    _preset(
        "swissroll-autoencoder", "A rolled-up sheet in 3-D squeezed into 2 numbers and rebuilt: the network's "
        "reconstruction error ends far below PCA's, which can only flatten the roll (Evaluation tab: the rebuilt "
        "points lie on the roll). The latent space, coloured by how far along the roll each point lies, shows how "
        "the network cut the sheet to lay it flat: seldom in one piece, for reconstruction alone does not ask that.",
        **{**_AUTOENCODER_TRAINING, "data.name": "swissroll-3d", "data.n_samples": 1500, "data.noise": 0.2,
           "model.layers": _autoencoder(64, 64), "train.batch_size": 32, "train.epochs": 100},
    ),
    _preset(
        "sine-regression", "Fit a noisy sine curve on one input: regression with mean squared error.",
        **{"data.name": "sine", "data.noise": 0.1, "model.layers": _layers(16, 16),
           "train.optimizer.name": "adam", "train.optimizer.lr": 0.01, "train.epochs": 60},
    ),
    _preset(
        "backprop", "A tiny network (2 inputs, 2 tanh units, 1 output) on two gaussian clouds, small enough to "
        "follow one example's numbers forward and back (the backpropagation lesson shows them).",
        **{"data.name": "gauss", "model.layers": _layers(2), "train.epochs": 20},
    ),
    _preset(
        "learning-rate", "Plain gradient descent (SGD, learning rate 0.1) fits a plane, a linear target of x1 "
        "and x2: R² near 1 within 50 epochs. Try 0.001 (it creeps) and 1 (it diverges, and the status says so).",
        **{"data.name": "plane", "train.optimizer.lr": 0.1, "train.epochs": 50},
    ),
    _preset(
        "rare", "An unbalanced set, 1 point in 10 rare, and a network with no hidden layer: one straight line. "
        "Test accuracy is 94%, yet it finds under half of the rare points (Evaluation tab: recall, F1).",
        **{"data.name": "rare", "data.n_samples": 1000, "model.layers": [], "train.epochs": 30},
    ),
    _preset(
        "outliers", "A straight line fitted to points on y = 0.5x + 1, one in ten of them far above it: the "
        "mean squared error drags the line up towards them (slope ~0.78); try train.loss = mae, which barely moves.",
        **{"data.name": "outliers", "data.noise": 0.2, "model.layers": [], "train.loss": "mse",
           "train.optimizer.name": "adam", "train.optimizer.lr": 0.05, "train.epochs": 60},
    ),
    _preset(
        "wide-mlp", "Digits through three wide layers of 256 ReLU units in batches of 256: enough arithmetic per "
        "update for a GPU to pay off (the GPU lesson times it on every device this machine has).",
        **{**_DIGITS_TRAINING, "model.layers": _layers(256, 256, 256, activation="relu"), "train.batch_size": 256,
           "train.epochs": 30},
    ),
    _preset(
        "vanishing-sigmoid", "Six sigmoid layers: the gradient shrinks layer by layer until the first "
        "layers barely move (see the gradient chart); try ReLU instead.",
        **{"data.name": "circle", "model.layers": _layers(8, 8, 8, 8, 8, 8, activation="sigmoid"),
           "train.epochs": 30},
    ),
    _preset(
        "overfit", "Few noisy points and a big network with no regularisation: train loss keeps falling "
        "while test loss climbs.",
        **{"data.name": "moons", "data.n_samples": 60, "data.noise": 0.5,
           "model.layers": _layers(64, 64, 64, activation="relu"),
           "train.optimizer.name": "adam", "train.optimizer.lr": 0.001, "train.epochs": 300},
    ),
    _preset(
        "gan-ring", "A GAN learns a ring of eight gaussians: with the least-squares loss the generated points spread "
        "over all eight modes within a few hundred steps (see the modes covered under Evaluation).",
        **{**_GAN_RING, "train.loss": "least_squares", "train.epochs": 60},
    ),
    _preset(
        "gan-mode-collapse", "Mode collapse: the generator learns ten times faster than the discriminator (Adam at "
        "0.01, beta1 0.9), so all its points jump together to wherever D is weakest and hop from mode to mode, "
        "covering one or two of eight. Fix: the generator's learning rate to 0.001 and beta1 to 0.5 (or load "
        "gan-ring).",
        **{**_GAN_RING, "train.optimizer.lr": 0.01, "train.optimizer.beta1": 0.9, "train.epochs": 60},
    ),
    _preset(
        "gan-unbalanced", "A discriminator that wins: five D updates at 0.005 per G update at 0.0002, with the "
        "original minimax loss, whose gradient vanishes once D rejects every generated point; the generator "
        "never moves. Fix: the non-saturating loss, or one D step.",
        **{**_GAN_RING, "train.loss": "minimax", "train.discriminator_steps": 5,
           "train.discriminator_optimizer.lr": 0.005, "train.optimizer.lr": 0.0002, "train.epochs": 30},
    ),
    _preset(
        "symmetry-zeros", "Every weight starts at zero: all eight units get the same updates and stay "
        "identical copies, so the circle is never learned; set init to default to compare.",
        **{"data.name": "circle", "model.layers": _layers(8, activation="sigmoid"), "model.init": "zeros",
           "train.optimizer.lr": 0.3, "train.epochs": 60},
    ),
)

PRESETS: dict[str, Preset] = {p.name: p for p in _ALL}  # in menu order


def get_preset(name: str) -> Spec:
    """The Spec of preset `name`; SpecError(field="preset") naming the choices if unknown."""
    if name not in PRESETS:
        raise SpecError(f"unknown preset {excerpt(name)}; choose one of {', '.join(PRESETS)}", "preset")
    return PRESETS[name].spec
