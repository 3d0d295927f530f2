"""Pictures sent as PNG data URIs (layout images): a few KB where a heatmap of the same detail
would send every cell as a number. zlib only; no imaging library."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def png_data_uri(pixels: np.ndarray, palette: np.ndarray | None = None, level: int = 6) -> str:
    """'data:image/png;base64,...' of (H, W, 3) uint8 RGB, or of (H, W) uint8 indices into
    `palette` ((N <= 256, 3) uint8: a third of the bytes to compress). Row 0 is the top."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    rows = pixels.reshape(h, -1)
    raw = np.hstack([np.zeros((h, 1), dtype=np.uint8), rows]).tobytes()  # filter type 0 before each row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    color_type = 2 if palette is None else 3  # truecolour / indexed
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0))
    if palette is not None:
        png += chunk(b"PLTE", np.ascontiguousarray(palette, dtype=np.uint8).tobytes())
    png += chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def hex_rgb(color: str) -> np.ndarray:
    """'#rrggbb' or 'rgb(r, g, b)' -> (3,) float."""
    if color.startswith("#"):
        return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.array([float(v) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3]])


def resample(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """Linear interpolation of `values`, given at n evenly spaced points along `axis`, at `size`
    evenly spaced points over the same span (ends kept). Along both axes: bilinear, as plotly
    smooths a heatmap. Elementwise numpy: a BLAS matrix product is slower at this size."""
    values = np.moveaxis(values, axis, -1)
    n = values.shape[-1]
    if n == 1:
        return np.moveaxis(np.repeat(values, size, axis=-1), -1, axis)
    t = np.linspace(0, n - 1, size, dtype=np.float32)
    left = np.minimum(t.astype(np.int64), n - 2)
    w = t - left
    return np.moveaxis(values[..., left] * (1 - w) + values[..., left + 1] * w, -1, axis)
