"""Borders that change the canvas: instant-film frames and white print margins. Applied last, to the whole image."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where a border is drawn on a tensor: the 8-bit lane frames arrays
    import torch

BORDERS = {
    # (left, top, right, bottom) as fractions of the image width, and the border colour (sRGB)
    "instant": ((0.06, 0.06, 0.06, 0.26), (0.95, 0.945, 0.915)),
    "print": ((0.04, 0.04, 0.04, 0.04), (0.96, 0.95, 0.92)),
}


def border_geometry(kind: str, width: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) border widths in pixels for a picture ``width`` pixels wide."""
    return tuple(int(round(v * width)) for v in BORDERS[kind][0])


def border(x: torch.Tensor, kind: str | None = None) -> torch.Tensor:
    """(B, 3, H, W) -> (B, 3, H + top + bottom, W + left + right) with the picture framed (identity: None)."""
    if not kind:
        return x
    import torch

    colour = BORDERS[kind][1]
    w = x.shape[-1]
    pl, pt, pr, pb = border_geometry(kind, w)
    out = torch.empty(x.shape[0], 3, x.shape[-2] + pt + pb, w + pl + pr, dtype=x.dtype, device=x.device)
    out[:] = torch.tensor(colour, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    out[:, :, pt:pt + x.shape[-2], pl:pl + w] = x
    return out
