"""Film grain that is seeded, the same in tiles as in one piece, and the same when viewed at the same size at
any resolution.

The grain field is a periodic texture (period P pixels, chosen from the frame size only), made by Gaussian-filtering
white noise in the Fourier domain (``noise.texture``, in numpy, shared with the 8-bit lane). Grain size is a fraction
of the frame's short side, and the per-pixel noise scales with pixel area, so a 16 MP render downsampled to 1 MP has
the grain of a 1 MP render (the radially averaged power spectrum in frame-relative frequency is shown in
benchmarks/results). A pixel reads the texture at its frame position plus an offset drawn from (seed, frame index):
tiles agree exactly and every video frame differs.

Film grain is dye clouds, not pixel noise (issue #31):
- **Shared between the layers.** Each dye layer's field is a shared part plus a per-layer part; ``colour`` is the
  per-layer share of the variance. Colour negative film measures a chroma-to-luma noise ratio of about 0.2-0.36 on
  flat patches of real scans (benchmarks/grain.py), which ``FILM_GRAIN_COLOUR`` gives; 1 would be independent red,
  green and blue speckle (digital noise), 0 black-and-white film.
- **Clumped.** ``roughness`` > 0 modulates the fine field's amplitude by a smooth log-normal field a few grains wide
  (clouds gather in groups, so some patches are grainier than others): heavier tails than Gaussian noise, the same
  variance.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from ._util import Frame, frame_of, is_zero, param
# the textures and their offsets live in ``noise`` (numpy); these names are re-exported for the film ops
from .noise import (FILM_GRAIN_COLOUR, FILM_GRAIN_ROUGHNESS, REFERENCE_SHORT_SIDE, TEXTURE_POOL,  # noqa: F401
                    _hash, grain_offsets, texture, texture_period)


@lru_cache(maxsize=8)  # up to 64 MB each: enough for a clip's variants, bounded for many photo sizes
def grain_texture(seed: int, variant: int, height: int, width: int, size: float,
                  roughness: float = 0.0, layers: int = 4) -> torch.Tensor:
    """(layers, P, P) float32 periodic grain fields (``noise.texture``, the numpy texture the 8-bit lane reads too)
    as a tensor. Cached: tiles and frames of one clip reuse it."""
    return torch.from_numpy(texture(seed, variant, height, width, size, roughness, layers))


def grain_field(x: torch.Tensor, size: float, colour, seed: int, frame_index: int,
                frame: Frame | None, roughness: float = 0.0) -> torch.Tensor:
    """(1 or B, 3, h, w) zero-mean grain for x's pixels; colour 0 = the same grain in every channel (B&W film),
    1 = independent per channel (digital noise; colour film is about ``FILM_GRAIN_COLOUR``)."""
    f = frame_of(x, frame)
    tex = grain_texture(int(seed), int(frame_index) % TEXTURE_POOL, f.height, f.width, float(size),
                        float(roughness), 1 if is_zero(colour) else 4)
    period = tex.shape[-1]
    oy, ox = grain_offsets(int(seed), int(frame_index), period)
    h, w = x.shape[-2:]
    n = _wrapped(_wrapped(tex, 1, f.top + oy, h), 2, f.left + ox, w).to(device=x.device, dtype=x.dtype).unsqueeze(0)
    if is_zero(colour):
        return n[:, :1].expand(-1, 3, -1, -1)
    c = param(colour, x).clamp(0, 1)
    return torch.sqrt(1 - c) * n[:, :1] + torch.sqrt(c) * n[:, 1:]


def _wrapped(t: torch.Tensor, dim: int, start: int, length: int) -> torch.Tensor:
    """t[start : start + length] along ``dim`` of a periodic tensor, as contiguous slices (much cheaper than a
    gather of wrapped indices)."""
    period = t.shape[dim]
    start %= period
    if start + length <= period:
        return t.narrow(dim, start, length)
    parts, pos, left = [], start, length
    while left > 0:
        take = min(left, period - pos)
        parts.append(t.narrow(dim, pos, take))
        left -= take
        pos = 0
    return torch.cat(parts, dim)


def density_weight(x: torch.Tensor) -> torch.Tensor:
    """Grain shows most in the mid-tones and least in deep shadow and clipped highlight (``noise.density_weight``)."""
    y = x.clamp(0, 1)
    return 0.35 + 2.6 * y * (1 - y)


def grain(x: torch.Tensor, amount=0.0, size: float = 0.0008, colour=0.0, seed: int = 0, frame_index: int = 0,
          frame: Frame | None = None, roughness: float = 0.0) -> torch.Tensor:
    """Add film grain (identity: amount 0). amount: standard deviation in sRGB units on a 1000-px-high frame at
    mid-grey; size: grain sigma as a fraction of the short side (0.0008 = 1.7 px at 4K); colour: the per-layer
    share; roughness: clumping (module docstring)."""
    if is_zero(amount):
        return x
    n = grain_field(x, size, colour, seed, frame_index, frame, roughness)
    return (x + param(amount, x) * density_weight(x) * n).clamp(0.0, 1.0)
