"""Exports: a .cube applied by ffmpeg's own lut3d filter does what our colour render does (ΔE2000 <= 1); the ONNX
analyse-and-render graph matches PyTorch within 1e-3 at two image sizes; the CLI refuses to clobber files."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from retrogan.export.onnx import AnalyseRender, area_matrix, trilinear_gather
from retrogan.film import lut as L
from retrogan.metrics import ciede2000, srgb_to_lab

from test_train import config, make_pairs

av = pytest.importorskip("av")


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(ciede2000(srgb_to_lab(a / 255.0), srgb_to_lab(b / 255.0)).mean())


def cli(*args):
    return subprocess.run([sys.executable, "-m", "retrogan", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def trained_style(tmp_path_factory):
    """A small trained fast style with a visible, photo-dependent look."""
    from skimage import data

    from retrogan.train.trainer import Trainer

    tmp = tmp_path_factory.mktemp("style")
    rgb = data.astronaut()[::4, ::4].copy()
    t = Trainer(config(tmp, steps=30), tmp / "s", pairs=make_pairs(rgb), log=lambda m: None)
    t.fit()
    # a visible local grid and vignette, so exports exercise the whole model
    from safetensors.torch import load_file, save_file

    weights = load_file(str(tmp / "s" / "generator.safetensors"))
    weights["to_local.bias"] += torch.tensor([0.3, -0.2, 0.1, 0.2, 0.0, -0.1])
    weights["to_film.bias"].fill_(0.5)
    save_file(weights, str(tmp / "s" / "generator.safetensors"))
    return tmp / "s"


@pytest.mark.parametrize("style", ["portra-400vc", "albumen-1900s", "kodachrome-1950s"])
def test_cube_through_ffmpeg_lut3d_matches_our_colour_render(tmp_path, photo_rgb, style):
    from retrogan.export.ffmpeg import apply_cube_ffmpeg
    from retrogan.film.fast import apply_colour_fast
    from retrogan.looks import resolve_style
    from retrogan.looks.base import FilmLook

    cube = tmp_path / "look.cube"
    r = cli("export", style, "--cube", cube, "--size", 33, "--strength", 0.8)
    assert r.returncode == 0, r.stderr
    look = resolve_style(style)
    if isinstance(look, FilmLook):
        ours = apply_colour_fast(photo_rgb, look.params.scaled(0.8))
    else:
        from retrogan.imaging.photo import Photo

        ours = look.apply(Photo(rgb=photo_rgb), strength=0.8).rgb
    theirs = apply_cube_ffmpeg(photo_rgb, cube)
    assert delta_e(theirs, ours) <= 1.0
    assert delta_e(theirs, photo_rgb) > 2.0  # the look is really there


def test_cube_of_a_trained_style_for_a_photo(tmp_path, photo_rgb, trained_style):
    from PIL import Image

    from retrogan.export.ffmpeg import apply_cube_ffmpeg
    from retrogan.film.fast import apply_lut_threaded
    from retrogan.looks import resolve_style

    photo = tmp_path / "shot.png"
    Image.fromarray(photo_rgb).save(photo)
    cube = tmp_path / "shot.cube"
    r = cli("export", trained_style, "--cube", cube, "--for", photo)
    assert r.returncode == 0, r.stderr
    look = resolve_style(str(trained_style))
    ours = apply_lut_threaded(photo_rgb, look.colour_table(photo_rgb))
    assert delta_e(apply_cube_ffmpeg(photo_rgb, cube), ours) <= 1.0
    assert delta_e(ours, photo_rgb) > 1.0


def test_gather_lut_and_area_thumbnail_equal_the_torch_ops():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, 37, 53, generator=g)
    lut = L.identity(9) + 0.05 * torch.randn(3, 9, 9, 9, generator=g)
    torch.testing.assert_close(trilinear_gather(x, lut), L.trilinear(x, lut), atol=1e-6, rtol=0)
    thumb = area_matrix(16, 37, x.dtype) @ x @ area_matrix(16, 53, x.dtype).T
    torch.testing.assert_close(thumb, torch.nn.functional.adaptive_avg_pool2d(x, 16), atol=1e-6, rtol=0)


def test_onnx_matches_pytorch_at_two_sizes(tmp_path, trained_style):
    ort = pytest.importorskip("onnxruntime")
    from retrogan.looks.gan import load_gan_style

    out = tmp_path / "look.onnx"
    r = cli("export", trained_style, "--onnx", out)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["look.onnx"]  # one file, weights inside
    look = load_gan_style(str(trained_style))
    model = AnalyseRender(look.model, 0).eval()
    sess = ort.InferenceSession(str(out))
    for (h, w), s in (((96, 128), 1.0), ((211, 157), 0.6)):
        x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(h))
        got = sess.run(None, {"image": x.numpy(), "strength": np.array([s], np.float32)})[0]
        with torch.no_grad():
            ref = model(x, torch.tensor([s]))
            theta = look.model.analyse(torch.nn.functional.adaptive_avg_pool2d(x, look.model.config.thumb),
                                       torch.tensor([0]))
            theta.grain.zero_()
            ref_render = look.model.render(x, theta, strength=s)
        assert got.shape == (1, 3, h, w)
        assert np.abs(got - ref.numpy()).max() < 1e-3
        assert np.abs(got - ref_render.numpy()).max() < 1e-3  # the training renderer, grain aside
        assert np.abs(got - x.numpy()).mean() > 0.01


def test_export_refuses_to_clobber_and_names_problems(tmp_path):
    cube = tmp_path / "a.cube"
    assert cli("export", "portra-400vc", "--cube", cube).returncode == 0
    before = cube.read_bytes()
    r = cli("export", "albumen-1900s", "--cube", cube)
    assert r.returncode == 2 and "exists" in r.stderr and cube.read_bytes() == before
    r = cli("export", str(cube), "--cube", cube, "--overwrite")
    assert r.returncode == 2 and "input" in r.stderr and cube.read_bytes() == before
    r = cli("export", "portra-400vc")
    assert r.returncode == 2 and "--cube" in r.stderr
    r = cli("export", "albumen-1900s", "--onnx", tmp_path / "x.onnx")
    assert r.returncode == 1 and "fast style" in r.stderr and not (tmp_path / "x.onnx").exists()
