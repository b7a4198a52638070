"""The fast film renderer for full-resolution photos: analyse small, render big.

1. The whole pointwise colour pipeline is baked into one 3D LUT (a few thousand grid points instead of millions
   of pixels) and applied with Pillow's C trilinear lookup (8-bit) or the chunked numpy path (16-bit).
2. Glows (halation, bloom) are wide blurs of the highlights: they are computed once on a thumbnail in linear light
   and sampled back per pixel.
3. Softness and chromatic aberration of 8-bit photos run in C over the whole frame (``lens8``).
4. The rest (vignette, edge burn, leaks, grain, paper, marks) runs strip by strip
   with the same frame-relative, position-seeded ops as the differentiable renderer, so memory stays bounded and
   the strips agree with a one-piece render.
"""
from __future__ import annotations

from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from ..luts.apply import apply_lut
from . import fast8, lens8
from .border import BORDERS, border_geometry
from .frame import Frame, softness_sigma
from .params import FilmParams
from .tables import cached_table

THUMB_SHORT_SIDE = 384
STRIP_PIXELS = 1 << 20


def colour_table(p: FilmParams) -> np.ndarray:
    """The look's pointwise colour as a 3D LUT (65 points with a stock's LUT in it, else 33), baked by the reference
    renderer once and then kept on disk (``tables``): a batch of an era preset need not import torch."""
    with fast8.BUILDING:
        return _colour_table(p)


@lru_cache(maxsize=32)
def _colour_table(p: FilmParams) -> np.ndarray:
    colour, n = colour_part(p), 65 if p.stock else 33

    def bake() -> np.ndarray:
        from .render import bake_colour_lut

        return bake_colour_lut(colour, n)

    return cached_table(("colour", repr(colour), n), bake)


def colour_part(p: FilmParams) -> FilmParams:
    """The pointwise colour settings of ``p`` only (what ``colour_table`` bakes)."""
    return FilmParams(**{k: getattr(p, k) for k in _COLOUR_FIELDS})


_COLOUR_FIELDS = ("stock", "stock_mix", "exposure", "temperature", "tint", "crosstalk", "saturation", "gamma", "toe",
                  "shoulder", "emulsion", "mono", "toner", "toning", "fade_black", "fade_white", "tint_colour",
                  "tint_amount", "yellowing")


def colour_is_identity(p: FilmParams) -> bool:
    base = FilmParams()
    return (not p.stock or p.stock_mix == 0) and all(
        getattr(p, k) == getattr(base, k) for k in _COLOUR_FIELDS if k not in ("stock", "stock_mix", "emulsion", "toner"))


def apply_colour_fast(rgb: np.ndarray, p: FilmParams, workers: int = 2) -> np.ndarray:
    """(H, W, 3) uint8/uint16 through the baked colour LUT."""
    if colour_is_identity(p):
        return rgb.copy()
    return apply_lut_threaded(rgb, colour_table(p), workers)


def apply_lut_threaded(rgb: np.ndarray, table: np.ndarray, workers: int = 2) -> np.ndarray:
    """A LUT over strips in parallel threads (Pillow and numpy release the GIL)."""
    rows = max(1, STRIP_PIXELS // rgb.shape[1])
    if rgb.shape[0] <= rows or workers <= 1:
        return apply_lut(rgb, table)
    out = np.empty_like(rgb)

    def work(y: int) -> None:
        out[y: y + rows] = apply_lut(rgb[y: y + rows], table)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(0, rgb.shape[0], rows)))
    return out


def render_array(rgb: np.ndarray, p: FilmParams, *, strength: float = 1.0, seed: int = 0,
                 frame_index: int = 0, exposure: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8/uint16 sRGB -> the look, same dtype (larger with a border). exposure: (3, 256) uint8
    per-channel tables applied to 8-bit ``rgb`` first (a video frame's flicker and breath: ``motion``), fused into
    the colour pass where it can be."""
    p = p.scaled(strength)
    if rgb.dtype == np.uint8 and fast8.supports(p):
        result = fast8.render_uint8(rgb, p, seed=seed, frame_index=frame_index, exposure=exposure)
        return _with_border(result, p)
    if rgb.dtype == np.uint8:  # softness or chromatic aberration (in C), the rest in the 8-bit lane
        softened = _colour_and_softness(rgb, p, exposure)
        if lens8.available():
            if p.chromatic_aberration:
                softened = lens8.aberrate(softened, p.chromatic_aberration)
        else:
            from .fast_float import soften_uint8

            softened = soften_uint8(softened, p)
        rest = replace(p, **{k: getattr(FilmParams(), k) for k in _COLOUR_FIELDS}, softness=0.0,
                       chromatic_aberration=0.0)
        ours = lens8.available() and softened is not rgb  # a frame the lens made: the rest renders into it
        return _with_border(fast8.render_uint8(softened, rest, seed=seed, frame_index=frame_index, in_place=ours), p)
    if exposure is not None:
        raise ValueError("exposure tables are for 8-bit frames")
    from .fast_float import render_float

    return render_float(rgb, p, seed=seed, frame_index=frame_index)


def _colour_and_softness(rgb: np.ndarray, p: FilmParams, exposure: np.ndarray | None) -> np.ndarray:
    """The exposure, the colour and (where the C lens is built) the softness of an 8-bit frame: in the blur's own
    read of the frame once the colour's full table is there, else as a pass of their own first."""
    h, w = rgb.shape[:2]
    table = None if colour_is_identity(p) else colour_table(p)
    packed = None if table is None else fast8.packed_or_none(table, h * w)
    sigma = softness_sigma(p.softness, Frame(h, w)) if p.softness else 0.0
    if (fast8.USE_C and lens8.available() and p.softness and lens8.blurs(sigma, h, w)
            and (table is None or packed is not None)):
        return lens8.soften(rgb, sigma, pre=exposure, colour=packed)
    if packed is not None:
        rgb = fast8.lookup_packed(rgb, packed, exposure=exposure)
    elif exposure is not None:
        rgb = fast8.through_tables(rgb, exposure)
    if packed is None and table is not None:
        rgb = fast8.interpolate(rgb, table)
    if lens8.available() and p.softness:
        rgb = lens8.soften(rgb, sigma)
    return rgb


def _with_border(result: np.ndarray, p: FilmParams) -> np.ndarray:
    if not p.border:
        return result
    colour = np.array(BORDERS[p.border][1]) * (65535 if result.dtype == np.uint16 else 255) + 0.5
    return pad_border(result, p.border, colour.astype(result.dtype))


def pad_border(a: np.ndarray, kind: str, fill) -> np.ndarray:
    """Frame an (H, W, ...) array with the border ``kind`` filled with ``fill`` (the picture is unchanged).
    8-bit RGB is framed as RGBX words (one 4-byte store a pixel instead of three strided ones)."""
    from ..imaging.pixels import rgbx_base

    h, w = a.shape[:2]
    pl, pt, pr, pb = border_geometry(kind, w)
    if a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3:
        framed = np.empty((h + pt + pb, w + pl + pr, 4), np.uint8)
        words = framed.view(np.uint32)[..., 0]
        word = np.array([*np.asarray(fill, np.uint8)[:3], 255], np.uint8).view(np.uint32)[0]
        for band in (words[:pt], words[pt + h:], words[pt:pt + h, :pl], words[pt:pt + h, pl + w:]):
            band[...] = word  # the frame only: the picture is written over the rest next
        base = rgbx_base(a)
        if base is not None:
            words[pt:pt + h, pl:pl + w] = base.view(np.uint32)[..., 0]
        else:
            framed[pt:pt + h, pl:pl + w, :3] = a
        return framed[..., :3]
    framed = np.empty((h + pt + pb, w + pl + pr, *a.shape[2:]), a.dtype)
    framed[:] = fill
    framed[pt:pt + h, pl:pl + w] = a
    return framed
