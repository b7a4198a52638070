"""The grain field in numpy: seeded periodic noise textures, their offsets per frame, and the density weighting.

Without torch, so that the 8-bit lane (``fast8``) renders an era preset or a film stock without importing it (torch
costs more than a second of start-up, issue #31); ``grain`` wraps the same textures as tensors for the reference
renderer, so both paths draw the same grain.

A texture is Gaussian-filtered white noise, periodic in P pixels (P from the frame size only). The noise is drawn
directly as its spectrum (white noise's Fourier coefficients are independent complex Gaussians), so one inverse FFT
per layer makes it."""
from __future__ import annotations

import hashlib
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .frame import Frame

REFERENCE_SHORT_SIDE = 1000  # ``amount`` is the grain's standard deviation on a frame of this short side
TEXTURE_POOL = 4  # video frames cycle through this many textures, each at a fresh random offset
CLUMP_SCALE = 3.0  # a clump is this many grain sizes wide
FILM_GRAIN_COLOUR = 0.15  # per-layer share of colour film's grain variance: chroma/luma 0.24 (benchmarks/grain.py)
FILM_GRAIN_ROUGHNESS = 0.25  # clumping: kurtosis 3 e^(4 r^2) = 3.9; real scans 3.0-4.5 (benchmarks/grain.py)


def _hash(*values) -> int:
    return int.from_bytes(hashlib.blake2b(repr(values).encode(), digest_size=8).digest(), "little") & (2 ** 63 - 1)


def texture_period(frame: Frame) -> int:
    longest = max(frame.height, frame.width)
    return min(2048, max(64, 1 << (longest - 1).bit_length()))


def grain_offsets(seed: int, frame_index: int, period: int) -> tuple[int, int]:
    h = _hash("offset", seed, frame_index)
    return h % period, (h // period) % period


def gaussian_gain(period: int, sigma_px: float) -> np.ndarray:
    """|H(f)| of a Gaussian of sigma_px on the rfft2 grid of a period x period texture, float32."""
    fy = np.fft.fftfreq(period)[:, None]
    fx = np.fft.rfftfreq(period)[None, :]
    return np.exp(-2 * (math.pi * sigma_px) ** 2 * (fy ** 2 + fx ** 2)).astype(np.float32)


def filtered_variance(sigma_px: float, period: int = 256) -> float:
    """Variance of unit white noise after the Gaussian filter: the mean of |H|^2 over the full spectrum."""
    f = np.fft.fftfreq(period)
    h = np.exp(-2 * (math.pi * sigma_px) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    return float((h ** 2).mean())


def texture(seed: int, variant: int, height: int, width: int, size: float, roughness: float = 0.0,
            layers: int = 4) -> np.ndarray:
    """(layers, P, P) float32 periodic grain fields (one shared, three per-channel) of unit variance for a frame of
    height x width; ``size`` is the grain's Gaussian sigma as a fraction of the short side. Variants 1..7 are the
    mirror images and transposes of variant 0 (the same statistics, since the filter is isotropic) with the colour
    layers rotated: one FFT serves a whole clip. ``layers=1``: only the shared field (black-and-white grain, paper).
    ``roughness`` > 0 clumps it: the fine field's amplitude times exp(r c - r^2), c a unit field CLUMP_SCALE grains
    wide from another layer's noise (the same variance, heavier tails)."""
    if layers not in (1, 4):
        raise ValueError(f"layers is 1 or 4, not {layers}")
    if variant % 8:
        base = texture(seed, 0, height, width, size, roughness, layers)
        v = variant % 8
        t = np.concatenate([base[:1], np.roll(base[1:], v % 3, 0)])
        t = t[:, :, ::-1] if v & 1 else t
        t = t[:, ::-1] if v & 2 else t
        return np.ascontiguousarray(t.transpose(0, 2, 1) if v & 4 else t)
    frame = Frame(height, width)
    period = texture_period(frame)
    sigma_px = size * frame.short
    # white noise per pixel with std proportional to the pixel's linear size in frame units (1/short side), so the
    # filtered field has the same variance at every resolution wherever the grain is larger than a pixel
    scale = (frame.short / REFERENCE_SHORT_SIDE) / filtered_variance(size * REFERENCE_SHORT_SIDE) ** 0.5
    spectra = layers if roughness <= 0 or layers == 4 else 2  # one more for a single layer's clumps
    rng = np.random.default_rng(_hash("grain", seed, variant))
    # unit white noise's rfft2 coefficients: real and imaginary parts of variance P^2 / 2 each
    spec = rng.standard_normal((spectra, period, period // 2 + 1, 2), dtype=np.float32).view(np.complex64)[..., 0]
    spec *= np.float32(period / math.sqrt(2))
    fine = gaussian_gain(period, sigma_px)
    field = _irfft2(spec[:layers] * (fine * np.float32(scale)), period).astype(np.float32, copy=False)
    if roughness > 0:
        # each layer's clumps come from the next layer's noise, filtered wider and mirrored (independent of both
        # layers' fine fields); exp(r c - r^2) keeps the variance: E[exp(2 r c)] = e^(2 r^2)
        # (mirrored: a real field's mirror image has the conjugate spectrum)
        source = np.conj(np.roll(spec, 1, 0)[:layers] if layers == 4 else spec[1:2])
        clumps = _irfft2(source * gaussian_gain(period, CLUMP_SCALE * sigma_px), period)
        clumps = clumps.astype(np.float32, copy=False)
        clumps /= np.maximum(clumps[:, ::4].std(axis=(1, 2), keepdims=True), 1e-12)  # a quarter of the rows
        field *= np.exp(np.float32(roughness) * clumps - np.float32(roughness ** 2))
    return np.ascontiguousarray(field)


def _irfft2(spec: np.ndarray, period: int) -> np.ndarray:
    """The real fields of a stack of rfft2 spectra, the stack split over two threads (numpy's FFT releases the GIL:
    a 4K frame's four 2048-pixel layers are most of a look's first-image cost)."""
    if len(spec) < 2:
        return np.fft.irfft2(spec, s=(period, period))
    half = len(spec) // 2
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda a: np.fft.irfft2(a, s=(period, period)), (spec[:half], spec[half:])))
    return np.concatenate(parts)


def density_weight(y: np.ndarray) -> np.ndarray:
    """Grain shows most in the mid-tones and least in deep shadow and clipped highlight: 0.35 .. 1.0, per dye layer
    (each channel by its own density, so a table lookup per channel renders it exactly)."""
    y = np.clip(y, 0, 1)
    return 0.35 + 2.6 * y * (1 - y)
