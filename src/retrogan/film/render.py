"""The film renderer, differentiable: FilmParams applied to (B, 3, H, W) sRGB in [0, 1] with the pure ops.

This is the reference (and the training path). ``fast.py`` renders the same look on full-resolution photos by
baking the colour part into a 3D LUT and working in strips.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from . import colour as C
from . import optics as O
from ._util import Frame
from .border import border
from .damage import damage, paper_texture
from .grain import grain
from .light import leak_angle, leak_offset
from .lut import from_table, lut_grid_image, trilinear
from .params import FilmParams


@lru_cache(maxsize=8)
def stock_lut(name: str) -> torch.Tensor:
    """(3, N, N, N) LUT of a bundled film stock."""
    from ..luts.stocks import stock_table

    return from_table(stock_table(name))


def apply_colour(x: torch.Tensor, p: FilmParams) -> torch.Tensor:
    """The pointwise colour pipeline, in order. x: (B, 3, *) sRGB in [0, 1]."""
    if p.stock and p.stock_mix != 0:
        shape = x.shape
        flat = x.reshape(shape[0], 3, -1, 1)
        y = trilinear(flat, stock_lut(p.stock).to(x)).reshape(shape)
        x = x + p.stock_mix * (y - x)
    x = C.exposure(x, p.exposure)
    x = C.white_balance(x, p.temperature, p.tint)
    x = C.dye_crosstalk(x, p.crosstalk)
    x = C.saturation(x, p.saturation)
    x = C.characteristic_curve(x, p.gamma, p.toe, p.shoulder)
    x = C.monochrome(x, C.EMULSIONS[p.emulsion], p.mono)
    x = C.tone(x, p.toner, p.toning)
    x = C.fade(x, p.fade_black, p.fade_white)
    x = C.tint(x, p.tint_colour, p.tint_amount)
    return C.yellowing(x, p.yellowing)


def bake_colour_lut(p: FilmParams, n: int = 33) -> np.ndarray:
    """The colour pipeline as an (n, n, n, 3) table [b, g, r] (float64 evaluation, float32 result)."""
    with torch.no_grad():
        grid = lut_grid_image(n, torch.float64)
        out = apply_colour(grid, p).clamp(0, 1)
    return out.reshape(3, n, n, n).permute(1, 2, 3, 0).numpy().astype(np.float32)


def apply_optics(x: torch.Tensor, p: FilmParams, seed: int, frame: Frame | None) -> torch.Tensor:
    x = O.halation(x, p.halation, p.halation_radius, frame=frame)
    x = O.bloom(x, p.bloom, p.bloom_radius, frame=frame)
    x = O.softness(x, p.softness, frame=frame)
    x = O.chromatic_aberration(x, p.chromatic_aberration, frame=frame)
    x = O.vignette(x, p.vignette, frame=frame)
    x = O.edge_burn(x, p.edge_burn, frame=frame)
    return O.light_leak(x, p.light_leak, leak_angle(p, seed), offset=leak_offset(seed),
                        frame=frame)


def render(x: torch.Tensor, p: FilmParams, *, strength: float = 1.0, seed: int = 0, frame_index: int = 0,
           frame: Frame | None = None) -> torch.Tensor:
    """Render a look. x: (B, 3, H, W) sRGB in [0, 1]. With a border the output is larger than the input."""
    p = p.scaled(strength)
    x = apply_colour(x, p)
    x = apply_optics(x, p, seed, frame)
    x = grain(x, p.grain, p.grain_size, p.grain_colour, seed=seed, frame_index=frame_index,
              roughness=p.grain_roughness, frame=frame)
    x = paper_texture(x, p.paper, seed=seed, frame=frame)
    x = damage(x, p.dust, p.hairs, p.scratches, p.cracks, p.creases, p.light_dust, seed=seed,
               frame_index=frame_index, frame=frame)
    return border(x, p.border)
