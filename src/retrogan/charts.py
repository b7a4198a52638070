"""Test charts and gamut-wide variants of photos: the colours ordinary photos rarely hold.

Everything here is float32 sRGB in [0, 1], (H, W, 3), made from numbers (no files), so tests, ``retrogan synth
--gamut``, the zoo's training data and ``benchmarks/gamut.py`` use the same charts. Randomness comes by argument.
"""
from __future__ import annotations

import numpy as np

from .metrics import linear_to_srgb, srgb_to_lab, srgb_to_linear

# (saturation, value) of the hue chart's bands, top to bottom
CHART_BANDS = [(s, v) for v in (1.0, 0.7, 0.4) for s in (1.0, 0.75, 0.5, 0.25)]
# sRGB skin tones from very light to very deep (the ten Monk Skin Tone scale swatches)
SKIN = ["f6ede4", "f3e7db", "f7ead0", "eadaba", "d7bd96", "a07e56", "825c43", "604134", "3a312a", "292420"]


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Hue in [0, 1), saturation and value in [0, 1] (broadcast) -> (..., 3) float32 sRGB."""
    h, s, v = np.broadcast_arrays(np.asarray(h, np.float32), np.asarray(s, np.float32), np.asarray(v, np.float32))
    k = np.stack([(5 + h * 6) % 6, (3 + h * 6) % 6, (1 + h * 6) % 6], -1)
    return (v[..., None] - v[..., None] * s[..., None] * np.clip(np.minimum(k, 4 - k), 0, 1)).astype(np.float32)


def hue_chart(width: int = 384, band: int = 16) -> np.ndarray:
    """Smooth hue sweeps (red -> yellow -> ... -> red, left to right) in bands of saturation and value."""
    hue = (np.arange(width, dtype=np.float32) + 0.5) / width
    rows = [np.repeat(hsv_to_rgb(hue, s, v)[None], band, 0) for s, v in CHART_BANDS]
    return np.concatenate(rows, 0)


def skin_chart(width: int = 384, band: int = 16) -> np.ndarray:
    """The skin swatches side by side, each from 60% to 120% of its exposure top to bottom (3 bands)."""
    swatches = np.array([[int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)] for c in SKIN], np.float32)
    cols = np.repeat(swatches, -(-width // len(SKIN)), 0)[:width]
    gains = np.repeat(np.array([0.6, 0.85, 1.0, 1.2], np.float32), band)
    return np.clip(cols[None] * gains[:, None, None], 0, 1)


def grey_ramp(width: int = 384, height: int = 32) -> np.ndarray:
    ramp = np.linspace(0, 1, width, dtype=np.float32)
    return np.repeat(np.repeat(ramp[None, :, None], height, 0), 3, 2)


def gamut_chart(width: int = 384) -> np.ndarray:
    """The hue chart, the skin chart and a grey ramp stacked: (192 + 64 + 32, width, 3)."""
    return np.concatenate([hue_chart(width), skin_chart(width), grey_ramp(width)], 0)


def sky_gradient(height: int = 256, width: int = 512) -> np.ndarray:
    """A smooth 'sky': deep blue at the top to a pale warm horizon, with a slow sideways drift in hue (float32,
    meant to be written at 16 bits)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    top, horizon = np.array([0.05, 0.18, 0.55], np.float32), np.array([0.95, 0.85, 0.75], np.float32)
    sky = top + (horizon - top) * y ** 1.3
    return np.clip(sky + 0.06 * (x - 0.5) * np.array([0.5, 0.0, -0.5], np.float32), 0, 1).astype(np.float32)


# --- gamut-wide variants of a photo --------------------------------------------------------------------------------

def saturate(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Scale the distance from each pixel's luma (amount 2 doubles saturation), clipped to the gamut."""
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return np.clip(luma[..., None] + amount * (rgb - luma[..., None]), 0, 1).astype(np.float32)


def rotate_hue(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate hue about the grey axis (a rotation in the plane orthogonal to (1, 1, 1)), clipped."""
    a = np.deg2rad(degrees)
    k = np.ones(3, np.float32) / np.sqrt(3)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]], np.float32)
    rot = np.eye(3, dtype=np.float32) + np.sin(a) * kx + (1 - np.cos(a)) * kx @ kx
    return np.clip(rgb @ rot.T, 0, 1).astype(np.float32)


def white_balance(rgb: np.ndarray, gains) -> np.ndarray:
    """Per-channel gains in linear light (a strong white-balance error), back to sRGB."""
    return linear_to_srgb(srgb_to_linear(rgb) * np.asarray(gains)).astype(np.float32)


def exposure(rgb: np.ndarray, stops: float) -> np.ndarray:
    return white_balance(rgb, [2.0 ** stops] * 3)


def gamut_variant(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One random gamut-wide version of a float photo: saturated, hue-rotated, white-balance shifted, neon (very
    saturated and bright) or deep shadows, often two of them together. -> (image, what was done)."""
    kinds = rng.choice(5, size=int(rng.integers(1, 3)), replace=False)
    out, said = rgb, []
    for k in kinds:
        if k == 0:
            a = float(rng.uniform(1.5, 3.0))
            out, what = saturate(out, a), f"saturation x{a:.1f}"
        elif k == 1:
            d = float(rng.uniform(30, 330))
            out, what = rotate_hue(out, d), f"hue {d:+.0f} deg"
        elif k == 2:
            g = np.exp(rng.normal(0, 0.45, 3)).astype(np.float32)
            g = g / g[1]
            out, what = white_balance(out, g), "white balance " + "/".join(f"{x:.2f}" for x in g)
        elif k == 3:
            out, what = exposure(saturate(out, 3.0), float(rng.uniform(0.3, 1.0))), "neon"
        else:
            s = float(rng.uniform(1.5, 3.0))
            out, what = exposure(out, -s), f"shadows -{s:.1f} stops"
        said.append(what)
    return out, ", ".join(said)


def chart_collage(rng: np.random.Generator, size: int = 512) -> np.ndarray:
    """A training picture of pure chart content: the gamut chart, randomly cropped, flipped and resized to
    size x size, beside a randomly hue-rotated copy (so thumbnails of charts vary too)."""
    chart = gamut_chart(size)
    top = int(rng.integers(0, max(1, chart.shape[0] - size // 2)))
    part = chart[top:top + size // 2]
    if part.shape[0] < size // 2:
        part = np.concatenate([part, chart[:size // 2 - part.shape[0]]], 0)
    other = rotate_hue(part[:, ::-1], float(rng.uniform(0, 360)))
    return np.ascontiguousarray(np.concatenate([part, other], 0)[:size, :size])


# --- measures ------------------------------------------------------------------------------------------------------

def hue_spread(rgb: np.ndarray, min_chroma: float = 4.0) -> float:
    """Circular standard deviation, in degrees, of the CIELAB hue angle of the pixels with chroma >= min_chroma,
    weighted by chroma: 0 for a print of one hue (a toned monochrome), tens of degrees for a colour picture. 0 if
    fewer than 0.5% of the pixels have that much chroma (a neutral print)."""
    lab = srgb_to_lab(np.clip(rgb, 0, 1).astype(np.float32)).reshape(-1, 3)
    return _circular_hue_spread(lab, min_chroma)


def hue_spread_by_tone(rgb: np.ndarray, min_chroma: float = 4.0, band: float = 5.0) -> float:
    """The largest `hue_spread` within one band of CIELAB lightness (L* bands `band` wide, each with at least 0.5% of
    the pixels): how far the hue varies among pixels of the same tone. A split-toned print (warm shadows, cool
    highlights) spreads its hue over the whole picture, but its hue is a function of tone, so this stays near 0; a
    print that leaves the input's colours shows its whole hue range within each band."""
    lab = srgb_to_lab(np.clip(rgb, 0, 1).astype(np.float32)).reshape(-1, 3)
    worst = 0.0
    for lo in np.arange(0.0, 100.0, band):
        inside = lab[(lab[:, 0] >= lo) & (lab[:, 0] < lo + band)]
        if len(inside) >= 0.005 * len(lab):
            worst = max(worst, _circular_hue_spread(inside, min_chroma))
    return worst


def _circular_hue_spread(lab: np.ndarray, min_chroma: float) -> float:
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    keep = chroma >= min_chroma
    if keep.mean() < 0.005:
        return 0.0
    h = np.arctan2(lab[keep, 2], lab[keep, 1])
    w = chroma[keep] / chroma[keep].sum()
    r = float(np.hypot((w * np.cos(h)).sum(), (w * np.sin(h)).sum()))
    return float(np.degrees(np.sqrt(-2 * np.log(max(r, 1e-12)))))


def blue_ramp(height: int = 256, width: int = 4) -> np.ndarray:
    """A smooth ramp from near-black navy to a bright saturated blue (vertical), where film LUTs bend hardest."""
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    low, high = np.array([0.0, 0.0, 0.15], np.float32), np.array([0.25, 0.3, 1.0], np.float32)
    return np.broadcast_to(low + t * (high - low), (height, width, 3)).astype(np.float32)


def gradient_charts(height: int = 256, width: int = 4) -> dict[str, np.ndarray]:
    """Smooth vertical gradients for banding checks: a sky, a deep-blue ramp and a grey ramp (float32)."""
    grey = np.broadcast_to(np.linspace(0, 1, height, dtype=np.float32)[:, None, None], (height, width, 3))
    return {"sky": sky_gradient(height, width), "blue": blue_ramp(height, width),
            "grey": np.ascontiguousarray(grey)}


def banding(profile: np.ndarray, k: int = 8) -> float:
    """Bands, ridges and steps along a smooth gradient: (N, C) values in [0, 1] -> code values of 255.

    The second difference at step k less a quarter of the one at step 2k: a smooth tone curve of any steepness
    gives the same curvature at both scales (so nothing), a feature narrower than ~2k samples (a ridge, a step, a
    ripple in a LUT) shows at the fine scale only. On a 256-sample chart, k = 8 is 1/32 of the range: two cells of
    a 65-point LUT."""
    p = np.asarray(profile, np.float64)
    x = np.arange(2 * k, len(p) - 2 * k)
    fine = p[x + k] - 2 * p[x] + p[x - k]
    coarse = (p[x + 2 * k] - 2 * p[x] + p[x - 2 * k]) / 4
    return float(np.abs(fine - coarse).max() * 255)


def max_second_difference(rgb: np.ndarray, axis: int = 1) -> float:
    """The largest |second difference| along an axis of a smooth chart, in code values of 255: a ridge, step or
    band in a look shows as a spike that the chart's own smooth curvature does not have."""
    d2 = np.diff(rgb.astype(np.float64), n=2, axis=axis)
    return float(np.abs(d2).max() * 255)
