"""The look reader (issue #28): one or a few reference photos -> the look, as the parameters of the structured
colour model that learned looks use (``models.colour``): a channel-mixing matrix and offset, a monochrome switch,
monotone per-channel curves, plus a residual LUT on a basis, baked into one 3D LUT. Trained on the train split of
../shared/data/modern under random looks from the renderer's whole colour space (scripts/train_reader.py).

A read look is safe on any colour: a reference the reader reads as monochrome gives a LUT whose output has one hue
per grey level on every input (the residual keeps only its part common to the channels)."""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..film import lut as L
from ..models.colour import curve_knots, keep_brightness, structured
from .reader_features import FEATURES, colour_features, pooled

WEIGHTS = "reader.safetensors"
CONFIG = "reader.json"
SIDE = 32          # references are read at this square size (the whole photo, area-resized: colour statistics
                   # need no detail, and at 32 px the reader trains five times the steps it did at 64)
KNOTS = 17
MONO_THRESHOLD = 0.5


def structured_lut(matrix, offset, mono, black, steps, n: int) -> torch.Tensor:
    """Per-sample structured colour (B, 3, 3), (B, 3), (B,), (B, 3), (B, 3, K-1) -> (B, 3, n, n, n) LUT."""
    grid = L.identity(n, matrix.dtype).to(matrix.device).reshape(1, 3, -1)
    out = structured(grid, matrix, offset, mono, curve_knots(black, steps))
    return out.reshape(matrix.shape[0], 3, n, n, n)


class LookReader(nn.Module):
    def __init__(self, hidden: int = 512, n_basis: int = 48, lut_size: int = 17, n_features: int = FEATURES) -> None:
        super().__init__()
        self.config = {"hidden": hidden, "n_basis": n_basis, "lut_size": lut_size, "n_features": n_features}
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, hidden), nn.GELU())
        self.n_params = 9 + 3 + 3 + 3 * (KNOTS - 1) + 1
        self.head = nn.Linear(hidden, self.n_params + n_basis)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.basis = nn.Parameter(torch.zeros(n_basis, 3, lut_size, lut_size, lut_size))

    def parts(self, f: torch.Tensor):
        """Features (B, F) -> the colour model's parameters and the residual weights."""
        h = self.head(self.net((f - self.mean) / self.std))
        b = h.shape[0]
        matrix, offset, black, steps, mono_logit, weights = h.split(
            [9, 3, 3, 3 * (KNOTS - 1), 1, self.config["n_basis"]], 1)
        matrix = torch.eye(3, device=h.device) + 0.5 * matrix.reshape(b, 3, 3)
        steps = math.log(math.expm1(1.0 / (KNOTS - 1))) + steps.reshape(b, 3, KNOTS - 1)
        return matrix, 0.2 * offset, 0.2 * black, steps, mono_logit[:, 0], weights

    def lut_from_features(self, f: torch.Tensor, hard_mono: bool = False):
        """-> (B, 3, N, N, N) LUTs and the monochrome logits."""
        matrix, offset, black, steps, mono_logit, weights = self.parts(f)
        mono = torch.sigmoid(mono_logit)
        if hard_mono:
            mono = (mono >= MONO_THRESHOLD).to(mono.dtype)
        n = self.config["lut_size"]
        lut = structured_lut(matrix, offset, mono, black, steps, n)
        residual = keep_brightness(torch.einsum("bk,kcxyz->bcxyz", weights, self.basis), mono)
        return (lut + residual).clamp(0, 1), mono_logit

    def forward(self, refs: torch.Tensor, hard_mono: bool = False):
        """(B, 3, H, W) references (one look each) -> LUTs, monochrome logits."""
        return self.lut_from_features(colour_features(refs), hard_mono)


def squared(image: torch.Tensor, side: int = SIDE) -> torch.Tensor:
    """(3, H, W) -> (3, side, side): the whole photo, area-resized (what the reader reads)."""
    return F.interpolate(image[None], size=(side, side), mode="area")[0]


def save_reader(model: LookReader, folder: Path, info: dict) -> None:
    from safetensors.torch import save

    from ..imaging.write import atomic_write_bytes

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(folder / WEIGHTS, save(tensors), overwrite=True)
    meta = {"kind": "retrogan-look-reader", "config": model.config, **info}
    atomic_write_bytes(folder / CONFIG, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode(), overwrite=True)


def load_reader(folder: Path) -> LookReader:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ..errors import StyleError

    folder = Path(folder)
    try:
        meta = json.loads((folder / CONFIG).read_text())
        model = LookReader(**{k: int(v) for k, v in meta["config"].items()})
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StyleError(f"{folder}: not a look reader ({e})") from None
    try:
        model.load_state_dict(load_file(str(folder / WEIGHTS)))
    except (OSError, RuntimeError, SafetensorError) as e:
        raise StyleError(f"{folder}: weights do not match the saved configuration ({e})") from None
    return model.eval()


@lru_cache(maxsize=2)
def _cached(folder: str) -> LookReader:
    return load_reader(Path(folder))


def has_reader(folder: Path) -> bool:
    return (Path(folder) / CONFIG).exists()


@torch.no_grad()
def read_look(images: list[torch.Tensor], folder: Path) -> tuple[np.ndarray, float]:
    """References (3, H, W) in [0, 1] of one look -> its (N, N, N, 3) LUT table and the monochrome probability.
    Several references are read as one pool of pixels."""
    model = _cached(str(Path(folder).resolve()))
    x = pooled([squared(im) for im in images])
    lut, logit = model(x, hard_mono=True)
    return L.to_table(lut[0]), float(torch.sigmoid(logit[0]))
