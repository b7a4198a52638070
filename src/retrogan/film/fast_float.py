"""The float strips of the fast film renderer (torch): 16-bit photos, softness and chromatic aberration of 8-bit
ones, the glows' thumbnail maps. ``fast`` calls in here only when a look or a photo needs it, so the 8-bit lane of
an era preset or a film stock runs without importing torch."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from ..cancel import checkpoint
from . import optics as O
from ._util import Frame, linear_to_srgb, srgb_to_linear
from .damage import apply_marks, make_marks, paper_texture, rasterise
from .fast import STRIP_PIXELS, THUMB_SHORT_SIDE, _with_border, apply_colour_fast
from .grain import grain
from .light import leak_angle, leak_offset, thumbnail
from .params import FilmParams


def _to_tensor(a: np.ndarray) -> torch.Tensor:
    scale = 1.0 / (65535.0 if a.dtype == np.uint16 else 255.0)
    return torch.from_numpy(a.astype(np.float32)).mul_(scale).permute(2, 0, 1).unsqueeze(0)


def _to_array(x: torch.Tensor, dtype) -> np.ndarray:
    top = 65535.0 if dtype == np.uint16 else 255.0
    return x.squeeze(0).permute(1, 2, 0).clamp(0, 1).mul(top).add_(0.5).numpy().astype(dtype)


def thumbnail_tensor(rgb: np.ndarray, short_side: int = THUMB_SHORT_SIDE) -> torch.Tensor:
    """Box-filtered (1, 3, h, w) float thumbnail with a short side of about ``short_side`` (``light.thumbnail``)."""
    small = thumbnail(rgb, short_side)
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


def render_float(rgb: np.ndarray, p: FilmParams, *, seed: int = 0, frame_index: int = 0) -> np.ndarray:
    """(H, W, 3) uint8/uint16 sRGB -> the look in float strips (p already scaled by strength)."""
    out = apply_colour_fast(rgb, p)
    if not p.has_spatial():
        return out
    h, w = out.shape[:2]
    frame = Frame(h, w)
    glow = glow_map(out, p)
    marks = make_marks(frame, seed, frame_index, p.dust, p.hairs, p.scratches, p.cracks, p.creases, p.light_dust)
    if p.softness:  # on the whole frame's grid (``soften_frame``), before the strips
        out = soften_frame(out, O.softness_sigma(p.softness, frame))
        p = replace(p, softness=0.0)
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


def _linear(a: np.ndarray) -> torch.Tensor:
    """(1, 3, h, w) linear light of uint8 / uint16 rows (8-bit: the sRGB decode as a table lookup)."""
    if a.dtype == np.uint8:
        return torch.from_numpy(np.take(_SRGB_TO_LINEAR8, a)).permute(2, 0, 1).unsqueeze(0)
    return srgb_to_linear(_to_tensor(a))


def _bilinear_index(n: int, m: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """torch's bilinear upsampling of m samples to n (align_corners=False, size given): i0, i1 and the weight of
    i1 for each output sample."""
    pos = ((torch.arange(n, dtype=torch.float64) + 0.5) * (m / n) - 0.5).clamp(min=0)
    i0 = pos.floor().long().clamp(max=m - 1)
    return i0, (i0 + 1).clamp(max=m - 1), (pos - i0).float()


def soften_frame(a: np.ndarray, sigma: float) -> np.ndarray:
    """``optics.softness`` (sigma in pixels) of a whole uint8 / uint16 frame, strip by strip on the reference's own
    frame-wide grid: a wide blur's box means are gathered into one small picture of the whole frame, blurred whole,
    and expanded strip by strip at the frame's sample positions. (Strips blurred on their own moved the blur by up
    to a pixel toward their ends and seamed at their edges: up to 19 code values of 255 at sharp edges.)"""
    h, w = a.shape[:2]
    out = np.empty_like(a)
    if not (sigma >= 2 and min(h, w) > 16):  # direct: exact in strips with a margin of its radius
        margin = int(math.ceil(3 * sigma)) + 1
        rows = max(16, STRIP_PIXELS // w)
        for y0 in range(0, h, rows):
            checkpoint()
            y1 = min(h, y0 + rows)
            a0, a1 = max(0, y0 - margin), min(h, y1 + margin)
            x = linear_to_srgb(O.gaussian_blur(_linear(a[a0:a1]), sigma))
            out[y0:y1] = _to_array(x[:, :, y0 - a0: y1 - a0], a.dtype)
        return out
    k = max(2, min(int(sigma // 2), min(h, w) // 8))
    sh, sw = -(-h // k), -(-w // k)
    small = torch.empty(1, 3, sh, sw)
    rows = max(k, STRIP_PIXELS // w // k * k)
    for y0 in range(0, h, rows):  # strips start on the grid's rows
        checkpoint()
        y1 = min(h, y0 + rows)
        small[:, :, y0 // k: -(-y1 // k)] = F.avg_pool2d(_linear(a[y0:y1]), k, ceil_mode=True,
                                                        count_include_pad=False)
    small = O.gaussian_blur(small, math.sqrt(max(sigma ** 2 / k ** 2 - 0.25, 0.25)))
    ry0, ry1, ty = _bilinear_index(h, sh)
    cx0, cx1, tx = _bilinear_index(w, sw)
    rows = max(16, STRIP_PIXELS // w)
    for y0 in range(0, h, rows):
        checkpoint()
        y1 = min(h, y0 + rows)
        top, bottom = small[:, :, ry0[y0:y1]], small[:, :, ry1[y0:y1]]
        v = torch.lerp(top, bottom, ty[y0:y1].view(1, 1, -1, 1))
        v = torch.lerp(v[..., cx0], v[..., cx1], tx)
        out[y0:y1] = _to_array(linear_to_srgb(v), a.dtype)
    return out


_SRGB_TO_LINEAR8 = srgb_to_linear(torch.arange(256, dtype=torch.float32) / 255).numpy()


def soften_uint8(graded: np.ndarray, p: FilmParams) -> np.ndarray:
    """Softness (``soften_frame``) and chromatic aberration (float strips with margins) of a colour-graded 8-bit
    frame: the torch lane where the C one (``lens8``) is not built."""
    h, w = graded.shape[:2]
    frame = Frame(h, w)
    if p.softness:
        graded = soften_frame(graded, O.softness_sigma(p.softness, frame))
    if not p.chromatic_aberration:
        return graded
    margin = _margin(replace(p, softness=0.0), frame)
    rows = max(16, STRIP_PIXELS // w)
    out = np.empty_like(graded)
    for y0 in range(0, h, rows):
        checkpoint()
        y1 = min(h, y0 + rows)
        a0, a1 = max(0, y0 - margin), min(h, y1 + margin)
        x = O.chromatic_aberration(_to_tensor(graded[a0:a1]), p.chromatic_aberration, frame=Frame(h, w, top=a0))
        out[y0:y1] = _to_array(x[:, :, y0 - a0: y0 - a0 + (y1 - y0)], np.uint8)
    return out
