"""The page's callbacks without a browser (the browser tests drive the same ones through Chromium): a batch goes on
past a bad file, knobs follow the look, the train tab reports progress and adds the look."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("gradio")

from retrogan.looks.knobs import KNOBS, knob_values  # noqa: E402
from retrogan.web.app import Server  # noqa: E402
from retrogan.web.limits import Limits  # noqa: E402
from retrogan.web.ui import Handlers  # noqa: E402


@pytest.fixture
def handlers():
    server = Server(Limits(preview_side=48))
    yield Handlers(server)
    server.close()


def up(handlers, *paths) -> list[str]:
    """The files as the page hands them over: uploaded into the server's upload folder (it reads nothing else)."""
    out = []
    for p in paths:
        dst = handlers.server.uploads / uuid.uuid4().hex / Path(p).name
        dst.parent.mkdir()
        shutil.copyfile(p, dst)
        out.append(str(dst))
    return out


def test_preview_and_render_name_a_bad_file_and_go_on(handlers, jpeg_file, tmp_path):
    bad = tmp_path / "scan.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    knobs = list(knob_values("portra-400vc").values())
    pair, msg = handlers.preview(up(handlers, bad), "portra-400vc", 1.0, 0, *knobs)
    assert pair is None and msg.startswith("**Error:** scan.png")
    pair, msg = handlers.preview(up(handlers, jpeg_file), "portra-400vc", 1.0, 0, *knobs)
    assert "Preview of cat.jpg" in msg and max(Image.open(pair[1]).size) == 48
    files, msg = handlers.render(up(handlers, bad, jpeg_file), "portra-400vc", 0.5, 0, *knobs)
    assert [f.rsplit("/", 1)[1] for f in files] == ["cat.retro.jpg"]
    assert Image.open(files[0]).size == Image.open(jpeg_file).size
    assert "Rendered 1 of 2" in msg and "scan.png" in msg.split("**Error:**")[1]


def test_moved_knobs_are_applied_and_untouched_ones_are_not(handlers, jpeg_file):
    own = knob_values("kodachrome-1950s")
    same, _ = handlers.render(up(handlers, jpeg_file), "kodachrome-1950s", 1.0, 0, *own.values())
    moved = dict(own, grain=0.09)
    grainy, _ = handlers.render(up(handlers, jpeg_file), "kodachrome-1950s", 1.0, 0, *moved.values())
    a, b = (np.asarray(Image.open(f[0]), np.float32) for f in (same, grainy))
    c = np.asarray(Image.open(handlers.render(up(handlers, jpeg_file), "kodachrome-1950s", 1.0, 0,
                                              *own.values())[0][0]), np.float32)
    assert np.array_equal(a, c)  # the look's own amounts: the same as the look
    added = b - a  # more grain: zero-mean noise on top of the same picture
    assert added.std() > 3 and abs(added.mean()) < 1.5, (added.std(), added.mean())


def test_knobs_follow_the_look(handlers):
    info, *updates = handlers.look_changed("faded-print-1970s")
    assert "faded-print-1970s" in info and len(updates) == len(KNOBS)
    assert [u["value"] for u in updates] == list(knob_values("faded-print-1970s").values())
    _, *updates = handlers.look_changed("portra-400vc")
    assert updates[0]["value"] == 0 and updates[0]["interactive"]


def test_train_tab_reports_progress_and_adds_the_look(handlers, photo_rgb, tmp_path):
    from retrogan.api import stylize

    (tmp_path / "in").mkdir(), (tmp_path / "out").mkdir()
    ins, outs = [], []
    for i in range(2):
        x = np.roll(photo_rgb, 13 * i, axis=0)
        Image.fromarray(x).save(tmp_path / "in" / f"s{i}.png")
        Image.fromarray(stylize(x, "fp4-125")).save(tmp_path / "out" / f"s{i}.png")
        ins += up(handlers, tmp_path / "in" / f"s{i}.png")
        outs += up(handlers, tmp_path / "out" / f"s{i}.png")
    steps = list(handlers.train(ins, outs[:1], "x", 0.05))
    assert steps[-1][0].startswith("**Error:**") and "s1" in steps[-1][0]
    steps = list(handlers.train(ins, outs, "Grey Days", 0.05))
    text, archive, choices = steps[-1]
    assert text.startswith("Trained **grey-days**") and archive.endswith("grey-days.zip"), text
    assert "grey-days" in choices["choices"] or ("grey-days", "grey-days") in choices["choices"]
    assert "grey-days" in handlers.server.looks.names()


def test_reference_tab_renders_every_photo_and_names_a_bad_reference(handlers, jpeg_file, tmp_path):
    from retrogan.api import stylize
    from retrogan.looks.reference import bundled_model_dir

    if not (bundled_model_dir() / "transfer.json").exists():
        pytest.skip("no bundled transfer model in this checkout")
    ref = tmp_path / "old.png"
    Image.fromarray(stylize(np.asarray(Image.open(jpeg_file)), "fp4-125")).save(ref)
    pair, files, msg = handlers.transfer(up(handlers, ref), up(handlers, jpeg_file, jpeg_file), 1.0, 0, False)
    assert "Rendered 2 of 2" in msg and len(files) == 2 and pair is not None
    assert "Read from the reference(s): grain" in msg  # the film and age layers, in words
    out = np.asarray(Image.open(files[0]), np.float32)
    assert out.shape[:2] == np.asarray(Image.open(jpeg_file)).shape[:2]
    assert np.abs(out - out.mean(axis=2, keepdims=True)).mean() < 8  # a black-and-white reference: near grey
    bad = tmp_path / "junk.jpg"
    bad.write_bytes(b"junk")
    pair, files, msg = handlers.transfer(up(handlers, bad), up(handlers, jpeg_file), 1.0, 0, False)
    assert files is None and "junk.jpg" in msg and msg.startswith("**Error:**")
    pair, files, msg = handlers.transfer(up(handlers, ref), up(handlers, jpeg_file), 1.0, 0, False, True)  # recognise
    assert "Rendered 1 of 1" in msg and pair is not None
    out = np.asarray(Image.open(files[0]), np.float32)
    assert np.abs(out - out.mean(axis=2, keepdims=True)).mean() < 8  # recognised among the B&W looks: near grey
    _, files, msg = handlers.transfer(up(handlers, ref), up(handlers, jpeg_file), 1.0, 0, True, True)
    assert files is None and "choose either" in msg
