"""HaldCLUT images: a level-L Hald is an L^3 x L^3 image holding an L^2-point 3D LUT, red fastest."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import LutError


def read_hald(path: str | Path) -> np.ndarray:
    """-> (N, N, N, 3) float32 table indexed [b, g, r]. 8- or 16-bit, RGB or grayscale PNG/TIFF."""
    from ..imaging.read import read_photo

    photo = read_photo(path)
    w, h = photo.size
    level = round(w ** (1 / 3))
    if w != h or level ** 3 != w or level < 2:
        raise LutError(f"{path}: a HaldCLUT is a square image of side level^3 (e.g. 512 or 1728; level 2 or more), got {w}x{h}")
    n = level * level
    return photo.float_rgb().reshape(n, n, n, 3)


def hald_image(table: np.ndarray, bit_depth: int = 8) -> np.ndarray:
    """(N, N, N, 3) table with N = level^2 -> (level^3, level^3, 3) uint8/uint16 Hald image."""
    from ..imaging.photo import from_float

    n = table.shape[0]
    level = round(n ** 0.5)
    if level * level != n:
        raise LutError(f"a Hald image needs a LUT size that is a square (64, 144, ...), got {n}")
    side = level ** 3
    return from_float(table.reshape(side, side, 3), bit_depth)
