"""Pictures sent as PNG data URIs (layout images): a few KB where a heatmap of the same detail
would send every cell as a number. zlib only; no imaging library."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def png_data_uri(rgb: np.ndarray, level: int = 6) -> str:
    """(H, W, 3) uint8, row 0 at the top -> 'data:image/png;base64,...'."""
    h, w, _ = rgb.shape
    rows = np.ascontiguousarray(rgb, dtype=np.uint8).reshape(h, w * 3)
    raw = np.hstack([np.zeros((h, 1), dtype=np.uint8), rows]).tobytes()  # filter type 0 before each row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def hex_rgb(color: str) -> np.ndarray:
    """'#rrggbb' or 'rgb(r, g, b)' -> (3,) float."""
    if color.startswith("#"):
        return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.array([float(v) for v in color[color.index("(") + 1:color.index(")")].split(",")[:3]])


def upsample_matrix(n: int, size: int) -> np.ndarray:
    """(size, n) linear interpolation weights: A @ v samples v (on n evenly spaced points) at `size`
    evenly spaced points over the same span. A @ M @ B.T resamples a 2-D grid bilinearly."""
    t = np.linspace(0.0, n - 1, size)
    left = np.minimum(np.floor(t).astype(int), max(n - 2, 0))
    w = t - left
    out = np.zeros((size, n))
    rows = np.arange(size)
    out[rows, left] = 1 - w
    if n > 1:
        out[rows, left + 1] += w
    return out
