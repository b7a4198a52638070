"""Seeded damage and paper: dust, hairs, scratches, creases and cracks, paper texture.

Marks are generated as primitives (specks and polylines) in frame units (the short side is 1) from
(seed, frame index, frame shape), then rasterised only where they meet the tile, so tiles agree with the whole
frame and the cost follows the number of marks, not the image size. Dark marks model dirt on a slide or scan;
light marks model dirt and scratches on a negative, which print white, and cracks in a print's emulsion.
"""
from __future__ import annotations

import math

import torch

from ._util import Frame, frame_of, is_zero, param
from .grain import _hash, grain_field
from .marks import Mark, make_marks  # noqa: F401  (the marks' geometry, in numpy; re-exported)


def _segment_distance(pu, pv, a, b):
    (au, av), (bu, bv) = a, b
    du, dv = bu - au, bv - av
    t = ((pu - au) * du + (pv - av) * dv) / max(du * du + dv * dv, 1e-12)
    t = t.clamp(0, 1)
    return torch.hypot(pu - (au + t * du), pv - (av + t * dv))


def rasterise(marks: list[Mark], x: torch.Tensor, frame: Frame | None) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (dark, light) coverage maps of shape (h, w) in [0, 1] for x's tile."""
    f = frame_of(x, frame)
    h, w = x.shape[-2:]
    dark = torch.zeros(h, w, dtype=x.dtype)
    light = torch.zeros(h, w, dtype=x.dtype)
    px = 1.0 / f.short  # one pixel in frame units
    for m in marks:
        us = [p[0] for p in m.points]
        vs = [p[1] for p in m.points]
        pad = m.radius + 2 * px
        x0 = max(int(math.floor((min(us) - pad) * f.short)) - f.left, 0)
        x1 = min(int(math.ceil((max(us) + pad) * f.short)) - f.left, w)
        y0 = max(int(math.floor((min(vs) - pad) * f.short)) - f.top, 0)
        y1 = min(int(math.ceil((max(vs) + pad) * f.short)) - f.top, h)
        if x0 >= x1 or y0 >= y1:
            continue
        pu = ((torch.arange(x0, x1, dtype=x.dtype) + f.left + 0.5) / f.short).view(1, -1)
        pv = ((torch.arange(y0, y1, dtype=x.dtype) + f.top + 0.5) / f.short).view(-1, 1)
        if len(m.points) == 1:
            d = torch.hypot(pu - m.points[0][0], pv - m.points[0][1])
        else:
            d = torch.stack([_segment_distance(pu, pv, a, b) for a, b in zip(m.points, m.points[1:])]).amin(0)
        # soft edge one pixel wide, so marks stay anti-aliased at every resolution
        cover = m.opacity * ((m.radius + px / 2 - d) / px).clamp(0, 1)
        target = light if m.light else dark
        target[y0:y1, x0:x1] = torch.maximum(target[y0:y1, x0:x1], cover)
    return dark, light


def apply_marks(x: torch.Tensor, dark: torch.Tensor, light: torch.Tensor, amount=1.0) -> torch.Tensor:
    """Composite coverage maps: dark marks toward black (dirt), light marks toward white (paper, scratches)."""
    a = param(amount, x)
    y = x * (1 - a * dark)
    return y + a * light * (1 - y)


def damage(x: torch.Tensor, dust=0.0, hairs=0.0, scratches=0.0, cracks=0.0, creases=0.0, light_dust: bool = False,
           seed: int = 0, frame_index: int = 0, frame: Frame | None = None) -> torch.Tensor:
    """Dust, hairs, scratches, cracks and creases in one pass (identity: all amounts 0). Amounts are floats."""
    amounts = (dust, hairs, scratches, cracks, creases)
    if all(is_zero(a) for a in amounts):
        return x
    marks = make_marks(frame_of(x, frame), seed, frame_index, *(float(a) for a in amounts), light_dust=light_dust)
    dark, light = rasterise(marks, x, frame)
    return apply_marks(x, dark, light)


def paper_texture(x: torch.Tensor, amount=0.0, size: float = 0.004, seed: int = 0,
                  frame: Frame | None = None) -> torch.Tensor:
    """Fibrous print paper: multiplicative noise, strongest in the light tones; amount 1 modulates paper white by
    about +/-10% on a 1000-px frame (identity: 0)."""
    if is_zero(amount):
        return x
    n = grain_field(x, size, 0.0, _hash("paper", seed) % (2 ** 31), 0, frame)
    return (x * (1 + 0.1 * param(amount, x) * n * x)).clamp(0.0, 1.0)
