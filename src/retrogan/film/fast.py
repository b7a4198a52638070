"""The fast film renderer for full-resolution photos: analyse small, render big.

1. The whole pointwise colour pipeline is baked into one 3D LUT (a few thousand grid points instead of millions
   of pixels) and applied with Pillow's C trilinear lookup (8-bit) or the chunked numpy path (16-bit).
2. Glows (halation, bloom) are wide blurs of the highlights: they are computed once on a thumbnail in linear light
   and sampled back per pixel.
3. The rest (softness, chromatic aberration, vignette, edge burn, leaks, grain, paper, marks) runs strip by strip
   with the same frame-relative, position-seeded ops as the differentiable renderer, so memory stays bounded and
   the strips agree with a one-piece render.
"""
from __future__ import annotations

import math
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from ..cancel import checkpoint
from ..luts.apply import apply_lut
from . import fast8
from . import optics as O
from ._util import Frame, linear_to_srgb, srgb_to_linear
from .border import BORDERS, border_geometry
from .damage import apply_marks, make_marks, paper_texture, rasterise
from .grain import grain
from .params import FilmParams
from .render import bake_colour_lut, leak_angle, leak_offset

THUMB_SHORT_SIDE = 384
STRIP_PIXELS = 1 << 20


@lru_cache(maxsize=32)
def colour_table(p: FilmParams) -> np.ndarray:
    return bake_colour_lut(colour_part(p), 65 if p.stock else 33)


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


def _to_tensor(a: np.ndarray) -> torch.Tensor:
    scale = 1.0 / (65535.0 if a.dtype == np.uint16 else 255.0)
    return torch.from_numpy(a.astype(np.float32)).mul_(scale).permute(2, 0, 1).unsqueeze(0)


def _to_array(x: torch.Tensor, dtype) -> np.ndarray:
    top = 65535.0 if dtype == np.uint16 else 255.0
    return x.squeeze(0).permute(1, 2, 0).clamp(0, 1).mul(top).add_(0.5).numpy().astype(dtype)


def thumbnail_tensor(rgb: np.ndarray, short_side: int = THUMB_SHORT_SIDE) -> torch.Tensor:
    """Box-filtered (1, 3, h, w) float thumbnail with a short side of about ``short_side`` (at least)."""
    h, w = rgb.shape[:2]
    k = max(1, min(h, w) // short_side)
    if rgb.dtype == np.uint8:  # Pillow's C box reduction, an order of magnitude faster than numpy's mean
        from ..imaging.pixels import to_pillow

        small = np.asarray(to_pillow(rgb, rgbx=True).reduce(k))[..., :3].astype(np.float32) / np.float32(255.0)
    else:
        hh, ww = h // k * k, w // k * k
        small = rgb[:hh, :ww].reshape(hh // k, k, ww // k, k, 3).mean(axis=(1, 3), dtype=np.float32)
        small /= np.float32(65535.0)
    return torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1).unsqueeze(0).contiguous()


def glow_map(rgb: np.ndarray, p: FilmParams) -> torch.Tensor | None:
    """Halation + bloom as an additive linear-light map (1, 3, h, w) computed on a thumbnail, or None."""
    if p.halation == 0 and p.bloom == 0:
        return None
    return glow_of(srgb_to_linear(thumbnail_tensor(rgb)), p)


def glow_of(lin: torch.Tensor, p: FilmParams) -> torch.Tensor:
    """Halation + bloom of a linear-light thumbnail (the glows are wide blurs: a thumbnail is enough)."""
    glow = torch.zeros_like(lin)
    if p.halation:
        glow += O.halation_glow(lin, p.halation, p.halation_radius)
    if p.bloom:
        glow += O.bloom_glow(lin, p.bloom, p.bloom_radius)
    return glow


def _sample_rows(m: torch.Tensor, y0: int, y1: int, height: int, width: int) -> torch.Tensor:
    """Bilinear sample of a low-res map at full-resolution pixel centres of rows y0..y1 (global coordinates)."""
    ys = (torch.arange(y0, y1, dtype=torch.float32) + 0.5) / height * 2 - 1
    xs = (torch.arange(width, dtype=torch.float32) + 0.5) / width * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(xs.view(1, -1), ys.view(-1, 1)), -1).unsqueeze(0)
    return F.grid_sample(m, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _margin(p: FilmParams, frame: Frame) -> int:
    m = 0
    if p.softness:
        m += int(math.ceil(3 * O.softness_sigma(p.softness, frame))) + 1
    if p.chromatic_aberration:
        m += int(math.ceil(abs(p.chromatic_aberration) * 0.5 * math.hypot(frame.height, frame.width) / 2)) + 2
    return m


def render_array(rgb: np.ndarray, p: FilmParams, *, strength: float = 1.0, seed: int = 0,
                 frame_index: int = 0) -> np.ndarray:
    """(H, W, 3) uint8/uint16 sRGB -> the look, same dtype (larger with a border)."""
    p = p.scaled(strength)
    if rgb.dtype == np.uint8 and fast8.supports(p):
        result = fast8.render_uint8(rgb, p, seed=seed, frame_index=frame_index)
        return _with_border(result, p)
    if rgb.dtype == np.uint8:  # softness or chromatic aberration: those in float strips, the rest in the 8-bit lane
        softened = _soften_uint8(apply_colour_fast(rgb, p), p)
        rest = replace(p, **{k: getattr(FilmParams(), k) for k in _COLOUR_FIELDS}, softness=0.0,
                       chromatic_aberration=0.0)
        return _with_border(fast8.render_uint8(softened, rest, seed=seed, frame_index=frame_index), p)
    out = apply_colour_fast(rgb, p)
    if not p.has_spatial():
        return out
    h, w = out.shape[:2]
    frame = Frame(h, w)
    glow = glow_map(out, p)
    marks = make_marks(frame, seed, frame_index, p.dust, p.hairs, p.scratches, p.cracks, p.creases, p.light_dust)
    margin = _margin(p, frame)
    rows = max(16, STRIP_PIXELS // w)
    angle = leak_angle(p, seed)
    offset = leak_offset(seed)
    result = np.empty_like(out)
    for y0 in range(0, h, rows):
        checkpoint()
        y1 = min(h, y0 + rows)
        a0, a1 = max(0, y0 - margin), min(h, y1 + margin)
        x = _to_tensor(out[a0:a1])
        sub = Frame(h, w, top=a0)
        x = O.softness(x, p.softness, frame=sub)
        x = O.chromatic_aberration(x, p.chromatic_aberration, frame=sub)
        x = x[:, :, y0 - a0: y0 - a0 + (y1 - y0)]
        sub = Frame(h, w, top=y0)
        if glow is not None or p.vignette or p.edge_burn or p.light_leak:
            lin = srgb_to_linear(x)
            if p.vignette:
                lin = lin * O.vignette_gain(lin, p.vignette, frame=sub)
            if p.edge_burn:
                lin = lin * O.edge_burn_gain(lin, p.edge_burn, frame=sub)
            if glow is not None:
                lin = lin + _sample_rows(glow, y0, y1, h, w)
            if p.light_leak:
                leak = O.light_leak_map(lin, angle, offset, 0.35, sub) * p.light_leak
                leak = leak * torch.tensor((1.0, 0.42, 0.08)).view(1, 3, 1, 1)
                lin = 1 - (1 - lin) * (1 - leak.clamp(0, 1))
            x = linear_to_srgb(lin)
        x = grain(x, p.grain, p.grain_size, p.grain_colour, seed=seed, frame_index=frame_index,
                  roughness=p.grain_roughness, frame=sub)
        x = paper_texture(x, p.paper, seed=seed, frame=sub)
        if marks:
            dark, light = rasterise(marks, x, sub)
            x = apply_marks(x, dark, light)
        result[y0:y1] = _to_array(x, out.dtype)
    return _with_border(result, p)


_SRGB_TO_LINEAR8 = srgb_to_linear(torch.arange(256, dtype=torch.float32) / 255).numpy()


def _soften_uint8(graded: np.ndarray, p: FilmParams) -> np.ndarray:
    """Softness and chromatic aberration of a colour-graded 8-bit frame, in float strips with margins (as the float
    path), back to 8 bits."""
    h, w = graded.shape[:2]
    frame = Frame(h, w)
    margin = _margin(p, frame)
    rows = max(16, STRIP_PIXELS // w)
    out = np.empty_like(graded)
    for y0 in range(0, h, rows):
        checkpoint()
        y1 = min(h, y0 + rows)
        a0, a1 = max(0, y0 - margin), min(h, y1 + margin)
        sub = Frame(h, w, top=a0)
        if p.softness:  # O.softness, with the sRGB decode as a table lookup
            lin = torch.from_numpy(np.take(_SRGB_TO_LINEAR8, graded[a0:a1])).permute(2, 0, 1).unsqueeze(0)
            x = linear_to_srgb(O.gaussian_blur(lin, O.softness_sigma(p.softness, frame)))
        else:
            x = _to_tensor(graded[a0:a1])
        x = O.chromatic_aberration(x, p.chromatic_aberration, frame=sub)
        out[y0:y1] = _to_array(x[:, :, y0 - a0: y0 - a0 + (y1 - y0)], np.uint8)
    return out


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
        words[:] = np.array([*np.asarray(fill, np.uint8)[:3], 255], np.uint8).view(np.uint32)[0]
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
