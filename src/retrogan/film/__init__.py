"""The film renderer: differentiable film and age effects, frame-relative so tiles, frames and resolutions agree."""
from .params import FilmParams, jitter
from .render import apply_colour, bake_colour_lut, render

__all__ = ["FilmParams", "jitter", "render", "apply_colour", "bake_colour_lut"]
