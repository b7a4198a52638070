"""The global colour transform of any look, as an (N, N, N, 3) table ``[b, g, r]`` (the .cube order).

- a LUT look: its table (blended toward the identity by strength), resampled to N points;
- a film look (an era preset): the colour stage of the film renderer, baked; the spatial film layer (grain,
  vignette, halation, marks) has no LUT form and is left out;
- a trained fast generator: the LUT it predicts for one photo (``for_rgb``: image-adaptive looks differ per photo
  or shot) or, without a photo, the style's own global LUT (its analyser's per-photo basis weights at their learned
  bias); the local grid and film layer are left out.
"""
from __future__ import annotations

import numpy as np

from ..errors import StyleError
from ..luts.apply import blend_lut, resample_lut


def colour_lut(look, size: int = 33, strength: float = 1.0, for_rgb: np.ndarray | None = None) -> np.ndarray:
    from ..looks.base import FilmLook, LutLook, check_strength
    from ..looks.gan import GanLook
    from ..looks.layered import LayeredLook

    check_strength(strength)
    if not 2 <= size <= 256:
        raise ValueError(f"LUT size must be 2..256, got {size}")
    if isinstance(look, LutLook):
        return resample_lut(blend_lut(look.table, strength), size)
    if isinstance(look, FilmLook):
        from ..film.fast import colour_table

        return resample_lut(colour_table(look.params.scaled(strength)), size)
    if isinstance(look, LayeredLook):  # its colour: the reader's, or a monochrome print's toning
        table = look.colour_table(for_rgb, strength)
        return resample_lut(table, size) if table.shape[0] != size else table
    if isinstance(look, GanLook):
        if look.arch != "fast":
            raise StyleError(f"{look.name}: a {look.arch} generator has no global colour transform to export; "
                             f"only the fast generator does")
        table = look.colour_table(for_rgb, strength)
        return resample_lut(table, size) if table.shape[0] != size else table
    raise StyleError(f"{getattr(look, 'name', look)}: this kind of look cannot be exported as a LUT")


def native_colour_table(look) -> np.ndarray:
    """A look's colour transform as it renders it, at its own size (a LUT look's table; a film look's baked colour
    stage; a learned look's global LUT): what draws bands on smooth gradients, if anything does."""
    from ..looks.base import FilmLook, LutLook
    from ..looks.gan import GanLook
    from ..looks.layered import LayeredLook

    if isinstance(look, LutLook):
        return look.table
    if isinstance(look, FilmLook):
        from ..film.fast import colour_table

        return colour_table(look.params)
    if isinstance(look, (GanLook, LayeredLook)):
        return look.colour_table(None, 1.0)
    return colour_lut(look)  # raises for a look with no colour table
