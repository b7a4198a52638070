"""A reference's whole look (issue #29): the colour the reader gives (the look reader's LUT, or the older
transfer model's fast generator), under the film and age layers estimated from the reference
(``transfer.layers``), rendered by the film renderer at full resolution, seeded.

A monochrome reference gives a monochrome print: its colour is the print's own toning, black lift and faded
whites, read from its pixels, and not the reader's. The layers' grain, softness and vignette take the place of the
fast generator's own grain and vignette. Adaptive like a GanLook (``theta`` from a thumbnail, ``render_theta``), so
video holds the colour steady within a shot and each frame gets its own grain."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..imaging.photo import Photo
from .base import check_strength
from .gan import GanLook
from .read import ReadLook


@dataclass
class LayeredLook:
    name: str
    colour: GanLook | ReadLook
    layers: "object"          # transfer.layers.Layers: what was read (saved with a trained style, printed)
    params: "object"          # film.params.FilmParams: the layers to render (after the user's amounts)
    arch: str = "fast"

    @property
    def labels(self) -> list[str]:
        return self.colour.labels

    @property
    def model(self):
        return self.colour.model

    @property
    def label(self) -> int:
        return self.colour.label

    def on(self, device: str) -> "LayeredLook":
        return replace(self, colour=self.colour.on(device))

    def with_label(self, label: str) -> "LayeredLook":
        return replace(self, colour=self.colour.with_label(label))

    def theta(self, rgb: np.ndarray):
        return self.colour.theta(rgb)

    def colour_table(self, rgb: np.ndarray | None = None, strength: float = 1.0) -> np.ndarray:
        if self.params.mono > 0:
            from ..film.fast import colour_table
            from ..luts.apply import blend_lut

            return blend_lut(colour_table(self.params), strength)
        return self.colour.colour_table(rgb, strength)

    def render_theta(self, rgb: np.ndarray, th, strength: float, seed: int, frame_index: int = 0) -> np.ndarray:
        from ..film.fast import render_array

        if self.params.mono > 0:  # a monochrome print: the colour is its toning, not the reader's
            return render_array(rgb, self.params, strength=strength, seed=seed, frame_index=frame_index)
        if hasattr(th, "grain"):  # a fast generator's θ: the layers' grain and vignette instead of its own
            th = replace(th, vignette=th.vignette * 0, grain=th.grain * 0)
        out = self.colour.render_theta(rgb, th, strength, seed, frame_index)
        return render_array(np.ascontiguousarray(out), self.params, strength=strength, seed=seed,
                            frame_index=frame_index)

    def apply(self, photo: Photo, *, strength: float = 1.0, seed: int = 0) -> Photo:
        check_strength(strength)
        if strength == 0.0:
            return photo.with_rgb(photo.rgb.copy())
        return photo.with_rgb(self.render_theta(photo.rgb, self.theta(photo.rgb), strength, seed))
