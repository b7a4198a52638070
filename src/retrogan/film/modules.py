"""Thin nn.Module wrappers: each holds an op's settings and calls the pure function (per STYLE.md)."""
from __future__ import annotations

import inspect

import torch
from torch import nn

from . import colour as C
from . import optics as O
from .border import border
from .damage import damage, paper_texture
from .grain import grain


def _op_module(fn, name: str) -> type:
    sig = inspect.signature(fn)

    class Op(nn.Module):
        def __init__(self, **settings) -> None:
            super().__init__()
            sig.bind(None, **settings)  # unknown setting names fail here, not at forward time
            self.settings = settings

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return fn(x, **self.settings)

        def extra_repr(self) -> str:
            return ", ".join(f"{k}={v!r}" for k, v in self.settings.items())

    Op.__name__ = Op.__qualname__ = name
    Op.__doc__ = f"Module form of ``{fn.__module__}.{fn.__name__}``.\n\n{fn.__doc__}"
    return Op


Exposure = _op_module(C.exposure, "Exposure")
WhiteBalance = _op_module(C.white_balance, "WhiteBalance")
CharacteristicCurve = _op_module(C.characteristic_curve, "CharacteristicCurve")
DyeCrosstalk = _op_module(C.dye_crosstalk, "DyeCrosstalk")
Saturation = _op_module(C.saturation, "Saturation")
Fade = _op_module(C.fade, "Fade")
Tint = _op_module(C.tint, "Tint")
Yellowing = _op_module(C.yellowing, "Yellowing")
Monochrome = _op_module(C.monochrome, "Monochrome")
Tone = _op_module(C.tone, "Tone")
Softness = _op_module(O.softness, "Softness")
Bloom = _op_module(O.bloom, "Bloom")
Halation = _op_module(O.halation, "Halation")
ChromaticAberration = _op_module(O.chromatic_aberration, "ChromaticAberration")
Vignette = _op_module(O.vignette, "Vignette")
EdgeBurn = _op_module(O.edge_burn, "EdgeBurn")
LightLeak = _op_module(O.light_leak, "LightLeak")
Grain = _op_module(grain, "Grain")
Damage = _op_module(damage, "Damage")
PaperTexture = _op_module(paper_texture, "PaperTexture")
Border = _op_module(border, "Border")
