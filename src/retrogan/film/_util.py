"""Shared helpers for film ops: parameter broadcasting, frame geometry for tiles, colour encoding."""
from __future__ import annotations

import torch

from .frame import Frame  # noqa: F401  (re-exported: film ops take a Frame from here)

Param = "float | torch.Tensor"


def param(v, x: torch.Tensor) -> torch.Tensor:
    """A float or a (B,) tensor -> a tensor that broadcasts against x of shape (B, C, *)."""
    t = torch.as_tensor(v, dtype=x.dtype, device=x.device)
    if t.ndim == 0:
        return t
    if t.ndim != 1 or t.shape[0] not in (1, x.shape[0]):
        raise ValueError(f"a parameter must be a float or a (B,) tensor with B={x.shape[0]}, got shape {tuple(t.shape)}")
    return t.view(-1, *([1] * (x.ndim - 1)))


def rgb_param(v, x: torch.Tensor) -> torch.Tensor:
    """A float, an (r, g, b) triple, a (3,) or a (B, 3) tensor -> broadcasts against x of shape (B, 3, *)."""
    t = torch.as_tensor(v, dtype=x.dtype, device=x.device)
    if t.ndim == 0:
        return t
    if t.ndim == 1 and t.shape[0] == 3:
        t = t.view(1, 3)
    elif t.ndim == 1:
        return param(t, x)
    if t.ndim != 2 or t.shape[1] != 3:
        raise ValueError(f"a per-channel parameter must be a float, (3,) or (B, 3), got shape {tuple(t.shape)}")
    return t.view(t.shape[0], 3, *([1] * (x.ndim - 2)))


def is_zero(v) -> bool:
    """True when a parameter is exactly zero for every batch item (lets ops return their input untouched)."""
    if isinstance(v, torch.Tensor):
        return bool((v == 0).all())
    return v == 0


def frame_of(x: torch.Tensor, frame: Frame | None) -> Frame:
    return frame if frame is not None else Frame(x.shape[-2], x.shape[-1])


def frame_coords(x: torch.Tensor, frame: Frame | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates of x's pixels relative to the frame centre, in units of the short side: (H,1), (1,W)."""
    f = frame_of(x, frame)
    h, w = x.shape[-2:]
    ys = (torch.arange(h, device=x.device, dtype=x.dtype) + f.top + 0.5 - f.height / 2) / f.short
    xs = (torch.arange(w, device=x.device, dtype=x.dtype) + f.left + 0.5 - f.width / 2) / f.short
    return ys.view(h, 1), xs.view(1, w)


def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055).clamp_min(1e-12) ** 2.4)


def linear_to_srgb(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0.0, 1.0)
    return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp_min(1e-12) ** (1 / 2.4) - 0.055)


REC709 = (0.2126, 0.7152, 0.0722)


def luma(x: torch.Tensor, weights=REC709) -> torch.Tensor:
    """(B, 3, *) -> (B, 1, *) weighted sum of the channels."""
    w = rgb_param(weights, x)
    return (x * w).sum(dim=1, keepdim=True)
