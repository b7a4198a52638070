"""Looks: anything that turns a Photo into a retro Photo, and the registry of bundled ones."""
from .base import LutLook
from .registry import STYLES, StyleEntry, default_style_name, resolve_style

__all__ = ["LutLook", "STYLES", "StyleEntry", "default_style_name", "resolve_style"]
