"""Shot changes and flicker, from tiny per-frame signatures (pure functions of arrays; no video I/O here)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

SIGNATURE_SIZE = (64, 36)  # width, height of the frame thumbnail a signature is made from


def signature(thumb: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 thumbnail -> float32 signature: the thumbnail in [0, 1] (layout) and a coarse 3D colour
    histogram (content under motion)."""
    x = thumb.astype(np.float32) / 255.0
    q = np.minimum((x * 4).astype(np.int32), 3)
    hist = np.bincount((q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]).ravel(), minlength=64).astype(np.float32)
    return np.concatenate([x.ravel(), hist / hist.sum()])


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """0 (same) .. about 1: the mean of the thumbnails' mean absolute difference (x 4, so a hard cut is near 1)
    and the histograms' total-variation distance."""
    n = a.size - 64
    layout = float(np.abs(a[:n] - b[:n]).mean()) * 4
    hist = float(np.abs(a[n:] - b[n:]).sum()) / 2
    return min(1.0, 0.5 * (layout + hist))


@dataclass
class ShotDetector:
    """A cut where a frame differs from the one before by more than ``threshold`` and by more than ``ratio`` times
    the recent frame-to-frame change within the shot (so fast motion is not taken for a cut)."""

    threshold: float = 0.25
    ratio: float = 3.0
    min_length: int = 3
    _previous: np.ndarray | None = None
    _recent: deque = field(default_factory=lambda: deque(maxlen=24))
    _since_cut: int = 0

    def is_cut(self, sig: np.ndarray) -> bool:
        """Feed the next frame's signature; True when it starts a new shot (the first frame always does)."""
        prev, self._previous = self._previous, sig
        if prev is None:
            self._since_cut = 1
            return True
        d = distance(prev, sig)
        usual = float(np.median(self._recent)) if self._recent else 0.0
        cut = self._since_cut >= self.min_length and d > self.threshold and d > self.ratio * usual
        if cut:
            self._recent.clear()
            self._since_cut = 1
        else:
            self._recent.append(d)
            self._since_cut += 1
        return cut


def tone_and_colour(rgb: np.ndarray) -> np.ndarray:
    """(3,) mean Rec.709 luma and the two mean opponent colours (B - Y, R - Y) of an (h, w, 3) frame, in [0, 1]."""
    n = max(1, rgb.shape[0] * rgb.shape[1])  # exact integer sums per channel: 10x numpy's mean over a strided view
    acc = np.uint64 if rgb.dtype.kind == "u" else np.float64
    x = np.array([rgb[..., c].sum(dtype=acc) for c in range(3)], np.float64) / n
    x /= 65535.0 if rgb.dtype == np.uint16 else 255.0
    y = 0.2126 * x[0] + 0.7152 * x[1] + 0.0722 * x[2]
    return np.array([y, x[2] - y, x[0] - y])


def flicker(stats: np.ndarray, cuts: list[int] | None = None) -> float:
    """Mean frame-to-frame change of mean tone and colour (the L1 norm of the change of ``tone_and_colour``),
    leaving out the changes across shot cuts (``cuts``: indices of frames that start a shot)."""
    stats = np.asarray(stats, np.float64)
    if len(stats) < 2:
        return 0.0
    steps = np.abs(np.diff(stats, axis=0)).sum(axis=1)
    keep = np.ones(len(steps), bool)
    for c in cuts or []:
        if 1 <= c <= len(steps):
            keep[c - 1] = False
    return float(steps[keep].mean()) if keep.any() else 0.0
