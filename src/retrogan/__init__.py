"""retrogan: authentic retro looks for modern photos and video.

    >>> import retrogan
    >>> out = retrogan.stylize("photo.jpg", "kodachrome-25", strength=0.8)   # -> Photo
    >>> retrogan.write_photo(out, "photo.retro.jpg")

Heavy modules (numpy, torch, Pillow) load on first use, so ``retrogan --help`` stays fast.
"""
from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "stylize": ("retrogan.api", "stylize"),
    "load_style": ("retrogan.api", "load_style"),
    "read_photo": ("retrogan.imaging", "read_photo"),
    "write_photo": ("retrogan.imaging", "write_photo"),
    "Photo": ("retrogan.imaging", "Photo"),
    "STYLES": ("retrogan.looks", "STYLES"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'retrogan' has no attribute {name!r}")
