"""Pure toy-data generators: f(n, noise, rng) -> (X, y), in the TF playground's -6..6 square,
one of small images (shapes), and sequence tasks (sine-next, adding, parity; copy, reverse).

Every generator draws all its randomness from the `numpy.random.Generator` passed in,
so one seed rebuilds the same points. `noise` is in [0, 1]: 0 is clean, 0.5 is about
the TensorFlow playground's "noise 50" (its maximum), 1 is very noisy.

Labels: classification sets return int64 class ids 0..K-1; for the binary sets class 1
is the TF playground's positive (blue) class and class 0 its negative (orange) one.
Regression sets return float targets roughly in [-1.2, 1.2].

    X: (n, 2) float64 for plane sets, (n, 1) for the 1-D line set,
       (n, C*H*W) for an image set (its GeneratorInfo.image_shape; rows are row-major pixels),
       (n, T*F) for a sequence set (T steps of F features, step by step: t1's F values first)
    y: (n,) int64 for classification, float64 for regression,
       (n, T) int64 for a token task (a token id per position; task "tokens")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Generator = Callable[..., tuple[np.ndarray, np.ndarray]]

RADIUS = 6.0  # half-width of the square the 2-D sets live in (TF playground: -6..6)


def _halves(n: int) -> tuple[int, int]:
    """Points per class for a binary set: n//2 of class 0, the rest class 1."""
    return n // 2, n - n // 2


# --------------------------------------------------------------------------- binary classification

def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disc (class 1, r < 2.5) inside a ring (class 0, 3.5 < r < 5), like TF's circle.

    As in TF, noise jitters the position the label is read from, not the point itself,
    so noisy points near the gap get the other class.
    """
    radius = 5.0
    n0, n1 = _halves(n)
    r = np.concatenate([rng.uniform(radius * 0.7, radius, n0),  # ring
                        rng.uniform(0.0, radius * 0.5, n1)])  # disc
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)  # (n, 2)
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    y = (np.linalg.norm(X + jitter, axis=1) < radius * 0.5).astype(np.int64)
    return X, y


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Four quadrants: class 1 where x1·x2 >= 0 (TF's XOR), with a 0.3 gap at the axes."""
    padding = 0.3
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, padding, -padding)  # keep points off the axes
    jitter = rng.uniform(-5.0, 5.0, (n, 2)) * noise
    noisy = X + jitter
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)
    return X, y


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two gaussian clouds at (-2, -2) (class 0) and (2, 2) (class 1); noise widens them."""
    std = np.sqrt(0.5 + 7.0 * noise)  # TF: variance 0.5 .. 4 over its noise 0 .. 0.5
    n0, n1 = _halves(n)
    centers = np.concatenate([np.full((n0, 2), -2.0), np.full((n1, 2), 2.0)])
    X = centers + rng.normal(0.0, std, (n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return X, y


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of 1.75 turns out to radius 5 (class 1, and class 0 rotated by π)."""
    n0, n1 = _halves(n)
    frac = rng.uniform(0.0, 1.0, n)  # position along the spiral, 0 = centre
    offset = np.concatenate([np.full(n0, np.pi), np.zeros(n1)])
    r = frac * 5.0
    t = 1.75 * frac * 2 * np.pi + offset
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)  # (n, 2)
    X += rng.uniform(-1.0, 1.0, (n, 2)) * noise
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return X, y


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking half circles (scikit-learn's make_moons), scaled by 3 and centred."""
    n0, n1 = _halves(n)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # class 0: upper arc
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # class 1: lower arc
    X = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.0
    X += rng.normal(0.0, 1.5 * noise, (n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return X, y


def checkerboard(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A 4×4 board of 3×3 squares over -6..6; class = parity of the square. Noise jitters labels."""
    cell = 3.0
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    noisy = X + rng.uniform(-cell, cell, (n, 2)) * noise
    y = (np.floor(noisy[:, 0] / cell) + np.floor(noisy[:, 1] / cell)).astype(np.int64) % 2
    return X, y


# --------------------------------------------------------------------------- multiclass

RARE_SHARE = 0.1  # of the points in the rare class


def rare(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An unbalanced set: 90% common points in a wide cloud around the origin, 10% rare ones in a
    tight cluster at (2.5, 2.5) on its edge (noise widens it into the cloud). Calling every point
    common is already 90% accurate, which is why accuracy alone misleads here."""
    n1 = max(1, round(RARE_SHARE * n))
    n0 = n - n1
    common = rng.normal(0.0, 1.8, (n0, 2))
    rare_points = np.array([2.5, 2.5]) + rng.normal(0.0, 0.5 + 2.0 * noise, (n1, 2))
    X = np.clip(np.concatenate([common, rare_points]), -RADIUS, RADIUS)  # the few beyond, on the square's edge
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return X, y


def blobs(n: int, noise: float, rng: np.random.Generator, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """`classes` gaussian blobs with centres evenly spaced on a circle of radius 4."""
    y = np.arange(n, dtype=np.int64) % classes  # balanced: n//classes or one more each
    y = y[rng.permutation(n)]
    angle = 2 * np.pi * y / classes + np.pi / 4
    centers = 4.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    X = centers + rng.normal(0.0, 0.5 + 2.0 * noise, (n, 2))
    return X, y


# --------------------------------------------------------------------------- regression

def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = (x1 + x2) / 10 read at a jittered position (TF's "plane"); y in about [-1.2, 1.2]."""
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    noisy = X + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    y = noisy.sum(axis=1) / 10.0
    return X, y


BUMP_CENTERS = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]], dtype=np.float64)
BUMP_SIGNS = np.array([1, -1, 1, -1, 1, -1], dtype=np.float64)


def bumps(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sum of six ±1 gaussian bumps (width 1) at TF's "multi gaussian" centres; y in about [-1, 1]."""
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    noisy = X + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    d2 = ((noisy[:, None, :] - BUMP_CENTERS[None, :, :]) ** 2).sum(axis=2)  # (n, 6)
    y = (BUMP_SIGNS * np.exp(-d2 / 2.0)).sum(axis=1)
    return X, y


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """1-D: y = sin(x) + N(0, (0.5·noise)²) for x uniform in -6..6 (about two periods)."""
    x = rng.uniform(-RADIUS, RADIUS, (n, 1))  # (n, 1)
    y = np.sin(x[:, 0]) + rng.normal(0.0, 0.5 * noise, n)
    return x, y


OUTLIER_SHARE = 0.1  # of the points


def outliers(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """1-D: y = 0.5·x + 1 + N(0, (0.5·noise)²) for x uniform in -6..6, except one point in ten, on
    the right (x > 2), put 8 above the line: a fit that squares its errors is dragged up towards
    them, one that takes their size (MAE) barely moves."""
    x = rng.uniform(-RADIUS, RADIUS, (n, 1))  # (n, 1)
    y = 0.5 * x[:, 0] + 1.0 + rng.normal(0.0, 0.5 * noise, n)
    right = np.flatnonzero(x[:, 0] > 2.0)
    far = rng.choice(right, size=min(len(right), round(OUTLIER_SHARE * n)), replace=False)
    y[far] += 8.0
    return x, y


def swiss_roll_3d(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """3-D: a sheet rolled up (scikit-learn's make_swiss_roll): roll parameter t uniform in 1.5π..4.5π,
    height h uniform in 0..21, the point (t·cos t, h, t·sin t) plus N(0, noise²) on each coordinate.
    y is t, how far along the roll a point lies: a label no network is trained on (an autoencoder's
    latent space is coloured by it, to see whether the roll was unrolled). X (n, 3), y (n,) float64."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.uniform(0.0, 1.0, n))  # (n,)
    h = 21.0 * rng.uniform(0.0, 1.0, n)
    X = np.stack([t * np.cos(t), h, t * np.sin(t)], axis=1) + rng.normal(0.0, 1.0, (n, 3)) * noise
    return X, t


# --------------------------------------------------------------------------- images

SHAPE_SIZE = 16  # shapes are 1 x 16 x 16 grayscale images
SHAPE_NAMES = ("circle", "square", "triangle", "cross", "ring")


def _shape_masks(kind: np.ndarray, u: np.ndarray, v: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Inside tests in each image's own frame: u, v (n, H, W) pixel centres relative to the
    shape's centre, rotated by the shape's angle; r (n, 1, 1) its circumradius. -> (n, H, W) bool."""
    d = np.hypot(u, v)
    half = r / np.sqrt(2.0)  # the square's half side: its corners lie on the circle of radius r
    arm = 0.3 * r  # the cross's arms are 0.6·r wide and reach r from the centre
    # The triangle: equilateral, corners on radius r, so its edges lie r/2 from the centre,
    # with outward normals at 30°, 150° and 270°.
    normals = np.deg2rad([30.0, 150.0, 270.0])
    edge = np.max([u * np.cos(a) + v * np.sin(a) for a in normals], axis=0)
    inside = {
        "circle": d <= r,
        "square": np.maximum(np.abs(u), np.abs(v)) <= half,
        "triangle": edge <= r / 2,
        "cross": ((np.abs(u) <= arm) & (np.abs(v) <= r)) | ((np.abs(v) <= arm) & (np.abs(u) <= r)),
        "ring": (d <= r) & (d >= 0.55 * r),
    }
    k = kind[:, None, None]
    return np.select([k == i for i in range(len(SHAPE_NAMES))], [inside[name] for name in SHAPE_NAMES], False)


def shapes(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """16x16 grayscale images of five shapes, one class each (SHAPE_NAMES order): a filled
    circle, square, triangle and cross, and a ring. Each image draws its shape at its own
    size (circumradius 3.5..6.5 pixels), position (wholly inside the image) and rotation;
    a pixel is 1 where its centre is inside the shape, else 0, plus gaussian noise of standard
    deviation `noise`. Classes are balanced (n//5 or one more each), in shuffled order."""
    size, k = SHAPE_SIZE, len(SHAPE_NAMES)
    y = np.arange(n, dtype=np.int64) % k
    y = y[rng.permutation(n)]
    r = rng.uniform(3.5, 6.5, n)[:, None, None]  # (n, 1, 1)
    cx = rng.uniform(r[:, 0, 0], size - r[:, 0, 0])[:, None, None]
    cy = rng.uniform(r[:, 0, 0], size - r[:, 0, 0])[:, None, None]
    angle = rng.uniform(0.0, 2 * np.pi, n)[:, None, None]
    rows, cols = np.mgrid[0:size, 0:size] + 0.5  # pixel centres; row 0 is the top
    dx, dy = cols[None] - cx, (size - rows)[None] - cy  # (n, H, W), y pointing up
    u = dx * np.cos(angle) + dy * np.sin(angle)  # rotate by -angle into the shape's frame
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    X = _shape_masks(y, u, v, r).astype(np.float64).reshape(n, size * size)
    X += rng.normal(0.0, 1.0, X.shape) * noise
    return X, y


# --------------------------------------------------------------------------- sequences
# f(n, noise, rng, length) -> X (n, T*F) with T = length, y (n,). Each row is one sequence, its
# steps in order and each step's F features together, so X.reshape(n, T, F) is (batch, time, feature).

def sine_next(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """T samples of sin(ω·t + φ), t = 0..T-1, each with N(0, (0.5·noise)²) added; the target is the
    clean next sample, at t = T. ω (radians a step) is drawn in 0.15..0.6 (periods of about 10 to 42
    steps) and φ in 0..2π, per sequence, so the network must read both off the samples. F = 1."""
    omega = rng.uniform(0.15, 0.6, (n, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1))
    wave = np.sin(omega * np.arange(length + 1)[None, :] + phase)  # (n, T+1)
    X = wave[:, :length] + rng.normal(0.0, 0.5 * noise, (n, length))  # (n, T)
    return X, wave[:, length]


def adding(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997): T steps of (value, marker), values uniform
    in 0..1, markers 0 but for two 1s, one in the first half of the sequence and one in the second;
    the target is the sum of the two marked values. F = 2. Predicting the mean (1.0) leaves a
    variance of 1/6; to beat it the network must remember a value across up to T steps."""
    values = rng.uniform(0.0, 1.0, (n, length))
    half = length // 2
    first = rng.integers(0, half, n)  # in steps 0..T/2-1
    second = rng.integers(half, length, n)  # in steps T/2..T-1
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2).reshape(n, 2 * length)  # (n, T, 2) -> (n, T*2)
    return X, values[rows, first] + values[rows, second]


def parity(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """T random bits (0 or 1); the class is their parity (1: an odd number of ones). F = 1.
    Flipping any one bit flips the class, so no single step says anything on its own."""
    bits = rng.integers(0, 2, (n, length))
    return bits.astype(np.float64), (bits.sum(axis=1) % 2).astype(np.int64)


PATTERN_NAMES = ("step", "pulse", "spike", "ramp", "wave")


def patterns(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """A flat signal with one pattern in it, at a random place and height (0.5..1.5); the class is
    the pattern: a step up that stays, a square pulse (3..T/4 steps wide), a spike (one step), a
    ramp rising to the end, or a wave (two periods of a sine, 8 steps each). Gaussian noise of
    standard deviation 0.5·noise on every step. F = 1. Where it sits does not matter, only its
    shape: a network must recognise it wherever it comes. (Under 16 steps a wave is cut short.)"""
    y = rng.integers(0, len(PATTERN_NAMES), n)
    height = rng.uniform(0.5, 1.5, n)
    t = np.arange(length)[None, :]  # (1, T)
    start = rng.integers(1, max(2, length - 8), n)[:, None]  # (n, 1): room for a wave or pulse after it
    width = rng.integers(3, max(4, length // 4 + 1), n)[:, None]
    signal = np.select(
        [y[:, None] == k for k in range(len(PATTERN_NAMES))],
        [(t >= start) * 1.0,  # step
         ((t >= start) & (t < start + width)) * 1.0,  # pulse
         (t == start) * 1.0,  # spike
         np.clip((t - start) / np.maximum(length - 1 - start, 1), 0.0, 1.0),  # ramp
         ((t >= start) & (t < start + 16)) * np.sin(2 * np.pi * (t - start) / 8)],  # wave
    )  # (n, T)
    X = signal * height[:, None] + rng.normal(0.0, 0.5 * noise, (n, length))
    return X, y


# Token tasks: T tokens drawn uniformly from TOKENS; the target is a token per position (y: (n, T)
# int64 ids). X holds each token one-hot, so a row is T steps of V features (V = len(TOKENS)), like
# the other sequence sets; data sets keep them unstandardised 0/1, so a network's first linear map
# on them is an embedding table.
TOKENS = tuple("ABCDEFGH")


def _one_hot_tokens(n: int, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, T*V) one-hot float64, tokens (n, T) int64)."""
    tokens = rng.integers(0, len(TOKENS), (n, length))
    X = np.eye(len(TOKENS))[tokens].reshape(n, length * len(TOKENS))  # (n, T, V) -> (n, T*V)
    return X, tokens


def copy_tokens(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """T random tokens; the target at each position is the token there (y (n, T)). Easy for a
    network that looks at each position's own token: attention along the diagonal."""
    return _one_hot_tokens(n, rng, length)


def reverse_tokens(n: int, noise: float, rng: np.random.Generator, length: int) -> tuple[np.ndarray, np.ndarray]:
    """T random tokens; the target at position t is the token at T-1-t (y (n, T)): each position
    must look at its mirror image, so attention forms the anti-diagonal (it needs the positions)."""
    X, tokens = _one_hot_tokens(n, rng, length)
    return X, tokens[:, ::-1].copy()


def sequence_names(length: int, features: tuple[str, ...]) -> tuple[str, ...]:
    """Column names of a sequence set's rows: ('t1', 't2', ...) or ('t1 value', 't1 marker', ...)."""
    if len(features) == 1:
        return tuple(f"t{t + 1}" for t in range(length))
    return tuple(f"t{t + 1} {f}" for t in range(length) for f in features)


# --------------------------------------------------------------------------- unlabelled points (a GAN's targets)
# Task "generative": y is all zeros, for there are no classes; the points are what is learned.

RING_MODES = 8
RING_RADIUS = 4.0
GRID_SIDE = 5  # a 5 x 5 grid of gaussians
GRID_SPACING = 2.0


def ring_centers() -> np.ndarray:
    """(8, 2) the centres of the ring's gaussians, on a circle of radius 4."""
    angle = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def grid_centers() -> np.ndarray:
    """(25, 2) the centres of the grid's gaussians, 2 apart from -4 to 4."""
    ticks = GRID_SPACING * (np.arange(GRID_SIDE) - (GRID_SIDE - 1) / 2)
    return np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)


def _mixture(centers: np.ndarray, std: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) points from equal gaussians at `centers` (K, 2), each mode n//K or one more points."""
    mode = rng.permutation(np.arange(n) % len(centers))
    return centers[mode] + rng.normal(0.0, std, (n, 2))


def _unlabelled(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return X, np.zeros(len(X), np.int64)


def ring(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight gaussians on a circle of radius 4 (GAN Lab's and Metz et al.'s ring); noise widens them."""
    return _unlabelled(_mixture(ring_centers(), 0.2 + 0.8 * noise, n, rng))


def grid(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A 5 x 5 grid of gaussians 2 apart; noise widens them."""
    return _unlabelled(_mixture(grid_centers(), 0.15 + 0.5 * noise, n, rng))


def line(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points along a straight segment from (-4, -3) to (4, 3), jittered across by the noise."""
    t = rng.uniform(-1.0, 1.0, (n, 1))
    return _unlabelled(t * np.array([4.0, 3.0]) + rng.normal(0.0, 0.05 + noise, (n, 2)))


def moon_points(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two moons' points, without their labels."""
    return _unlabelled(moons(n, noise, rng)[0])


def spiral_points(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two spirals' points, without their labels."""
    return _unlabelled(spiral(n, noise, rng)[0])


def swiss_roll(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 2-D swiss roll (t·cos t, t·sin t for t in 1.5π..4.5π), scaled to radius 5."""
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(0.0, 1.0, n))
    X = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) * (5.0 / (4.5 * np.pi))
    return _unlabelled(X + rng.normal(0.0, 0.05 + 0.5 * noise, (n, 2)))


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class GeneratorInfo:
    fn: Generator
    label: str
    description: str
    task: str  # "binary" | "multiclass" | "regression" | "tokens" (a class per position: y (n, T)) | "generative"
    geometry: str = "plane"  # "plane" | "line" | "table" (an image set)
    class_names: tuple[str, ...] = field(default=())
    uses_classes: bool = False
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) of an image set's rows
    sequence_features: tuple[str, ...] = ()  # a sequence set's F features per step (empty: not sequences)
    sequence_length: int = 0  # a sequence set's T when data.sequence_length is 0
    uses_noise: bool = True
    columns: tuple[str, ...] = ()  # a table set's column names (empty: x1, x2 of a plane set)


GENERATORS: dict[str, GeneratorInfo] = {
    "circle": GeneratorInfo(circle, "Circle", "A disc of one class inside a ring of the other.", "binary",
                            class_names=("ring", "disc")),
    "xor": GeneratorInfo(xor, "Exclusive or", "Four quadrants: the class is whether x1 and x2 have the same sign.",
                         "binary", class_names=("signs differ", "signs agree")),
    "gauss": GeneratorInfo(gauss, "Gaussian", "Two gaussian clouds; noise makes them overlap.", "binary",
                           class_names=("lower left", "upper right")),
    "spiral": GeneratorInfo(spiral, "Spiral", "Two interleaved spirals: hard without extra features or layers.",
                            "binary", class_names=("spiral B", "spiral A")),
    "moons": GeneratorInfo(moons, "Two moons", "Two interlocking half circles.", "binary",
                           class_names=("upper moon", "lower moon")),
    "checkerboard": GeneratorInfo(checkerboard, "Checkerboard", "A 4×4 board: the class alternates square by square.",
                                  "binary", class_names=("dark", "light")),
    "rare": GeneratorInfo(rare, "Rare class", "An unbalanced set: a rare class (10% of the points) in a tight cluster "
                          "at the edge of a wide cloud of common points.", "binary", class_names=("common", "rare")),
    "blobs": GeneratorInfo(blobs, "Blobs", "Gaussian blobs, one per class (set the number of classes).",
                           "multiclass", uses_classes=True),
    "plane": GeneratorInfo(plane, "Plane (regression)", "The target is a linear function of x1 and x2.",
                           "regression"),
    "bumps": GeneratorInfo(bumps, "Bumps (regression)", "The target is a sum of six positive and negative "
                           "gaussian bumps.", "regression"),
    "sine": GeneratorInfo(sine, "Sine (1-D regression)", "Fit a noisy sine curve y = sin(x) on one input.",
                          "regression", geometry="line"),
    "outliers": GeneratorInfo(outliers, "Line with outliers (1-D regression)", "A straight line y = 0.5x + 1 with "
                              "one point in ten far above it on the right.", "regression", geometry="line"),
    "shapes": GeneratorInfo(shapes, "Shapes (16×16 images)", "Small drawn images of a circle, square, triangle, "
                            "cross or ring at random sizes, places and angles; noise adds pixel noise.",
                            "multiclass", geometry="table", class_names=SHAPE_NAMES,
                            image_shape=(1, SHAPE_SIZE, SHAPE_SIZE)),
    "swissroll-3d": GeneratorInfo(swiss_roll_3d, "Swiss roll (3-D)", "Points on a rolled-up sheet in 3-D, "
                                  "labelled by how far along the roll they lie (for colour: an autoencoder learns "
                                  "without it).", "regression", geometry="table", columns=("x", "y", "z")),
    "sine-next": GeneratorInfo(sine_next, "Sine, next value (sequences)", "Noisy samples of a sine wave of random "
                               "phase and frequency: predict the next value.", "regression", geometry="table",
                               sequence_features=("x",), sequence_length=20),
    "adding": GeneratorInfo(adding, "Adding problem (sequences)", "Steps of a value and a marker: the target is "
                            "the sum of the two marked values, however far back they were.", "regression",
                            geometry="table", sequence_features=("value", "marker"), sequence_length=30,
                            uses_noise=False),
    "patterns": GeneratorInfo(patterns, "Pattern in a signal (sequences)", "A noisy signal holding one pattern "
                              "(step, pulse, spike, ramp or wave) somewhere: which one is it?", "multiclass",
                              geometry="table", class_names=PATTERN_NAMES, sequence_features=("signal",),
                              sequence_length=32),
    "parity": GeneratorInfo(parity, "Parity (sequences)", "A sequence of random bits: is the number of ones odd?",
                            "binary", geometry="table", class_names=("even", "odd"), sequence_features=("bit",),
                            sequence_length=8, uses_noise=False),
    "copy": GeneratorInfo(copy_tokens, "Copy tokens (sequences)", "A short sequence of random letters A-H: "
                          "output the same letter at every position.", "tokens", geometry="table",
                          class_names=TOKENS, sequence_features=TOKENS, sequence_length=8, uses_noise=False),
    "reverse": GeneratorInfo(reverse_tokens, "Reverse tokens (sequences)", "A short sequence of random letters "
                             "A-H: output it backwards, a letter at every position.", "tokens", geometry="table",
                             class_names=TOKENS, sequence_features=TOKENS, sequence_length=8, uses_noise=False),
    "ring": GeneratorInfo(ring, "Ring of gaussians (GAN)", "Unlabelled points in eight gaussians on a circle: a GAN "
                          "that learns them all has escaped mode collapse.", "generative"),
    "grid": GeneratorInfo(grid, "Grid of gaussians (GAN)", "Unlabelled points in 25 gaussians on a 5 x 5 grid.",
                          "generative"),
    "line": GeneratorInfo(line, "Line (GAN)", "Unlabelled points along a straight segment.", "generative"),
    "moon-points": GeneratorInfo(moon_points, "Two moons, unlabelled (GAN)", "The two moons' points without their "
                                 "classes.", "generative"),
    "spiral-points": GeneratorInfo(spiral_points, "Spiral, unlabelled (GAN)", "The two spirals' points without "
                                   "their classes.", "generative"),
    "swissroll": GeneratorInfo(swiss_roll, "Swiss roll (GAN)", "Unlabelled points along a rolled-up band.",
                               "generative"),
}


def generate(name: str, n: int, noise: float, rng: np.random.Generator, classes: int = 3, length: int = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """Run generator `name`; only blobs takes `classes`, only a sequence set `length` (0: its own)."""
    info = GENERATORS[name]
    if info.sequence_features:
        return info.fn(n, noise, rng, length=length or info.sequence_length)
    if info.uses_classes:
        return info.fn(n, noise, rng, classes=classes)
    return info.fn(n, noise, rng)


def mode_centers(name: str) -> np.ndarray | None:
    """(K, 2) the centres of a mixture target's gaussians (ring, grid), for counting the modes a GAN
    covers; None for the other sets."""
    return {"ring": ring_centers, "grid": grid_centers}[name]() if name in ("ring", "grid") else None
