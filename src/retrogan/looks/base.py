"""The Look contract: ``apply(photo, strength=, seed=) -> Photo``; alpha, EXIF and bit depth are passed through."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..imaging.photo import Photo
from ..luts.apply import apply_lut, blend_lut

if TYPE_CHECKING:
    from ..film.params import FilmParams


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
        return photo.with_rgb(self.render(photo.rgb, strength))

    def render(self, rgb: np.ndarray, strength: float = 1.0) -> np.ndarray:
        """(H, W, 3) uint8 / uint16 / float through the table blended toward the identity by ``strength``."""
        table = blend_lut(self.table, strength)
        if rgb.dtype == np.uint8:
            from ..film.fast8 import lookup

            return lookup(rgb, table)
        return apply_lut(rgb, table)


def check_strength(strength: float) -> None:
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength}")


@dataclass
class FilmLook:
    """A film-renderer look (an era preset or any FilmParams), rendered by the fast full-resolution path."""

    name: str
    params: "FilmParams"

    def apply(self, photo: Photo, *, strength: float = 1.0, seed: int = 0) -> Photo:
        from ..film.fast import pad_border, render_array

        check_strength(strength)
        rgb = render_array(photo.rgb, self.params, strength=strength, seed=seed)
        alpha = photo.alpha
        if alpha is not None and rgb.shape[:2] != alpha.shape:  # a border: the frame itself is opaque
            alpha = pad_border(alpha, self.params.border, np.iinfo(alpha.dtype).max)
        return replace(photo, rgb=rgb, alpha=alpha, warnings=list(photo.warnings))
