"""The lens of 8-bit frames in C (``_lens.c``): ``optics.softness``, a Gaussian blur in linear light, without the
float copies of the frame that the torch strips make (issue #31: the softness presets were 10-14x a plain decode
+ encode in a batch of 4K JPEGs), and ``optics.chromatic_aberration``.

The same arithmetic as ``optics.gaussian_blur``: wide blurs (sigma >= 2 px) as a k x k box mean in linear light, a
Gaussian on that small picture (torch: a few hundred thousand pixels) and a bilinear expansion; narrow ones as a
separable Gaussian at full resolution, reflected at the edges. The sRGB decode and encode are table lookups. The
whole frame is reduced at once, so there are no strip seams. Without the compiled extension ``available()`` is False
and the caller keeps the torch strips (``fast_float.soften_uint8``)."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .cstrips import c_source, run_strips as _strips
from .fast8 import _srgb8_table
from .light import srgb_to_linear

try:
    from . import _lens
except ImportError:  # no C compiler at install time
    _lens = None

def available() -> bool:
    return _lens is not None


@lru_cache(maxsize=1)
def _lin8() -> np.ndarray:
    """float32[256]: 8-bit sRGB -> linear light."""
    return srgb_to_linear(np.arange(256, dtype=np.float64) / 255).astype(np.float32)


def kernel(sigma: float, h: int, w: int) -> np.ndarray | None:
    """The 1-D Gaussian of ``optics.gaussian_blur``'s direct branch (radius 3 sigma, at most the picture's
    size - 1), or None where it is the identity."""
    radius = max(1, int(math.ceil(3 * sigma))) if sigma > 0 else 0
    radius = min(radius, h - 1, w - 1) if min(h, w) > 1 else 0
    if radius == 0:
        return None
    t = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (t / np.float32(sigma)) ** 2).astype(np.float32)
    return k / k.sum()


def _blur(src: np.ndarray, px: int, h: int, w: int, sigma: float, out: np.ndarray, out_px: int,
          workers: int, tables: tuple = (None, None)) -> None:
    """``optics.gaussian_blur`` of src into out. px / out_px 3 or 4: 8-bit sRGB (decoded / encoded by table); 0:
    float32 (h, w, 3) linear light. Wide blurs recurse on their small picture in float. tables: (pre, colour) for
    8-bit src, applied to each pixel as it is read (``soften``)."""
    lin = _lin8() if px else None
    enc = _srgb8_table() if out_px else None
    if sigma >= 2 and min(h, w) > 16:
        k = max(2, min(int(sigma // 2), min(h, w) // 8))
        sh, sw = -(-h // k), -(-w // k)
        small = np.empty((sh, sw, 3), np.float32)
        _strips(sh, sw * k, lambda y0, y1: _lens.reduce(src, px, h, w, k, lin, small, y0, y1, *tables), workers)
        blurred = np.empty_like(small)
        _blur(small, 0, sh, sw, math.sqrt(max(sigma ** 2 / k ** 2 - 0.25, 0.25)), blurred, 0, workers)
        _strips(h, w, lambda y0, y1: _lens.expand(blurred, sh, sw, out, out_px, h, w, enc, y0, y1), workers)
        return
    k = kernel(sigma, h, w)
    if k is None:  # the identity: a copy through the decode and encode
        k = np.ones(1, np.float32)
    tmp = np.empty((h, w, 3), np.float32)
    _strips(h, w, lambda y0, y1: _lens.hblur(src, px, h, w, lin, k, tmp, y0, y1, *tables), workers)
    _strips(h, w, lambda y0, y1: _lens.vblur(tmp, h, w, k, out, out_px, enc, y0, y1), workers)


def blurs(sigma: float, h: int, w: int) -> bool:
    """Whether ``soften`` changes an (h, w) frame at ``sigma`` (else it is a copy)."""
    return kernel(sigma, h, w) is not None or (sigma >= 2 and min(h, w) > 16)


def soften(rgb: np.ndarray, sigma: float, workers: int = 2, *, pre: np.ndarray | None = None,
           colour: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 sRGB blurred by a Gaussian of ``sigma`` pixels in linear light -> (H, W, 3) uint8, a view of
    RGBX memory (what the 8-bit lane reads fastest). pre ((3, 256) uint8 per-channel tables) and colour (the
    uint32[2^24] packed table of ``fast8.packed_or_none``) are applied to each pixel first, as it is read: the
    blur of ``fast8.lookup(through_tables(rgb, pre))`` with no frame in between."""
    h, w = rgb.shape[:2]
    src, px = c_source(rgb)
    out = np.empty((h, w, 4), np.uint8)
    tables = (None if pre is None else np.ascontiguousarray(pre, np.uint8),
              None if colour is None else np.ascontiguousarray(colour, np.uint32))
    if not blurs(sigma, h, w):
        if pre is not None or colour is not None:
            raise ValueError("soften takes colour tables only where it blurs")
        out[..., :3] = rgb
        out[..., 3] = 255
    else:
        _blur(src, px, h, w, sigma, out, 4, workers, tables)
    return out[..., :3]


def aberrate(rgb: np.ndarray, amount: float, workers: int = 2) -> np.ndarray:
    """``optics.chromatic_aberration`` of an (H, W, 3) uint8 frame: red magnified and blue shrunk about the centre
    by ``amount`` (the red-to-blue shift one short side from the centre, as a fraction of it) -> a view of RGBX."""
    h, w = rgb.shape[:2]
    src, px = c_source(rgb)
    out = np.empty((h, w, 4), np.uint8)
    scale = float(amount) * 0.5
    _strips(h, w, lambda y0, y1: _lens.aberrate(src, px, h, w, scale, -scale, out, 4, y0, y1), workers)
    return out[..., :3]
