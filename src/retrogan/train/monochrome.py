"""Is a look monochrome? Decided from its training targets, once, before training.

A monochrome process (a black-and-white film, a toned print, a cyanotype) gives every pixel a colour that depends on
its lightness only: the toning. So we bin the targets' pixels by CIELAB lightness and measure how far their (a*, b*)
lie from their bin's mean: about the grain's noise for a toned print, tens of units for a colour photo."""
from __future__ import annotations

import numpy as np

from ..metrics import srgb_to_lab

THRESHOLD = 6.0  # RMS chroma (ΔE units) left after the toning curve; measured: B&W and toned prints 0-2.7 (grain), colour looks 16-36


def chroma_beyond_toning(images: list[np.ndarray], bins: int = 32, max_pixels: int = 200_000,
                         rng: np.random.Generator | None = None) -> float:
    """RMS distance, in a*b* units, of the pixels' colour from the mean colour of their lightness bin. images:
    float (H, W, 3) sRGB in [0, 1] (or (3, H, W) tensors' numpy, transposed by the caller)."""
    rng = rng or np.random.default_rng(0)
    px = np.concatenate([np.asarray(i, np.float32).reshape(-1, 3) for i in images])
    if len(px) > max_pixels:
        px = px[rng.choice(len(px), max_pixels, replace=False)]
    lab = srgb_to_lab(np.clip(px, 0, 1)[None])[0]
    idx = np.clip((lab[:, 0] / 100 * bins).astype(int), 0, bins - 1)
    count = np.bincount(idx, minlength=bins)[:, None].clip(1)
    mean = np.stack([np.bincount(idx, lab[:, c], bins) for c in (1, 2)], 1) / count
    return float(np.sqrt(((lab[:, 1:] - mean[idx]) ** 2).sum(1).mean()))


def is_monochrome(looks: list[np.ndarray], sources: list[np.ndarray] | None = None) -> bool:
    """The look's pictures hold no colour beyond a toning, and (given the photos it was applied to) it took away
    most of theirs: a colour look on near-grey scenes is not mistaken for a monochrome process."""
    left = chroma_beyond_toning(looks)
    return left < THRESHOLD and (not sources or left < 0.3 * chroma_beyond_toning(sources))
