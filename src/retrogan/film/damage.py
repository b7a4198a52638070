"""Seeded damage and paper: dust, hairs, scratches, creases and cracks, paper texture.

Marks are generated as primitives (specks and polylines) in frame units (the short side is 1) from
(seed, frame index, frame shape), then rasterised only where they meet the tile, so tiles agree with the whole
frame and the cost follows the number of marks, not the image size. Dark marks model dirt on a slide or scan;
light marks model dirt and scratches on a negative, which print white, and cracks in a print's emulsion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._util import Frame, frame_of, is_zero, param
from .grain import _hash, grain_field


@dataclass(frozen=True)
class Mark:
    points: tuple  # ((u, v), ...) in frame units; one point = a speck
    radius: float  # half-width of a line or radius of a speck, frame units
    opacity: float
    light: bool    # True: prints white; False: dark


def _rng(kind: str, seed: int, frame_index: int) -> np.random.Generator:
    return np.random.default_rng(_hash(kind, seed, frame_index))


def _walk(rng, start, length, steps, heading, wiggle):
    pts, (u, v) = [start], start
    for _ in range(steps):
        heading += rng.normal(0, wiggle)
        u, v = u + math.cos(heading) * length / steps, v + math.sin(heading) * length / steps
        pts.append((u, v))
    return tuple(pts)


def make_marks(frame: Frame, seed: int, frame_index: int = 0, dust: float = 0.0, hairs: float = 0.0,
               scratches: float = 0.0, cracks: float = 0.0, creases: float = 0.0, light_dust: bool = False) -> list[Mark]:
    """The marks on one frame. Each amount (0..1) sets how many marks there are; 0 gives none."""
    fw, fh = frame.width / frame.short, frame.height / frame.short
    marks: list[Mark] = []
    r = _rng("dust", seed, frame_index)
    for _ in range(int(round(dust * 300))):
        marks.append(Mark(((r.uniform(0, fw), r.uniform(0, fh)),), float(np.exp(r.normal(math.log(0.0012), 0.5))),
                          float(r.uniform(0.5, 0.95)), light_dust))
    r = _rng("hairs", seed, frame_index)
    for _ in range(int(round(hairs * 6))):
        start = (r.uniform(0, fw), r.uniform(0, fh))
        marks.append(Mark(_walk(r, start, r.uniform(0.03, 0.12), 14, r.uniform(0, 2 * math.pi), 0.35),
                          float(r.uniform(0.0003, 0.0007)), float(r.uniform(0.6, 0.95)), light_dust))
    r = _rng("scratches", seed, frame_index // 12)  # a scratch stays put for a dozen frames of a clip
    for _ in range(int(round(scratches * 5))):
        u = r.uniform(0.05, fw - 0.05)
        pts = tuple((u + 0.004 * math.sin(v * r.uniform(3, 9)), v) for v in np.linspace(-0.01, fh + 0.01, 24))
        marks.append(Mark(pts, float(r.uniform(0.0003, 0.0009)), float(r.uniform(0.25, 0.7)), True))
    r = _rng("cracks", seed, 0)
    for _ in range(int(round(cracks * 8))):
        start = (r.uniform(0, fw), r.uniform(0, fh))
        heading = r.uniform(0, 2 * math.pi)
        trunk = Mark(_walk(r, start, r.uniform(0.1, 0.4), 30, heading, 0.25), 0.0006, 0.85, True)
        marks.append(trunk)
        for _ in range(2):  # branches
            branch_start = trunk.points[int(r.integers(5, 25))]
            marks.append(Mark(_walk(r, branch_start, r.uniform(0.03, 0.1), 10, heading + r.normal(0, 1.0), 0.3),
                              0.0004, 0.7, True))
    r = _rng("creases", seed, 0)
    for _ in range(int(round(creases * 2))):
        a = (r.uniform(0, fw), -0.02)
        b = (r.uniform(0, fw), fh + 0.02)
        if r.random() < 0.5:
            a, b = (-0.02, r.uniform(0, fh)), (fw + 0.02, r.uniform(0, fh))
        pts = tuple((a[0] + (b[0] - a[0]) * t + r.normal(0, 0.002), a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, 20))
        marks.append(Mark(pts, 0.012, 0.18, False))  # the shaded fold
        marks.append(Mark(pts, 0.0012, 0.8, True))   # the broken emulsion along it
    return marks


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
