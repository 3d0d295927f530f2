"""Image data sets shipped as NumPy files in datasets/ (not CSV, so the csv: listing skips them).

A file is an .npz (np.savez_compressed) of `images` (N, H, W) uint8, 0 = background and
255 = full ink, and `labels` (N,) uint8 class ids in `class_names` order. Loaded pixels are
scaled to 0..1 and flattened row-major into rows of H·W values; `data.standardize` then
rescales each pixel as for any table. See datasets/README.md for how each file was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ImageFileInfo:
    label: str
    description: str
    file: str  # in datasets/
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]  # (C, H, W)
    task: str = "multiclass"


IMAGE_FILES: dict[str, ImageFileInfo] = {
    "fashion": ImageFileInfo(
        "Fashion-MNIST (28×28, 2,000)", "2,000 photos of clothing (200 per class) from Fashion-MNIST's test set "
        "as 28×28 grayscale images, 10 classes (Zalando, MIT licence).", "fashion_mnist_2000.npz",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        (1, 28, 28)),
}


@cache
def load_image_file(name: str, folder: Path) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """-> X (N, C·H·W) float64 pixels in 0..1 (read-only: callers copy), y (N,) int64, pixel names."""
    info = IMAGE_FILES[name]
    with np.load(folder / info.file, allow_pickle=False) as npz:
        images, labels = npz["images"], npz["labels"]
    c, h, w = info.image_shape
    X = images.reshape(len(images), c * h * w).astype(np.float64) / 255.0
    y = labels.astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y, pixel_names(h, w)


def pixel_names(h: int, w: int) -> tuple[str, ...]:
    """Feature names of an H×W image's pixels, row-major, as scikit-learn names the digits': pixel_<row>_<col>."""
    return tuple(f"pixel_{r}_{c}" for r in range(h) for c in range(w))
