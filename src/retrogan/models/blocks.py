"""Building blocks: the style-modulated convolution that carries the style code into the analyser."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class StyleModConv2d(nn.Module):
    """Convolution whose weights are modulated per sample by a style code and then demodulated (StyleGAN2): the
    style scales each input channel, so one network renders many styles. x: (B, C_in, H, W), style: (B, style_dim)."""

    def __init__(self, in_ch: int, out_ch: int, style_dim: int, kernel: int = 3, stride: int = 1) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel) / math.sqrt(in_ch * kernel * kernel))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.affine = nn.Linear(style_dim, in_ch)
        nn.init.zeros_(self.affine.weight)
        nn.init.ones_(self.affine.bias)  # starts as a plain convolution
        self.stride, self.padding = stride, kernel // 2

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        s = self.affine(style).view(b, 1, c, 1, 1)
        wgt = self.weight.unsqueeze(0) * s
        wgt = wgt * torch.rsqrt(wgt.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        out = F.conv2d(x.reshape(1, b * c, h, w), wgt.reshape(-1, c, *wgt.shape[-2:]), stride=self.stride,
                       padding=self.padding, groups=b)
        return out.view(b, -1, *out.shape[-2:]) + self.bias.view(1, -1, 1, 1)


class FiLM(nn.Module):
    """Feature-wise affine modulation by a style code (identity at initialisation)."""

    def __init__(self, channels: int, style_dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(style_dim, 2 * channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(style).chunk(2, dim=1)
        return x * (1 + gamma[..., None, None]) + beta[..., None, None]


def check_fields(config, ranges: dict) -> None:
    """ValueError unless each dataclass field has its declared type (int, float, bool or str; an int is a float
    too) and each field named in ``ranges`` lies in its (low, high), or for a str is one of its choices."""
    import dataclasses

    for f in dataclasses.fields(config):
        value, kind = getattr(config, f.name), type(f.default)
        if kind is str:
            if not isinstance(value, str) or value not in ranges.get(f.name, (value,)):
                raise ValueError(f"{f.name} must be one of {', '.join(ranges.get(f.name, ()))}, got {value!r}")
            continue
        ok = (isinstance(value, bool) if kind is bool else
              isinstance(value, int) and not isinstance(value, bool) if kind is int else
              isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))
        if not ok:
            raise ValueError(f"{f.name} must be {kind.__name__}, got {value!r}")
        if f.name in ranges and not ranges[f.name][0] <= value <= ranges[f.name][1]:
            raise ValueError(f"{f.name} must be in [{ranges[f.name][0]}, {ranges[f.name][1]}], got {value!r}")
