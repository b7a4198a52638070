"""Differentiable 3D LUT lookup in torch: trilinear (via grid_sample) and tetrahedral.

A LUT tensor here is (3, N, N, N) or (B, 3, N, N, N), channels first, indexed [c, b, g, r] (the .cube order);
``from_table`` converts the numpy (N, N, N, 3) tables of ``retrogan.luts``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def from_table(table: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(table, -1, 0))).to(dtype)


def to_table(lut: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(lut.detach().cpu().numpy(), 0, -1)).astype(np.float32)


def identity(n: int, dtype=torch.float32) -> torch.Tensor:
    ramp = torch.linspace(0, 1, n, dtype=dtype)
    b, g, r = torch.meshgrid(ramp, ramp, ramp, indexing="ij")
    return torch.stack([r, g, b])


def lut_grid_image(n: int, dtype=torch.float32) -> torch.Tensor:
    """The identity LUT as a (1, 3, N, N*N) image, so pointwise image ops can be baked into a LUT."""
    return identity(n, dtype).reshape(1, 3, n, n * n)


def trilinear(x: torch.Tensor, lut: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] through lut (3|B, 3, N, N, N) -> (B, 3, H, W)."""
    b = x.shape[0]
    lut = lut.unsqueeze(0) if lut.ndim == 4 else lut
    lut = lut.expand(b, -1, -1, -1, -1)
    grid = (x.clamp(0, 1) * 2 - 1).permute(0, 2, 3, 1).unsqueeze(1)  # (B, 1, H, W, 3) as (x=r, y=g, z=b)
    return F.grid_sample(lut, grid, mode="bilinear", padding_mode="border", align_corners=True).squeeze(2)


def tetrahedral(x: torch.Tensor, lut: torch.Tensor) -> torch.Tensor:
    """Tetrahedral interpolation (as in ICC and most colour pipelines): exact on the grey axis and smoother in
    hue than trilinear on coarse LUTs. Same shapes as ``trilinear``."""
    bsz, _, h, w = x.shape
    lut = lut.unsqueeze(0) if lut.ndim == 4 else lut
    n = lut.shape[-1]
    flat = lut.reshape(lut.shape[0], 3, -1).expand(bsz, -1, -1)  # (B, 3, N^3), index b*N*N + g*N + r
    p = x.clamp(0, 1) * (n - 1)
    i0 = p.floor().clamp(max=n - 2)
    f = p - i0
    i0 = i0.long()
    fr, fg, fb = f[:, 0], f[:, 1], f[:, 2]
    base = i0[:, 2] * n * n + i0[:, 1] * n + i0[:, 0]
    sr, sg, sb = 1, n, n * n

    def at(offset: torch.Tensor) -> torch.Tensor:
        idx = (base + offset).reshape(bsz, 1, -1).expand(-1, 3, -1)
        return torch.gather(flat, 2, idx).reshape(bsz, 3, h, w)

    c000 = at(torch.zeros_like(base))
    c111 = at(torch.full_like(base, sr + sg + sb))
    # the six tetrahedra of the unit cube, chosen by the order of the fractional parts
    cases = [
        ((fr >= fg) & (fg >= fb), (fr, fg, fb), (sr, sr + sg)),
        ((fr >= fb) & (fb > fg), (fr, fb, fg), (sr, sr + sb)),
        ((fb > fr) & (fr >= fg), (fb, fr, fg), (sb, sb + sr)),
        ((fg > fr) & (fr >= fb), (fg, fr, fb), (sg, sg + sr)),
        ((fg >= fb) & (fb > fr), (fg, fb, fr), (sg, sg + sb)),
        ((fb > fg) & (fg > fr), (fb, fg, fr), (sb, sb + sg)),
    ]
    out = torch.zeros_like(x)
    for mask, (a, b_, c), (o1, o2) in cases:
        c1 = at(torch.full_like(base, o1))
        c2 = at(torch.full_like(base, o2))
        val = (1 - a).unsqueeze(1) * c000 + (a - b_).unsqueeze(1) * c1 + (b_ - c).unsqueeze(1) * c2 \
            + c.unsqueeze(1) * c111
        out = torch.where(mask.unsqueeze(1), val, out)
    return out


def blend_identity(lut: torch.Tensor, strength) -> torch.Tensor:
    """Interpolation is linear in the table, so blending tables blends the results."""
    return identity(lut.shape[-1], lut.dtype).to(lut.device) + strength * (lut - identity(lut.shape[-1], lut.dtype).to(lut.device))
