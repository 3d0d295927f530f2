"""What a CNN shows of itself while it trains: the first layer's filters, the feature maps each
conv layer makes of a few test images, and a gallery of test images with what the network
says they are. Computed by the trainer with the other pictures (Trainer.compute_visuals, a few
times a second at most), as plain arrays the charts draw (charts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ...data.datasets import Dataset

GALLERY = 24  # test images shown with their predicted and true classes
TRACED = 8  # of them, the first ones whose feature maps are kept (the page picks one)


@dataclass(frozen=True)
class ImageViews:
    """examples:  (K, C, H, W) the first K test images in their pixel values (not standardised)
    filters:   (F, C_in, k, k) the first conv layer's weights (F filters)
    maps:      per traced image, per conv layer: (label, (C, h, w)) its output after the activation
    """

    examples: np.ndarray
    filters: np.ndarray | None
    maps: list[list[tuple[str, np.ndarray]]]


@torch.no_grad()
def image_views(module: nn.Sequential, dataset: Dataset, x_test: torch.Tensor, head=None, t_test=None
                ) -> ImageViews | None:
    """The views of `module` (in eval mode: the caller sets it) on the data's first test images.
    None for data without an image shape. (`head` and `t_test`, the seam's, are not needed here.)"""
    if dataset.image_shape is None:
        return None
    count = min(GALLERY, len(x_test))
    examples = dataset.featurize.unstandardize(dataset.x_test[:count]).reshape(count, *dataset.image_shape)
    convs = [m for m in module if isinstance(m, nn.Conv2d)]
    filters = convs[0].weight.detach().cpu().numpy().copy() if convs else None
    maps = _feature_maps(module, x_test[:min(TRACED, count)])
    return ImageViews(examples.astype(np.float32), filters, maps)


def _feature_maps(module: nn.Sequential, x: torch.Tensor) -> list[list[tuple[str, np.ndarray]]]:
    """Run `x` (N, C·H·W) through the layers one by one, keeping what comes out of the module
    right after each conv layer (its activation): per image, [(\"conv i\", (C, h, w)), ...]."""
    kept: list[tuple[str, torch.Tensor]] = []
    after_conv = False
    for part in module:
        x = part(x)
        if after_conv:
            kept.append((f"conv {len(kept) + 1}", x))
        after_conv = isinstance(part, nn.Conv2d)
    return [[(label, out[i].cpu().numpy().copy()) for label, out in kept] for i in range(len(x))]

