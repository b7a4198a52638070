"""Files a user (or someone handing them files) can get wrong or make hostile: style folders, training checkpoints,
.cube and HaldCLUT files. Each must give a one-line error that names the file, exit code 2, no traceback, and never
a black or garbage render."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from retrogan.errors import LutError, StyleError
from retrogan.looks.gan import load_gan_style
from retrogan.luts.cube import read_cube
from retrogan.luts.hald import read_hald
from retrogan.train.checkpoint import load_training_state, save_style
from retrogan.train.config import TrainConfig
from retrogan.train.trainer import Trainer

HOSTILE = "hostile"  # the damaged copy's folder name: every error must name it
TINY_G = {"lut_size": 9, "thumb": 32, "width": 8, "n_basis": 2, "grid": 4}


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retrogan", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, photo_rgb):
    """A real style folder with its training state (3 steps of a tiny fast generator)."""
    from retrogan.train.data import Pair

    root = tmp_path_factory.mktemp("style")
    x = torch.from_numpy(photo_rgb).permute(2, 0, 1).float() / 255
    pairs = [Pair(f"s{i}", torch.roll(x, 9 * i, 2), torch.roll(x, 9 * i, 2) * 0.8, 0) for i in range(2)]
    cfg = TrainConfig(steps=3, batch=2, crop=64, checkpoint_every=3, checkpoint_seconds=10 ** 6, generator=TINY_G,
                      discriminator={"width": 8, "layers": 2})
    Trainer(cfg, root / "style", pairs=pairs, log=lambda m: None).fit()
    return root / "style"


def copy_of(style, tmp_path):
    dst = tmp_path / "hostile"
    shutil.copytree(style, dst)
    load_gan_style.cache_clear()
    return dst


def edit_json(path, fn):
    path.write_text(json.dumps(fn(json.loads(path.read_text()))))


HOSTILE_STYLES = {
    "a list": lambda s: (s / "style.json").write_text("[1, 2, 3]"),
    "not json": lambda s: (s / "style.json").write_text("{oops"),
    "negative thumbnail": lambda s: edit_json(s / "style.json", lambda d: {**d, "generator": {**d["generator"],
                                                                                               "thumb": -5}}),
    "huge layer": lambda s: edit_json(s / "style.json", lambda d: {**d, "generator": {**d["generator"],
                                                                                       "width": 10 ** 7}}),
    "thumbnail as text": lambda s: edit_json(s / "style.json", lambda d: {**d, "generator": {**d["generator"],
                                                                                              "thumb": "big"}}),
    "unknown setting": lambda s: edit_json(s / "style.json", lambda d: {**d, "generator": {"bogus": 1}}),
    "labels not a list": lambda s: edit_json(s / "style.json", lambda d: {**d, "labels": "default"}),
    "two labels for one style": lambda s: edit_json(s / "style.json", lambda d: {**d, "labels": ["a", "b"]}),
    "NaN weights": lambda s: save_file({k: v.fill_(float("nan")) if v.is_floating_point() else v
                                        for k, v in load_file(s / "generator.safetensors").items()},
                                       s / "generator.safetensors"),
    "truncated weights": lambda s: (s / "generator.safetensors").write_bytes(
        (s / "generator.safetensors").read_bytes()[:100]),
    "random weights file": lambda s: (s / "generator.safetensors").write_bytes(np.random.default_rng(0).bytes(999)),
}


@pytest.mark.parametrize("damage", list(HOSTILE_STYLES))
def test_a_hostile_style_folder_is_refused_by_name(trained, tmp_path, jpeg_file, damage):
    style = copy_of(trained, tmp_path)
    HOSTILE_STYLES[damage](style)
    with pytest.raises(StyleError, match=HOSTILE):
        load_gan_style(str(style))
    r = cli("stylize", jpeg_file, "-o", tmp_path / "out.jpg", "--style", style)
    assert r.returncode == 2 and "Traceback" not in r.stderr and HOSTILE in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.jpg").exists()


HOSTILE_STATES = {
    "truncated tensors": lambda t: (t / "state.safetensors").write_bytes((t / "state.safetensors").read_bytes()[:64]),
    "random tensors": lambda t: (t / "state.safetensors").write_bytes(np.random.default_rng(1).bytes(4096)),
    "bad JSON": lambda t: (t / "state.json").write_text("{"),
    "JSON list": lambda t: (t / "state.json").write_text("[]"),
    "missing key": lambda t: edit_json(t / "state.json", lambda d: {k: v for k, v in d.items() if k != "opt_g"}),
    "missing config": lambda t: edit_json(t / "state.json", lambda d: {k: v for k, v in d.items() if k != "config"}),
    "wrong step type": lambda t: edit_json(t / "state.json", lambda d: {**d, "step": "ten"}),
    "missing tensor": lambda t: save_file({k: v for k, v in load_file(t / "state.safetensors").items()
                                           if not k.startswith("G.")}, t / "state.safetensors"),
}


@pytest.mark.parametrize("damage", list(HOSTILE_STATES))
def test_a_damaged_checkpoint_is_refused_on_resume(trained, tmp_path, photo_rgb, damage):
    style = copy_of(trained, tmp_path)
    HOSTILE_STATES[damage](style / "training")
    pairs = tmp_path / "pairs"
    for side in ("inputs", "targets"):
        (pairs / side).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.roll(photo_rgb, 9 * i, 1)).save(pairs / side / f"p{i}.png")
    r = cli("train", "paired", "--inputs", pairs / "inputs", "--targets", pairs / "targets", "-o", style,
            "--resume", "--steps", "4", "-q")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert HOSTILE in r.stderr and "--overwrite" in r.stderr, r.stderr


def test_load_training_state_checks_values(trained, tmp_path):
    style = copy_of(trained, tmp_path)
    t = load_file(style / "training" / "state.safetensors")
    t["G.lut"] = torch.full((3,), float("inf"))
    save_file(t, style / "training" / "state.safetensors")
    with pytest.raises(StyleError, match="NaN or infinite"):
        load_training_state(style)


@pytest.mark.parametrize("entry", ["nan nan nan", "inf 0 0", "0 -inf 0", "1e999 0 0", "1e9 0 0"])
def test_cube_values_must_be_finite_colours(tmp_path, entry):
    p = tmp_path / "bad.cube"
    p.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7 + entry + "\n")
    with pytest.raises(LutError, match="bad.cube"):
        read_cube(p)


def test_a_one_pixel_hald_is_a_clear_error(tmp_path, jpeg_file):
    Image.new("RGB", (1, 1)).save(tmp_path / "h.png")
    with pytest.raises(LutError, match="level 2 or more"):
        read_hald(tmp_path / "h.png")
    r = cli("stylize", jpeg_file, "-o", tmp_path / "o.jpg", "--style", tmp_path / "h.png")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "internal error" not in r.stderr


def test_save_style_round_trips_after_the_checks(tmp_path):
    w = {"a": torch.ones(2)}
    save_style(tmp_path / "s", "fast", TINY_G, ["x"], {}, w)
    assert json.loads((tmp_path / "s" / "style.json").read_text())["labels"] == ["x"]


def test_two_training_jobs_never_get_the_same_look_name():
    from retrogan.web.service import LookBook

    book = LookBook()
    a, b = book.reserve(None), book.reserve(None)
    assert a == "my-look" and b == "my-look-2"
    book.release(a)
    assert book.reserve("My Look") == "my-look"


def test_a_float_tiff_is_read_into_16_bits_with_a_note(tmp_path):
    import tifffile

    from retrogan.imaging.read import read_photo

    a = np.linspace(-0.2, 1.2, 20 * 30 * 3, dtype=np.float32).reshape(20, 30, 3)
    tifffile.imwrite(tmp_path / "f.tif", a, photometric="rgb")
    p = read_photo(tmp_path / "f.tif")
    assert p.rgb.dtype == np.uint16 and p.rgb.shape == (20, 30, 3) and "clipped" in p.warnings[0]
    np.testing.assert_allclose(p.rgb[5, 5] / 65535, np.clip(a[5, 5], 0, 1), atol=1e-4)


def test_a_bomb_is_named_with_our_limit_not_pillows(tmp_path):
    from helpers import load_script

    from retrogan.errors import ImageReadError
    from retrogan.imaging.read import read_photo

    load_script("robustness").png_bomb(tmp_path / "b.png", 30000, 30000)
    with pytest.raises(ImageReadError, match=r"900 MP is more than --max-pixels 30 MP") as e:
        read_photo(tmp_path / "b.png", max_pixels=30_000_000)
    assert "178956970" not in str(e.value) and "400000000" not in str(e.value)


def test_a_damaged_exif_is_dropped_with_a_warning_not_a_crash(tmp_path, photo_rgb):
    from retrogan.imaging.photo import Photo
    from retrogan.imaging.write import write_photo

    exif = Image.Exif()
    exif[0x0128] = 10825  # ResolutionUnit out of range: libtiff refuses to write it
    photo = Photo(rgb=photo_rgb, exif=exif.tobytes(), format="TIFF")  # noqa: E501
    write_photo(photo, tmp_path / "o.tif")
    assert Image.open(tmp_path / "o.tif").size == (photo_rgb.shape[1], photo_rgb.shape[0])
    assert any("EXIF could not be written" in w for w in photo.warnings)


def test_a_tiny_jpeg_declaring_a_huge_picture_is_refused_before_decoding(tmp_path):
    import io
    import struct
    import time

    from retrogan.errors import ImageReadError
    from retrogan.imaging.read import read_photo

    buf = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), 120, np.uint8)).save(buf, "JPEG", quality=90)
    b = bytearray(buf.getvalue())
    struct.pack_into(">HH", b, b.find(b"\xff\xc0") + 5, 14000, 14000)  # the header now claims 196 MP
    (tmp_path / "huge.jpg").write_bytes(bytes(b))
    t = time.perf_counter()
    with pytest.raises(ImageReadError, match="cannot hold the 14000x14000 picture"):
        read_photo(tmp_path / "huge.jpg")
    assert time.perf_counter() - t < 1.0
    for kw in ({"quality": 5}, {"quality": 5, "progressive": True}, {"quality": 95}):  # flat: the smallest real ones
        Image.fromarray(np.full((1200, 1600, 3), 255, np.uint8)).save(tmp_path / "flat.jpg", **kw)
        assert read_photo(tmp_path / "flat.jpg").size == (1600, 1200)
