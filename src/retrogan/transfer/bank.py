"""Training looks with known answers: film LUTs, the film renderer's colour presets, and random mixtures and
perturbations of them (so the encoder learns the space between stocks, not a list of them). ``sample`` is seeded by
the generator passed in."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..film import lut as L


def load_luts(files: list[Path], size: int) -> torch.Tensor:
    """HaldCLUT files -> (n, 3, size, size, size)."""
    from ..luts.apply import resample_lut
    from ..luts.hald import read_hald

    return torch.stack([L.from_table(resample_lut(read_hald(f), size)) for f in files])


def preset_luts(names: list[str], size: int) -> torch.Tensor:
    """The colour part of film-renderer presets (those with no stock LUT of their own) -> (n, 3, size^3)."""
    from ..film.presets import PRESETS
    from ..film.render import bake_colour_lut

    return torch.stack([L.from_table(bake_colour_lut(PRESETS[n].params, size)) for n in names])


RECIPE = ("a", "b", "t", "gain", "contrast", "saturation", "cast_r", "cast_g", "cast_b")  # one sampled look


def sample_recipe(n: int, rng: np.random.Generator, p_plain: float = 0.4, perturb: float = 1.0) -> np.ndarray:
    """A look of the bank's family as numbers (``RECIPE``, float64): bank look ``a``, mixed with look ``b`` by ``t``
    (probability 1 - ``p_plain``), then a random global perturbation scaled by ``perturb`` (0: none)."""
    a = b = int(rng.integers(n))
    t = 0.0
    if rng.random() >= p_plain:
        t = float(rng.uniform(0.2, 0.8))
        b = int(rng.integers(n))
    gain, contrast, sat, cast = _draw_adjustment(rng, perturb) if perturb else (1.0, 1.0, 1.0, np.zeros(3))
    return np.array([a, b, t, gain, contrast, sat, *cast], dtype=np.float64)


def _draw_adjustment(rng: np.random.Generator, scale: float):
    """A random exposure gain, contrast, saturation and colour cast (``adjust_lut``'s arguments)."""
    gain = 2 ** (rng.normal(0, 0.15 * scale))
    contrast = float(np.exp(rng.normal(0, 0.12 * scale)))
    sat = float(np.exp(rng.normal(0, 0.2 * scale)))
    return gain, contrast, sat, rng.normal(0, 0.02 * scale, 3)


def _unadjusted(recipe: np.ndarray) -> bool:
    return bool(np.array_equal(recipe[3:], [1, 1, 1, 0, 0, 0]))


def render_recipe(luts: torch.Tensor, recipe: np.ndarray) -> torch.Tensor:
    """``luts`` (n, 3, N, N, N), a ``RECIPE`` -> (3, N, N, N)."""
    a, b, t = int(recipe[0]), int(recipe[1]), float(recipe[2])
    y = luts[a]
    if t:
        y = (1 - t) * y + t * luts[b]
    if _unadjusted(recipe):
        return y
    return adjust_lut(y, float(recipe[3]), float(recipe[4]), float(recipe[5]), recipe[6:])


def recipe_name(names: list[str], recipe: np.ndarray) -> str:
    a, b, t = int(recipe[0]), int(recipe[1]), float(recipe[2])
    look = f"[{1 - t:.0%} {names[a]} + {t:.0%} {names[b]}]" if t else names[a]
    return look if _unadjusted(recipe) else f"{look} (adjusted)"


class LookBank:
    """``luts`` (n, 3, N, N, N). A sample is one bank look (probability ``p_plain``) or a mixture of two, then a
    random global perturbation: exposure, contrast, saturation and a colour cast applied to the LUT's output."""

    def __init__(self, luts: torch.Tensor, p_plain: float = 0.4, perturb: float = 1.0) -> None:
        self.luts, self.p_plain, self.perturb = luts, p_plain, perturb

    def sample(self, rng: np.random.Generator) -> torch.Tensor:
        return render_recipe(self.luts, sample_recipe(len(self.luts), rng, self.p_plain, self.perturb))


def perturb_lut(lut: torch.Tensor, rng: np.random.Generator, scale: float = 1.0) -> torch.Tensor:
    """A nearby look: the LUT's output through a small exposure / contrast / saturation / cast change."""
    return adjust_lut(lut, *_draw_adjustment(rng, scale))


def adjust_lut(lut: torch.Tensor, gain: float, contrast: float, sat: float, cast) -> torch.Tensor:
    """The LUT's output through an exposure gain, a contrast about mid-grey, a saturation and an additive cast."""
    cast = torch.tensor(np.asarray(cast), dtype=lut.dtype).view(3, 1, 1, 1)
    y = (lut * gain).clamp(0, 1)
    y = ((y - 0.5) * contrast + 0.5).clamp(0, 1)
    grey = (0.2126 * y[0] + 0.7152 * y[1] + 0.0722 * y[2]).unsqueeze(0)
    y = grey + sat * (y - grey)
    return (y + cast).clamp(0, 1)
