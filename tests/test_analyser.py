"""A learned look's analyser from its cached ONNX graph (issue #31: a batch through a learned look need not import
torch): the same θ and the same picture as the torch analyser, a second process that never imports torch, a damaged
graph made again, and the torch path wherever the graph cannot be had."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import pytest
import torch

from retrogan.imaging.photo import Photo
from retrogan.looks import analyser as A
from retrogan.looks.gan import load_gan_style, thumbnail
from retrogan.models.fast import FastGenerator, FastGeneratorConfig
from retrogan.train.checkpoint import save_style

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture
def style(tmp_path, monkeypatch):
    """A small two-label fast style with a visible LUT, local grid, vignette and grain, in its own cache."""
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path / "cache"))
    A._LOADED.clear()
    torch.manual_seed(0)
    cfg = FastGeneratorConfig(num_styles=2, lut_size=9, n_basis=2, width=8, style_dim=8, thumb=32,
                              colour="structured-linear")
    g = FastGenerator(cfg)
    with torch.no_grad():
        g.style_lut.normal_(0, 0.05)
        g.to_film.bias.copy_(torch.tensor([-0.5, 0.6]))
        g.to_local.bias.normal_(0, 0.3)
        g.colour.mono[1] = 1.0
    folder = tmp_path / "style"
    save_style(folder, "fast", asdict(cfg), ["warm", "mono"], {}, g.state_dict())
    load_gan_style.cache_clear()
    yield folder
    load_gan_style.cache_clear()
    A._LOADED.clear()


def test_the_numpy_thumbnail_is_the_torch_one(photo_rgb):
    want = thumbnail(photo_rgb, 32).numpy()
    assert np.abs(A.analyser_thumbnail(photo_rgb, 32) - want).max() < 1e-5


def test_the_graph_gives_the_torch_analysers_theta_and_picture(style, photo_rgb):
    for label in ("warm", "mono"):
        look = load_gan_style(str(style)).with_label(label)
        analyser = look._analyser()
        assert analyser is not None
        got = analyser(photo_rgb, look.label)
        want = look.theta(photo_rgb)
        assert np.abs(got.lut - want.lut[0].numpy()).max() < 1e-4
        assert np.abs(got.local - want.local[0].numpy()).max() < 1e-4
        assert abs(got.vignette - float(want.vignette[0])) < 1e-5 and got.vignette > 0.1
        fast = look.apply(Photo(rgb=photo_rgb), seed=3).rgb
        slow = look.render_theta(photo_rgb, want, 1.0, 3)
        assert np.abs(fast.astype(int) - slow).max() <= 1


RUN = """
import sys
import numpy as np
from retrogan.looks.gan import load_gan_style
from retrogan.imaging.photo import Photo
rgb = np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8)
look = load_gan_style(sys.argv[1]).with_label("warm")
out = look.apply(Photo(rgb=rgb), seed=1).rgb
print('torch' in sys.modules, int(out.astype(np.int64).sum()))
"""


def test_a_second_process_renders_without_torch(style, tmp_path):
    env = {**os.environ, "RETROGAN_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", RUN, str(style)], capture_output=True, text=True, env=env,
                           check=True) for _ in range(2)]
    first, second = (r.stdout.split() for r in runs)
    assert runs[0].stderr == "" and runs[1].stderr == ""  # the export says nothing
    assert first[0] == "True" and second[0] == "False"
    assert first[1] == second[1]
    assert len(list((tmp_path / "cache" / "analysers").glob("*.onnx"))) == 1


def test_a_damaged_graph_is_made_again(style, photo_rgb):
    look = load_gan_style(str(style))
    first = look.apply(Photo(rgb=photo_rgb), seed=1).rgb
    path = A.graph_path(style)
    path.write_bytes(b"not a graph")
    A._LOADED.clear()
    load_gan_style.cache_clear()
    again = load_gan_style(str(style)).apply(Photo(rgb=photo_rgb), seed=1).rgb
    assert (again == first).all()
    assert path.read_bytes() != b"not a graph"


def test_without_onnxruntime_or_a_working_export_torch_renders(style, photo_rgb, monkeypatch):
    look = load_gan_style(str(style))
    want = look.render_theta(photo_rgb, look.theta(photo_rgb), 1.0, 1)
    monkeypatch.setattr(A, "runtime_available", lambda: False)
    assert look._analyser() is None
    assert (look.apply(Photo(rgb=photo_rgb), seed=1).rgb == want).all()
    monkeypatch.undo()
    A._LOADED.clear()

    def broken():
        raise RuntimeError("an exporter that cannot handle this model")

    monkeypatch.setattr(type(look), "_export_analyser", lambda self: broken())
    assert look._analyser() is None
    assert (look.apply(Photo(rgb=photo_rgb), seed=1).rgb == want).all()


def test_colour_light_and_grain_in_one_pass_give_the_two_pass_picture(style, photo_rgb):
    """A learned look's LUT and grid, then vignette and grain, strip by strip (``colour_rows``): the picture of the
    LUT pass followed by the film lane's pass over its result."""
    from retrogan.film import fast8, lutlocal8
    from retrogan.film.fast import render_array
    from retrogan.film.params import FilmParams
    from retrogan.looks import gan

    if not lutlocal8.available():
        pytest.skip("the optional C extension is not built here")
    rng = np.random.default_rng(4)
    for label, grid in (("warm", None), ("mono", rng.normal(0, 0.05, (6, 8, 8)).astype(np.float32))):
        look = load_gan_style(str(style)).with_label(label)
        th = look._analyser()(photo_rgb, look.label)
        if grid is not None:
            th = dataclasses.replace(th, local=grid)  # a visible local grid as well
        assert th.vignette > 0.1 and th.grain > 1e-3
        fused = gan.render_uint8(photo_rgb, th, 0.8, 5, 2)
        table, local = gan.blended_numpy(th.lut, 0.8), (th.local * 0.8).astype(np.float32)
        local = local if np.abs(local).max() >= 1e-4 else None  # as render_uint8: a grid this faint is none
        film = FilmParams(vignette=th.vignette * 0.8, grain=th.grain * 0.8, grain_size=th.grain_size,
                          grain_colour=th.grain_colour, grain_roughness=gan.FILM_GRAIN_ROUGHNESS)
        two_pass = render_array(lutlocal8.lut_local(photo_rgb, table, local), film, seed=5, frame_index=2)
        np.testing.assert_array_equal(fused, two_pass)
    with pytest.raises(ValueError):  # a glow reads the picture: not with a caller's colour
        fast8.render_uint8(photo_rgb, FilmParams(halation=0.3),
                           colour_rows=lutlocal8.rows_writer(photo_rgb, table, local))
