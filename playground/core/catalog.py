"""Names -> torch factories: activations, losses, optimizers, schedules, inits, layers.

Every choice a user can make is stored in the spec by name and looked up here, so a new
option is one entry. Each entry carries a one-line plain-language description and, where
it has one, a formula, for the UI to show next to the control.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .params import Param


@dataclass(frozen=True)
class Option:
    """One named choice. `params` are the settings it owns (may be empty)."""

    name: str
    label: str
    description: str
    formula: str = ""
    params: tuple[Param, ...] = ()
    build: Callable[..., Any] | None = field(default=None, compare=False, repr=False)


def _table(*options: Option) -> dict[str, Option]:
    return {o.name: o for o in options}


# --------------------------------------------------------------------------- activations

ACTIVATIONS = _table(
    Option("relu", "ReLU", "Passes positives, zeroes negatives; fast and the usual default.",
           "max(0, x)", build=nn.ReLU),
    Option("leaky_relu", "Leaky ReLU", "ReLU that lets a small slope through for negatives, so units never die.",
           "max(0.01·x, x)", build=nn.LeakyReLU),
    Option("elu", "ELU", "Smooth ReLU whose negative side saturates at -1.",
           "x if x > 0 else eˣ - 1", build=nn.ELU),
    Option("gelu", "GELU", "Smooth ReLU used in transformers: weights x by how likely it is positive.",
           "x·Φ(x)", build=nn.GELU),
    Option("silu", "SiLU (Swish)", "Smooth, self-gated ReLU.", "x·σ(x)", build=nn.SiLU),
    Option("sigmoid", "Sigmoid", "Squashes to (0, 1); saturates, so deep stacks lose their gradients.",
           "1 / (1 + e⁻ˣ)", build=nn.Sigmoid),
    Option("tanh", "Tanh", "Squashes to (-1, 1), centred on zero; the TensorFlow playground's default.",
           "(eˣ - e⁻ˣ) / (eˣ + e⁻ˣ)", build=nn.Tanh),
    Option("softplus", "Softplus", "A smooth ReLU that is never exactly zero.", "log(1 + eˣ)", build=nn.Softplus),
    Option("softsign", "Softsign", "Like tanh but approaches ±1 more slowly.", "x / (1 + |x|)", build=nn.Softsign),
    Option("identity", "Identity (linear)", "No non-linearity: stacked linear layers stay one linear map.",
           "x", build=nn.Identity),
)

# --------------------------------------------------------------------------- losses

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class LossOption(Option):
    tasks: tuple[str, ...] = TASKS
    why_not: str = ""  # shown when the loss does not fit the task


_GAN_LOSS_WHY_NOT = ("a GAN loss needs a GAN on unlabelled points; choose the GAN network type and a target "
                     "set (Ring of gaussians, ...), or another loss for labelled data")

LOSSES: dict[str, LossOption] = {
    o.name: o
    for o in (
        LossOption("mse", "Mean squared error", "Average squared distance to the target; punishes big misses hard.",
                   "mean((ŷ - y)²)", build=nn.MSELoss),
        LossOption("mae", "Mean absolute error (L1)", "Average distance to the target; robust to outliers.",
                   "mean(|ŷ - y|)", build=nn.L1Loss),
        LossOption("huber", "Huber", "Squared error near the target, absolute error far from it.",
                   "½(ŷ-y)² if |ŷ-y| < 1 else |ŷ-y| - ½", build=nn.HuberLoss),
        LossOption("bce", "Binary cross-entropy", "For two classes: the network outputs one logit, "
                   "squashed by a sigmoid into the probability of class 1.",
                   "-[y·log σ(z) + (1-y)·log(1-σ(z))]", build=nn.BCEWithLogitsLoss,
                   tasks=("binary",),
                   why_not="binary cross-entropy needs exactly two classes; use cross-entropy for more "
                           "classes or a regression loss (mse, mae, huber) for numeric targets"),
        LossOption("cross_entropy", "Cross-entropy", "For classes: one logit per class, softmax into "
                   "probabilities, and the loss is -log of the true class's probability.",
                   "-log softmax(z)_y", build=nn.CrossEntropyLoss, tasks=("binary", "multiclass", "tokens"),
                   why_not="cross-entropy needs class labels, but this data set is a regression task; "
                           "use mse, mae or huber"),
        # A GAN's losses (families/gan/losses.py computes them): the discriminator D scores real points
        # against generated ones, G(z), and the generator learns from D's score of its points.
        *(LossOption(name, label, description, formula, tasks=("generative",), why_not=_GAN_LOSS_WHY_NOT)
          for name, label, description, formula in (
            ("minimax", "GAN: original minimax", "Goodfellow's game: D maximises log D(x) + log(1 - D(G(z))), G "
             "minimises log(1 - D(G(z))), which gives G almost no gradient while D is winning.",
             "min_G max_D E log D(x) + E log(1 - D(G(z)))"),
            ("non_saturating", "GAN: non-saturating", "D as in minimax; G maximises log D(G(z)) instead, so it "
             "still learns when D rejects its points: the usual choice.", "G: min -E log D(G(z))"),
            ("least_squares", "GAN: least squares", "LSGAN: D regresses real points onto 1 and generated ones onto "
             "0, G pulls D's score of its points towards 1; gradients do not vanish far from the data.",
             "D: E (D(x) - 1)² + E D(G(z))²;  G: E (D(G(z)) - 1)²"),
        )),
    )
}

# "tokens": a class per position of a sequence (copy, reverse); only cross-entropy fits it.
DEFAULT_LOSS = {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse", "tokens": "cross_entropy",
                "generative": "non_saturating"}  # "generative": unlabelled points a GAN learns to make

# --------------------------------------------------------------------------- optimizers

def _lr(default: float) -> Param:
    return Param("lr", float, default, "Step size: how far each update moves the weights.",
                 1e-6, 10.0, log=True, label="learning rate")


_WD = Param("weight_decay", float, 0.0, "Shrinks weights toward zero every step (L2-style regularisation).",
            0.0, 1.0, label="weight decay")
_BETA1 = Param("beta1", float, 0.9, "Decay of the running mean of gradients (momentum).", 0.0, 0.9999, label="β₁")
_BETA2 = Param("beta2", float, 0.999, "Decay of the running mean of squared gradients.", 0.0, 0.99999, label="β₂")


def _eps(default: float) -> Param:
    return Param("eps", float, default, "Added to the denominator so it is never zero.", 1e-12, 1.0, log=True,
                 label="ε")


_AMSGRAD = Param("amsgrad", bool, False, "Use the maximum of past squared-gradient averages (AMSGrad).")
_MOMENTUM = Param("momentum", float, 0.0, "Fraction of the previous update carried into this one.", 0.0, 0.999)

# Settings whose torch name differs from ours: (beta1, beta2) -> betas.
_TORCH_NAME = {"beta1": ("betas", 0), "beta2": ("betas", 1)}


def optimizer_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Our flat settings -> torch.optim keyword arguments (beta1, beta2 -> betas)."""
    kwargs: dict[str, Any] = {}
    betas = [None, None]
    for key, value in params.items():
        if key in _TORCH_NAME:
            betas[_TORCH_NAME[key][1]] = value
        else:
            kwargs[key] = value
    if betas[0] is not None:
        kwargs["betas"] = (betas[0], betas[1])
    return kwargs


OPTIMIZERS = _table(
    Option("sgd", "SGD", "Plain stochastic gradient descent, with optional momentum and Nesterov look-ahead.",
           "v ← μv + g;  w ← w - η·v",
           # 0.1, not the TensorFlow playground's 0.03: our inputs are standardised (σ = 1, not
           # ±6), and at 0.03 its default circle still misses a fifth of the points after 100 epochs.
           (_lr(0.1), _MOMENTUM,
            Param("nesterov", bool, False, "Evaluate the gradient after the momentum step (needs momentum > 0)."),
            _WD), build=torch.optim.SGD),
    Option("adam", "Adam", "Per-weight step sizes from running averages of the gradient and its square.",
           "m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  w ← w - η·m̂/(√v̂ + ε)",
           (_lr(0.001), _BETA1, _BETA2, _eps(1e-8), _WD, _AMSGRAD), build=torch.optim.Adam),
    Option("adamw", "AdamW", "Adam with weight decay applied directly to the weights (decoupled).",
           "Adam step, then w ← w - η·λ·w",
           (_lr(0.001), _BETA1, _BETA2, _eps(1e-8),
            Param("weight_decay", float, 0.01, "Decoupled weight decay λ.", 0.0, 1.0, label="weight decay"),
            _AMSGRAD), build=torch.optim.AdamW),
    Option("rmsprop", "RMSprop", "Divides each step by a running root-mean-square of recent gradients.",
           "v ← αv + (1-α)g²;  w ← w - η·g/(√v + ε)",
           (_lr(0.01),
            Param("alpha", float, 0.99, "Decay of the running mean of squared gradients.", 0.0, 0.9999, label="α"),
            _eps(1e-8), _MOMENTUM,
            Param("centered", bool, False, "Normalise by the variance of the gradient instead of its second moment."),
            _WD), build=torch.optim.RMSprop),
    Option("adagrad", "Adagrad", "Step sizes shrink for weights that have had large gradients so far.",
           "G ← G + g²;  w ← w - η·g/(√G + ε)",
           (_lr(0.01), Param("lr_decay", float, 0.0, "Learning-rate decay per step.", 0.0, 1.0, label="lr decay"),
            _eps(1e-10), _WD,
            Param("initial_accumulator_value", float, 0.0, "Starting value of the squared-gradient sum.", 0.0, 10.0,
                  label="initial accumulator")), build=torch.optim.Adagrad),
    Option("adadelta", "Adadelta", "Adagrad variant with a running window instead of a growing sum; "
           "needs little tuning of the learning rate.",
           "Δw = -√(u+ε)/√(v+ε)·g;  w ← w + η·Δw",
           (_lr(1.0), Param("rho", float, 0.9, "Decay of the running averages.", 0.0, 0.9999, label="ρ"),
            _eps(1e-6), _WD), build=torch.optim.Adadelta),
    Option("nadam", "NAdam", "Adam with Nesterov momentum.",
           "Adam with a Nesterov look-ahead on m",
           (_lr(0.002), _BETA1, _BETA2, _eps(1e-8), _WD,
            Param("momentum_decay", float, 0.004, "Schedule of the momentum factor.", 0.0, 1.0,
                  label="momentum decay")),
           build=torch.optim.NAdam),
)


def check_optimizer_params(name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-setting rules torch would otherwise raise on, as (field, message) pairs."""
    if name == "sgd" and params.get("nesterov") and params.get("momentum", 0.0) <= 0.0:
        return [("nesterov", "Nesterov needs momentum above 0; set momentum (0.9 is usual) or turn nesterov off")]
    return []


def build_optimizer(name: str, params: dict[str, Any], model_params, fused: bool = False) -> torch.optim.Optimizer:
    """fused: torch's one-kernel implementation where the optimizer has one for the parameters'
    device (SGD, Adam, AdamW and Adagrad on the CPU and CUDA), else the usual one. The same update,
    rounded differently, and on one small tensor ~40% cheaper a step (measured: torch 2.13, CPU);
    train/stacked.py uses it, where optimizer steps are most of a round."""
    kwargs = optimizer_kwargs(params)
    build = OPTIMIZERS[name].build
    if fused and "fused" in inspect.signature(build).parameters:
        try:
            return build(model_params, fused=True, **kwargs)
        except (RuntimeError, ValueError):  # no fused kernel for this device or dtype
            pass
    return build(model_params, **kwargs)


# --------------------------------------------------------------------------- learning-rate schedules
# Schedules are stepped once per batch; their settings are in epochs so they read naturally.

SCHEDULES = _table(
    Option("constant", "Constant", "The learning rate stays as set."),
    Option("step", "Step decay", "Multiply the learning rate by γ every few epochs.",
           "η·γ^⌊epoch / step⌋",
           (Param("step_epochs", float, 30.0, "Epochs between decays.", 0.01, 10000.0, label="every (epochs)"),
            Param("gamma", float, 0.5, "Factor applied at each decay.", 0.0, 1.0, label="γ"))),
    Option("exponential", "Exponential decay", "Multiply the learning rate by γ every epoch, smoothly.",
           "η·γ^epoch",
           (Param("gamma", float, 0.98, "Factor per epoch.", 0.0, 1.0, label="γ"),)),
    Option("cosine", "Cosine annealing", "Glide the learning rate down along a half cosine over the run.",
           "η_min + ½(η - η_min)(1 + cos(π·t/T))",
           (Param("min_lr_fraction", float, 0.0, "Final learning rate as a fraction of the initial one.", 0.0, 1.0,
                  label="final fraction"),)),
    Option("onecycle", "One-cycle", "Warm up to the learning rate, then anneal far below it (super-convergence).",
           "rise to η over pct_start of the run, then cosine down",
           (Param("pct_start", float, 0.3, "Fraction of the run spent warming up.", 0.01, 0.99,
                  label="warm-up fraction"),)),
)


def build_schedule(name: str, params: dict[str, Any], optimizer: torch.optim.Optimizer,
                   steps_per_epoch: int, total_steps: int):
    """A torch.optim.lr_scheduler stepped once per batch, or None for constant."""
    sched = torch.optim.lr_scheduler
    if name == "constant":
        return None
    if name == "step":
        step_size = max(1, round(params["step_epochs"] * steps_per_epoch))
        return sched.StepLR(optimizer, step_size=step_size, gamma=params["gamma"])
    if name == "exponential":
        return sched.ExponentialLR(optimizer, gamma=params["gamma"] ** (1.0 / steps_per_epoch))
    if name == "cosine":
        base = optimizer.param_groups[0]["lr"]
        return sched.CosineAnnealingLR(optimizer, T_max=max(1, total_steps), eta_min=base * params["min_lr_fraction"])
    if name == "onecycle":
        return sched.OneCycleLR(optimizer, max_lr=optimizer.param_groups[0]["lr"], total_steps=max(2, total_steps + 1),
                                pct_start=params["pct_start"])
    raise KeyError(name)


# --------------------------------------------------------------------------- weight initialisation

def _init_default(linear: nn.Linear, activation: str, std: float) -> None:
    linear.reset_parameters()


def _init_zeros(linear: nn.Linear, activation: str, std: float) -> None:
    nn.init.zeros_(linear.weight)
    nn.init.zeros_(linear.bias)


def _init_normal(linear: nn.Linear, activation: str, std: float) -> None:
    nn.init.normal_(linear.weight, 0.0, std)
    nn.init.zeros_(linear.bias)


def _gain_name(activation: str) -> str:
    # calculate_gain knows these; the rest are close enough to linear.
    return {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}.get(activation, "linear")


def _init_xavier(linear: nn.Linear, activation: str, std: float) -> None:
    nn.init.xavier_uniform_(linear.weight, gain=nn.init.calculate_gain(_gain_name(activation)))
    nn.init.zeros_(linear.bias)


def _init_kaiming(linear: nn.Linear, activation: str, std: float) -> None:
    nonlinearity = "leaky_relu" if activation == "leaky_relu" else "relu"
    nn.init.kaiming_normal_(linear.weight, nonlinearity=nonlinearity)
    nn.init.zeros_(linear.bias)


INITS = _table(
    Option("default", "PyTorch default", "Uniform in ±1/√fan_in (what nn.Linear does).", "U(-1/√n, 1/√n)",
           build=_init_default),
    Option("zeros", "Zeros", "Every weight 0: all units in a layer stay identical (the symmetry problem).",
           "w = 0", build=_init_zeros),
    Option("normal", "Normal", "Gaussian weights with the chosen standard deviation.", "w ~ N(0, σ²)",
           build=_init_normal),
    Option("xavier", "Xavier / Glorot", "Keeps signal variance steady through tanh and sigmoid layers.",
           "U(±gain·√(6/(n_in+n_out)))", build=_init_xavier),
    Option("kaiming", "He / Kaiming", "Keeps signal variance steady through ReLU layers.",
           "N(0, 2/n_in)", build=_init_kaiming),
)

# --------------------------------------------------------------------------- layers
# A layer kind takes the width coming in and returns (modules, width going out). Future
# kinds (conv, recurrent, attention) add an entry with their own params; the spec's
# LayerSpec(kind, params) needs no change.

MAX_UNITS = 256


def _build_linear(width_in: int, params: dict[str, Any]) -> tuple[list[nn.Module], int]:
    return [nn.Linear(width_in, params["units"]), ACTIVATIONS[params["activation"]].build()], params["units"]


def _build_dropout(width_in: int, params: dict[str, Any]) -> tuple[list[nn.Module], int]:
    return [nn.Dropout(params["p"])], width_in


def _build_batchnorm(width_in: int, params: dict[str, Any]) -> tuple[list[nn.Module], int]:
    return [nn.BatchNorm1d(width_in)], width_in


def _build_layernorm(width_in: int, params: dict[str, Any]) -> tuple[list[nn.Module], int]:
    return [nn.LayerNorm(width_in)], width_in


LAYERS = _table(
    Option("linear", "Dense", "A fully connected layer of units, each a weighted sum of all inputs, "
           "then the activation.", "h = act(W·x + b)",
           (Param("units", int, 4, "Number of neurons in this layer.", 1, MAX_UNITS),
            Param("activation", str, "tanh", "Non-linearity applied to each unit's sum.",
                  choices=tuple(ACTIVATIONS))), build=_build_linear),
    Option("dropout", "Dropout", "During training, zeroes each value with probability p (scaling the rest), "
           "so units cannot rely on each other.", "h = mask·x/(1-p)",
           (Param("p", float, 0.2, "Probability of dropping each value.", 0.0, 0.95),), build=_build_dropout),
    Option("batchnorm", "BatchNorm", "Normalises each feature over the batch, then rescales; "
           "steadies and speeds training.", "(x - μ_batch)/σ_batch·γ + β", build=_build_batchnorm),
    Option("layernorm", "LayerNorm", "Normalises each example over its features, then rescales.",
           "(x - μ_features)/σ_features·γ + β", build=_build_layernorm),
)

# --------------------------------------------------------------------------- image layers (the CNN family)

MAX_CHANNELS = 64

IMAGE_LAYERS = _table(
    Option("conv", "Conv", "Slides small filters over the image: each output channel is one filter's "
           "response at every position, then the activation.", "h = act(W ⋆ x + b)",
           (Param("channels", int, 8, "Number of filters (output channels).", 1, MAX_CHANNELS),
            Param("kernel", int, 3, "Filter size: kernel x kernel pixels.", 1, 7),
            Param("stride", int, 1, "Step between filter positions: 2 halves the image.", 1, 3),
            Param("padding", int, 1, "Zero pixels added around the image: kernel 3 with padding 1 keeps its size.",
                  0, 3),
            Param("activation", str, "relu", "Non-linearity applied to each output.", choices=tuple(ACTIVATIONS)))),
    Option("maxpool", "Max pool", "Keeps the largest value of each kernel x kernel window: a smaller image "
           "that cares less where a feature is.", "h = max over the window",
           (Param("kernel", int, 2, "Window size: kernel x kernel pixels, also the step between windows.", 2, 4),)),
    Option("avgpool", "Average pool", "Averages each kernel x kernel window: a smaller, smoother image.",
           "h = mean over the window",
           (Param("kernel", int, 2, "Window size: kernel x kernel pixels, also the step between windows.", 2, 4),)),
    LAYERS["batchnorm"], LAYERS["dropout"],
    LAYERS["linear"],  # after the image layers: the image is flattened into a vector first
)

# --------------------------------------------------------------------------- recurrent layers (the RNN family)

MAX_HIDDEN = 256
_HIDDEN = Param("hidden", int, 32, "Size of the hidden state: the memory carried from one step to the next.",
                1, MAX_HIDDEN, label="hidden size")
_BIDIRECTIONAL = Param("bidirectional", bool, False, "Also read the sequence backwards, with weights of its own; "
                       "each step's output joins both directions, so it is twice the hidden size.")

RECURRENT_LAYERS = _table(
    Option("rnn", "RNN", "A plain recurrent layer: each step mixes the input with the previous hidden state. "
           "Its gradient shrinks (or grows) with every step back, so it forgets long ago.",
           "hₜ = act(W·xₜ + U·hₜ₋₁ + b)",
           (_HIDDEN, Param("activation", str, "tanh", "Non-linearity of the hidden state (torch's RNN takes "
                           "tanh or relu).", choices=("tanh", "relu")), _BIDIRECTIONAL)),
    Option("lstm", "LSTM", "Long short-term memory: a cell state that gates write, keep and read, so "
           "information (and gradient) can last over many steps.",
           "cₜ = f⊙cₜ₋₁ + i⊙g;  hₜ = o⊙tanh(cₜ)", (_HIDDEN, _BIDIRECTIONAL)),
    Option("gru", "GRU", "Gated recurrent unit: an LSTM with fewer gates; an update gate blends the old "
           "state with a new candidate.", "hₜ = (1-z)⊙hₜ₋₁ + z⊙h̃ₜ", (_HIDDEN, _BIDIRECTIONAL)),
)
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # weight blocks per recurrent layer: torch stacks them in weight_ih/hh
SEQUENCE_LAYERS = _table(
    *RECURRENT_LAYERS.values(), LAYERS["dropout"],
    LAYERS["linear"],  # after the recurrent layers: on the last step's output
)

# --------------------------------------------------------------------------- transformer layers (its family)

MAX_WIDTH = 256
POSITIONAL = ("learned", "sinusoidal", "none")
TRANSFORMER_LAYERS = _table(
    Option("embedding", "Embedding", "Maps each step's input to a vector of the model width (on one-hot tokens: "
           "a learned vector per token), then adds a vector per position, so attention can tell places apart.",
           "hₜ = W·xₜ + b + pₜ",
           (Param("width", int, 32, "Model width d: the size of every token's vector through the blocks.", 2,
                  MAX_WIDTH, label="model width"),
            Param("positional", str, "learned", "How positions are encoded: a learned vector per position, fixed "
                  "sines and cosines of many wavelengths (Vaswani et al.), or none (then the blocks see a bag of "
                  "tokens).", choices=POSITIONAL, label="positional encoding"))),
    Option("encoder", "Encoder block", "Self-attention (every position looks at every other, through several heads), "
           "then a feed-forward layer at each position; each with a residual connection and LayerNorm.",
           "h ← norm(h + attn(h));  h ← norm(h + ff(h))",
           (Param("heads", int, 4, "Attention heads: each attends on its own slice of the width, which they "
                  "must divide.", 1, 16),
            Param("feedforward", int, 64, "Width of the feed-forward layer inside the block.", 1, 4 * MAX_WIDTH,
                  label="feed-forward width"),
            Param("dropout", float, 0.0, "Dropout on the attention weights and inside the block while training.",
                  0.0, 0.9),
            Param("causal", bool, False, "Each position may only attend to itself and earlier ones (what a "
                  "model that generates left to right needs)."))),
    LAYERS["linear"],  # after the blocks: a dense layer at every position
)

# --------------------------------------------------------------------------- autoencoder layers (its family)

MAX_LATENT = 32
AUTOENCODER_LAYERS = _table(
    LAYERS["linear"],  # before the latent layer: the encoder; after it: the decoder (none: the encoder mirrored)
    Option("latent", "Latent code", "The bottleneck: the encoder squeezes each example into this many numbers, "
           "and the decoder rebuilds the example from them alone. Variational: the code is a gaussian (a mean and "
           "a log-variance), sampled while training and pulled towards N(0, 1) by a KL term.",
           "z = W·h + b;  VAE: z = μ + σ·ε, ε ~ N(0, 1)",
           (Param("size", int, 2, "How many numbers the code has: 2 draws the latent space as it is.", 1, MAX_LATENT,
                  label="latent size"),
            Param("variational", bool, False, "A variational autoencoder (VAE): a mean and a log-variance per "
                  "latent number, a sampled code while training, and a KL term towards N(0, 1), so that codes "
                  "drawn from N(0, 1) decode into plausible examples."),
            Param("kl_weight", float, 0.05, "VAE only: how much the KL term (nats per example) counts against the "
                  "reconstruction loss: more gives a smoother, rounder latent space and blurrier reconstructions.",
                  0.0, 10.0, label="KL weight"))),
)

# --------------------------------------------------------------------------- model families

# The kinds of network a spec may ask for (model.family); families/ builds each. Named here,
# with their layer menus, so the spec can check a name without importing the builders.
FAMILIES = _table(
    Option("mlp", "Dense network (MLP)", "Fully connected layers on a vector of features: the TensorFlow "
           "playground's network."),
    Option("cnn", "Convolutional network (CNN)", "Convolutions and pooling on images, then dense layers: "
           "filters that learn to find strokes and shapes wherever they are."),
    Option("rnn", "Recurrent (RNN, LSTM, GRU)", "Layers that read a sequence step by step, carrying a hidden "
           "state forward, then dense layers on the last step's output."),
    Option("transformer", "Transformer (encoder)", "An embedding with positions, then blocks of self-attention "
           "and feed-forward layers, and a prediction at every position (copy, reverse)."),
    Option("gan", "GAN (generator + discriminator)", "Two dense networks in a game on unlabelled 2-D points: the "
           "generator turns noise into points, the discriminator tells them from the real ones."),
    Option("autoencoder", "Autoencoder (unsupervised)", "An encoder squeezes each example into a small latent "
           "code, a decoder rebuilds the example from it; trained to reconstruct its inputs (MSE, or MAE / Huber when "
           "chosen as the loss), never shown a label."),
)
# the layers each family's model.layers may hold
FAMILY_LAYERS = {"mlp": LAYERS, "cnn": IMAGE_LAYERS, "rnn": SEQUENCE_LAYERS, "transformer": TRANSFORMER_LAYERS,
                 "gan": {"linear": LAYERS["linear"]},  # a GAN's generator and discriminator: dense layers
                 "autoencoder": AUTOENCODER_LAYERS}
_CONV = {"kind": "conv", "kernel": 3, "padding": 1, "activation": "relu"}
# What a network of each family starts with when a spec names the family but no layers (a link,
# `--set model.family=cnn`, the page's network-type menu). The MLP's: ModelSpec.layers.
FAMILY_DEFAULT_LAYERS: dict[str, tuple[dict[str, Any], ...]] = {
    # digits-cnn's layers: two conv + max-pool blocks (8 and 16 filters), then 32 dense units.
    "cnn": ({**_CONV, "channels": 8}, {"kind": "maxpool", "kernel": 2}, {**_CONV, "channels": 16},
            {"kind": "maxpool", "kernel": 2}, {"kind": "linear", "units": 32, "activation": "relu"}),
    # an LSTM of 32 units, then 16 dense units on its last step
    "rnn": ({"kind": "lstm", "hidden": 32}, {"kind": "linear", "units": 16, "activation": "relu"}),
    # an embedding of width 32 with learned positions, then two encoder blocks of 4 heads
    "transformer": ({"kind": "embedding", "width": 32}, {"kind": "encoder", "heads": 4},
                    {"kind": "encoder", "heads": 4}),
    # the generator's: two ReLU layers of 32 units (the discriminator's: ModelSpec.discriminator)
    "gan": ({"kind": "linear", "units": 32, "activation": "relu"},
            {"kind": "linear", "units": 32, "activation": "relu"}),
    # 64 ReLU units, a latent code of 2, and the decoder mirrored: 64 ReLU units, the output
    "autoencoder": ({"kind": "linear", "units": 64, "activation": "relu"}, {"kind": "latent", "size": 2}),
}
NOISE = _table(  # what a GAN's generator draws its input z from (model.noise)
    Option("gaussian", "Gaussian", "Each noise input drawn from a standard normal distribution.", "z ~ N(0, I)"),
    Option("uniform", "Uniform", "Each noise input drawn evenly from -1 to 1.", "z ~ U(-1, 1)"),
)
# every layer kind of every family, by name
ALL_LAYERS = {**LAYERS, **IMAGE_LAYERS, **SEQUENCE_LAYERS, **TRANSFORMER_LAYERS, **AUTOENCODER_LAYERS}
