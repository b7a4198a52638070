"""Baked colour tables kept on disk (film/tables.py), and the 8-bit lane of an era preset without torch (#31)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from retrogan.film import lens8, tables
from retrogan.film.fast import colour_part
from retrogan.film.presets import PRESETS
from retrogan.film.render import bake_colour_lut


def _bake_counter():
    calls = []

    def bake():
        calls.append(1)
        return bake_colour_lut(colour_part(PRESETS["faded-print-1970s"].params), 9)

    return calls, bake


def test_a_table_is_baked_once_then_read_from_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path))
    calls, bake = _bake_counter()
    first = tables.cached_table(("test", 1), bake)
    second = tables.cached_table(("test", 1), bake)
    assert len(calls) == 1 and np.array_equal(first, second) and second.dtype == np.float32
    assert len(list((tmp_path / "tables").glob("*.npy"))) == 1
    assert not [f for f in (tmp_path / "tables").iterdir() if f.suffix != ".npy"]  # no temp files left


def test_a_damaged_table_is_baked_again(tmp_path, monkeypatch):
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path))
    calls, bake = _bake_counter()
    good = tables.cached_table(("test", 2), bake)
    (f,) = (tmp_path / "tables").glob("*.npy")
    for damage in (b"not a numpy file", None):
        if damage is None:  # a valid file of the wrong shape and range
            np.save(f, np.full((3, 3, 3, 3), 7.0, np.float32))
        else:
            f.write_bytes(damage)
        again = tables.cached_table(("test", 2), bake)
        assert np.array_equal(again, good)
    assert len(calls) == 3


def test_the_cache_can_be_turned_off_and_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("RETROGAN_CACHE_DIR", "off")
    calls, bake = _bake_counter()
    tables.cached_table(("test", 3), bake)
    tables.cached_table(("test", 3), bake)
    assert len(calls) == 2
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tables, "MAX_FILES", 3)
    for k in range(5):
        tables.cached_table(("test", "many", k), bake)
    assert len(list((tmp_path / "tables").glob("*.npy"))) == 3


def test_an_unwritable_cache_only_costs_the_bake(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(blocker))
    calls, bake = _bake_counter()
    assert tables.cached_table(("test", 4), bake).shape == (9, 9, 9, 3)


RENDER = """
import sys
import numpy as np
from retrogan.looks.knobs import look_with
from retrogan.imaging.photo import Photo
rgb = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
out = look_with(sys.argv[1]).apply(Photo(rgb=rgb), seed=1)
print('torch' in sys.modules, float(out.rgb.mean()))
"""


def test_era_presets_with_light_and_stocks_render_without_torch_once_their_table_is_baked(tmp_path):
    env = {**os.environ, "RETROGAN_CACHE_DIR": str(tmp_path)}
    looks = ("faded-print-1970s", "kodachrome-1950s", "cross-processed-1990s", "portra-400vc", "kodachrome-25")
    looks += ("tintype-1860s", "technicolor-1950s") if lens8.available() else ()  # softness: in C
    for look in looks:
        runs = [subprocess.run([sys.executable, "-c", RENDER, look], capture_output=True, text=True, env=env,
                               check=True).stdout.split() for _ in range(2)]
        assert runs[0][1] == runs[1][1]  # the same picture from the baked and the cached table
        assert runs[1][0] == "False", f"{look}: the second run imported torch"


def test_grain_textures_are_kept_on_disk_and_a_damaged_one_is_made_again(tmp_path, monkeypatch):
    from retrogan.film import fast8

    monkeypatch.setenv("RETROGAN_CACHE_DIR", str(tmp_path))
    args = (7, 0, 300, 500, 0.001, (0.2, 0.2, 0.2), 0.25)
    fast8._grain_levels.cache_clear()
    first = fast8._grain_levels(*args)
    files = list((tmp_path / "textures").glob("*.npy"))
    assert len(files) == 1 and np.load(files[0]).dtype == np.uint8
    fast8._grain_levels.cache_clear()
    assert np.array_equal(fast8._grain_levels(*args), first)  # read back
    files[0].write_bytes(b"not an array")
    fast8._grain_levels.cache_clear()
    assert np.array_equal(fast8._grain_levels(*args), first)  # made again
    fast8._grain_levels.cache_clear()
