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


class LookBank:
    """``luts`` (n, 3, N, N, N). A sample is one bank look (probability ``p_plain``) or a mixture of two, then a
    random global perturbation: exposure, contrast, saturation and a colour cast applied to the LUT's output."""

    def __init__(self, luts: torch.Tensor, p_plain: float = 0.4, perturb: float = 1.0) -> None:
        self.luts, self.p_plain, self.perturb = luts, p_plain, perturb

    def sample(self, rng: np.random.Generator) -> torch.Tensor:
        n = len(self.luts)
        a = self.luts[rng.integers(n)]
        if rng.random() >= self.p_plain:
            t = float(rng.uniform(0.2, 0.8))
            a = (1 - t) * a + t * self.luts[rng.integers(n)]
        return perturb_lut(a, rng, self.perturb) if self.perturb else a


def perturb_lut(lut: torch.Tensor, rng: np.random.Generator, scale: float = 1.0) -> torch.Tensor:
    """A nearby look: the LUT's output through a small exposure / contrast / saturation / cast change."""
    y = lut
    gain = 2 ** (rng.normal(0, 0.15 * scale))
    contrast = float(np.exp(rng.normal(0, 0.12 * scale)))
    sat = float(np.exp(rng.normal(0, 0.2 * scale)))
    cast = torch.tensor(rng.normal(0, 0.02 * scale, 3), dtype=lut.dtype).view(3, 1, 1, 1)
    y = (y * gain).clamp(0, 1)
    y = ((y - 0.5) * contrast + 0.5).clamp(0, 1)
    grey = (0.2126 * y[0] + 0.7152 * y[1] + 0.0722 * y[2]).unsqueeze(0)
    y = grey + sat * (y - grey)
    return (y + cast).clamp(0, 1)
