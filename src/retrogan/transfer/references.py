"""Reference photos read and checked: what the style encoder and the layer estimator take from a file."""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from ..errors import RetroganError, StyleError

MIN_SIDE = 64
REF_SIDE = 256
LAYER_SIDE = 768  # the layer estimator's reference: grain and softness need more pixels than the colour code


def load_reference(path: str | Path, side: int = REF_SIDE, short: bool = False) -> torch.Tensor:
    """(3, h, w) float in [0, 1], long side (``short``: short side) at most ``side``; a clear StyleError for what
    cannot be a reference."""
    from ..imaging.read import read_photo

    try:
        photo = read_photo(path)
    except RetroganError as e:
        raise StyleError(f"reference {e}") from None
    w, h = photo.size
    if min(w, h) < MIN_SIDE:
        raise StyleError(f"reference {path}: {w}x{h} is too small to show a look (at least {MIN_SIDE} px a side)")
    x = torch.from_numpy(photo.float_rgb()).permute(2, 0, 1)
    scale = side / (min(w, h) if short else max(w, h))
    if scale < 1:
        x = F.interpolate(x[None], size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")[0]
    grey = (0.2126 * x[0] + 0.7152 * x[1] + 0.0722 * x[2])
    if float(grey.std()) < 0.02 and float((x - x.mean(dim=(1, 2), keepdim=True)).abs().mean()) < 0.01:
        raise StyleError(f"reference {path}: blank (one flat colour, no tones): it shows no look")
    return x


