"""Round trips a photographer relies on: size, bit depth, alpha, EXIF, ICC; safe writing."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from conftest import sha, skimage_file
from retrogan.errors import ImageReadError, ImageWriteError
from retrogan.imaging import Photo, read_photo, write_photo
from retrogan.imaging.icc import convert_float_to_srgb, is_srgb, matrix_trc, srgb_profile_bytes
from retrogan.imaging.write import _chunk


def adobe_icc() -> bytes:
    return Image.open(skimage_file("rocket.jpg")).info["icc_profile"]


def exif_with(orientation: int = 1) -> Image.Exif:
    e = Image.Exif()
    e[0x010F] = "TestCam"
    e[0x0110] = "Model 7"
    e[0x0132] = "2024:05:06 07:08:09"
    e[0x0112] = orientation
    return e


@pytest.mark.parametrize("ext", [".jpg", ".png", ".tif", ".webp"])
def test_8bit_round_trip_keeps_size_exif_and_srgb_profile(tmp_path, photo_rgb, ext):
    src = tmp_path / f"in{ext}"
    Image.fromarray(photo_rgb).save(src, exif=exif_with(), quality=100, lossless=True)
    p = read_photo(src)
    assert p.rgb.dtype == np.uint8 and p.size == (128, 96)
    out = write_photo(p, tmp_path / f"out{ext}", quality=100)  # WebP at 100 is lossless
    im = Image.open(out)
    assert im.size == (128, 96)
    assert im.getexif()[0x010F] == "TestCam"
    assert is_srgb(im.info["icc_profile"])
    if ext in (".png", ".tif", ".webp"):  # lossless formats: pixels identical
        np.testing.assert_array_equal(read_photo(out).rgb, p.rgb)


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16bit_round_trip_is_exact_and_keeps_alpha(tmp_path, ext):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 65536, (37, 53, 3), dtype=np.uint16)
    alpha = rng.integers(0, 65536, (37, 53), dtype=np.uint16)
    e = exif_with()
    out = write_photo(Photo(rgb=rgb, alpha=alpha, exif=e.tobytes()), tmp_path / f"a{ext}")
    back = read_photo(out)
    assert back.bit_depth == 16
    np.testing.assert_array_equal(back.rgb, rgb)
    np.testing.assert_array_equal(back.alpha, alpha)
    assert Image.open(out).getexif().get(0x010F) == "TestCam"
    assert is_srgb(Image.open(out).info.get("icc_profile"))


def test_16bit_read_from_tifffile_and_imagecodecs_sources(tmp_path):
    import imagecodecs
    import tifffile

    ramp = (np.arange(64 * 40 * 3, dtype=np.uint32) * 7 % 65536).astype(np.uint16).reshape(40, 64, 3)
    tifffile.imwrite(tmp_path / "r.tif", ramp, photometric="rgb")
    (tmp_path / "r.png").write_bytes(imagecodecs.png_encode(ramp))
    for name in ("r.tif", "r.png"):
        np.testing.assert_array_equal(read_photo(tmp_path / name).rgb, ramp)
    gray16 = ramp[..., 0]
    Image.fromarray(gray16).save(tmp_path / "g.png")
    g = read_photo(tmp_path / "g.png")
    assert g.bit_depth == 16
    np.testing.assert_array_equal(g.rgb[..., 1], gray16)


def test_rgba_alpha_passes_through_stylize_untouched(tmp_path, photo_rgb):
    from retrogan.api import stylize

    alpha = np.tile(np.arange(128, dtype=np.uint8) * 2, (96, 1))
    Image.fromarray(np.dstack([photo_rgb, alpha]), "RGBA").save(tmp_path / "a.png")
    out = stylize(tmp_path / "a.png", "kodachrome-25")
    np.testing.assert_array_equal(out.alpha, alpha)
    assert not np.array_equal(out.rgb, photo_rgb)


def test_grayscale_palette_and_cmyk_are_converted(tmp_path, photo_rgb):
    im = Image.fromarray(photo_rgb)
    im.convert("L").save(tmp_path / "g.png")
    im.convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "p.png")
    im.convert("CMYK").save(tmp_path / "c.jpg", quality=95)
    g = read_photo(tmp_path / "g.png")
    assert g.rgb.shape == (96, 128, 3) and np.array_equal(g.rgb[..., 0], g.rgb[..., 2])
    p = read_photo(tmp_path / "p.png")
    assert np.abs(p.rgb.astype(int) - photo_rgb).mean() < 8
    c = read_photo(tmp_path / "c.jpg")
    assert c.rgb.shape == (96, 128, 3) and np.abs(c.rgb.astype(int) - photo_rgb).mean() < 12


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_and_reset(tmp_path, photo_rgb, orientation):
    src = tmp_path / "o.jpg"
    Image.fromarray(photo_rgb).save(src, exif=exif_with(orientation), quality=95)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(src)))
    p = read_photo(src)
    np.testing.assert_array_equal(p.rgb, expected)
    out = write_photo(p, tmp_path / "o_out.png")
    assert Image.open(out).getexif()[0x0112] == 1
    assert Image.open(out).size == (expected.shape[1], expected.shape[0])


def test_adobe_rgb_8bit_converted_to_srgb_like_littlecms(tmp_path):
    src = skimage_file("rocket.jpg")
    assert not is_srgb(adobe_icc())
    ref = ImageCms.profileToProfile(Image.open(src), ImageCms.ImageCmsProfile(io.BytesIO(adobe_icc())),
                                    ImageCms.createProfile("sRGB"), renderingIntent=1, outputMode="RGB")
    p = read_photo(src)
    np.testing.assert_array_equal(p.rgb, np.asarray(ref))
    assert p.source_icc == adobe_icc()


def test_matrix_trc_float_conversion_agrees_with_littlecms(photo_rgb):
    assert matrix_trc(adobe_icc()) is not None
    im = Image.fromarray(photo_rgb)
    ref = np.asarray(ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(adobe_icc())),
                                               ImageCms.createProfile("sRGB"), renderingIntent=1, outputMode="RGB"))
    ours = convert_float_to_srgb(photo_rgb / np.float32(255), adobe_icc()) * 255
    assert np.abs(ours - ref).max() <= 1.5  # LittleCMS works at 8 bits and rounds
    assert np.abs(ours - photo_rgb).mean() > 3  # and the conversion really changed the colours


def test_16bit_png_with_adobe_profile_is_converted(tmp_path, photo_rgb):
    import imagecodecs
    import zlib

    rgb16 = photo_rgb.astype(np.uint16) * 257
    png = imagecodecs.png_encode(rgb16)
    png = png[:33] + _chunk(b"iCCP", b"Adobe\x00\x00" + zlib.compress(adobe_icc())) + png[33:]
    (tmp_path / "a16.png").write_bytes(png)
    p = read_photo(tmp_path / "a16.png")
    assert p.bit_depth == 16
    expected = convert_float_to_srgb(rgb16 / np.float32(65535), adobe_icc())
    assert np.abs(p.rgb / 65535.0 - expected).max() < 1e-4


def test_srgb_profile_is_recognised():
    assert is_srgb(srgb_profile_bytes()) and is_srgb(None)


def test_write_refuses_existing_file_and_input(tmp_path, jpeg_file):
    p = read_photo(jpeg_file)
    before = sha(jpeg_file)
    with pytest.raises(ImageWriteError, match="output exists"):
        write_photo(p, jpeg_file)
    with pytest.raises(ImageWriteError, match="would overwrite an input"):
        write_photo(p, jpeg_file, overwrite=True, protect=(jpeg_file,))
    assert sha(jpeg_file) == before
    out = write_photo(p, tmp_path / "x.png")
    with pytest.raises(ImageWriteError, match="output exists"):
        write_photo(p, out)
    write_photo(p, out, overwrite=True)


def test_failed_encode_leaves_no_partial_file(tmp_path, photo_rgb):
    p = Photo(rgb=photo_rgb, alpha=np.zeros(photo_rgb.shape[:2], np.uint8))
    with pytest.raises(ImageWriteError, match="alpha"):
        write_photo(p, tmp_path / "x.jpg")
    assert os.listdir(tmp_path) == []


def test_unwritable_folder_is_a_clear_error(tmp_path, photo_rgb):
    (tmp_path / "a_file").write_text("not a folder")  # works as root too, unlike chmod
    with pytest.raises(ImageWriteError, match="not writable"):
        write_photo(Photo(rgb=photo_rgb), tmp_path / "a_file" / "x.png")


@pytest.mark.parametrize("make,cause", [
    (lambda p: p.write_bytes(b""), "zero bytes"),
    (lambda p: p.write_text("hello, I am text"), "not an image"),
    (lambda p: None, "missing"),
])
def test_bad_inputs_name_the_cause(tmp_path, make, cause):
    f = tmp_path / "bad.jpg"
    make(f)
    with pytest.raises(ImageReadError, match=cause) as e:
        read_photo(f)
    assert str(f) in str(e.value)


def test_truncated_jpeg_is_reported(tmp_path, jpeg_file):
    data = jpeg_file.read_bytes()
    (tmp_path / "t.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="truncated"):
        read_photo(tmp_path / "t.jpg")


def test_decompression_bomb_refused_before_decoding(tmp_path):
    from helpers import load_script

    png_bomb = load_script("robustness").png_bomb

    png_bomb(tmp_path / "bomb.png", 40000, 40000)
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_photo(tmp_path / "bomb.png")
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_photo(tmp_path / "bomb.png", max_pixels=1_000_000)
