"""Pictures made of tiles: images or feature maps side by side in one array with blank gaps,
drawn as a single heatmap (a handful of traces whatever the number of tiles, cheap to redraw).
Used by the data preview of an image set and by the CNN family's charts."""

from __future__ import annotations

import numpy as np

GAP = 1  # blank pixels between tiles
INK = [[0.0, "#ffffff"], [1.0, "#1c262b"]]  # pixel value 0 -> white paper, the largest -> dark ink


def mosaic(tiles: np.ndarray, columns: int) -> np.ndarray:
    """(N, h, w) tiles -> one (rows·(h+GAP)-GAP, columns·(w+GAP)-GAP) image, row by row, NaN
    (drawn blank) in the gaps and after the last tile. Values are rounded to 3 decimals: a
    colour cannot show more, and float32's digits made 28x28 mosaics twice the JSON."""
    n, h, w = tiles.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    out = np.full((rows * (h + GAP) - GAP, columns * (w + GAP) - GAP), np.nan, dtype=np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + GAP):r * (h + GAP) + h, c * (w + GAP):c * (w + GAP) + w] = tile
    return np.round(out, 3)
