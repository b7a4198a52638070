"""The Look contract: ``apply(photo, strength=, seed=) -> Photo``; alpha, EXIF and bit depth are passed through."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..imaging.photo import Photo
from ..luts.apply import apply_lut, blend_lut


class Look(Protocol):
    name: str

    def apply(self, photo: Photo, *, strength: float = 1.0, seed: int = 0) -> Photo: ...


@dataclass
class LutLook:
    """A global colour transform given as a 3D LUT ``table[b, g, r]`` (see ``luts.apply``)."""

    name: str
    table: np.ndarray

    def apply(self, photo: Photo, *, strength: float = 1.0, seed: int = 0) -> Photo:
        check_strength(strength)
        if strength == 0.0:
            return photo.with_rgb(photo.rgb.copy())
        return photo.with_rgb(apply_lut(photo.rgb, blend_lut(self.table, strength)))


def check_strength(strength: float) -> None:
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")
