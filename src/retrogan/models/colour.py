"""The structured colour model of a learned look: what a film process does to colour, in a form that extrapolates.

    c = M x + o                       a channel-mixing matrix (the dyes' and the emulsion's spectral response)
    c = c + m (w·c - c)               monochrome (m = 1, from the training targets): every channel one weighted sum
                                      (``linear_mono``: the sum is taken in linear light, as an emulsion's exposure
                                      is, y = enc(w·(M lin(x) + o)))
    y_k = f_k(clip(c_k, 0, 1))        one monotone curve per channel (tone, toning, fade, black lift)

plus a residual 3D LUT R (the look's own plus the analyser's per-photo basis), held smooth by a bending prior so
it continues its neighbours' trend into colours no training photo held; the whole look, ``S(x) + R(x)``, is baked
into one 3D LUT for rendering. For a monochrome look (m = 1) S is a function of one number (the weighted sum) and
only the part of R common to the three channels is kept (a brightness change), so every colour maps onto one
toning curve: a look whose targets carry no colour gives none on any input. Parameters are per style label.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..film._util import linear_to_srgb, srgb_to_linear

LUMA = (0.2126, 0.7152, 0.0722)


def curve_knots(black: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """(..., K) knot values of monotone curves: black level plus cumulative positive steps."""
    rise = F.softplus(steps)
    return torch.cat([black[..., None], black[..., None] + rise.cumsum(-1)], -1)


def apply_curves(v: torch.Tensor, knots: torch.Tensor) -> torch.Tensor:
    """v: (B, 3, *) in [0, 1]; knots: (B, 3, K) values at K evenly spaced inputs -> piecewise-linear f(v)."""
    k = knots.shape[-1]
    b, c = v.shape[:2]
    flat = v.reshape(b, c, -1) * (k - 1)
    i0 = flat.floor().clamp(0, k - 2)
    t = flat - i0
    i0 = i0.long()
    lo, hi = knots.gather(2, i0), knots.gather(2, i0 + 1)
    return (lo + t * (hi - lo)).reshape(v.shape)


def structured(flat: torch.Tensor, matrix: torch.Tensor, offset: torch.Tensor, mono: torch.Tensor,
               knots: torch.Tensor, linear_mono: bool = False) -> torch.Tensor:
    """flat (B, 3, N) colours through per-sample matrix (B, 3, 3), offset (B, 3), monochrome amount (B,) and curve
    knots (B, 3, K) -> (B, 3, N). ``linear_mono``: the monochrome sum weighs linear light (a blue-sensitive
    emulsion's response to saturated colours is a weighted sum of light, not of sRGB code values: the code-value
    sum left the learned tintype 4 ΔE2000 off its preset on saturated colours, issue #27)."""
    c = matrix @ flat + offset[..., None]
    luma = torch.tensor(LUMA, dtype=c.dtype, device=c.device)
    if linear_mono:
        exposure = matrix @ srgb_to_linear(flat) + offset[..., None]
        y = linear_to_srgb(torch.einsum("c,bcn->bn", luma, exposure))[:, None]
    else:
        y = torch.einsum("c,bcn->bn", luma, c)[:, None]
    c = c + mono.view(-1, 1, 1) * (y - c)
    return apply_curves(c.clamp(0, 1), knots)  # film saturates: beyond the gamut, its edge


def keep_brightness(x: torch.Tensor, mono: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Blend x toward its mean over the colour channels (``dim``) by mono ((B,) in [0, 1]): at 1 only the part common
    to the channels, a brightness change, is left."""
    m = mono.view(-1, *[1] * (x.ndim - 1))
    return x + m * (x.mean(dim, keepdim=True) - x)


class StructuredColour(nn.Module):
    def __init__(self, num_styles: int, knots: int = 17, linear_mono: bool = False) -> None:
        super().__init__()
        self.linear_mono = linear_mono
        self.matrix = nn.Parameter(torch.eye(3).repeat(num_styles, 1, 1))
        self.offset = nn.Parameter(torch.zeros(num_styles, 3))
        # 1 for a monochrome process, 0 for colour: decided from the training targets (train/monochrome.py), not
        # learned (a learned amount wandered to 0.3-0.4 on colour slides and stalled at 0.5 on B&W)
        self.register_buffer("mono", torch.zeros(num_styles))
        self.black = nn.Parameter(torch.zeros(num_styles, 3))
        # steps of an identity curve: softplus(s) = 1 / (K - 1)
        self.steps = nn.Parameter(torch.full((num_styles, 3, knots - 1), math.log(math.expm1(1.0 / (knots - 1)))))

    def mono_amount(self, label: torch.Tensor) -> torch.Tensor:
        return self.mono[label].clamp(0.0, 1.0)

    def knots(self, label: torch.Tensor) -> torch.Tensor:
        return curve_knots(self.black[label], self.steps[label])

    def forward(self, x: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """x: (B, 3, *) colours in [0, 1] (e.g. a LUT's lattice, warped) -> (B, 3, *)."""
        flat = x.reshape(x.shape[0], 3, -1)
        out = structured(flat, self.matrix[label], self.offset[label], self.mono_amount(label), self.knots(label),
                         self.linear_mono)
        return out.reshape(x.shape)

    def curve_roughness(self) -> torch.Tensor:
        """Mean squared second difference of the curves' knots: tone curves of film are smooth."""
        k = curve_knots(self.black, self.steps)
        return k.diff(n=2, dim=-1).pow(2).mean() * (k.shape[-1] - 1) ** 2
