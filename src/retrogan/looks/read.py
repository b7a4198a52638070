"""A look read from reference photos by the look reader (issue #28; ``transfer.reader``): one 3D LUT of the structured
colour model, the same on every photo and every frame. A LutLook, so it exports, blends by strength and renders
like one; it also answers the adaptive-look calls (``theta``, ``render_theta``) with a fixed colour, so the film
and age layers (``LayeredLook``) and video (one grade for the clip, each frame its own grain) treat it like the
other reference looks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..luts.apply import blend_lut
from .base import LutLook


@dataclass(frozen=True)
class Fixed:
    """The θ of a look that does not adapt to the photo: nothing to predict or smooth."""


@dataclass
class ReadLook(LutLook):
    mono: float = 0.0          # the reader's probability that the references are a monochrome print
    arch: str = "fast"

    @property
    def labels(self) -> list[str]:
        return ["reference"]

    @property
    def label(self) -> int:
        return 0

    @property
    def model(self):
        return None

    def on(self, device: str) -> "ReadLook":
        return self

    def with_label(self, label: str) -> "ReadLook":
        return self

    def theta(self, rgb: np.ndarray) -> Fixed:
        return Fixed()

    def colour_table(self, rgb: np.ndarray | None = None, strength: float = 1.0) -> np.ndarray:
        return blend_lut(self.table, strength)

    def render_theta(self, rgb: np.ndarray, th, strength: float, seed: int, frame_index: int = 0) -> np.ndarray:
        return self.render(rgb, strength)
