"""The public Python API: ``stylize`` accepts a path, a PIL image, a numpy array or a Photo and returns the same kind
(a Photo for a path). The CLI and web UI are thin layers over this module and ``batch``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .imaging.photo import Photo, from_float, to_float
from .imaging.read import read_photo
from .looks.base import Look
from .looks.registry import resolve_style


def load_style(style: str | Look | None = None, *, knobs: dict[str, float] | None = None, no_damage: bool = False,
               no_border: bool = False) -> Look:
    """A bundled name, a path (.cube, HaldCLUT), an already loaded Look, or None for the default look. ``knobs``:
    film and age amounts on a bundled look (``retrogan.looks.knobs.KNOBS``: grain, grain_size, dust, ...);
    ``no_damage`` / ``no_border`` turn every kind of damage or the border off."""
    if hasattr(style, "apply"):
        if knobs or no_damage or no_border:
            raise TypeError("knobs apply to a look's name, not to a loaded Look")
        return style
    if knobs or no_damage or no_border:
        from .looks.knobs import look_with

        return look_with(style, knobs, no_damage=no_damage, no_border=no_border)
    return resolve_style(style)


def stylize(image: Any, style: str | Look | None = None, *, strength: float = 1.0, seed: int = 0,
            knobs: dict[str, float] | None = None, no_damage: bool = False, no_border: bool = False) -> Any:
    """Apply a retro look.

    image: a path (returns a Photo), a ``PIL.Image`` (returns one, alpha kept), a numpy (H, W, 3|4) array of
    uint8/uint16 or float in [0, 1] (returns the same dtype), or a Photo. knobs, no_damage, no_border: as
    ``load_style``.
    """
    look = load_style(style, knobs=knobs, no_damage=no_damage, no_border=no_border)
    if isinstance(image, Photo):
        return look.apply(image, strength=strength, seed=seed)
    if isinstance(image, (str, Path)):
        return look.apply(read_photo(image), strength=strength, seed=seed)
    if isinstance(image, np.ndarray):
        return _stylize_array(image, look, strength, seed)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        Image = None
    if Image is not None and isinstance(image, Image.Image):
        arr = np.asarray(image.convert("RGBA" if "A" in image.getbands() else "RGB"))
        out = _stylize_array(arr, look, strength, seed)
        return Image.fromarray(out, "RGBA" if out.shape[2] == 4 else "RGB")
    raise TypeError(f"stylize() takes a path, PIL image, numpy array or Photo, not {type(image).__name__}")


def _stylize_array(arr: np.ndarray, look: Look, strength: float, seed: int) -> np.ndarray:
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) or (H, W, 4) array, got {arr.shape}")
    is_float = arr.dtype.kind == "f"
    if is_float:
        rgb = from_float(arr[..., :3], 16)
        alpha = None
    else:
        if arr.dtype not in (np.uint8, np.uint16):
            raise ValueError(f"integer arrays must be uint8 or uint16, got {arr.dtype}")
        rgb, alpha = np.ascontiguousarray(arr[..., :3]), (arr[..., 3] if arr.shape[2] == 4 else None)
    out = look.apply(Photo(rgb=rgb, alpha=alpha), strength=strength, seed=seed).rgb
    if is_float:
        res = to_float(out).astype(arr.dtype)
        return np.dstack([res, arr[..., 3:]]) if arr.shape[2] == 4 else res
    return np.dstack([out, alpha]) if alpha is not None else out
