"""Film motion on video (issue #31): gate weave, exposure flicker, breath and a camera's cadence; seeded, bounded,
and none of it on a still."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from retrogan.film import fast, motion
from retrogan.film.presets import PRESETS
from retrogan.looks.knobs import look_with
from retrogan.video.frames import FrameRenderer


def test_motion_is_seeded_bounded_and_off_by_default():
    kw = dict(seed=3, fps=24.0, height=1080, width=1920)
    moves = [motion.frame_motion(1.0, 1.0, 1.0, frame_index=i, **kw) for i in range(96)]
    assert moves == [motion.frame_motion(1.0, 1.0, 1.0, frame_index=i, **kw) for i in range(96)]
    reach = motion.WEAVE_MAX * 1080
    assert max(abs(m.dy) for m in moves) <= reach and max(abs(m.dx) for m in moves) <= reach / 2 + 1
    assert len({(m.dy, m.dx) for m in moves}) > 5  # it moves
    gains = np.array([m.gains for m in moves])
    assert np.abs(gains - 1).max() <= motion.FLICKER_MAX + motion.BREATH_MAX + 0.01
    assert gains.std(0).min() > 0.005 and not np.allclose(gains[:, 0], gains[:, 2])  # breath: per layer
    assert motion.frame_motion(0, 0, 0, frame_index=5, **kw).still


def test_cadence_holds_frames_to_the_camera_rate():
    c = motion.Cadence(18.0, 24.0)
    held = [c.held(i) for i in range(48)]
    assert sum(not h for h in held) == 36  # 18 new frames a second
    assert not any(motion.Cadence(0.0, 24.0).held(i) for i in range(48))
    assert not any(motion.Cadence(30.0, 24.0).held(i) for i in range(48))


def test_shift_repeats_the_edges_and_expose_is_identity_at_gain_one():
    a = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    s = motion.shift(a, 2, -1)
    assert np.array_equal(s[2:, :5], a[:3, 1:]) and np.array_equal(s[0], s[2]) and np.array_equal(s[:, 5], s[:, 4])
    assert np.array_equal(motion.shift(a, 0, 0), a)
    assert np.array_equal(motion.expose(a, (1.0, 1.0, 1.0)), a)
    assert (motion.expose(a, (1.1, 1.1, 1.1)).astype(int) >= a).all()
    tables = motion.exposure_tables((1.2, 0.8, 1.05))  # each channel through its own table
    want = np.stack([tables[c][a[..., c]] for c in range(3)], -1)
    assert np.array_equal(motion.expose(a, (1.2, 0.8, 1.05)), want)


def test_a_film_look_moves_on_video_and_not_on_a_still(photo_rgb):
    look = look_with("super8-1970s")  # weave, flicker, breath, 18 fps cadence
    r = FrameRenderer(look, seed=1, fps=24.0)
    frames = [r.render(photo_rgb, i, new_shot=i == 0) for i in range(8)]
    held = [i for i in range(1, 8) if frames[i] is frames[i - 1]]
    assert held == [i for i in range(1, 8) if motion.Cadence(18.0, 24.0).held(i)] and held
    still = look_with("super8-1970s", {"weave": 0, "flicker": 0, "breath": 0, "cadence": 0})
    plain = [FrameRenderer(still, seed=1, fps=24.0).render(photo_rgb, i, new_shot=True) for i in range(8)]
    changed = [i for i in range(8) if i not in held and np.abs(frames[i].astype(int) - plain[i]).mean() > 0.5]
    assert len(changed) >= 3, changed  # flicker and breath changed the new frames
    p = PRESETS["super8-1970s"].params
    assert np.array_equal(fast.render_array(photo_rgb, p, seed=1),  # a still has no motion
                          fast.render_array(photo_rgb, replace(p, weave=0, flicker=0, breath=0, cadence=0), seed=1))


def test_a_shifted_rgbx_view_is_the_shifted_picture_and_stays_rgbx():
    from retrogan.imaging.pixels import rgbx_base

    rng = np.random.default_rng(0)
    words = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    view = words[..., :3]
    for dy, dx in [(2, -1), (-3, 4), (0, 0), (6, -8)]:
        moved = motion.shift(view, dy, dx)
        assert np.array_equal(moved, motion.shift(np.ascontiguousarray(view), dy, dx))
        assert rgbx_base(moved) is not None


@pytest.mark.parametrize("c_lane", [True, False])
@pytest.mark.parametrize("build_after", [0, 10 ** 12])  # the full colour table (fused), interpolated (a pass first)
@pytest.mark.parametrize("name", ["silver-gelatin-1930s", "tintype-1860s", "kodachrome-1950s"])
def test_exposure_in_the_colour_pass_is_exposing_first(name, build_after, c_lane, photo_rgb, monkeypatch):
    """A video frame's flicker and breath ride in the colour pass: the picture of exposing the frame first. A glow
    (kodachrome's halation) reads the exposed thumbnail instead of the thumbnail of the exposed frame: a rounding."""
    from retrogan.film import fast8

    if c_lane and not fast8.USE_C:
        pytest.skip("the optional C extension is not built here")
    monkeypatch.setattr(fast8, "USE_C", c_lane)
    monkeypatch.setattr(fast8, "BUILD_AFTER_PIXELS", build_after)
    p = PRESETS[name].params
    gains = (1.12, 0.9, 1.04)
    folded = fast.render_array(photo_rgb, p, seed=2, frame_index=3, exposure=motion.exposure_tables(gains))
    first = fast.render_array(motion.expose(photo_rgb, gains), p, seed=2, frame_index=3)
    plain = fast.render_array(photo_rgb, p, seed=2, frame_index=3)
    assert np.abs(first.astype(int) - plain).mean() > 0.1  # the exposure shows (a border and a dark print dilute it)
    diff = np.abs(folded.astype(int) - first)
    if p.halation or p.bloom:
        assert diff.max() <= 2 and diff.mean() < 0.05, (diff.max(), diff.mean())
    else:
        assert np.array_equal(folded, first)


def test_light_maps_that_do_not_read_the_picture_are_made_once_per_clip(photo_rgb):
    from retrogan.film import fast8, light

    p = replace(PRESETS["disposable-1990s"].params, softness=0.0, chromatic_aberration=0.0)  # vignette and a leak
    assert p.vignette and p.light_leak and not (p.halation or p.bloom)
    h, w = photo_rgb.shape[:2]
    offsets, table, mh, mw = fast8._still_light(p, 5, h, w)
    gain, add = light.light_maps(light.thumbnail(photo_rgb, fast8.MAP_SHORT_SIDE), p, 5)  # as from the picture
    g_lo, a_hi = fast8.light_ranges(p)
    assert (mh, mw) == gain.shape[1:] and np.array_equal(offsets, fast8.light_offsets(gain, add, g_lo, a_hi))
    assert np.array_equal(table, fast8.light_table(g_lo, a_hi))
    assert fast8._still_light(p, 5, h, w)[0] is offsets  # made once
