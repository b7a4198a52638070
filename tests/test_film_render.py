"""The renderer as a whole: LUT paths agree, grain and marks are seeded and tile-exact, the fast path matches the
differentiable one, every preset renders."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from retrogan.film import fast
from retrogan.film._util import Frame
from retrogan.film.damage import damage, paper_texture
from retrogan.film.grain import grain
from retrogan.film.lut import from_table, identity, tetrahedral, trilinear
from retrogan.film.optics import edge_burn, light_leak, vignette
from retrogan.film.params import FilmParams, jitter
from retrogan.film.presets import PRESETS
from retrogan.film.render import bake_colour_lut, render
from retrogan.luts import apply_lut_float
from retrogan.luts.apply import apply_lut_uint8
from retrogan.metrics import delta_e_images


def to_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a.astype(np.float32) / 255).permute(2, 0, 1).unsqueeze(0)


def to_numpy(x: torch.Tensor) -> np.ndarray:
    return x[0].permute(1, 2, 0).numpy()


def smooth_lut(n=17):
    t = identity(n, torch.float64)
    return torch.stack([t[0] ** 0.8, t[1] * 0.9 + 0.05, t[2] ** 1.3 * 0.95]).float()


def test_torch_trilinear_matches_numpy(photo_rgb):
    lut = smooth_lut()
    x = to_tensor(photo_rgb)
    ours = to_numpy(trilinear(x, lut))
    ref = apply_lut_float(photo_rgb / np.float32(255), np.moveaxis(lut.numpy(), 0, -1))
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_tetrahedral_identity_and_closeness_to_trilinear(photo_rgb):
    x = to_tensor(photo_rgb)
    torch.testing.assert_close(tetrahedral(x, identity(9)), x, atol=1e-6, rtol=0)
    lut = smooth_lut(33)
    assert (tetrahedral(x, lut) - trilinear(x, lut)).abs().max() < 2e-3


def test_lut_paths_are_differentiable():
    x = torch.rand(1, 3, 4, 5, dtype=torch.float64) * 0.9 + 0.05
    lut = smooth_lut(5).double()
    assert torch.autograd.gradcheck(lambda t: trilinear(t, lut), (x.requires_grad_(),), eps=1e-6, atol=1e-4)
    lut.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda l: tetrahedral(x.detach(), l), (lut,), eps=1e-6, atol=1e-4)


def test_fast_and_differentiable_lut_paths_agree_within_a_tenth_of_delta_e(photo_rgb):
    table = bake_colour_lut(PRESETS["kodachrome-1950s"].params, 65)
    fast_out = apply_lut_uint8(photo_rgb, table) / 255.0
    diff_out = to_numpy(trilinear(to_tensor(photo_rgb), from_table(table)))
    diff_out = np.round(diff_out * 255) / 255  # both written as 8-bit files
    assert delta_e_images(fast_out, diff_out) < 0.1


def test_grain_is_reproducible_and_seeded():
    x = torch.full((1, 3, 40, 60), 0.5)
    a = grain(x, 0.05, seed=1)
    assert torch.equal(a, grain(x, 0.05, seed=1))
    assert not torch.equal(a, grain(x, 0.05, seed=2))
    assert not torch.equal(a, grain(x, 0.05, seed=1, frame_index=1))  # video: grain changes every frame


POSITIONAL = [
    lambda x, f: grain(x, 0.08, 0.002, 0.7, seed=5, frame=f),
    lambda x, f: vignette(x, 0.5, frame=f),
    lambda x, f: edge_burn(x, 0.5, frame=f),
    lambda x, f: light_leak(x, 0.7, angle=2.0, frame=f),
    lambda x, f: paper_texture(x, 0.5, seed=3, frame=f),
    lambda x, f: damage(x, dust=1.0, hairs=1.0, scratches=1.0, cracks=1.0, creases=1.0, seed=4, frame=f),
]


@pytest.mark.parametrize("op", POSITIONAL, ids=["grain", "vignette", "edge_burn", "light_leak", "paper", "damage"])
def test_tiles_equal_one_piece(op):
    x = torch.rand(1, 3, 70, 90, generator=torch.Generator().manual_seed(0))
    whole = op(x, None)
    tl = op(x[:, :, :33, :41], Frame(70, 90, 0, 0))
    br = op(x[:, :, 33:, 41:], Frame(70, 90, 33, 41))
    # vectorised pow/exp may differ in the last bit between tensor lengths: far below 1/65535
    torch.testing.assert_close(tl, whole[:, :, :33, :41], atol=1e-6, rtol=0)
    torch.testing.assert_close(br, whole[:, :, 33:, 41:], atol=1e-6, rtol=0)


def test_grain_statistics_do_not_depend_on_resolution():
    """Viewed at the same size, a 4x larger render has the grain of the small one (variance within 15%)."""
    big = grain(torch.full((1, 3, 1024, 1024), 0.5), 0.05, 0.004, seed=1) - 0.5
    small = grain(torch.full((1, 3, 256, 256), 0.5), 0.05, 0.004, seed=1) - 0.5
    viewed = torch.nn.functional.avg_pool2d(big, 4)
    ratio = (viewed.var() / small.var()).item()
    assert 0.85 < ratio < 1.15, ratio


def test_fast_renderer_matches_differentiable_renderer(photo_rgb):
    for name in ("kodachrome-1950s", "albumen-1900s", "disposable-1990s"):
        p = PRESETS[name].params
        ref = to_numpy(render(to_tensor(photo_rgb), p, seed=3))
        out = fast.render_array(photo_rgb, p, seed=3) / 255.0
        assert delta_e_images(out, ref) < 1.0, name


def test_fast_renderer_strips_equal_one_piece(photo_rgb, monkeypatch):
    p = PRESETS["super8-1970s"].params
    whole = fast.render_array(photo_rgb, p, seed=2)
    monkeypatch.setattr(fast, "STRIP_PIXELS", photo_rgb.shape[1] * 17)  # many strips of 17 rows
    strips = fast.render_array(photo_rgb, p, seed=2)
    assert np.abs(strips.astype(int) - whole).max() <= 1


def test_strength_zero_is_identity_and_strength_scales(photo_rgb):
    p = PRESETS["faded-print-1970s"].params
    np.testing.assert_array_equal(fast.render_array(photo_rgb, p, strength=0.0), photo_rgb)
    half = fast.render_array(photo_rgb, PRESETS["kodachrome-1950s"].params, strength=0.5) / 255.0
    full = fast.render_array(photo_rgb, PRESETS["kodachrome-1950s"].params, strength=1.0) / 255.0
    orig = photo_rgb / 255.0
    assert 0 < delta_e_images(half, orig) < delta_e_images(full, orig)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_renders_8_and_16_bit(name, photo_rgb):
    p = PRESETS[name].params
    out8 = fast.render_array(photo_rgb, p, seed=1)
    out16 = fast.render_array(photo_rgb.astype(np.uint16) * 257, p, seed=1)
    assert out8.dtype == np.uint8 and out16.dtype == np.uint16
    assert np.abs(out16 / 65535.0 - out8 / 255.0).mean() < 0.01
    if p.border:
        from retrogan.film.border import border_geometry

        left, top, _, _ = border_geometry(p.border, photo_rgb.shape[1])
        out8 = out8[top:top + photo_rgb.shape[0], left:left + photo_rgb.shape[1]]
    assert out8.shape == photo_rgb.shape
    assert delta_e_images(out8 / 255.0, photo_rgb / 255.0) > 2  # a visible look


def test_film_look_keeps_alpha_and_frames_it(photo_rgb):
    from retrogan.imaging import Photo
    from retrogan.looks import resolve_style

    alpha = np.full(photo_rgb.shape[:2], 100, np.uint8)
    out = resolve_style("instant-1970s").apply(Photo(rgb=photo_rgb, alpha=alpha), seed=0)
    assert out.rgb.shape[:2] == out.alpha.shape and out.rgb.shape[0] > photo_rgb.shape[0]
    assert (out.alpha == 100).sum() == alpha.size and out.alpha.max() == 255


def test_params_jitter_and_json_round_trip():
    p = PRESETS["super8-1970s"].params
    q = jitter(p, np.random.default_rng(0))
    assert q != p and q.stock == p.stock and q.mono == p.mono
    assert abs(q.exposure - p.exposure) <= 0.3 and 0.7 * p.grain <= q.grain <= 1.3 * p.grain
    import json

    assert FilmParams.from_dict(json.loads(q.to_json())) == q
    with pytest.raises(ValueError, match="unknown film parameters"):
        FilmParams.from_dict({"graiin": 1})
