"""The film and age layers of a reference (issue #29): what the features see at any resolution, what the bundled
estimator reads from references rendered with known layers, the controls, and a monochrome reference giving a
monochrome result. References are rendered here from scikit-image photos (no ../shared)."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import skimage_file

from retrogan.film.colour import TONERS
from retrogan.film.fast import render_array
from retrogan.film.params import FilmParams
from retrogan.metrics import srgb_to_lab
from retrogan.transfer import layers as LY
from retrogan.transfer.model import bundled_model_dir
from retrogan.transfer.layer_features import analysis_image, features, print_tone

pytestmark = pytest.mark.skipif(not (bundled_model_dir() / LY.WEIGHTS).exists(), reason="no bundled layer estimator")


def scene(name: str = "astronaut.png", side: int = 512) -> np.ndarray:
    im = Image.open(skimage_file(name)).convert("RGB")
    im.thumbnail((side, side))
    return np.asarray(im)


def ref(p: FilmParams, name: str = "astronaut.png", side: int = 512, seed: int = 3) -> np.ndarray:
    return render_array(scene(name, side), p, seed=seed).astype(np.float32) / 255


SEPIA = FilmParams(mono=1.0, toner="sepia", toning=1.0, fade_black=0.05)


def test_the_analysis_is_at_one_scale_whatever_the_reference_size():
    big, small = scene(side=512), scene(side=256)
    assert min(analysis_image(big / 255).shape[-2:]) == min(analysis_image(small / 255).shape[-2:])
    assert np.isfinite(features(ref(FilmParams(grain=0.05)))).all()


def test_a_toned_print_is_read_as_monochrome_with_its_hue():
    got = LY.estimate_layers([ref(SEPIA)])
    assert got.monochrome, got
    truth = LY.toner_hue(TONERS["sepia"])
    assert abs((got.hue() - truth + 180) % 360 - 180) < 10
    colour = LY.estimate_layers([ref(FilmParams(grain=0.02), "coffee.png")])
    assert not colour.monochrome and colour.hue() is None


def test_more_grain_and_more_softness_read_as_more():
    none = LY.estimate_layers([ref(FilmParams())])
    grainy = LY.estimate_layers([ref(FilmParams(grain=0.06))])
    soft = LY.estimate_layers([ref(FilmParams(softness=2.5))])
    assert grainy.grain > 2 * max(none.grain, 0.005)
    assert soft.softness > none.softness + 0.5


@pytest.mark.parametrize("name", ["coffee.png", "astronaut.png", "chelsea.png"])
def test_darker_corners_read_as_more_vignette(name):
    """Monotone, but compressed toward the training mean: one scene cannot tell its own dark corners from a
    vignette's (benchmarks/results/layer_recovery.md: 0.13 median error, the target 0.1 is not met)."""
    read = [LY.estimate_layers([ref(FilmParams(vignette=v), name)]).vignette for v in (0.0, 0.3, 0.6)]
    assert read[0] < read[1] < read[2] and read[2] - read[0] > 0.05, read


def test_print_tone_recovers_a_toner_triple():
    black, white, gamma = print_tone(ref(FilmParams(mono=1.0, toner="cyanotype", toning=1.0)))
    assert black[2] > black[0] and white[2] > white[0] - 0.05  # blue shadows: a cyanotype
    assert all(0.5 <= g <= 2.0 for g in gamma)


def test_amounts_turn_layers_down_and_off_and_unknown_names_fail():
    found = LY.Layers(grain=0.04, softness=1.0, vignette=0.3, dust=0.2, mono=0.9, toner=TONERS["sepia"])
    p = found.params({"grain": 0.5, "dust": 0})
    assert math.isclose(p.grain, 0.02) and p.dust == 0 and p.softness == 1.0 and p.mono == 1.0
    assert found.params({"tone": 0}).mono == 0
    with pytest.raises(ValueError, match="unknown layers"):
        found.params({"sharpness": 1})
    words = found.describe()
    assert "grain: medium, monochrome" in words and "black and white" in words and "sepia" in words
    assert LY.Layers.from_dict(found.to_dict()) == found


def test_a_monochrome_reference_gives_a_monochrome_result(tmp_path):
    from retrogan.imaging.photo import Photo
    from retrogan.looks.reference import reference_look

    path = tmp_path / "sepia.png"
    Image.fromarray(np.round(ref(SEPIA) * 255).astype(np.uint8)).save(path)
    look = reference_look([path], layers=True)
    assert look.layers.monochrome
    chart = np.zeros((64, 256, 3), np.uint8)  # saturated hues, left to right
    hue = np.linspace(0, 1, 256, endpoint=False)
    for c, off in enumerate((0, 1 / 3, 2 / 3)):
        chart[..., c] = np.round(255 * np.clip(np.abs(((hue + off) % 1) * 6 - 3) - 1, 0, 1))
    out = look.apply(Photo(rgb=chart), seed=0).rgb
    lab = srgb_to_lab(out.astype(np.float64) / 255).reshape(-1, 3)
    hues = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))[np.hypot(lab[:, 1], lab[:, 2]) > 3]
    r = np.abs(np.mean(np.exp(1j * np.radians(hues))))
    assert math.degrees(math.sqrt(-2 * math.log(r))) < 10  # circular spread of the coloured pixels' hues
    plain = reference_look([path])  # the colour only: a monochrome print's toning, no other layer
    assert plain.layers.monochrome
    p = plain.params
    assert p.mono == 1 and p.grain == p.softness == p.halation == p.vignette == p.dust == 0
    assert np.array_equal(plain.apply(Photo(rgb=chart), seed=0).rgb, plain.apply(Photo(rgb=chart), seed=5).rgb)


def test_the_transfer_command_takes_layer_amounts(tmp_path, jpeg_file):
    path = tmp_path / "sepia.png"
    Image.fromarray(np.round(ref(SEPIA) * 255).astype(np.uint8)).save(path)
    run = subprocess.run([sys.executable, "-m", "retrogan", "transfer", str(jpeg_file), "--ref", str(path),
                          "--layer", "grain=0.5", "--layer", "dust=0", "-o", str(tmp_path / "out.jpg")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "layers: grain" in run.stderr and "black and white" in run.stderr
    run = subprocess.run([sys.executable, "-m", "retrogan", "transfer", str(jpeg_file), "--ref", str(path),
                          "--layer", "sharpness=2", "-o", str(tmp_path / "bad.jpg")], capture_output=True, text=True)
    assert run.returncode == 2 and "--layer sharpness=2" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "bad.jpg").exists()


def test_an_unpaired_style_keeps_its_folders_layers(tmp_path, photo_rgb):
    """``train unpaired`` reads the style folder's layers (train.run.style_layers) and saves them in style.json; the
    style folder then renders them under its colour, and a hostile 'layers' entry is refused with the file named."""
    import json

    from test_train import config, make_pairs

    from retrogan.errors import StyleError
    from retrogan.imaging.photo import Photo
    from retrogan.looks.gan import load_gan_style
    from retrogan.looks.layered import LayeredLook
    from retrogan.train.run import style_layers
    from retrogan.train.trainer import Trainer

    folder = tmp_path / "old"
    folder.mkdir()
    for i, name in enumerate(("astronaut.png", "coffee.png", "chelsea.png")):
        Image.fromarray(np.round(ref(SEPIA, name, seed=i) * 255).astype(np.uint8)).save(folder / f"o{i}.png")
    found = style_layers(folder, log=lambda m: None)
    assert found is not None and found.monochrome
    t = Trainer(config(tmp_path, steps=2), tmp_path / "s", pairs=make_pairs(photo_rgb), log=lambda m: None)
    t.layers = found
    t.fit()
    info = json.loads((tmp_path / "s" / "style.json").read_text())
    assert LY.Layers.from_dict(info["layers"]) == found
    look = load_gan_style(str(tmp_path / "s"))
    assert isinstance(look, LayeredLook) and look.layers == found
    out = look.apply(Photo(rgb=photo_rgb), seed=0).rgb.astype(np.float64) / 255
    assert np.hypot(*srgb_to_lab(out)[..., 1:].reshape(-1, 2).T).std() < 3  # one toning, whatever the photo's colours
    info["layers"]["grain"] = "lots"
    (tmp_path / "s" / "style.json").write_text(json.dumps(info))
    load_gan_style.cache_clear()
    with pytest.raises(StyleError, match="style.json: bad 'layers'"):
        load_gan_style(str(tmp_path / "s"))


def test_a_reference_look_renders_video_and_a_monochrome_reference_a_monochrome_clip(tmp_path, photo_rgb):
    """Video through a reference look (its θ has fields the transfer model does not predict: video.frames.smooth
    once failed on them), with and without the layers."""
    pytest.importorskip("av")
    import av

    from helpers import write_clip

    from retrogan.looks.reference import reference_look
    from retrogan.video import stylize_video

    path = tmp_path / "sepia.png"
    Image.fromarray(np.round(ref(SEPIA) * 255).astype(np.uint8)).save(path)
    write_clip(tmp_path / "in.mp4", photo_rgb)
    for layers in (False, True):
        out = tmp_path / f"out{int(layers)}.mp4"
        stylize_video(tmp_path / "in.mp4", out, reference_look([path], layers=layers), overwrite=True)
        with av.open(str(out)) as c:
            frames = [f.to_ndarray(format="rgb24").astype(np.float64) for f in c.decode(video=0)]
        assert len(frames) > 1
    lab = srgb_to_lab(frames[0] / 255)  # the layered clip: one toning, whatever the photo's colours
    assert np.hypot(lab[..., 1], lab[..., 2]).std() < 3
