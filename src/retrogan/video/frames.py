"""A look rendered frame by frame: parameters held steady within a shot, grain that moves every frame.

- Film looks (era presets, film-renderer parameters) have fixed parameters; each frame gets its own grain and
  marks (``frame_index``) from the clip's seed, and glows follow the frame's highlights.
- Learned image-adaptive looks (the cGAN's fast generator) predict θ from each frame's thumbnail; within a shot θ
  is an exponential moving average of the predictions (no jumps in tone or colour from frame to frame), and a shot
  cut starts afresh from the new shot's first frame.
- Fixed colour looks (.cube, HaldCLUT, bundled stocks) are one LUT for the whole clip.
- Film looks move like film (``film.motion``): exposure flicker and breath before the look, gate weave after it,
  and a camera's cadence by holding frames (a held frame is not rendered again).
"""
from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from ..imaging.photo import Photo


def smooth(previous, current, alpha: float):
    """θ_prev + alpha (θ_cur - θ_prev) field by field (tensors of a dataclass of tensors). A field a generator
    does not predict (None: the transfer model's grain colour and colour residual) stays as the current θ has it."""
    if previous is None:
        return current
    return replace(current, **{f.name: getattr(previous, f.name) + alpha * (getattr(current, f.name)
                                                                           - getattr(previous, f.name))
                               for f in fields(current)
                               if getattr(current, f.name) is not None and getattr(previous, f.name) is not None})


class FrameRenderer:
    def __init__(self, look, *, strength: float = 1.0, seed: int = 0, smoothing: float = 0.15, fps: float = 24.0):
        from ..film.motion import Cadence

        self.look, self.strength, self.seed, self.alpha, self.fps = look, strength, seed, smoothing, fps
        self.theta = None
        self.adaptive = hasattr(look, "theta") and getattr(look, "arch", "fast") == "fast"
        params = getattr(look, "params", None)
        self.cadence = Cadence(params.cadence if params is not None else 0.0, fps)
        self.last: np.ndarray | None = None

    def _film_params(self):
        """A film look's parameters at this strength, or None (another kind of look, or strength 0)."""
        params = getattr(self.look, "params", None)
        return params.scaled(self.strength) if params is not None and self.strength > 0 else None

    @property
    def new_grain_every_frame(self) -> bool:
        """A film look whose grain is drawn afresh for each frame (a learned look's grain is not known before its
        first frame)."""
        p = self._film_params()
        return p is not None and p.grain > 0

    @property
    def lays_texture(self) -> bool:
        """A film look that lays grain or a paper texture over every frame."""
        p = self._film_params()
        return p is not None and (p.grain > 0 or p.paper > 0)

    def render(self, rgb: np.ndarray, frame_index: int, new_shot: bool) -> np.ndarray:
        """(H, W, 3) uint8 frame -> the look (same size)."""
        if self.strength == 0.0:
            return rgb
        if self.last is not None and not new_shot and self.cadence.held(frame_index):
            return self.last  # the camera did not catch this frame: the previous one is shown again
        self.last = out = self._render(rgb, frame_index, new_shot)
        return out

    def _render(self, rgb: np.ndarray, frame_index: int, new_shot: bool) -> np.ndarray:
        if self.adaptive:
            th = self.look.theta(rgb)
            self.theta = smooth(None if new_shot else self.theta, th, self.alpha)
            return self.look.render_theta(rgb, self.theta, self.strength, self.seed, frame_index)
        params = getattr(self.look, "params", None)
        if params is not None:  # a film look: same parameters, this frame's grain, marks and motion
            from ..film import motion
            from ..film.fast import render_array

            p = params.scaled(self.strength)
            move = motion.frame_motion(p.weave, p.flicker, p.breath, seed=self.seed, frame_index=frame_index,
                                       fps=self.fps, height=rgb.shape[0], width=rgb.shape[1])
            exposure = motion.exposure_tables(move.gains) if move.gains != (1.0, 1.0, 1.0) else None
            out = render_array(rgb, replace(p, border=None), seed=self.seed, frame_index=frame_index,
                               exposure=exposure)
            return motion.shift(out, move.dy, move.dx) if (move.dy or move.dx) else out
        return self.look.apply(Photo(rgb=rgb), strength=self.strength, seed=self.seed).rgb
