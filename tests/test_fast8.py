"""The 8-bit table-lookup lane of the film renderer against the float lane, and the zero-copy pixel hand-over."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from retrogan.film import fast, fast8
from retrogan.film.params import FilmParams
from retrogan.film.presets import PRESETS
from retrogan.luts.apply import apply_lut_uint8
from retrogan.metrics import delta_e_images

from conftest import skimage_file

LANE_PRESETS = [n for n, pr in PRESETS.items() if fast8.supports(pr.params)]


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    return np.asarray(Image.open(skimage_file("chelsea.png")).convert("RGB")).copy()


def float_lane(rgb: np.ndarray, p: FilmParams, seed: int, frame_index: int = 0) -> np.ndarray:
    """The same render through the float path (16-bit input), rounded back to 8 bits."""
    out = fast.render_array(rgb.astype(np.uint16) * 257, p, seed=seed, frame_index=frame_index)
    return np.rint(out / 257.0).astype(np.uint8)


def test_most_presets_take_the_8_bit_lane():
    assert len(LANE_PRESETS) >= 6 and "kodachrome-1950s" in LANE_PRESETS


@pytest.fixture(params=["interpolated lookup", "full table"])
def colour_path(request, monkeypatch):
    """Small jobs interpolate the colour LUT (C, or Pillow); batches, clips and big photos use the 2^24 table."""
    monkeypatch.setattr(fast8, "BUILD_AFTER_PIXELS", 10 ** 12 if request.param == "interpolated lookup" else 0)
    return request.param


@pytest.mark.parametrize("name", LANE_PRESETS)
def test_8_bit_lane_matches_the_float_lane(name, cat, colour_path):
    p = PRESETS[name].params
    out = fast.render_array(cat, p, seed=3)
    ref = float_lane(cat, p, seed=3)
    _assert_close(out, ref, cat, p, name, 0)


@pytest.mark.parametrize("frame_index", [1, 2, 3, 6])
def test_8_bit_lane_matches_the_float_lane_on_later_video_frames(frame_index, cat, colour_path):
    """Video frames use mirrored grain textures (variants): the lanes must agree on those too."""
    p = PRESETS["colour-negative-1980s"].params
    out = fast.render_array(cat, p, seed=3, frame_index=frame_index)
    _assert_close(out, float_lane(cat, p, seed=3, frame_index=frame_index), cat, p, "colour-negative", frame_index)


def _assert_close(out, ref, cat, p, name, frame_index):
    assert out.shape == ref.shape
    assert delta_e_images(out / 255.0, ref / 255.0) < 0.7, name
    d = np.abs(out.astype(int) - ref)
    assert np.percentile(d, 99) <= 3, name
    if p.grain:  # the same grain, pixel for pixel, not just the same amount
        no_grain = replace(p, grain=0.0)
        g_fast = out.astype(float) - fast.render_array(cat, no_grain, seed=3, frame_index=frame_index)
        g_ref = ref.astype(float) - float_lane(cat, no_grain, seed=3, frame_index=frame_index)
        assert np.corrcoef(g_fast.ravel(), g_ref.ravel())[0, 1] > 0.9
        assert abs(g_fast.std() / g_ref.std() - 1) < 0.05


def test_light_maps_have_no_blocks_on_a_smooth_gradient():
    """Strong vignette, halation and a light leak on a smooth ramp: within 2 levels of the float lane at 99% of
    the pixels and 4 everywhere (nearest-cell sampling of the thumbnail maps would leave steps)."""
    y, x = np.mgrid[0:360, 0:640]
    ramp = np.stack([x / 639 * 255, y / 359 * 255, np.full_like(x, 128.0)], -1).astype(np.uint8)
    p = FilmParams(vignette=0.6, halation=0.8, light_leak=0.7, leak_angle=0.5)
    out, ref = fast.render_array(ramp, p, seed=1), float_lane(ramp, p, seed=1)
    d = np.abs(out.astype(int) - ref)
    assert np.percentile(d, 99) <= 2 and d.max() <= 4


def test_strip_size_and_threads_do_not_change_the_render(cat, monkeypatch, colour_path):
    p = PRESETS["kodachrome-1950s"].params
    whole = fast8.render_uint8(cat, p, seed=5, workers=1)
    monkeypatch.setattr(fast8, "STRIP_ROWS_PIXELS", cat.shape[1] * 7)
    np.testing.assert_array_equal(fast8.render_uint8(cat, p, seed=5, workers=2), whole)


def test_video_frames_get_fresh_grain_and_the_same_light(cat):
    p = PRESETS["colour-negative-1980s"].params
    a, b = fast8.render_uint8(cat, p, seed=1, frame_index=0), fast8.render_uint8(cat, p, seed=1, frame_index=1)
    assert np.abs(a.astype(int) - b).mean() > 1  # grain moves
    assert abs(a.astype(float).mean() - b.astype(float).mean()) < 0.2  # the tone does not


def _fresh_tables(monkeypatch, tmp_path, build_after: int) -> None:
    """The full-table state of a new process, with an empty disk cache."""
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fast8, "BUILD_AFTER_PIXELS", build_after)
    for name in ("_FULL", "_USAGE"):
        monkeypatch.setattr(fast8, name, {})
    monkeypatch.setattr(fast8, "_MISSING", set())
    monkeypatch.setattr(fast8, "_STORED", set())


def test_lut_look_uses_the_full_table_once_it_pays_and_a_later_process_maps_it(cat, monkeypatch, tmp_path):
    from retrogan.imaging.pixels import rgbx_base
    from retrogan.imaging.photo import Photo
    from retrogan.looks.registry import resolve_style

    look = resolve_style("portra-400vc")
    _fresh_tables(monkeypatch, tmp_path, 3 * cat.shape[0] * cat.shape[1])
    outs, built = [], []
    for _ in range(4):
        outs.append(look.apply(Photo(rgb=cat)).rgb)
        built.append(len(fast8._FULL))
    assert built == [0, 0, 1, 1]  # interpolated, interpolated, then the table
    for o in outs[1:]:  # the same picture either way
        np.testing.assert_array_equal(o, outs[0])
    assert rgbx_base(outs[-1]) is not None
    assert len(list((tmp_path / "colours").glob("*.npy"))) == 1  # it served several pictures: kept on disk

    _fresh_tables(monkeypatch, tmp_path, 10 ** 12)  # a later process: the first picture maps the stored table
    np.testing.assert_array_equal(look.apply(Photo(rgb=cat)).rgb, outs[0])
    (full,) = fast8._FULL.values()
    assert isinstance(full, np.memmap)


def test_a_damaged_stored_full_table_is_not_used(cat, monkeypatch, tmp_path):
    from retrogan.imaging.photo import Photo
    from retrogan.looks.registry import resolve_style

    look = resolve_style("portra-400vc")
    _fresh_tables(monkeypatch, tmp_path, 1)
    truth = [look.apply(Photo(rgb=cat)).rgb for _ in range(2)][0]
    (stored,) = (tmp_path / "colours").glob("*.npy")
    damaged = np.load(stored)
    damaged[fast8._CHECK[:10]] ^= 0x00FF00  # what a disk error or a stray write might do
    np.save(stored, damaged)
    _fresh_tables(monkeypatch, tmp_path, 10 ** 12)
    np.testing.assert_array_equal(look.apply(Photo(rgb=cat)).rgb, truth)  # interpolated, not the bad table
    assert not fast8._FULL


def test_a_single_pictures_table_is_not_kept_on_disk(cat, monkeypatch, tmp_path):
    table = fast.colour_table(PRESETS["kodachrome-1950s"].params)
    _fresh_tables(monkeypatch, tmp_path, 1)
    assert fast8.packed_or_none(table, 10) is not None  # a very large photo: built for it
    assert not (tmp_path / "colours").exists()  # a learned look's table serves one picture: not worth 64 MB


def test_full_colour_table_equals_the_interpolating_lookup(cat):
    table = fast.colour_table(PRESETS["kodachrome-1950s"].params)
    packed = fast8.full_table(table)
    rng = np.random.default_rng(0)
    colours = np.concatenate([cat.reshape(1, -1, 3), rng.integers(0, 256, (1, 4096, 3), dtype=np.uint8)], 1)
    got = packed.take(fast8._pack(colours)).view(np.uint8).reshape(*colours.shape[:2], 4)[..., :3]
    np.testing.assert_array_equal(got, fast8.interpolate(colours, table))
    assert np.abs(got.astype(int) - apply_lut_uint8(colours, table)).max() <= 1  # Pillow's own, where C is not built


def test_merged_boxes_do_not_overlap():
    boxes = [(0, 10, 0, 10), (5, 15, 5, 15), (30, 40, 30, 40), (14, 20, 14, 31), (-5, 3, 95, 120)]
    merged = fast8.merged_boxes(boxes, 100, 100)
    for i, a in enumerate(merged):
        assert 0 <= a[0] < a[1] <= 100 and 0 <= a[2] < a[3] <= 100
        for b in merged[i + 1:]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3])
    covered = np.zeros((100, 100), bool)
    for y0, y1, x0, x1 in merged:
        covered[y0:y1, x0:x1] = True
    for y0, y1, x0, x1 in boxes:
        assert covered[max(0, y0):y1, max(0, x0):min(100, x1)].all()


def test_zero_copy_read_and_write(tmp_path, cat):
    from retrogan.imaging.pixels import rgbx_base, to_pillow
    from retrogan.imaging.read import read_photo
    from retrogan.imaging.write import encode_photo

    path = tmp_path / "cat.jpg"
    Image.fromarray(cat).save(path, quality=90)
    photo = read_photo(path)
    np.testing.assert_array_equal(photo.rgb, np.asarray(Image.open(path).convert("RGB")))
    assert not photo.rgb.flags.writeable  # the decoded memory is shared: nobody may write to it
    assert rgbx_base(photo.rgb) is not None
    copy = replace(photo, rgb=np.ascontiguousarray(photo.rgb))
    assert encode_photo(photo, "JPEG") == encode_photo(copy, "JPEG")
    assert encode_photo(photo, "PNG") == encode_photo(copy, "PNG")
    assert to_pillow(photo.rgb).mode == "RGB"
    del photo  # the view keeps the image alive; dropping it must not disturb the copy
    assert copy.rgb.sum() > 0


@pytest.mark.skipif(fast8._fastpath is None, reason="the optional C extension is not built here")
@pytest.mark.parametrize("name", ["kodachrome-1950s", "faded-print-1970s", "colour-negative-1980s", "grain only",
                                  "paper only", "light and grain"])
def test_c_loop_equals_numpy_bit_for_bit(name, cat, monkeypatch, colour_path):
    """Presets, and the finishing pass's own row loop (no colour: light or none, then one noise stage)."""
    p = {"grain only": FilmParams(grain=0.08, grain_size=0.004, grain_colour=0.3),
         "paper only": FilmParams(paper=0.9),
         "light and grain": FilmParams(vignette=0.6, light_leak=0.5, grain=0.06)}.get(name)
    p = p or PRESETS[name].params
    for frame_index in (0, 3):
        monkeypatch.setattr(fast8, "USE_C", True)
        with_c = fast8.render_uint8(cat, p, seed=4, frame_index=frame_index)
        monkeypatch.setattr(fast8, "USE_C", False)
        np.testing.assert_array_equal(with_c, fast8.render_uint8(cat, p, seed=4, frame_index=frame_index))


def test_marks_match_the_reference_rasteriser(cat):
    p = FilmParams(dust=0.8, hairs=0.8, scratches=0.8, cracks=0.5, light_dust=True)
    out, ref = fast.render_array(cat, p, seed=9), float_lane(cat, p, seed=9)
    d = np.abs(out.astype(int) - ref)
    assert (out != cat).any(axis=2).mean() > 0.002  # marks were drawn
    assert d.max() <= 2, d.max()


@pytest.mark.skipif(fast8._marks is None, reason="the C lanes are not built")
@pytest.mark.parametrize("rgbx", [True, False])
def test_marks_in_c_equal_numpy_bit_for_bit(cat, monkeypatch, rgbx):
    from retrogan.film.frame import Frame

    h, w = cat.shape[:2]
    marks = fast8.make_marks(Frame(h, w), 5, 3, 0.9, 0.9, 0.9, 0.6, 0.5, True)
    assert any(len(m.points) == 1 for m in marks) and any(len(m.points) > 2 for m in marks)
    drawn = []
    for use_c in (True, False):
        monkeypatch.setattr(fast8, "USE_C", use_c)
        if rgbx:
            frame = np.full((h, w, 4), 255, np.uint8)
            frame[..., :3] = cat
            a = frame[..., :3]
        else:
            a = cat.copy()
        fast8.draw_marks(a, marks)
        drawn.append(a.copy())
    assert (drawn[0] != cat).any(axis=2).mean() > 0.01  # marks were drawn
    np.testing.assert_array_equal(drawn[0], drawn[1])


def test_a_glow_thumbnails_linear_light_by_table_is_the_power_functions():
    """A video frame's glow maps read their 8-bit thumbnail's linear light from a 256-entry table: the same maps."""
    from retrogan.film import light

    t8 = np.random.default_rng(1).integers(0, 256, (27, 48, 3), dtype=np.uint8)
    thumb = t8.astype(np.float32) / np.float32(255)
    lin = np.ascontiguousarray(fast8._lin8_f32().take(t8).transpose(2, 0, 1))
    assert np.array_equal(lin, light.srgb_to_linear(np.ascontiguousarray(thumb.transpose(2, 0, 1))))
    p = PRESETS["super8-1970s"].params  # halation and bloom
    for got, want in zip(light.light_maps(thumb, p, 2, lin), light.light_maps(thumb, p, 2)):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("stage", ["grain", "paper"])
def test_noise_that_rounds_away_is_no_stage_and_changes_no_pixel(cat, stage):
    """Grain (or paper texture) far under a code value (a learned look's 7e-5) gives every value back at every
    level: it is dropped without changing a pixel; a visible amount keeps its stage."""
    tiny, visible = (FilmParams(**{stage: a}) for a in (7e-5, 0.05))
    assert fast8.noise_stages(tiny, 64, 96, 0, 0) == []
    assert len(fast8.noise_stages(visible, 64, 96, 0, 0)) == 1
    table = fast8.grain_table(7e-5) if stage == "grain" else fast8.paper_table(7e-5)
    assert np.array_equal(table.reshape(-1, 256), np.tile(np.arange(256, dtype=np.uint8), (table.size // 256, 1)))
    base = FilmParams(vignette=0.2)
    assert np.array_equal(fast8.render_uint8(cat, replace(base, **{stage: 7e-5})), fast8.render_uint8(cat, base))
    assert not np.array_equal(fast8.render_uint8(cat, replace(base, **{stage: 0.05})), fast8.render_uint8(cat, base))


@pytest.mark.parametrize("use_c", [True, False])
def test_in_place_render_is_the_copying_one(cat, monkeypatch, use_c):
    """A frame the lens made is given up to the rest of the look: rendered into, the same bytes as into a copy; with
    a colour of its own (not the identity) the flag is ignored and the frame left alone."""
    if use_c and fast8._fastpath is None:
        pytest.skip("the C lanes are not built")
    monkeypatch.setattr(fast8, "USE_C", use_c)
    rest = FilmParams(vignette=0.5, light_leak=0.4, bloom=0.3, grain=0.05, dust=0.6)
    frame = np.full((*cat.shape[:2], 4), 255, np.uint8)
    frame[..., :3] = cat
    want = fast8.render_uint8(cat, rest, seed=2, frame_index=1)
    got = fast8.render_uint8(frame[..., :3], rest, seed=2, frame_index=1, in_place=True)
    np.testing.assert_array_equal(got, want)
    assert np.shares_memory(got, frame)
    frame[..., :3] = cat
    coloured = replace(rest, saturation=0.5)
    got = fast8.render_uint8(frame[..., :3], coloured, seed=2, frame_index=1, in_place=True)
    assert not np.shares_memory(got, frame) and np.array_equal(frame[..., :3], cat)
    np.testing.assert_array_equal(got, fast8.render_uint8(cat, coloured, seed=2, frame_index=1))


@pytest.mark.parametrize("name", ["kodachrome-1950s", "colour-negative-1980s"])
def test_a_glow_is_the_same_before_and_after_the_full_table(cat, monkeypatch, name):
    """A look's first pictures are coloured by interpolation until its 2^24-colour table pays; a glow's thumbnail
    must be graded the same way either side of that (it was Pillow's lookup before: a few pixels a few codes off)."""
    p = PRESETS[name].params
    full = fast8.full_table(fast.colour_table(p))
    monkeypatch.setattr(fast8, "packed_or_none", lambda table, pixels: None)
    before = fast8.render_uint8(cat, p, seed=3, frame_index=2)
    monkeypatch.setattr(fast8, "packed_or_none", lambda table, pixels: full)
    np.testing.assert_array_equal(before, fast8.render_uint8(cat, p, seed=3, frame_index=2))
