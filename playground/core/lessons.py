"""Lessons: the ideas of an introduction to deep learning, one click each.

A lesson is a preset (a ready run), a few sentences on the idea, where to look while it trains
(`watch`, and the live view's tab that shows it), and one or two "try this" changes: overrides
applied to the lesson's preset, each saying what should happen. The Lessons page lists them; a
lesson opens in the Playground with its card above the charts. tests/test_lessons.py trains
every lesson's preset and every change, and checks that what the lesson says happens does.

A lesson whose preset is missing (its model family has not landed) is not listed: no dead links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import SpecError, excerpt
from .presets import PRESETS, get_preset
from .spec import Spec


@dataclass(frozen=True)
class Try:
    label: str  # the button
    overrides: Mapping[str, Any]  # dotted spec keys -> values, applied to the lesson's preset
    expect: str  # what should happen, said once it is applied


@dataclass(frozen=True)
class Lesson:
    slug: str  # its name in links: ?lesson=<slug>
    title: str
    preset: str
    idea: str  # 3-6 sentences
    watch: str  # what to look at while it trains
    tab: str  # the live view's tab that shows it: Curves, Weights, Gradients, Neurons, Evaluation
    tries: tuple[Try, ...] = field(default=())
    lab: bool = False  # the optimizer lab shows it too: the card links there
    panel: str = ""  # a view of its own under the card: "backprop" (one example by hand), "devices" (timing)

    def spec(self, attempt: int | None = None) -> Spec:
        """The lesson's run: its preset, with try number `attempt`'s changes (None: as it opens)."""
        spec = get_preset(self.preset)
        return spec if attempt is None else spec.with_overrides(**self.tries[attempt].overrides)


def _dense(*units: int, activation: str = "tanh", after: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Dense layers of these widths; `after`: a layer put after each (batch norm, dropout)."""
    layers: list[dict[str, Any]] = []
    for u in units:
        layers.append({"kind": "linear", "units": u, "activation": activation})
        if after:
            layers.append(dict(after))
    return layers


_ALL: tuple[Lesson, ...] = (
    Lesson(
        "neurons", "Neurons and layers", "circle",
        "Each hidden unit takes a weighted sum of its inputs and squashes it with its activation: on the "
        "plane, it draws one soft straight edge. The next layer mixes those edges into curves, and the output "
        "mixes them into the decision boundary. No single straight edge can enclose the disc in the middle; "
        "a few of them together can.",
        "The Neurons tab: each unit's map over the plane, beside the output's decision surface.",
        "Neurons",
        (Try("One hidden unit", {"model.layers": _dense(1)},
             "One straight edge cannot enclose a disc: the loss stays at ln 2 ≈ 0.69 and the accuracy at a coin toss."),
         Try("Three hidden units", {"model.layers": _dense(3)},
             "Three edges make a triangle around the disc: nearly every test point right.")),
    ),
    Lesson(
        "activations", "Activation functions", "circle",
        "Without an activation, a layer is a weighted sum, and a stack of weighted sums is still one weighted "
        "sum: the network can only draw a straight line, however many layers it has. The activation bends "
        "each unit's output. Which bend matters too: tanh learns this circle quickly, and the sigmoid, whose "
        "slope is at most a quarter of tanh's, slowly. A ReLU unit passes no gradient where it outputs 0, so "
        "a unit that is off over most of the plane learns only from the few points where it is on.",
        "The decision surface, and the loss curve in the Curves tab.",
        "Curves",
        (Try("Linear (no activation)", {"model.layers": _dense(4, 2, activation="identity")},
             "A straight boundary, whatever the layers: the loss stays at ln 2 ≈ 0.69."),
         Try("Sigmoid", {"model.layers": _dense(4, 2, activation="sigmoid")},
             "The same network learns far more slowly: in 100 epochs the loss barely leaves ln 2."),
         Try("ReLU", {"model.layers": _dense(4, 2, activation="relu")},
             "With only 4 and 2 units it gets stuck: a unit is on over a sliver of the plane only, and "
             "accuracy stalls well short of tanh's. Give it 8 and 8 units and it learns.")),
    ),
    Lesson(
        "losses", "Loss functions: what the loss counts", "outliers",
        "Training makes the loss small, so the loss decides what a good fit is. Mean squared error counts each "
        "error squared: a point 8 away weighs 64 times one 1 away, so a few outliers drag the whole line "
        "towards them. Mean absolute error counts errors by their size, so the line follows the many points "
        "and all but ignores the few. Huber is squared for small errors and absolute for large ones.",
        "The model's line over the points (top right): where it sits against the straight row of points.",
        "Curves",
        (Try("MAE", {"train.loss": "mae"},
             "The line lies on the row of points (slope 0.5, through 1): the outliers barely pull it. R², "
             "itself a squared measure, scores it lower all the same."),
         Try("Huber", {"train.loss": "huber"},
             "Between the two: large errors count by their size, so the outliers pull less than with MSE.")),
    ),
    Lesson(
        "backprop", "Backpropagation, one example by hand", "backprop",
        "Training is this, repeated: push an example forward through the network, measure the loss, send its "
        "gradient back, and move every weight a little against its gradient. Forward, each unit sums its "
        "inputs times their weights plus its bias (z) and squashes the sum (a). Backward, the chain rule: the "
        "gradient at a unit's output times the activation's slope is its dL/dz; times each input, that "
        "weight's gradient; summed back through the weights, the gradient of the layer before.",
        "The numbers under this card, for the example you pick, beside autograd's; press Step and they move.",
        "Weights",
        (Try("Learning rate 1", {"train.optimizer.lr": 1.0},
             "The same gradients, a step ten times as long: 'after a step' moves ten times as far."),),
        panel="backprop",
    ),
    Lesson(
        "learning-rate", "Gradient descent and the learning rate", "learning-rate",
        "Gradient descent moves every weight a step against its gradient, and the learning rate sets the "
        "step's size. Too small, and each step is safe but the loss creeps down. Too large, and the steps "
        "overshoot the valley they are meant to descend, each one landing higher than the last, until the "
        "numbers overflow. Between them is a rate that gets there fast.",
        "The loss curve (Curves tab) and the status line.",
        "Curves",
        (Try("Too small: 0.001", {"train.optimizer.lr": 0.001},
             "The loss creeps: after the same epochs it is still far above the good rate's."),
         Try("Too large: 1", {"train.optimizer.lr": 1.0},
             "The steps overshoot and grow: the loss becomes infinite within a couple of epochs, and the status "
             "says the run diverged and what to try.")),
    ),
    Lesson(
        "batch-size", "Epochs and batch size", "circle",
        "An epoch is one pass over the training data; the batch size is how many examples each update "
        "averages its gradient over. Small batches give many cheap, noisy updates an epoch; the full batch "
        "gives one smooth, exact update an epoch, so 100 epochs are only 100 steps. Most training sits in "
        "between.",
        "The loss curve (Curves tab), and the step count in the status line.",
        "Curves",
        (Try("Full batch (250)", {"train.batch_size": 250},
             "One update an epoch: after 100 epochs (100 steps) the loss has hardly moved from ln 2."),
         Try("One example at a time", {"train.batch_size": 1, "train.epochs": 30},
             "250 updates an epoch: solved within 30 epochs, on a noisier path.")),
    ),
    Lesson(
        "optimizers", "Optimizers", "spiral",
        "Plain gradient descent (SGD) takes the same size of step in every direction. Momentum keeps some of "
        "the last step, so it speeds along a long valley; RMSprop and Adam scale each weight's step by the "
        "size of its recent gradients, so flat directions get bigger steps. On the same start and the same "
        "batches, they take very different paths. The Optimizer lab races them side by side and draws their "
        "paths on test functions such as Rosenbrock's valley.",
        "The loss curve (Curves tab); then race them in the Optimizer lab.",
        "Curves",
        (Try("Adam", {"train.optimizer.name": "adam", "train.optimizer.lr": 0.01},
             "Adam gets the spiral's loss down sooner than SGD did."),),
        lab=True,
    ),
    Lesson(
        "overfitting", "Overfitting and early stopping", "overfit",
        "A big network and few, noisy points: it can learn the points by heart, noise and all. The train "
        "loss keeps falling, but from some epoch on the test loss, on points it never trained on, turns up: "
        "it is fitting the noise, not the pattern. Early stopping watches the test loss and stops when it has "
        "not improved for a while.",
        "The loss chart (Curves tab): train falls, test turns up after a few dozen epochs.",
        "Curves",
        (Try("Early stopping (patience 30)", {"train.early_stopping_patience": 30},
             "The run stops 30 epochs after the test loss's best, and the status names the best epoch."),),
    ),
    Lesson(
        "regularisation", "Regularisation: L2 and dropout", "overfit",
        "Regularisation makes memorising costly. L2 adds the sum of the squared weights to the loss, so "
        "every weight is pulled towards 0 unless it earns its size; dropout switches off a random part of "
        "the units at every step, so no unit can rely on another. Both keep the test loss down where the "
        "plain network overfits.",
        "The loss chart (Curves tab); and the weights' spread in the Weights tab.",
        "Curves",
        (Try("L2 0.01", {"train.l2": 0.01},
             "The test loss stays near its best instead of climbing; the weights stay small."),
         Try("Dropout 0.3", {"model.layers": _dense(64, 64, 64, activation="relu", after={"kind": "dropout",
                                                                                          "p": 0.3})},
             "The test loss climbs less than without it.")),
    ),
    Lesson(
        "vanishing-gradients", "Vanishing gradients", "vanishing-sigmoid",
        "Backpropagation multiplies the gradient by each layer's weights and by its activation's slope on "
        "the way back. A sigmoid's slope is at most 0.25, so after six sigmoid layers the first layers' "
        "gradient is a tiny fraction of the last one's, and they barely learn. ReLU's slope is 1 where it is "
        "on, and He (kaiming) initialisation keeps the signal's size from layer to layer.",
        "The Gradients tab: the gradient norm of each layer, first layer far below the last.",
        "Gradients",
        (Try("ReLU with He init", {"model.layers": _dense(8, 8, 8, 8, 8, 8, activation="relu"),
                                   "model.init": "kaiming"},
             "Every layer gets a gradient of a similar size, and the circle is learned."),),
    ),
    Lesson(
        "initialisation", "Initialisation and symmetry", "symmetry-zeros",
        "If every weight starts at zero, every hidden unit computes the same thing, gets the same gradient "
        "and makes the same update. So they stay identical copies forever, and eight units are as good as "
        "one. Random initial weights break the symmetry, so each unit can learn something different.",
        "The Neurons tab: all eight maps identical. The loss (Curves) never leaves ln 2.",
        "Neurons",
        (Try("Random (default) init", {"model.init": "default"},
             "The units start different, learn different edges, and the circle is learned."),),
    ),
    Lesson(
        "normalisation", "Normalisation", "vanishing-sigmoid",
        "Batch normalisation rescales each unit's outputs over the batch to mean 0 and spread 1, then lets "
        "the network learn its own scale and shift. Every layer then gets inputs of a steady size, whatever "
        "the layers before did. So a deep network of sigmoids, stuck without it, learns.",
        "The loss curve (Curves tab) and the Gradients tab.",
        "Curves",
        (Try("Batch norm after every layer", {"model.layers": _dense(8, 8, 8, 8, 8, 8, activation="sigmoid",
                                                                     after={"kind": "batchnorm"})},
             "The same six sigmoid layers learn the circle."),),
    ),
    Lesson(
        "gpu", "The GPU", "wide-mlp",
        "A GPU has thousands of simple cores that do multiply-adds at once, where a CPU has a few fast ones. "
        "Training is mostly multiplying matrices, so a big enough update keeps those cores busy and runs many "
        "times faster. A tiny network is the opposite case: each update is too little arithmetic to fill the "
        "GPU, and starting its work and copying to it costs more than it saves.",
        "The timing under this card: the same updates on the CPU and, where this machine has one, the GPU.",
        "Curves",
        (Try("A tiny network", {"model.layers": _dense(4, 2), "train.batch_size": 10},
             "Over 10 times less arithmetic an update: on the CPU it is far quicker, and a GPU has little to "
             "do (time it)."),),
        panel="devices",
    ),
    Lesson(
        "evaluation", "Evaluation: when accuracy is not enough", "rare",
        "On an unbalanced set accuracy flatters: nine points in ten are common, so calling every point common "
        "is already 90% right, and useless. Precision asks how many of the points called rare are rare; "
        "recall asks how many of the rare points were found; F1, their harmonic mean, is low when either is. "
        "A network with no hidden layer draws one straight line through the rare cluster: 94% accurate, yet it "
        "misses half the rare points. For regression, the same tab shows R² and each point's residual.",
        "The Evaluation tab: the confusion matrix, and precision, recall and F1 of each class beside the "
        "accuracy.",
        "Evaluation",
        (Try("Two hidden layers of 8", {"model.layers": _dense(8, 8)},
             "The network wraps the cluster: the rare class's recall about doubles, while accuracy gains only "
             "a few points."),),
    ),
    Lesson(
        "cnn", "Convolutional networks", "digits-cnn",
        "A convolution slides one small filter over the whole image, so a stroke is found wherever it is, "
        "with a handful of weights; pooling then shrinks the maps. A dense network of as many parameters sees "
        "64 unrelated pixels. On the same digits, the CNN gets more of the test images right.",
        "The Neurons tab: the filters, and what each layer makes of a test image.",
        "Neurons",
        (Try("A dense network of the same size", {"model.family": "mlp", "model.layers": _dense(50, activation="relu")},
             "50 ReLU units on the 64 pixels (3,760 weights against the CNN's 3,658, as the digits-mlp-matched "
             "preset): fewer test digits right."),),
    ),
    Lesson(
        "memory", "Memory: RNN and LSTM", "adding-rnn",
        "A recurrent network reads a sequence a step at a time, carrying a hidden state. Its gradient must "
        "travel back through every step, and in a plain RNN it shrinks at each one: what happened 20 steps "
        "ago cannot be learned. An LSTM adds a cell that gates let through untouched, so the gradient (and "
        "the memory) carries. The adding problem asks for two numbers marked far apart.",
        "The Gradients tab: the gradient through time, fading to the first steps; the Neurons tab: a "
        "sequence read step by step.",
        "Gradients",
        (Try("LSTM", {"model.layers.0.kind": "lstm"},
             "The loss falls far below the mean's 1, and the gradient through time reaches the first steps."),),
    ),
    Lesson(
        "gan", "Generative adversarial networks", "gan-ring",
        "A GAN is a game between two networks. The generator turns random noise into points; the "
        "discriminator learns to tell them from the real ones, and the generator learns from its gradient to "
        "fool it. When the game is balanced, the generated points spread over every part of the real data. "
        "When the generator learns too fast, it chases the discriminator's weak spot and all its points pile "
        "onto one or two of the eight clusters: mode collapse.",
        "The game beside the network: real and generated points over the discriminator's map; the modes "
        "covered in the Evaluation tab.",
        "Evaluation",
        (Try("The generator ten times faster", {"train.loss": "auto", "train.optimizer.lr": 0.01,
                                                "train.optimizer.beta1": 0.9},
             "Its points hop together between one or two clusters: mode collapse (the gan-mode-collapse "
             "preset)."),),
    ),
    Lesson(
        "autoencoder", "Autoencoders: learning without labels", "digits-autoencoder",
        "An autoencoder squeezes each example through a few numbers, its code, and rebuilds it from them; "
        "it is trained only to rebuild, never shown a label. To rebuild well, the code must keep what tells "
        "examples apart, so the digits sort themselves into clusters in the 2-D code space. PCA does the "
        "same with straight axes, and rebuilds worse. A variational autoencoder makes each code a small "
        "cloud pulled towards the origin, so codes drawn at random decode into new digits.",
        "The code space beside the network, coloured by the (unused) labels; PCA's beside it in Neurons.",
        "Neurons",
        (Try("Variational (a VAE)", {"model.layers": [{"kind": "linear", "units": 64, "activation": "relu"},
                                                      {"kind": "latent", "size": 2, "variational": True,
                                                       "kl_weight": 0.05}]},
             "A rounder, centred code space, and digits drawn from random codes (Neurons tab)."),),
    ),
    Lesson(
        "attention", "Attention", "reverse-transformer",
        "In a Transformer every position looks at every other one, with weights it computes from their "
        "contents (attention), several heads at once. To write a sequence backwards, each position must find "
        "its mirror image. It can only do that if it knows where it is, which the positional encoding tells "
        "it.",
        "The Neurons tab: the attention maps turning into an anti-diagonal as the accuracy climbs.",
        "Neurons",
        (Try("No positions", {"model.layers.0.positional": "none"},
             "Without positions every place looks the same: the accuracy stalls far below 100%."),),
    ),
)

LESSONS: dict[str, Lesson] = {lesson.slug: lesson for lesson in _ALL if lesson.preset in PRESETS}


def get_lesson(slug: str) -> Lesson:
    if slug not in LESSONS:
        raise SpecError(f"unknown lesson {excerpt(slug)}; choose one of {', '.join(LESSONS)}", "lesson")
    return LESSONS[slug]
