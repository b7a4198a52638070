"""Colour statistics of a reference that carry a look across scenes: per tone band (how shadows, mid-tones and
highlights are tinted and how much colour they keep) and a coarse joint colour histogram. Pure functions."""
from __future__ import annotations

import torch

BANDS = 8
HIST = 6


def _lab(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) sRGB in [0, 1] -> CIELAB (D65), differentiable."""
    lin = torch.where(x <= 0.04045, x / 12.92, ((x.clamp(min=0.04045) + 0.055) / 1.055) ** 2.4)
    m = torch.tensor([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                      [0.0193339, 0.1191920, 0.9503041]], dtype=x.dtype, device=x.device)
    xyz = torch.einsum("ij,bjhw->bihw", m, lin)
    white = torch.tensor([0.95047, 1.0, 1.08883], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    t = xyz / white
    f = torch.where(t > 216 / 24389, t.clamp(min=1e-6) ** (1 / 3), (24389 / 27 * t + 16) / 116)
    return torch.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def tone_band_stats(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, BANDS * 5): per lightness band, the share of pixels and the mean and spread of a*, b*
    (soft band membership, so it is smooth in the image)."""
    lab = _lab(x.clamp(0, 1)).flatten(2)                       # (B, 3, N)
    centres = torch.linspace(0, 100, BANDS, dtype=x.dtype, device=x.device).view(1, -1, 1)
    w = torch.exp(-0.5 * ((lab[:, :1] - centres) / (100 / BANDS)) ** 2)  # (B, BANDS, N)
    mass = w.sum(-1) + 1e-3
    share = mass / mass.sum(-1, keepdim=True)
    mean_ab = torch.einsum("bkn,bcn->bkc", w, lab[:, 1:]) / mass[..., None]
    sq = torch.einsum("bkn,bcn->bkc", w, lab[:, 1:] ** 2) / mass[..., None]
    std_ab = (sq - mean_ab ** 2).clamp(min=0).add(1e-4).sqrt()
    return torch.cat([share * BANDS, mean_ab.flatten(1) / 20, std_ab.flatten(1) / 20], 1)


def colour_histogram(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, HIST^3) soft joint RGB histogram (triangular bins), summing to 1."""
    b = x.shape[0]
    pos = x.clamp(0, 1).flatten(2) * (HIST - 1)                # (B, 3, N)
    centres = torch.arange(HIST, dtype=x.dtype, device=x.device).view(1, 1, -1, 1)
    w = (1 - (pos[:, :, None] - centres).abs()).clamp(min=0)   # (B, 3, HIST, N)
    hist = torch.einsum("bin,bjn,bkn->bijk", w[:, 0], w[:, 1], w[:, 2]).reshape(b, -1)
    return hist / hist.sum(1, keepdim=True)


def reference_stats(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([tone_band_stats(x), colour_histogram(x) * HIST ** 3 / 8], 1)


STATS_DIM = BANDS * 5 + HIST ** 3
