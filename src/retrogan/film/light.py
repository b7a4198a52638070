"""The light of a look on a thumbnail grid, in numpy: vignette, edge burn, light leak, halation and bloom as a
per-channel gain G and additive light A (``lin * G + A``), which the 8-bit lane quantises into tables (``fast8``).

The same formulas as the reference optics (``optics``, torch), so a preset with light renders without importing
torch (issue #31); the glows blur the thumbnail directly (it is a few hundred pixels a side)."""
from __future__ import annotations

import math
import os

import numpy as np

from .frame import Frame
from .noise import _hash
from .params import FilmParams

try:  # the blur in C, built at install time when a compiler is present (setup.py)
    from . import _light
except ImportError:  # pragma: no cover - depends on the installation
    _light = None
USE_C = not os.environ.get("RETROGAN_NO_C")

REC709 = np.array((0.2126, 0.7152, 0.0722), np.float32)
HALATION_COLOUR, LEAK_COLOUR = (1.0, 0.32, 0.06), (1.0, 0.42, 0.08)
HALATION_THRESHOLD, BLOOM_THRESHOLD, LEAK_WIDTH = 0.55, 0.6, 0.35


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(x.dtype, copy=False)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055).astype(x.dtype, copy=False)


def leak_angle(p: FilmParams, seed: int) -> float:
    if p.leak_angle is not None:
        return p.leak_angle
    return (_hash("leak", seed) % 3600) / 3600 * 2 * math.pi


def leak_offset(seed: int) -> float:
    """Where along its edge a light leak is centred (-0.3 .. 0.3), from the seed."""
    return ((_hash("leak-offset", seed) % 100) / 100 - 0.5) * 0.6


def thumbnail8(rgb: np.ndarray, short_side: int) -> np.ndarray:
    """``thumbnail`` of an 8-bit frame as its (h, w, 3) uint8 values (Pillow's C box reduction, an order of magnitude
    faster than numpy's mean)."""
    from ..imaging.pixels import to_pillow

    k = max(1, min(rgb.shape[:2]) // short_side)
    return np.asarray(to_pillow(rgb, rgbx=True).reduce(k))[..., :3]


def thumbnail(rgb: np.ndarray, short_side: int) -> np.ndarray:
    """Box-filtered (h, w, 3) float32 thumbnail in [0, 1] with a short side of about ``short_side`` (at least)."""
    h, w = rgb.shape[:2]
    k = max(1, min(h, w) // short_side)
    if rgb.dtype == np.uint8:
        return thumbnail8(rgb, short_side).astype(np.float32) / np.float32(255.0)
    hh, ww = h // k * k, w // k * k
    small = rgb[:hh, :ww].reshape(hh // k, k, ww // k, k, 3).mean(axis=(1, 3), dtype=np.float32)
    return small / np.float32(65535.0)


def blur(x: np.ndarray, sigma_px: float) -> np.ndarray:
    """Separable Gaussian blur of (C, h, w), reflect-padded (a thumbnail: direct convolution is cheap)."""
    h, w = x.shape[-2:]
    radius = min(max(1, int(math.ceil(3 * sigma_px))), h - 1, w - 1)
    if sigma_px <= 0 or radius < 1:
        return x
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (t / sigma_px) ** 2)
    k = (k / k.sum()).astype(np.float32)
    y = _correlate(np.pad(x, ((0, 0), (0, 0), (radius, radius)), mode="reflect"), k, 2)
    return _correlate(np.pad(y, ((0, 0), (radius, radius), (0, 0)), mode="reflect"), k, 1)


def _correlate(y: np.ndarray, k: np.ndarray, axis: int) -> np.ndarray:
    """(C, h, w) float32 padded along ``axis`` (1: down, 2: across) -> sum_i k[i] y shifted by i, the 'valid' part:
    in C where it is built (bit for bit), else numpy's sum of shifted copies."""
    y = np.ascontiguousarray(y, np.float32)
    c, rows, cols = y.shape
    taps = len(k)
    if _light is not None and USE_C:
        out = np.empty((c, rows - taps + 1 if axis == 1 else rows, cols - taps + 1 if axis == 2 else cols), np.float32)
        _light.correlate(y, c, rows, cols, np.ascontiguousarray(k, np.float32), taps, axis, out)
        return out
    if axis == 2:
        return sum(k[i] * y[..., i: i + cols - taps + 1] for i in range(taps)).astype(np.float32)
    return sum(k[i] * y[:, i: i + rows - taps + 1] for i in range(taps)).astype(np.float32)


def _coords(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates relative to the frame centre in short sides: (h, 1), (1, w)."""
    ys = (np.arange(frame.height, dtype=np.float32) + 0.5 - frame.height / 2) / frame.short
    xs = (np.arange(frame.width, dtype=np.float32) + 0.5 - frame.width / 2) / frame.short
    return ys[:, None], xs[None, :]


def light_maps(thumb: np.ndarray, p: FilmParams, seed: int,
               lin: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-channel gain G and additive A maps (3, h, w) for an (h, w, 3) sRGB thumbnail of the graded image, or None
    when the look has neither (as ``optics``: vignette_gain, edge_burn_gain, halation_glow, bloom_glow,
    light_leak_map). lin: the thumbnail in linear light, (3, h, w) float32, where the caller has it (an 8-bit
    thumbnail through a table: the power function costs 10 ms a video frame)."""
    if not (p.vignette or p.edge_burn or p.light_leak or p.halation or p.bloom):
        return None
    h, w = thumb.shape[:2]
    frame = Frame(h, w)
    if (p.halation or p.bloom) and lin is None:
        lin = srgb_to_linear(np.ascontiguousarray(thumb.transpose(2, 0, 1), np.float32))
    ys, xs = _coords(frame)
    gain = np.ones((3, h, w), np.float32)
    add = np.zeros((3, h, w), np.float32)
    if p.vignette:
        half_diag = math.hypot(h, w) / 2 / frame.short
        r = np.sqrt(ys ** 2 + xs ** 2) / np.float32(half_diag)
        gain *= 1 - np.float32(p.vignette) * np.clip(r, 0, 1) ** 2
    if p.edge_burn:
        d = np.minimum(h / 2 / frame.short - np.abs(ys), w / 2 / frame.short - np.abs(xs))
        gain *= 1 - np.float32(p.edge_burn) * np.exp(-d / np.float32(0.06))
    if p.halation:
        hi = np.maximum(np.tensordot(REC709, lin, 1) - HALATION_THRESHOLD, 0) / (1 - HALATION_THRESHOLD)
        glow = blur(hi[None], p.halation_radius * frame.short)
        add += np.float32(p.halation) * glow * np.asarray(HALATION_COLOUR, np.float32)[:, None, None]
    if p.bloom:
        add += np.float32(p.bloom) * blur(np.maximum(lin - BLOOM_THRESHOLD, 0) / (1 - BLOOM_THRESHOLD),
                                          p.bloom_radius * frame.short)
    if p.light_leak:
        angle, offset = leak_angle(p, seed), leak_offset(seed)
        nx, ny = math.cos(angle), math.sin(angle)
        reach = abs(nx) * w / 2 / frame.short + abs(ny) * h / 2 / frame.short
        along = -ny * xs + nx * ys
        depth = reach - (nx * xs + ny * ys)
        leak = (np.exp(-np.maximum(depth, 0) / LEAK_WIDTH) * np.exp(-((along - offset) / (2 * LEAK_WIDTH)) ** 2)
                * np.float32(p.light_leak))
        leak = np.clip(leak[None] * np.asarray(LEAK_COLOUR, np.float32)[:, None, None], 0, 1)
        gain, add = gain * (1 - leak), add * (1 - leak) + leak
    return gain.astype(np.float32), add.astype(np.float32)
