"""The README's commands run as written. Every shell line of the README is in ``LINES`` below: run as written in a
folder holding the files it names (made here), run with a shorter budget, or skipped with the reason. A new line in
the README that is not classified here fails the first test."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import write_clip

ROOT = Path(__file__).resolve().parents[1]
RUN, SHORTER, SKIP = "run", "shorter", "skip"
LINES = {
    "make demo": (SKIP, "sets up .venv itself: the environment these tests run in (CI runs `make test`)"),
    "make test": (SKIP, "this test suite"),
    "retrogan styles": (RUN, None),
    "retrogan stylize photo.jpg": (RUN, None),
    "retrogan stylize photo.jpg -o out.tif --style super8-1970s --strength 0.7 --seed 3": (RUN, None),
    "retrogan stylize photo.jpg -o old.jpg --style albumen-1900s --variant light --no-damage --grain 0.03": (RUN, None),
    "retrogan stylize scans/ -r -o scans-retro/": (RUN, None),
    "retrogan stylize clip.mp4 -o clip-1970s.mp4 --style super8-1970s": (RUN, None),
    "retrogan stylize scans/ -r -o scans-ray/ --ray": (RUN, None),
    "retrogan stylize /shared/scans -r -o /shared/out --ray-address auto": (
        SKIP, "needs a running Ray cluster and a shared file system (tests/test_ray.py starts local ones)"),
    "retrogan transfer photo.jpg --ref grandma-1972.jpg": (RUN, None),
    "retrogan synth photos/ --style faded-print-1970s -o pairs/": (RUN, None),
    "retrogan train paired --data pairs/ -o my-look --minutes 5": (SHORTER, ("--minutes 5", "--minutes 0.05")),
    "retrogan stylize photo.jpg --style my-look": (RUN, None),
    "retrogan export portra-400vc --cube portra.cube": (RUN, None),
    "retrogan serve": (SKIP, "a server that runs until stopped (tests/test_web_browser.py drives it)"),
}


def shell_lines(text: str) -> list[str]:
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_every_readme_command_is_classified():
    lines = shell_lines((ROOT / "README.md").read_text())
    assert lines and set(lines) == set(LINES), (sorted(set(lines) - set(LINES)), sorted(set(LINES) - set(lines)))


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_bytes()) < 12 * 1024


@pytest.fixture
def workdir(tmp_path, photo_rgb):
    big = np.asarray(Image.fromarray(photo_rgb).resize((256, 192)))
    Image.fromarray(big).save(tmp_path / "photo.jpg", quality=92)
    Image.fromarray(np.roll(big, 40, 1)).convert("L").convert("RGB").save(tmp_path / "grandma-1972.jpg")
    for d, n in (("scans", 1), ("scans/1970", 1), ("photos", 2)):
        (tmp_path / d).mkdir(exist_ok=True)
        for i in range(n):
            Image.fromarray(np.roll(big, 31 * (i + 1), 0)).save(tmp_path / d / f"p{i}.jpg")
    write_clip(tmp_path / "clip.mp4", photo_rgb)
    return tmp_path


def test_the_readme_commands_run_as_written(workdir):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for line in shell_lines((ROOT / "README.md").read_text()):
        how, detail = LINES[line]
        if how == SKIP:
            continue
        cmd = line.replace(*detail) if how == SHORTER else line
        r = subprocess.run(cmd, shell=True, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (cmd, r.stdout[-500:], r.stderr[-1500:])
    for name in ("photo.retro.jpg", "out.tif", "scans-retro/p0.jpg", "scans-retro/1970/p0.jpg", "clip-1970s.mp4",
                 "scans-ray/1970/p0.jpg",
                 "pairs/pairs.json", "my-look/style.json", "portra.cube"):
        assert (workdir / name).exists(), name


def test_the_readme_python_runs(workdir):
    for block in python_blocks((ROOT / "README.md").read_text()):
        r = subprocess.run([sys.executable, "-c", block], cwd=workdir, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-1500:]
    assert (workdir / "photo.retro.jpg").exists()
