"""Learned looks render 8-bit images by table lookups: the same picture as their float path."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from retrogan.imaging.photo import from_float, to_float
from retrogan.looks.gan import GanLook, apply_local_uint8
from retrogan.metrics import ciede2000, srgb_to_lab
from retrogan.models.fast import FastGenerator, FastGeneratorConfig, sample_local


def look_with_everything() -> GanLook:
    torch.manual_seed(0)
    g = FastGenerator(FastGeneratorConfig(num_styles=1, lut_size=9, n_basis=2, width=8, style_dim=8, thumb=32))
    with torch.no_grad():
        g.style_lut.normal_(0, 0.05)
        g.to_film.bias.copy_(torch.tensor([-0.5, 0.6]))  # vignette ~0.24, grain ~0.05
    return GanLook("t", g.eval(), "fast", ["default"])


def test_local_grid_matches_the_generators_sampler(photo_rgb):
    local = torch.randn(1, 6, 8, 8) * 0.1
    got = apply_local_uint8(photo_rgb, local[0].numpy())
    x = torch.from_numpy(to_float(photo_rgb)).permute(2, 0, 1)[None]
    adj = sample_local(local, x, None)
    want = from_float((x * (1 + adj[:, :3]) + adj[:, 3:]).clamp(0, 1)[0].permute(1, 2, 0).numpy(), 8)
    assert np.abs(got.astype(int) - want).max() <= 1


def test_eight_bit_render_matches_the_float_render(photo_rgb):
    look = look_with_everything()
    th = look.theta(photo_rgb)
    th = replace(th, local=torch.randn(1, 6, 8, 8, generator=torch.Generator().manual_seed(1)) * 0.08)
    assert float(th.local.abs().max()) > 0.05 and float(th.vignette[0]) > 0.1 and float(th.grain[0]) > 0.01
    no_grain = replace(th, grain=th.grain * 0)
    a = look._render_uint8(photo_rgb, no_grain, 1.0, 0, 0).astype(int)
    b = look._render_float(photo_rgb, no_grain, 1.0, 0, 0).astype(int)
    assert np.abs(a - b).mean() < 0.6 and np.percentile(np.abs(a - b), 99) <= 3
    a = look._render_uint8(photo_rgb, th, 1.0, 5, 0)
    b = look._render_float(photo_rgb, th, 1.0, 5, 0)
    de = ciede2000(srgb_to_lab(a / 255.0), srgb_to_lab(b / 255.0)).mean()
    assert de < 1.0, de
    smooth = look._render_uint8(photo_rgb, no_grain, 1.0, 0, 0).astype(float)
    ga, gb = a - smooth, b.astype(float) - smooth
    assert abs(ga.std() / gb.std() - 1) < 0.1 and np.corrcoef(ga.ravel(), gb.ravel())[0, 1] > 0.8
