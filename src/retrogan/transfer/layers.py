"""The film and age layers of a reference, estimated (issue #29): grain (amount, size, colour share), softness,
vignette, halation and dust are read by a small network from ``layer_features`` (trained on references rendered with
known layers on the train split of ../shared/data/modern: scripts/train_layers.py); whether the print is monochrome,
its toning, black lift and faded whites are read from its pixels (``layer_features.print_tone``).

``estimate_layers(rgbs)`` gives a ``Layers``; ``Layers.params(...)`` the FilmParams that render them (the colour of a
colour reference stays the reader's), ``Layers.describe()`` the estimate in plain words."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..film.params import FilmParams
from .layer_data import TARGETS, from_target
from .layer_features import features, print_tone

WEIGHTS = "layers.safetensors"
CONFIG = "layers.json"
MONO_THRESHOLD = 0.5
LAYER_NAMES = ("grain", "softness", "halation", "vignette", "tone", "dust")  # what a user can turn down or off


class LayerNet(nn.Module):
    """One small network per figure (``TARGETS``), on the standardised features: each is early-stopped on its own
    validation loss (scripts/train_layers.py), so a figure that is hard to read (dust) does not decide when an easy
    one (grain) stops."""

    def __init__(self, n_in: int, hidden: int = 128) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_in))
        self.register_buffer("std", torch.ones(n_in))
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(n_in, hidden), nn.GELU(), nn.Linear(hidden, hidden),
                                                 nn.GELU(), nn.Linear(hidden, 1)) for _ in TARGETS)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        z = (f - self.mean) / self.std
        return torch.cat([h(z) for h in self.heads], 1)


@dataclass(frozen=True)
class Layers:
    grain: float = 0.0
    grain_size: float = 0.0008
    grain_colour: float = 0.0
    softness: float = 0.0
    vignette: float = 0.0
    halation: float = 0.0
    dust: float = 0.0
    mono: float = 0.0                 # probability that the print is black and white
    toner: tuple | None = None        # a monochrome print's (black, white, gamma) per channel (film.colour.TONERS)

    @property
    def monochrome(self) -> bool:
        return self.mono >= MONO_THRESHOLD

    def params(self, amounts: dict | None = None) -> FilmParams:
        """FilmParams of the layers; ``amounts`` scales each of LAYER_NAMES (0 turns it off, default 1)."""
        a = {k: 1.0 for k in LAYER_NAMES} | dict(amounts or {})
        unknown = set(a) - set(LAYER_NAMES)
        if unknown:
            raise ValueError(f"unknown layers: {', '.join(sorted(unknown))}; layers are {', '.join(LAYER_NAMES)}")
        p = FilmParams(grain=self.grain * a["grain"], grain_size=self.grain_size,
                       grain_colour=0.0 if self.monochrome else self.grain_colour,
                       softness=self.softness * a["softness"], halation=self.halation * a["halation"],
                       vignette=min(1.0, self.vignette * a["vignette"]), dust=self.dust * a["dust"])
        if self.monochrome and self.toner is not None and a["tone"] > 0:
            p = replace(p, mono=min(1.0, a["tone"]), toner=self.toner, toning=min(1.0, a["tone"]))
        return p

    def hue(self) -> float | None:
        """The toning's hue angle (CIELAB, degrees) at the mid grey, None for a colour reference."""
        if not self.monochrome or self.toner is None:
            return None
        return toner_hue(self.toner)

    def describe(self) -> str:
        def level(v: float, cuts: tuple, words=("none", "light", "medium", "strong")) -> str:
            return words[sum(v >= c for c in cuts)]

        grain = level(self.grain, (0.01, 0.025, 0.05))
        if grain != "none":
            grain += ", monochrome" if self.monochrome or self.grain_colour < 0.08 else ", colour"
            grain += ", coarse" if self.grain_size > 0.0015 else ""
        parts = [f"grain: {grain}", f"softness: {level(self.softness, (0.4, 1.0, 2.0))}",
                 f"halation: {level(self.halation, (0.1, 0.25, 0.45))}",
                 f"vignette: {level(self.vignette, (0.1, 0.25, 0.45))}",
                 f"dust: {level(self.dust, (0.1, 0.3, 0.6))}"]
        if self.monochrome:
            black = self.toner[0] if self.toner else (0, 0, 0)
            parts.append(f"print: black and white ({self.mono:.0%} sure), toning: {toning_words(self.toner)}, "
                         f"black lift {float(np.mean(black)):.2f}")
        else:
            parts.append(f"print: colour ({1 - self.mono:.0%} sure)")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "Layers":
        """From ``to_dict`` (a style.json may come from anyone: every figure is checked)."""
        d = dict(d)
        toner = d.pop("toner", None)
        for k, v in d.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= 10:
                raise ValueError(f"{k} must be a number from 0 to 10")
        if toner is not None:
            toner = tuple(tuple(float(v) for v in t) for t in toner)
            if len(toner) != 3 or any(len(t) != 3 or not all(0 <= v <= 4 for v in t) for t in toner):
                raise ValueError("toner must be three (r, g, b) triples from 0 to 4")
        return Layers(**d, toner=toner)


def toner_lab(toner: tuple) -> np.ndarray:
    """CIELAB of a mid grey fully toned by ``toner`` (a ``film.colour.TONERS`` triple)."""
    from ..film.colour import tone
    from ..metrics import srgb_to_lab

    grey = torch.full((1, 3, 1, 1), 0.5, dtype=torch.float64)
    return srgb_to_lab(tone(grey, toner, 1.0)[0, :, 0, 0].numpy()[None, None])[0, 0]


def toner_hue(toner: tuple) -> float:
    lab = toner_lab(toner)
    return math.degrees(math.atan2(lab[2], lab[1])) % 360


def toner_chroma(toner: tuple) -> float:
    lab = toner_lab(toner)
    return float(math.hypot(lab[1], lab[2]))


def toning_words(toner: tuple | None) -> str:
    if toner is None:
        return "none"
    c = toner_chroma(toner)
    if c < 2:
        return "neutral"
    h = toner_hue(toner)
    # CIELAB hue at the mid grey: sepia 82, platinum 85, selenium 358, cyanotype 272, gold 276 (film.colour.TONERS)
    names = ((20, "red-brown"), (60, "brown"), (95, "sepia"), (120, "yellow"), (200, "green"), (250, "cyan"),
             (300, "blue"), (345, "purple"), (361, "red-brown"))
    name = next(n for cut, n in names if h < cut)
    return f"{name} ({'strong' if c > 12 else 'medium' if c > 6 else 'light'})"


@lru_cache(maxsize=2)
def load_estimator(folder: str | None = None) -> LayerNet:
    from safetensors.torch import load_file

    from .model import bundled_model_dir

    d = Path(folder) if folder else bundled_model_dir()
    cfg = json.loads((d / CONFIG).read_text())
    net = LayerNet(cfg["n_features"], cfg["hidden"])
    net.load_state_dict(load_file(str(d / WEIGHTS)))
    return net.eval()


def estimate_layers(rgbs: list[np.ndarray], folder: str | None = None) -> Layers:
    """The layers of one look from one or more references ((H, W, 3) float in [0, 1] each): the network's figures
    averaged over the references; for a monochrome print, its tone from all the references' pixels pooled."""
    net = load_estimator(folder)
    with torch.no_grad():
        v = net(torch.from_numpy(np.stack([features(r) for r in rgbs]))).mean(0).numpy()
    got = from_target(v)
    mono = got.pop("mono")
    toner = None
    if mono >= MONO_THRESHOLD:
        toner = print_tone(np.concatenate([np.asarray(r).reshape(-1, 3) for r in rgbs])[:, None, :])
    return Layers(**got, mono=mono, toner=toner)
