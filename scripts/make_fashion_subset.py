"""Make datasets/fashion_mnist_2000.npz: a balanced 2,000-image subset of Fashion-MNIST.

Takes the first 200 images of each class, in file order, from the Fashion-MNIST *test* set
(t10k-*), as shipped by Debian's package dataset-fashion-mnist (MIT licence, Zalando SE).
Nothing is downloaded at run time; this script is run once by hand (see datasets/README.md):

    apt-get download dataset-fashion-mnist
    dpkg-deb -x dataset-fashion-mnist_*.deb /tmp/fm
    python scripts/make_fashion_subset.py /tmp/fm/usr/share/datasets/fashion-mnist

The file holds `images` (2000, 28, 28) uint8 (0 = background, 255 = full ink) and `labels`
(2000,) uint8 class ids 0..9, in test-set order (the classes interleaved as in the source).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

PER_CLASS = 200
OUT = Path(__file__).resolve().parents[1] / "datasets" / "fashion_mnist_2000.npz"


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped) of unsigned bytes -> its array, shaped as its header says."""
    data = gzip.decompress(path.read_bytes())
    magic = int.from_bytes(data[:4], "big")
    assert magic >> 8 == 0x08, f"{path}: not an IDX file of unsigned bytes"
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main(folder: str) -> None:
    source = Path(folder)
    images = read_idx(source / "t10k-images-idx3-ubyte.gz")  # (10000, 28, 28)
    labels = read_idx(source / "t10k-labels-idx1-ubyte.gz")  # (10000,)
    keep = np.zeros(len(labels), bool)
    for c in range(10):
        keep[np.flatnonzero(labels == c)[:PER_CLASS]] = True
    np.savez_compressed(OUT, images=images[keep], labels=labels[keep])
    print(f"{OUT}: {keep.sum()} images, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fm/usr/share/datasets/fashion-mnist")
