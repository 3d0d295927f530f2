"""Image data sets shipped as NumPy files in datasets/ (not CSV, so the csv: listing skips them).

A file is an .npz (np.savez_compressed) of `images` (N, H, W) uint8, 0 = background and
255 = full ink, and `labels` (N,) uint8 class ids in `class_names` order. Loaded pixels are
scaled to 0..1 and flattened row-major into rows of H·W values; `data.standardize` then
rescales each pixel as for any table. See datasets/README.md for how each file was made.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..core.params import SpecError


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


# --------------------------------------------------------------------------- uploaded .npz images

MAX_NPZ_BYTES = 20 * 1024 * 1024  # the upload limit, as for a CSV
MAX_NPZ_IMAGES = 50_000  # as many as a CSV's rows
MAX_NPZ_VALUES = 8_000_000  # pixels in all (64 MB as float64): e.g. 10,000 images of 28x28
MAX_CHANNELS, MAX_SIDE = 4, 64
IMAGE_KEYS, LABEL_KEYS, NAMES_KEY = ("images", "x", "X"), ("labels", "y"), "class_names"
NPZ_FORMAT = ("an .npz (numpy.savez) holding `images` (N, H, W) or (N, C, H, W) and `labels` (N,), "
              "optionally `class_names` (K,) for labels 0..K-1")


@dataclass(frozen=True)
class NpzImages:
    X: np.ndarray  # (N, C·H·W) float64: uint8 pixels scaled to 0..1, other numbers as they are
    labels: np.ndarray  # (N,) numbers or text, as in the file
    image_shape: tuple[int, int, int]  # (C, H, W)
    class_names: tuple[str, ...] | None  # names of labels 0..K-1, when the file gives them


def read_image_npz(data: bytes | Path, name: str) -> NpzImages:
    """Images and labels from an uploaded (or named) .npz, every size checked from the arrays'
    headers before anything is decompressed (a small file can unpack to gigabytes), no pickles.
    SpecError (field data.name) naming what is wrong and what the file should hold."""
    def refuse(problem: str) -> SpecError:
        return SpecError(f"{name}: {problem}; expected {NPZ_FORMAT}", "data.name")

    raw = data.read_bytes() if isinstance(data, Path) else data
    if len(raw) > MAX_NPZ_BYTES:
        raise refuse(f"the file is {len(raw) / 1e6:.1f} MB, more than {MAX_NPZ_BYTES // (1024 * 1024)} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise refuse("it is not an .npz file (not a zip archive of arrays)") from None
    with archive:
        arrays = {member.removesuffix(".npy"): member for member in archive.namelist() if member.endswith(".npy")}
        image_key = next((k for k in IMAGE_KEYS if k in arrays), None)
        label_key = next((k for k in LABEL_KEYS if k in arrays), None)
        if image_key is None or label_key is None:
            raise refuse(f"it holds {', '.join(sorted(arrays)) or 'no arrays'}")
        try:
            headers = {key: _npy_header(archive, arrays[key]) for key in (image_key, label_key)}
        except (ValueError, zipfile.BadZipFile, EOFError) as error:
            raise refuse(f"its arrays cannot be read ({error})") from None
        (shape, dtype), (label_shape, label_dtype) = headers[image_key], headers[label_key]
        if dtype.kind not in "uif" or len(shape) not in (3, 4):
            raise refuse(f"`{image_key}` is {dtype} of shape {shape}, not numbers of shape (N, H, W) or (N, C, H, W)")
        n = shape[0]
        c, h, w = (1, *shape[1:]) if len(shape) == 3 else shape[1:]
        if not (1 <= c <= MAX_CHANNELS and 1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
            raise refuse(f"its images are {c}x{h}x{w}; 1 to {MAX_CHANNELS} channels and 1 to {MAX_SIDE} pixels "
                         "a side are allowed")
        if not 2 <= n <= MAX_NPZ_IMAGES or n * c * h * w > MAX_NPZ_VALUES:
            raise refuse(f"it has {n:,} images of {c * h * w:,} pixels; 2 to {MAX_NPZ_IMAGES:,} images and at most "
                         f"{MAX_NPZ_VALUES:,} pixels in all are allowed")
        if label_shape != (n,) or label_dtype.kind not in "uifbU":
            raise refuse(f"`{label_key}` is {label_dtype} of shape {label_shape}; it needs one number or text "
                         f"per image, shape ({n},)")
        try:
            images = _npy_array(archive, arrays[image_key])
            labels = _npy_array(archive, arrays[label_key])
        except (ValueError, zipfile.BadZipFile, EOFError, OSError) as error:
            raise refuse(f"its arrays cannot be read ({error})") from None
        names = None
        if NAMES_KEY in arrays:
            names_shape, names_dtype = _npy_header(archive, arrays[NAMES_KEY])
            if len(names_shape) != 1 or names_dtype.kind not in "U" or names_shape[0] > 1000:
                raise refuse(f"`{NAMES_KEY}` is {names_dtype} of shape {names_shape}, not a list of text")
            names = tuple(str(v) for v in _npy_array(archive, arrays[NAMES_KEY]))
    X = images.reshape(n, c * h * w).astype(np.float64)
    if images.dtype == np.uint8:
        X /= 255.0
    elif not np.isfinite(X).all():
        raise refuse(f"`{image_key}` has NaN or infinite pixels")
    return NpzImages(X, labels, (c, h, w), names)


def _npy_header(archive: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype]:
    with archive.open(member) as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(f)
    return tuple(int(s) for s in shape), dtype


def _npy_array(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    with archive.open(member) as f:
        return np.lib.format.read_array(f, allow_pickle=False)
