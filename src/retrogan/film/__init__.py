"""The film renderer: differentiable film and age effects, frame-relative so tiles, frames and resolutions agree.

Submodules import torch; this package itself does not, so the preset table can be listed quickly.
"""
from __future__ import annotations

_LAZY = {"FilmParams": "params", "jitter": "params", "render": "render", "apply_colour": "render",
         "bake_colour_lut": "render", "render_array": "fast", "PRESETS": "presets"}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
