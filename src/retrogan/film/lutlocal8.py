"""A learned look's per-image colour on 8-bit frames in C (``_lutpath.c``): its 3D LUT and its local gain / offset
grid in one pass (issue #31: Pillow's LUT and then the grid in numpy float strips took most of a learned look's
time on a 4K photo). Without the compiled extension ``available()`` is False and the caller keeps its Pillow +
numpy path (``looks/gan.py``)."""
from __future__ import annotations

import numpy as np

from .cstrips import c_source, run_strips

try:
    from . import _lutpath
except ImportError:  # no C compiler at install time
    _lutpath = None

def available() -> bool:
    return _lutpath is not None


def lut_local(rgb: np.ndarray, table: np.ndarray, local: np.ndarray | None, workers: int = 2) -> np.ndarray:
    """(H, W, 3) uint8 through ``table`` ((N, N, N, 3) float, [b][g][r]) and then ``local`` ((6, G, G): gains and
    offsets per channel, bilinear over the frame; None: none) -> (H, W, 3) uint8, a view of RGBX memory."""
    h, w = rgb.shape[:2]
    out = np.empty((h, w, 4), np.uint8)
    write = rows_writer(rgb, table, local)
    run_strips(h, w, lambda y0, y1: write(out, y0, y1), workers)
    return out[..., :3]


def rows_writer(rgb: np.ndarray, table: np.ndarray, local: np.ndarray | None):
    """write(out, y0, y1): rows y0..y1 of an (H, W, 4) RGBX ``out`` as ``lut_local`` makes them (for
    ``fast8.render_uint8``'s ``colour_rows``: the colour, the light and the grain of a strip in turn)."""
    h, w = rgb.shape[:2]
    src, px = c_source(rgb)
    table = padded(table)
    n = table.shape[0]
    if local is not None:
        local = np.ascontiguousarray(local, np.float32)
    g = 0 if local is None else local.shape[-1]
    pl = planes(table)
    return lambda out, y0, y1: _lutpath.lut_local(src, px, h, w, table, n, local, g, out, y0, y1, 4, pl)


def planes(table: np.ndarray) -> np.ndarray:
    """(N, N, 256, 4) float32: a padded table interpolated along red at every 8-bit value (``_lutpath.lut_planes``)."""
    n = table.shape[0]
    out = np.empty((n, n, 256, 4), np.float32)
    _lutpath.lut_planes(table, n, out)
    return out


def padded(table: np.ndarray) -> np.ndarray:
    """(N, N, N, 3) -> (N, N, N, 4) float32 with a zero fourth channel: each corner one 16-byte load in C."""
    out = np.zeros((*table.shape[:3], 4), np.float32)
    out[..., :3] = table
    return out

