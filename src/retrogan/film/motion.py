"""Film that moves like film, for video only (a still gets none of it):

- **gate weave**: the frame drifts a little in the gate, slowly and boundedly (a few sinusoids of random phase
  and frequency plus a per-frame jitter), more vertically than sideways; the whole rendered frame moves, grain and
  dust with it, and the edge rows and columns are repeated into the gap;
- **exposure flicker**: each frame's exposure differs a little (uneven shutter, lamp and development), applied in
  linear light before the look, so it goes through the film's tone curve;
- **breath**: the dye layers' density wanders slowly and separately (a gentle colour breathing);
- **cadence**: footage at 24/25/30 fps shown at a film camera's rate (e.g. 18 fps) by holding frames, as a
  projector shows a frame until the next one comes.

Everything is a pure function of (seed, frame index, frame rate): a clip renders the same twice, and frames can
be rendered in any order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .grain import _hash

WEAVE_MAX = 0.004   # weave 1: the frame moves up to this fraction of its short side (4 px at 1080p)
FLICKER_MAX = 0.08  # flicker 1: exposure varies by up to about +-8% (a ninth of a stop)
BREATH_MAX = 0.03   # breath 1: each dye layer's density varies by up to about +-3%


@dataclass(frozen=True)
class FrameMotion:
    dy: int
    dx: int
    gains: tuple[float, float, float]  # per channel, in linear light

    @property
    def still(self) -> bool:
        return self.dy == 0 and self.dx == 0 and all(g == 1.0 for g in self.gains)


def _rng(seed: int, *key) -> np.random.Generator:
    return np.random.default_rng(_hash("motion", seed, *key))


def _wander(seed: int, name: str, t: float, low_hz: float, high_hz: float, n: int = 3) -> float:
    """A smooth random signal in [-1, 1]: the mean of ``n`` sinusoids of random frequency and phase."""
    r = _rng(seed, name)
    freqs = r.uniform(low_hz, high_hz, n)
    phases = r.uniform(0, 2 * math.pi, n)
    return float(np.mean(np.sin(2 * math.pi * freqs * t + phases)))


def _jitter(seed: int, name: str, frame_index: int) -> float:
    return float(_rng(seed, name, frame_index).uniform(-1, 1))


def frame_motion(weave: float, flicker: float, breath: float, *, seed: int, frame_index: int, fps: float,
                 height: int, width: int) -> FrameMotion:
    """The movement and exposure of one video frame (amounts 0..1; identity when all are 0)."""
    t = frame_index / max(fps, 1e-6)
    dy = dx = 0
    if weave:
        reach = weave * WEAVE_MAX * min(height, width)
        wy = 0.7 * _wander(seed, "weave-y", t, 0.2, 1.5) + 0.3 * _jitter(seed, "jitter-y", frame_index)
        wx = 0.7 * _wander(seed, "weave-x", t, 0.2, 1.5) + 0.3 * _jitter(seed, "jitter-x", frame_index)
        dy, dx = int(round(reach * wy)), int(round(0.5 * reach * wx))
    gain = 1.0
    if flicker:
        gain += flicker * FLICKER_MAX * (0.6 * _jitter(seed, "flicker", frame_index)
                                         + 0.4 * _wander(seed, "flicker-slow", t, 0.5, 3.0))
    gains = [gain] * 3
    if breath:
        gains = [g * (1 + breath * BREATH_MAX * _wander(seed, f"breath-{c}", t, 0.1, 0.8)) for c, g in
                 enumerate(gains)]
    return FrameMotion(dy, dx, tuple(float(g) for g in gains))


@dataclass
class Cadence:
    """Which frames of a clip at ``fps`` a film camera at ``rate`` fps would have caught: a frame whose cadence
    tick is the previous frame's is held (shown again). ``rate`` 0 or >= fps: every frame is new."""
    rate: float
    fps: float

    def tick(self, frame_index: int) -> int:
        if not self.rate or self.rate >= self.fps:
            return frame_index
        return int(math.floor(frame_index * self.rate / self.fps + 1e-9))

    def held(self, frame_index: int) -> bool:
        return frame_index > 0 and self.tick(frame_index) == self.tick(frame_index - 1)


def exposure_tables(gains: tuple[float, float, float]) -> np.ndarray:
    """(3, 256) uint8: each channel's code values times its gain in linear light."""
    from ..metrics import linear_to_srgb, srgb_to_linear

    v = srgb_to_linear(np.arange(256) / 255.0)
    return np.stack([np.round(np.clip(linear_to_srgb(np.clip(v * g, 0, 1)), 0, 1) * 255) for g in gains]
                    ).astype(np.uint8)


def expose(rgb: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """(H, W, 3) uint8 with each channel's exposure scaled (a new, read-only array). A film look's renderer takes
    ``exposure_tables`` instead and folds them into its colour pass."""
    from .fast8 import through_tables

    return through_tables(rgb, exposure_tables(gains))


def shift(rgb: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The frame moved by (dy, dx) pixels, its edge rows and columns repeated into the gap (a new array; an RGBX
    view moves as whole 4-byte words and stays one)."""
    from ..imaging.pixels import rgbx_base

    base = rgbx_base(rgb)
    if base is not None:
        h, w = rgb.shape[:2]
        return _shift(base.view(np.uint32)[..., 0], dy, dx).view(np.uint8).reshape(h, w, 4)[..., :3]
    return _shift(rgb, dy, dx)


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    h, w = a.shape[:2]
    dy, dx = max(-h + 1, min(h - 1, dy)), max(-w + 1, min(w - 1, dx))
    out = np.empty_like(a)
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = a[ys, xs]
    if dy > 0:
        out[:dy] = out[dy:dy + 1]
    elif dy < 0:
        out[h + dy:] = out[h + dy - 1:h + dy]
    if dx > 0:
        out[:, :dx] = out[:, dx:dx + 1]
    elif dx < 0:
        out[:, w + dx:] = out[:, w + dx - 1:w + dx]
    return out
