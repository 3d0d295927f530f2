"""What an autoencoder shows of itself while it trains: the latent codes of the test points (coloured
by the labels it never saw), its reconstructions beside the originals, decoded images along straight
lines between the codes of chosen test examples, a VAE's decoded samples from its prior N(0, 1), and
PCA on the same data at the same size, the linear baseline it should beat. Computed by the trainer
with the other pictures (Trainer.compute_visuals, module in eval mode) as plain arrays; charts.py
draws them.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import nn

from ...data.datasets import Dataset
from .model import halves
from .system import reconstruction_loss

SHOWN_IMAGES = 12  # test images shown with their reconstructions
STEPS = 8  # decoded images along an interpolation, both ends included
ANCHORS = 10  # test examples an interpolation may run between: the first of each class (image data)
PRIOR_SAMPLES = 16  # a VAE's codes drawn from N(0, 1) and decoded (images); points: PRIOR_POINTS
PRIOR_POINTS = 300
PRIOR_SEED = 0  # the same draws at every redraw, so what changes is the decoder, not the noise


@dataclass(frozen=True)
class Baseline:
    """PCA fitted on the training inputs with as many components as the latent code has numbers.

    components: how many (the latent size, at most the inputs' count)
    codes:      (N_test, 2) the test points on the first two principal axes (one axis: a zero second)
    error:      its test reconstruction error, in the train loss's units (the autoencoder's reconstruction)
    """

    components: int
    codes: np.ndarray
    error: float


@dataclass(frozen=True)
class AutoencoderViews:
    """codes:            (N_test, L) every test point's code (a VAE's mean)
    variational:      whether the code is a VAE's
    originals:        (K, F) test examples in the data's own values (images: the first SHOWN_IMAGES; points: all)
    reconstructions:  (K, F) what the network rebuilds of them, in the same units
    anchors:          (A,) test rows an interpolation runs between (image data; empty for points)
    interpolations:   (A, A, STEPS, F) decoded along the line from anchor i's code to anchor j's (i < j filled)
    prior:            (S, F) decoded codes drawn from N(0, 1) (a VAE), else None
    baseline:         PCA at the same size
    """

    codes: np.ndarray
    variational: bool
    originals: np.ndarray
    reconstructions: np.ndarray
    anchors: np.ndarray
    interpolations: np.ndarray | None
    prior: np.ndarray | None
    baseline: Baseline


_BASELINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # dataset -> {(components, loss): Baseline}


def pca_baseline(dataset: Dataset, components: int, loss_name: str) -> Baseline:
    """PCA (scikit-learn's, an exact SVD) with `components` axes fitted on the training inputs; its
    test reconstruction error under the autoencoder's reconstruction loss. Fitted once per data set
    and size: the data does not change while a run trains."""
    cache = _BASELINES.setdefault(dataset, {})
    key = (components, loss_name)
    if key not in cache:
        k = max(1, min(components, dataset.n_inputs, len(dataset.x_train)))
        pca = PCA(n_components=k, svd_solver="full").fit(dataset.x_train)
        projected = pca.transform(dataset.x_test)  # (N_test, k)
        rebuilt = pca.inverse_transform(projected).astype(np.float32)  # (N_test, F)
        error = reconstruction_loss(loss_name)(torch.from_numpy(rebuilt), torch.from_numpy(dataset.x_test))
        codes = np.hstack([projected, np.zeros((len(projected), 2))])[:, :2]  # one axis: a zero second
        cache[key] = Baseline(k, codes, float(error))
    return cache[key]


def first_of_each_class(y: np.ndarray, limit: int = ANCHORS) -> np.ndarray:
    """(A,) the first row of each class in class order, at most `limit` of them."""
    return np.array([int(np.flatnonzero(y == k)[0]) for k in np.unique(y)[:limit]], dtype=np.int64)


@torch.no_grad()
def autoencoder_views(module: nn.Sequential, dataset: Dataset, x_test: torch.Tensor, head, t_test=None
                      ) -> AutoencoderViews:
    """The views of `module` (in eval mode: the caller sets it) on the test split. (`t_test`, the
    seam's, is not needed: nothing here looks at targets.)"""
    encoder, code, decoder = halves(module)
    codes = code(encoder(x_test))  # (N, L): the mean of a VAE's code
    unscale = dataset.featurize.unstandardize  # model inputs -> the data's own values (pixels, coordinates)
    images = dataset.image_shape is not None
    shown = slice(0, SHOWN_IMAGES) if images else slice(None)
    originals = dataset.x_test[shown]
    rebuilt = decoder(codes[shown]).cpu().numpy()  # (K, F)
    anchors = np.zeros(0, dtype=np.int64)
    interpolations = None
    if images and dataset.task != "regression":
        anchors = first_of_each_class(dataset.y_test)
        ends = codes[torch.as_tensor(anchors, device=codes.device)]  # (A, L)
        weight = torch.linspace(0.0, 1.0, STEPS, device=codes.device)[:, None]  # (S, 1)
        paths = ends[:, None, None, :] * (1 - weight) + ends[None, :, None, :] * weight  # (A, A, S, L)
        a = len(anchors)
        interpolations = unscale(decoder(paths.reshape(a * a * STEPS, -1)).cpu().numpy()).reshape(a, a, STEPS, -1)
    prior = None
    if code.variational:
        draws = torch.randn(PRIOR_SAMPLES if images else PRIOR_POINTS, code.size,
                            generator=torch.Generator().manual_seed(PRIOR_SEED)).to(codes.device)  # (S, L)
        prior = unscale(decoder(draws).cpu().numpy())
    return AutoencoderViews(
        codes=codes.cpu().numpy(), variational=code.variational, originals=unscale(originals),
        reconstructions=unscale(rebuilt), anchors=anchors, interpolations=interpolations, prior=prior,
        baseline=pca_baseline(dataset, code.size, head.loss_name),
    )
