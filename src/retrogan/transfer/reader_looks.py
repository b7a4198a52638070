"""Looks with known answers for training the look reader (issue #28), drawn from the film renderer's whole colour
space: a film LUT of the bank (or none) and then the renderer's colour pipeline with random settings -- exposure,
white balance, dye crosstalk, saturation, per-channel curves (cross-processing), monochrome prints of any emulsion
and toner (sepia, cyanotype, selenium, random toners), fades and black lift per channel (dye-faded prints),
coloured bases and yellowing (aged prints), autochrome-like casts and expired film. ``random_colour`` is seeded
by the generator passed in; ``bake`` turns it into a (3, N, N, N) LUT."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch

from ..film import lut as L
from ..film.colour import EMULSIONS
from ..film.params import FilmParams
from .layer_data import random_toner


def _triple(rng: np.random.Generator, centre: float, common: float, each: float) -> tuple:
    base = centre + rng.normal(0, common)
    return tuple(float(base + rng.normal(0, each)) for _ in range(3))


def random_colour(rng: np.random.Generator) -> FilmParams:
    """The colour part of a random look (no stock: the bank LUT is composed by ``bake``)."""
    strong = rng.random() < 0.35
    s = 1.6 if strong else 1.0
    p = FilmParams(
        exposure=float(rng.normal(0, 0.25 * s)),
        temperature=float(rng.normal(0, 0.25 * s)),
        tint=float(rng.normal(0, 0.15 * s)),
        crosstalk=float(rng.uniform(0, 0.7)) if rng.random() < 0.4 else 0.0,
        saturation=float(math.exp(rng.normal(0, 0.3 * s))),
        gamma=_triple(rng, 1.0, 0.12, 0.08 * s) if rng.random() < 0.6 else float(math.exp(rng.normal(0, 0.12))),
        toe=float(rng.uniform(0, 0.35)) if rng.random() < 0.5 else 0.0,
        shoulder=float(rng.uniform(0, 0.35)) if rng.random() < 0.5 else 0.0,
    )
    kind = rng.random()
    if kind < 0.25:   # a monochrome print
        p = replace(p, mono=1.0, emulsion=str(rng.choice(list(EMULSIONS))), toner=random_toner(rng),
                    toning=float(rng.uniform(0.0, 1.0)), saturation=1.0)
    elif kind < 0.35:  # cross-processing: the curves part company
        p = replace(p, gamma=_triple(rng, 1.0, 0.05, 0.25), toe=float(rng.uniform(0.1, 0.4)))
    elif kind < 0.45:  # an autochrome or expired-film cast: strong, low saturation
        p = replace(p, temperature=float(rng.normal(0.3, 0.3)), tint=float(rng.normal(-0.3, 0.2)),
                    saturation=float(rng.uniform(0.4, 0.85)))
    if rng.random() < 0.5:   # fade: milky blacks, per channel for a dye-faded print
        p = replace(p, fade_black=_triple(rng, rng.uniform(0, 0.12), 0.0, 0.03 * s))
    if rng.random() < 0.3:
        p = replace(p, fade_white=float(rng.uniform(0, 0.12)))
    if rng.random() < 0.25:  # a coloured base or paper
        colour = tuple(float(v) for v in np.clip(1 - np.abs(rng.normal(0, 0.12, 3)), 0.6, 1))
        p = replace(p, tint_colour=colour, tint_amount=float(rng.uniform(0.2, 1.0)))
    if rng.random() < 0.25:
        p = replace(p, yellowing=float(rng.uniform(0, 0.7)))
    return p


def _clean(p: FilmParams) -> FilmParams:
    """Keep the triples and amounts inside the renderer's ranges."""
    def clip(v, lo, hi):
        return tuple(float(np.clip(a, lo, hi)) for a in v) if isinstance(v, tuple) else float(np.clip(v, lo, hi))
    return replace(p, gamma=clip(p.gamma, 0.4, 2.5), fade_black=clip(p.fade_black, 0, 0.35),
                   saturation=clip(p.saturation, 0, 2.5))


def bake(p: FilmParams, base: torch.Tensor | None, mix: float, n: int = 17) -> torch.Tensor:
    """``base`` (a bank LUT, (3, n, n, n), or None) mixed in by ``mix``, then ``p``'s colour pipeline -> LUT."""
    from ..film.render import apply_colour

    with torch.no_grad():
        grid = L.identity(n, torch.float64)
        x = grid.reshape(1, 3, n, n * n)
        if base is not None:
            y = base.to(torch.float64).reshape(1, 3, n, n * n)
            x = x + mix * (y - x)
        out = apply_colour(x, _clean(replace(p, stock=None))).clamp(0, 1)
    return out.reshape(3, n, n, n).float()


def random_look(rng: np.random.Generator, bank: torch.Tensor, n: int = 17) -> torch.Tensor:
    """A look as users' references come: mostly film stocks as they are or nudged (most old colour photos are
    a stock and its age), then stocks under random colour settings, and looks from the renderer's whole colour
    space (toned prints, casts, fades, cross-processing); a few are nearly no look at all. A reader trained mostly on
    strong looks reads a stock's subtle look as a strong one (measured: worse than doing nothing on every colour
    stock of the benchmark, docs/reader.md)."""
    u = rng.random()
    if u < 0.05 or not len(bank):
        if u < 0.05:   # nearly nothing: a modern photo is a reference too
            return bake(FilmParams(exposure=float(rng.normal(0, 0.1)), temperature=float(rng.normal(0, 0.08)),
                                   tint=float(rng.normal(0, 0.05)), saturation=float(math.exp(rng.normal(0, 0.1)))),
                        None, 0.0, n)
        return bake(random_colour(rng), None, 0.0, n)
    base = bank[int(rng.integers(len(bank)))]
    if u < 0.55:       # a stock as it is, or two mixed, only nudged
        if rng.random() < 0.3:
            t = float(rng.uniform(0.2, 0.8))
            base = (1 - t) * base + t * bank[int(rng.integers(len(bank)))]
        p = FilmParams(exposure=float(rng.normal(0, 0.12)), temperature=float(rng.normal(0, 0.1)),
                       tint=float(rng.normal(0, 0.05)), saturation=float(math.exp(rng.normal(0, 0.1))))
        return bake(p, base, float(rng.uniform(0.6, 1.0)), n)
    if u < 0.72:       # a stock under random colour settings
        return bake(random_colour(rng), base, float(rng.uniform(0.5, 1.0)), n)
    return bake(random_colour(rng), None, 0.0, n)
