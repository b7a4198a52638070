"""The bundled looks: every one loads and renders, the weights are safetensors (never pickles) and small, and the
product works with the network switched off (a socket guard in a fresh process)."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from retrogan.looks.registry import STYLES, default_style_name, resolve_style

DATA = Path(str(resources.files("retrogan.data")))
ZOO = DATA / "zoo"


def weight_files() -> list[Path]:
    return sorted(DATA.rglob("*.safetensors"))


def test_every_bundled_look_loads_and_renders(photo_rgb):
    small = photo_rgb[:48, :64]
    for name in STYLES:
        out = resolve_style(name).apply
        from retrogan.imaging.photo import Photo

        res = out(Photo(rgb=small.copy()), strength=1.0, seed=0).rgb
        assert res.dtype == np.uint8 and res.shape[2] == 3 and res.shape[0] >= 48, name
        half = out(Photo(rgb=small.copy()), strength=0.0, seed=0).rgb
        assert np.array_equal(half, small), name  # strength 0 is the identity for every look


def test_weights_are_safetensors_not_pickles_and_fit_the_budget():
    files = weight_files()
    assert files, "no bundled weights"
    for f in files:
        head = f.read_bytes()[:16]
        assert not head.startswith(b"\x80") and not head.startswith(b"PK"), f"{f} looks like a pickle/zip"
        n = int.from_bytes(head[:8], "little")  # safetensors: an 8-byte header length, then a JSON header
        json.loads(f.read_bytes()[8:8 + n])
    assert sum(f.stat().st_size for f in files) <= 30 * 2**20


@pytest.mark.skipif(not (ZOO / "zoo.json").exists(), reason="no trained zoo in this checkout")
def test_zoo_is_registered_with_cards_and_the_signature_is_a_gan_look():
    from retrogan.looks.registry import ZOO_SIGNATURE

    meta = json.loads((ZOO / "zoo.json").read_text())
    assert len(meta["looks"]) >= 10
    root = Path(__file__).resolve().parents[1]
    for e in meta["looks"]:
        assert e["name"] in STYLES and "learned (fast cGAN)" in STYLES[e["name"]].source
        card = (root / "docs" / "looks" / f"{e['name']}.md").read_text()
        assert "train_zoo.py" in card and f"{e['delta_e']:.2f}" in card
    assert ZOO_SIGNATURE == meta["signature"] and type(resolve_style(ZOO_SIGNATURE)).__name__ == "GanLook"
    assert default_style_name() == "faded-print-1970s"  # the default reads as retro at once (defaults.py)


GUARD = """
import socket, sys
def refuse(*a, **k):
    raise OSError("network disabled by the offline test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
sys.argv = ["retrogan"] + sys.argv[1:]
from retrogan.cli import main
main()
"""


def test_everything_bundled_works_offline(jpeg_file, tmp_path):
    names = list(STYLES)
    runs = [["stylize", str(jpeg_file), "-o", str(tmp_path / "default.jpg"), "-q"]]
    runs += [["stylize", str(jpeg_file), "-o", str(tmp_path / f"{n}.jpg"), "--style", n, "-q"] for n in names]
    ref = tmp_path / "ref.png"
    from PIL import Image

    Image.open(jpeg_file).save(ref)
    if (DATA / "transfer" / "transfer.json").exists():
        runs.append(["transfer", str(jpeg_file), "--ref", str(ref), "-o", str(tmp_path / "transfer.jpg"), "-q"])
    script = tmp_path / "guarded.py"
    script.write_text(GUARD)
    for args in [runs[0], runs[-1]]:  # the demo path and the reference path in their own processes
        r = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
        assert r.returncode == 0, (args, r.stderr)
    # every look in one guarded process (one import of torch for all of them)
    loop = GUARD.replace("from retrogan.cli import main\nmain()", "from retrogan.cli import app\n" + "".join(
        f"\ntry:\n    app({a!r})\nexcept SystemExit as e:\n    assert e.code in (0, None), ({a!r}, e.code)\n"
        for a in runs[1:len(names) + 1]))
    script.write_text(loop)
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    for n in names:
        assert (tmp_path / f"{n}.jpg").exists(), n
