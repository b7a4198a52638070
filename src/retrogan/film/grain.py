"""Film grain that is seeded, the same in tiles as in one piece, and the same when viewed at the same size at
any resolution.

The grain field is a periodic texture (period P pixels, chosen from the frame size only), made by Gaussian-filtering
white noise in the Fourier domain. Grain size is a fraction of the frame's short side, and the per-pixel noise
scales with pixel area, so a 16 MP render downsampled to 1 MP has the grain of a 1 MP render (the radially
averaged power spectrum in frame-relative frequency is shown in benchmarks/results). A pixel reads the texture at
its frame position plus an offset drawn from (seed, frame index): tiles agree exactly and every video frame differs.

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

import hashlib
from functools import lru_cache

import torch

from ._util import Frame, frame_of, is_zero, param

REFERENCE_SHORT_SIDE = 1000  # ``amount`` is the grain's standard deviation on a frame of this short side
TEXTURE_POOL = 4  # video frames cycle through this many textures, each at a fresh random offset
FILM_GRAIN_COLOUR = 0.15  # per-layer share of colour film's grain variance: chroma/luma 0.24 (benchmarks/grain.py)
FILM_GRAIN_ROUGHNESS = 0.25  # clumping: kurtosis 3 e^(4 r^2) = 3.9; real scans 3.0-4.5 (benchmarks/grain.py)
CLUMP_SCALE = 3.0  # a clump is this many grain sizes wide


def _hash(*values) -> int:
    return int.from_bytes(hashlib.blake2b(repr(values).encode(), digest_size=8).digest(), "little") & (2 ** 63 - 1)


def texture_period(frame: Frame) -> int:
    longest = max(frame.height, frame.width)
    return min(2048, max(64, 1 << (longest - 1).bit_length()))


def _gaussian_power(period: int, sigma_px: float) -> torch.Tensor:
    """|H(f)| of a Gaussian of sigma_px on the rfft2 grid of a period x period texture."""
    fy = torch.fft.fftfreq(period, dtype=torch.float64).view(-1, 1)
    fx = torch.fft.rfftfreq(period, dtype=torch.float64).view(1, -1)
    return torch.exp(-2 * (torch.pi * sigma_px) ** 2 * (fy ** 2 + fx ** 2))


def _filtered_variance(sigma_px: float, period: int = 256) -> float:
    """Variance of unit white noise after the Gaussian filter: the mean of |H|^2 over the full spectrum."""
    f = torch.fft.fftfreq(period, dtype=torch.float64)
    h = torch.exp(-2 * (torch.pi * sigma_px) ** 2 * (f.view(-1, 1) ** 2 + f.view(1, -1) ** 2))
    return float((h ** 2).mean())


@lru_cache(maxsize=8)  # up to 64 MB each: enough for a clip's variants, bounded for many photo sizes
def grain_texture(seed: int, variant: int, height: int, width: int, size: float,
                  roughness: float = 0.0, layers: int = 4) -> torch.Tensor:
    """(4, P, P) float32 periodic grain fields (one shared, three per-channel) for a frame of height x width; ``size`` is the grain's Gaussian sigma
    as a fraction of the short side. Cached: tiles and frames of one clip reuse it. Variants 1..7 are the mirror
    images and transposes of variant 0 (the same statistics, since the grain filter is isotropic) with the colour
    layers rotated: one FFT serves a whole clip. ``layers=1``: only the shared field (black-and-white grain, paper),
    the same numbers as the first of four at a quarter of the Fourier work."""
    if layers not in (1, 4):
        raise ValueError(f"layers is 1 or 4, not {layers}")
    if variant % 8:
        base = grain_texture(seed, 0, height, width, size, roughness, layers)
        v = variant % 8
        t = torch.cat([base[:1], base[1:].roll(v % 3, 0)])
        t = t.flip(-1) if v & 1 else t
        t = t.flip(-2) if v & 2 else t
        return (t.transpose(-1, -2) if v & 4 else t).contiguous()
    frame = Frame(height, width)
    period = texture_period(frame)
    sigma_px = size * frame.short
    sigma_ref = size * REFERENCE_SHORT_SIDE
    # white noise per pixel with std proportional to the pixel's linear size in frame units (1/short side), so the
    # filtered field has the same variance at every resolution wherever the grain is larger than a pixel
    scale = (frame.short / REFERENCE_SHORT_SIDE) / _filtered_variance(sigma_ref) ** 0.5
    gen = torch.Generator().manual_seed(_hash("grain", seed, variant))
    noise = torch.randn(4, period, period, generator=gen, dtype=torch.float32)
    spec = torch.fft.rfft2(noise[:layers])
    field = torch.fft.irfft2(spec * _gaussian_power(period, sigma_px).to(torch.complex64), s=(period, period)) * scale
    if roughness > 0:
        # each layer's clumps come from the next layer's noise, filtered wider and mirrored (independent of both
        # layers' fine fields, and no second forward FFT); exp(r c - r^2) keeps the variance: E[exp(2 r c)] = e^(2 r^2)
        wide = _gaussian_power(period, CLUMP_SCALE * sigma_px).to(torch.complex64)
        source = spec.roll(1, 0) if layers == 4 else torch.fft.rfft2(noise[3:])  # layer 0's clumps: layer 3's noise
        clumps = torch.fft.irfft2(source * wide, s=(period, period)).flip(-1, -2)
        clumps = clumps / clumps.std(dim=(-1, -2), keepdim=True).clamp_min(1e-12)
        field = field * torch.exp(roughness * clumps - roughness ** 2)
    return field.contiguous()


def grain_offsets(seed: int, frame_index: int, period: int) -> tuple[int, int]:
    h = _hash("offset", seed, frame_index)
    return h % period, (h // period) % period


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
    """Grain shows most in the mid-tones and least in deep shadow and clipped highlight: 0.35 .. 1.0, per dye layer
    (each channel by its own density, so a table lookup per channel renders it exactly)."""
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
