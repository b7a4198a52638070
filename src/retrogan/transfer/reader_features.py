"""What the look reader sees of its references (issue #28): colour statistics that carry a look across scenes.

Pure functions of (B, 3, H, W) sRGB in [0, 1]. ``pooled``: several references of one look are read as one pool of
pixels (the statistics of the union), so ten photos of other scenes average out each scene's own colours.

- tone bands: per lightness band, its share and the mean and spread of a*, b* (``stats.tone_band_stats``);
- a soft joint RGB histogram (``stats.colour_histogram``);
- quantiles of R, G, B, L*, chroma, and of each channel within luma deciles (the per-channel tone curves);
- channel correlations and the share of nearly grey pixels (a monochrome print has no others)."""
from __future__ import annotations

import torch

from .stats import BANDS, HIST, _lab, colour_histogram, tone_band_stats

QUANTILES = (0.01, 0.03, 0.06, 0.1, 0.16, 0.23, 0.31, 0.4, 0.5, 0.6, 0.69, 0.77, 0.84, 0.9, 0.94, 0.97, 0.99)
DECILES = 10
GREY_LEVELS = (1.0, 2.5, 5.0, 10.0)   # chroma (C*ab) under which a pixel counts as grey


def _quantiles(v: torch.Tensor) -> torch.Tensor:
    """(B, C, N) -> (B, C * len(QUANTILES))"""
    s, _ = v.sort(-1)
    n = s.shape[-1]
    idx = torch.tensor([round(q * (n - 1)) for q in QUANTILES], device=v.device)
    return s.index_select(-1, idx).flatten(1)


def _decile_means(x: torch.Tensor, luma: torch.Tensor) -> torch.Tensor:
    """Mean R, G, B minus luma within each luma decile (pixels sorted by luma) -> (B, 3 * DECILES)."""
    order = luma.argsort(-1)
    xs = x.gather(2, order[:, None].expand(-1, 3, -1))
    ls = luma.gather(1, order)
    n = xs.shape[-1] // DECILES * DECILES
    parts = (xs[..., :n] - ls[:, None, :n]).reshape(x.shape[0], 3, DECILES, -1).mean(-1)
    return parts.flatten(1) * 4


def colour_features(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, FEATURES)."""
    x = x.clamp(0, 1)
    flat = x.flatten(2)
    lab = _lab(x).flatten(2)
    chroma = lab[:, 1:].norm(dim=1, keepdim=True)
    luma = (0.2126 * flat[:, 0] + 0.7152 * flat[:, 1] + 0.0722 * flat[:, 2])
    centred = flat - flat.mean(-1, keepdim=True)
    cov = torch.einsum("bcn,bdn->bcd", centred, centred) / flat.shape[-1]
    sd = cov.diagonal(dim1=1, dim2=2).clamp(min=1e-6).sqrt()
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    iu = torch.triu_indices(3, 3, 1)
    grey = torch.stack([(chroma[:, 0] < t).float().mean(-1) for t in GREY_LEVELS], 1)
    return torch.cat([
        tone_band_stats(x),
        colour_histogram(x) * HIST ** 3 / 8,
        _quantiles(flat) * 2,
        _quantiles(lab[:, :1]) / 50,
        _quantiles(chroma) / 20,
        _quantiles(lab[:, 1:]) / 20,
        _decile_means(flat, luma),
        corr[:, iu[0], iu[1]],
        sd * 4,
        grey * 2,
    ], 1)


FEATURES = BANDS * 5 + HIST ** 3 + len(QUANTILES) * (3 + 1 + 1 + 2) + 3 * DECILES + 3 + 3 + len(GREY_LEVELS)


def pooled(images: list[torch.Tensor]) -> torch.Tensor:
    """Several references (3, h, w) of one look, at one size -> one (1, 3, h, w * k) pool of their pixels."""
    return torch.cat([im[None] for im in images], -1)
