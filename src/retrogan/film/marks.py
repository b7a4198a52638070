"""Where the damage goes: dust, hairs, scratches, cracks and creases as primitives (specks and polylines) in frame
units (the short side is 1), from (seed, frame index, frame shape). Numpy only: ``damage`` rasterises them for the
reference renderer, ``fast8`` for the 8-bit lane."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .frame import Frame
from .noise import _hash


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
