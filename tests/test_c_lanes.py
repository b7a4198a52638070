"""The optional C lanes of issue #31 (built at install when a compiler is there): softness in linear light and
chromatic aberration (``film/lens8.py``) and a learned look's LUT + local grid (``film/lutlocal8.py``) give the
reference renderer's picture within one code value, on RGB and RGBX input, wide and narrow blurs; and without them
the fallbacks render the same looks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from retrogan.film import lens8, light, lutlocal8, optics as O
from retrogan.film.fast import render_array
from retrogan.film.frame import Frame, softness_sigma
from retrogan.film.params import FilmParams
from retrogan.imaging.photo import from_float, to_float
from retrogan.luts.apply import apply_lut_float
from retrogan.models.fast import sample_local

needs_lens = pytest.mark.skipif(not lens8.available(), reason="the optional C extension is not built here")
needs_lut = pytest.mark.skipif(not lutlocal8.available(), reason="the optional C extension is not built here")


def picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Smooth regions with hard edges and fine noise: what a blur gets wrong first."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3)).repeat(8, 0).repeat(8, 1)[:h, :w]
    return np.clip(blocks + rng.integers(-20, 21, (h, w, 3)), 0, 255).astype(np.uint8)


def reference_softness(rgb: np.ndarray, amount: float) -> np.ndarray:
    x = torch.from_numpy(to_float(rgb)).permute(2, 0, 1)[None]
    y = O.softness(x, amount, frame=Frame(*rgb.shape[:2]))
    return from_float(y[0].permute(1, 2, 0).numpy(), 8)


@needs_lens
@pytest.mark.parametrize("h,w,amount", [(200, 300, 0.6), (200, 300, 1.5), (900, 1200, 1.5), (1200, 700, 8.0),
                                        (31, 45, 1.0), (3, 5, 4.0)])
def test_c_softness_is_the_reference_blur(h, w, amount):
    rgb = picture(h, w)
    want = reference_softness(rgb, amount)
    sigma = softness_sigma(amount, Frame(h, w))
    for src in (rgb, np.concatenate([rgb, np.zeros_like(rgb[..., :1])], 2)[..., :3]):  # RGB, then an RGBX view
        got = lens8.soften(src, sigma)
        diff = np.abs(got.astype(int) - want)
        assert diff.max() <= 1 and diff.mean() < 0.05, (sigma, diff.max(), diff.mean())


@needs_lens
def test_c_softness_rejects_buffers_that_do_not_fit():
    rgb = picture(16, 16)
    small = np.empty((4, 4, 3), np.float32)
    with pytest.raises(ValueError, match="too small"):
        lens8._lens.reduce(rgb, 3, 64, 64, 2, lens8._lin8(), small, 0, 4)
    with pytest.raises(ValueError, match="rows out of range"):
        lens8._lens.reduce(rgb, 3, 16, 16, 4, lens8._lin8(), small, 0, 9)
    with pytest.raises(ValueError, match="odd length"):
        lens8._lens.hblur(rgb, 3, 16, 16, lens8._lin8(), np.ones(40, np.float32),
                              np.empty((16, 16, 3), np.float32), 0, 16)


@needs_lens
@pytest.mark.parametrize("h,w,amount", [(200, 300, 0.003), (301, 173, -0.02), (64, 64, 0.1)])
def test_c_chromatic_aberration_is_the_reference(h, w, amount):
    rgb = picture(h, w, 5)
    x = torch.from_numpy(to_float(rgb)).permute(2, 0, 1)[None]
    want = from_float(O.chromatic_aberration(x, amount, frame=Frame(h, w))[0].permute(1, 2, 0).numpy(), 8)
    got = lens8.aberrate(rgb, amount)
    diff = np.abs(got.astype(int) - want)
    assert diff.max() <= 1 and diff.mean() < 0.05, (diff.max(), diff.mean())
    assert (got[..., 1] == rgb[..., 1]).all()


@needs_lens
@pytest.mark.parametrize("h,w", [(40, 3), (37, 4), (53, 97), (120, 1283)])
@pytest.mark.parametrize("amount", [0.006, -0.004, 0.3, -2.5])
def test_c_chromatic_aberration_rgbx_lanes_are_the_plain_loop(h, w, amount):
    """4-byte pixels take vector lanes (two row loads where the source index runs on by one, else gathers); 3-byte
    pixels the plain loop: the same bytes, for scales that step the index by 0, 1 or 2 and run it backwards."""
    rgb = picture(h, w, 7)
    rgbx = np.concatenate([rgb, np.full_like(rgb[..., :1], 9)], 2)
    got = lens8.aberrate(rgbx[..., :3], amount)
    want = lens8.aberrate(rgb, amount)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("look", ["tintype-1860s", "super8-1970s"])
def test_lens_presets_render_the_same_with_and_without_the_c_lane(monkeypatch, look):
    from retrogan.film.presets import PRESETS

    rgb = picture(240, 320, 3)
    p = PRESETS[look].params
    with_c = render_array(rgb, p, seed=2)
    monkeypatch.setattr(lens8, "_lens", None)
    without = render_array(rgb, p, seed=2)
    diff = np.abs(with_c.astype(int) - without)
    assert diff.mean() < 0.3 and np.percentile(diff, 99.9) <= 2, (diff.mean(), diff.max())


def reference_lut_local(rgb: np.ndarray, table: np.ndarray, local: np.ndarray) -> np.ndarray:
    x = apply_lut_float(to_float(rgb), table)
    t = torch.from_numpy(x).permute(2, 0, 1)[None]
    adj = sample_local(torch.from_numpy(local)[None], t, None)
    return from_float((t * (1 + adj[:, :3]) + adj[:, 3:]).clamp(0, 1)[0].permute(1, 2, 0).numpy(), 8)


@needs_lut
@pytest.mark.parametrize("n,g", [(9, 8), (33, 1), (17, 5)])
def test_c_lut_and_local_grid_are_the_float_path(n, g):
    rng = np.random.default_rng(n)
    ramp = np.linspace(0, 1, n, dtype=np.float32)
    b, gg, r = np.meshgrid(ramp, ramp, ramp, indexing="ij")
    table = np.stack([r, gg ** 1.3, b * 0.8 + 0.1], -1) + rng.normal(0, 0.03, (n, n, n, 3)).astype(np.float32)
    table = np.clip(table, 0, 1).astype(np.float32)
    local = rng.normal(0, 0.1, (6, g, g)).astype(np.float32)
    rgb = picture(150, 210, n)
    want = reference_lut_local(rgb, table, local)
    got = lutlocal8.lut_local(rgb, table, local)
    diff = np.abs(got.astype(int) - want)
    assert diff.max() <= 1 and diff.mean() < 0.05, (diff.max(), diff.mean())
    plain = lutlocal8.lut_local(rgb, table, None)
    assert np.abs(plain.astype(int) - from_float(apply_lut_float(to_float(rgb), table), 8)).max() <= 1


@needs_lut
@pytest.mark.parametrize("with_local", [False, True])
def test_the_padded_lut_all_channels_at_once_is_the_channel_by_channel_loop(with_local):
    """A learned look's LUT reads a table padded to four floats a corner and interpolates the three channels as one
    vector, or reads the table's planes interpolated along red beforehand (4 loads and 3 lerps a pixel, not 8 and 7):
    both bit for bit the plain loop over each channel, with and without the local grid, from RGB and RGBX."""
    rng = np.random.default_rng(3)
    n, g, h, w = 17, 5, 40, 57
    table = rng.random((n, n, n, 3), dtype=np.float32)
    local = rng.normal(0, 0.1, (6, g, g)).astype(np.float32) if with_local else None
    rgb = picture(h, w, 9)
    plain, fast = np.empty((h, w, 4), np.uint8), np.empty((h, w, 4), np.uint8)
    lutlocal8._lutpath.lut_local(rgb, 3, h, w, table, n, local, g if with_local else 0, plain, 0, h)  # 3 a corner
    lutlocal8._lutpath.lut_local(rgb, 3, h, w, lutlocal8.padded(table), n, local, g if with_local else 0, fast, 0, h,
                                 4)
    assert np.array_equal(plain, fast)
    rgbx = np.ascontiguousarray(np.concatenate([rgb, np.full((h, w, 1), 7, np.uint8)], -1))
    for src, px in ((rgb, 3), (rgbx, 4)):
        planes = np.zeros((h, w, 4), np.uint8)
        padded = lutlocal8.padded(table)
        lutlocal8._lutpath.lut_local(src, px, h, w, padded, n, local, g if with_local else 0, planes, 0, h, 4,
                                     lutlocal8.planes(padded))
        assert np.array_equal(plain, planes)
    assert not np.array_equal(lutlocal8.planes(padded)[..., 0], lutlocal8.planes(padded[::-1].copy())[..., 0])


@needs_lut
def test_c_lut_rejects_a_table_that_does_not_fit():
    rgb = picture(8, 8)
    with pytest.raises(ValueError, match="too small"):
        lutlocal8._lutpath.lut_local(rgb, 3, 8, 8, np.zeros((5, 5, 5, 3), np.float32), 9, None, 0,
                                     np.empty((8, 8, 4), np.uint8), 0, 8)


@pytest.mark.parametrize("amount", [0.6, 1.5, 6.0, 12.0])
def test_the_torch_lane_blurs_on_the_frames_grid_without_strip_seams(monkeypatch, amount):
    """16-bit photos (and 8-bit ones without the C lane) soften in strips: with small strips the result must still
    be the one-piece reference (strips blurred on their own seamed at their edges)."""
    from retrogan.film import fast_float

    monkeypatch.setattr(fast_float, "STRIP_PIXELS", 300 * 37)  # many strips of 37 rows
    rgb16 = picture(181, 300, 7).astype(np.uint16) * 257
    got = fast_float.render_float(rgb16, FilmParams(softness=amount)).astype(np.float64) / 257
    x = torch.from_numpy(rgb16.astype(np.float32) / 65535).permute(2, 0, 1)[None]
    want = O.softness(x, amount, frame=Frame(181, 300))[0].permute(1, 2, 0).numpy() * 255
    assert np.abs(got - want).max() < 0.05
    rgb8 = picture(181, 300, 8)
    got8 = fast_float.soften_uint8(rgb8, FilmParams(softness=amount))
    assert np.abs(got8.astype(int) - reference_softness(rgb8, amount)).max() <= 1


@pytest.mark.skipif(light._light is None, reason="the optional C extension is not built here")
@pytest.mark.parametrize("sigma", [0.5, 4.8, 30.0])
def test_the_light_maps_blur_in_c_is_numpys_bit_for_bit(monkeypatch, sigma):
    x = np.random.default_rng(3).random((3, 61, 107)).astype(np.float32)
    monkeypatch.setattr(light, "USE_C", True)
    fast = light.blur(x, sigma)
    monkeypatch.setattr(light, "USE_C", False)
    np.testing.assert_array_equal(fast, light.blur(x, sigma))
    assert fast.shape == x.shape and fast.dtype == np.float32


@pytest.mark.skipif(light._light is None, reason="the optional C extension is not built here")
@pytest.mark.parametrize("h,w,mh,mw,y0,y1", [(181, 300, 12, 20, 0, 181), (600, 333, 40, 22, 290, 555),
                                             (37, 53, 1, 1, 0, 37)])
def test_the_light_maps_cell_index_in_c_is_numpys(monkeypatch, h, w, mh, mw, y0, y1):
    """The jittered map cell each pixel reads, made in one C pass: the numpy index, rows past the jitter's
    period included."""
    from retrogan.film import fast8

    monkeypatch.setattr(fast8, "USE_C", True)
    fast = fast8.cell_index(y0, y1, h, w, mh, mw)
    monkeypatch.setattr(fast8, "USE_C", False)
    want = fast8.cell_index(y0, y1, h, w, mh, mw)
    np.testing.assert_array_equal(fast, want)
    assert fast.dtype == np.int32 and fast.shape == (y1 - y0, w) and len(np.unique(want)) > (mh * mw > 1)


@needs_lens
@pytest.mark.parametrize("sigma", [1.3, 3.9])  # the separable Gaussian and the wide (box-reduced) blur
@pytest.mark.parametrize("rgbx", [False, True])
def test_softness_reading_through_the_colour_tables_is_colour_then_softness(sigma, rgbx):
    """A softness preset's colour (and a video frame's exposure) ride in the blur's read of the frame: bit for bit
    the blur of the looked-up frame."""
    from retrogan.film import fast8
    from retrogan.film.motion import exposure_tables
    from retrogan.film.presets import PRESETS
    from retrogan.film.fast import colour_table

    rgb = picture(61, 83, seed=4)
    if rgbx:
        full = np.full((61, 83, 4), 255, np.uint8)
        full[..., :3] = rgb
        rgb = full[..., :3]
    packed = fast8.full_table(colour_table(PRESETS["technicolor-1950s"].params))
    pre = exposure_tables((1.1, 0.93, 1.0))
    fused = lens8.soften(rgb, sigma, pre=pre, colour=packed)
    apart = lens8.soften(fast8.lookup_packed(rgb, packed, exposure=pre), sigma)
    assert np.array_equal(fused, apart)
    assert np.array_equal(lens8.soften(rgb, sigma, colour=packed), lens8.soften(fast8.lookup_packed(rgb, packed),
                                                                                  sigma))


@needs_lens
@pytest.mark.parametrize("w", [1, 64, 67])  # chunks of 64 pixels, and what is left over
def test_the_c_srgb_encode_is_the_scalar_rule_on_every_kind_of_value(w):
    """The blur's sRGB encode (clamped four values at a time, then the table) gives what the scalar rule gives:
    0 at or below 0 and for NaN, 255 at or above 1, else the table at round(v * 65535)."""
    from retrogan.film.fast8 import _srgb8_table

    rng = np.random.default_rng(w)
    special = np.array([np.nan, -np.inf, np.inf, -1.0, -0.0, 0.0, 1e-9, 0.5 / 65535, 1.0, 1.0 + 1e-7, 7.0,
                        np.nextafter(np.float32(1), np.float32(0))], np.float32)
    h = 9
    values = np.concatenate([special, rng.random(h * w * 3 - special.size if h * w * 3 > special.size else 0,
                                                 dtype=np.float32)])[:h * w * 3].reshape(h, w, 3)
    enc = _srgb8_table()
    want = np.zeros((h, w, 3), np.uint8)
    ok = values > 0
    idx = (np.minimum(values, 1)[ok] * np.float32(65535) + np.float32(0.5)).astype(np.int64)
    want[ok] = enc[idx]
    for px in (3, 4):
        out = np.zeros((h, w, px), np.uint8)
        lens8._lens.vblur(np.ascontiguousarray(values), h, w, np.ones(1, np.float32), out, px, enc, 0, h)
        np.testing.assert_array_equal(out[..., :3], want)
        if px == 4:
            assert (out[..., 3] == 255).all()
