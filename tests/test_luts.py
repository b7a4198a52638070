import numpy as np
import pytest
from PIL import Image

from retrogan.errors import LutError
from retrogan.luts import (CubeLut, apply_lut, apply_lut_float, blend_lut, hald_image, identity_lut, read_cube,
                           read_hald, write_cube)
from retrogan.luts.apply import apply_lut_uint8
from retrogan.metrics import delta_e_images


def warm_lut(n=17):
    t = identity_lut(n)
    return np.clip(t ** np.array([0.8, 1.0, 1.25], np.float32) + np.array([0.03, 0.0, -0.02], np.float32), 0, 1)


def test_cube_3d_round_trip(tmp_path):
    lut = CubeLut(warm_lut(), np.zeros(3, np.float32), np.ones(3, np.float32), "warm", ["made by a test"])
    write_cube(lut, tmp_path / "w.cube")
    back = read_cube(tmp_path / "w.cube")
    assert back.title == "warm" and back.comments[0] == "made by a test" and back.is_3d
    assert "display-referred sRGB / Rec.709" in back.comments[1]  # a grader needs to know where it goes
    write_cube(back, tmp_path / "again.cube")
    assert read_cube(tmp_path / "again.cube").comments == back.comments  # the note is not repeated
    np.testing.assert_allclose(back.table, lut.table, atol=1e-6)


def test_cube_1d_and_domain_round_trip(tmp_path):
    table = np.stack([np.linspace(0, 1, 9) ** g for g in (1.0, 0.9, 1.1)], -1).astype(np.float32)
    lut = CubeLut(table, np.full(3, -0.1, np.float32), np.full(3, 1.2, np.float32))
    write_cube(lut, tmp_path / "one.cube")
    back = read_cube(tmp_path / "one.cube")
    assert not back.is_3d
    np.testing.assert_allclose(back.domain_min, -0.1, atol=1e-6)
    np.testing.assert_allclose(back.table, table, atol=1e-6)


def test_cube_1d_expands_to_3d_with_same_curves(tmp_path):
    table = np.stack([np.linspace(0, 1, 33) ** g for g in (1.0, 0.5, 2.0)], -1).astype(np.float32)
    t3 = CubeLut(table).normalised_3d()
    x = np.array([[0.25, 0.25, 0.25]], np.float32)
    np.testing.assert_allclose(apply_lut_float(x, t3), [[0.25, 0.5, 0.0625]], atol=2e-3)


@pytest.mark.parametrize("text,match", [
    ("LUT_3D_SIZE 2\n0 0 0\n", "needs 8 rows"),
    ("LUT_3D_SIZE 2\n" + "0 0\n" * 8, ":2: expected 3 numbers"),
    ("FOO 3\n", "unknown keyword"),
    ("0 0 0\n", "exactly one of"),
])
def test_bad_cube_files_name_the_problem(tmp_path, text, match):
    (tmp_path / "bad.cube").write_text(text)
    with pytest.raises(LutError, match=match):
        read_cube(tmp_path / "bad.cube")


def test_identity_hald_is_identity(tmp_path, photo_rgb):
    Image.fromarray(hald_image(identity_lut(64)), "RGB").save(tmp_path / "id.png")
    table = read_hald(tmp_path / "id.png")
    assert table.shape == (64, 64, 64, 3)
    out = apply_lut_float(photo_rgb / np.float32(255), table)
    assert np.abs(out * 255 - photo_rgb).max() < 0.51  # 8-bit quantisation of the Hald grid


def test_fast_and_float_paths_agree_within_a_tenth_of_a_delta_e(photo_rgb):
    table = warm_lut(33)
    fast = apply_lut_uint8(photo_rgb, table) / 255.0
    exact = apply_lut_float(photo_rgb / np.float32(255), table)
    assert delta_e_images(fast, exact) < 0.1


def test_lut_identity_and_strength(photo_rgb):
    np.testing.assert_array_equal(apply_lut(photo_rgb, identity_lut(17)), photo_rgb)
    x16 = photo_rgb.astype(np.uint16) * 257
    np.testing.assert_array_equal(apply_lut(x16, identity_lut(9)), x16)
    half = apply_lut_float(photo_rgb / np.float32(255), blend_lut(warm_lut(), 0.5))
    full = apply_lut_float(photo_rgb / np.float32(255), warm_lut())
    np.testing.assert_allclose(half, (full + photo_rgb / 255.0) / 2, atol=1e-5)


def test_trilinear_known_value():
    table = identity_lut(2) ** 2  # corners only: the lookup is trilinear between them
    out = apply_lut_float(np.array([[0.5, 0.25, 1.0]], np.float32), table)
    np.testing.assert_allclose(out, [[0.5, 0.25, 1.0]], atol=1e-6)  # x^2 on 0/1 corners is linear in between
