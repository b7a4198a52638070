"""`retrogan stylize --ray` on a real local Ray cluster: the same bytes, names and failure lines as the plain path on
a mixed folder; a run killed mid-way and started again completes with every file written once and nothing partial;
a Ray worker killed mid-job loses nothing. Each run starts its own small cluster (2 workers) in its own session,
so a kill takes the whole cluster with it and parallel tests never see each other's workers."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("ray")
pytest.importorskip("av")

from conftest import sha  # noqa: E402
from helpers import write_clip  # noqa: E402

LOOK = "super8-1970s"  # grainy, soft and slow enough (about 0.3 s a photo here) for a kill to land mid-job


def retrogan(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retrogan", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kw)


def start(*args) -> subprocess.Popen:
    """A CLI run in its own session: killing the session kills its Ray cluster too."""
    return subprocess.Popen([sys.executable, "-m", "retrogan", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def session(run: subprocess.Popen) -> list[tuple[int, str]]:
    """(pid, command line) of every process of the run's session: its driver, its Ray cluster and workers."""
    ps = subprocess.run(["ps", "-eo", "pid=,sid=,args="], capture_output=True, text=True).stdout
    return [(int(line.split()[0]), line) for line in ps.splitlines() if int(line.split()[1]) == run.pid]


def kill_session(run: subprocess.Popen) -> None:
    for pid, _ in session(run):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def failure_lines(stderr: str) -> list[str]:
    return sorted(line.strip() for line in stderr.split("failed:", 1)[-1].splitlines() if line.strip())


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, photo_rgb):
    """Good JPEGs, a 16-bit TIFF, a damaged file, a file with markup in its name, and a short video."""
    import tifffile

    folder = tmp_path_factory.mktemp("mixed")
    big = np.asarray(Image.fromarray(photo_rgb).resize((768, 576)))
    for i in range(10):
        Image.fromarray(np.roll(big, 37 * i, 1)).save(folder / f"p{i:02d}.jpg", quality=90)
    tifffile.imwrite(folder / "deep.tif", np.roll(big, 5, 0).astype(np.uint16) * 257, photometric="rgb")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    (folder / "[b]odd.png").write_bytes(b"[/] not an image")
    write_clip(folder / "clip.mp4", photo_rgb)
    return folder


@pytest.fixture(scope="module")
def plain(mixed, tmp_path_factory):
    """The plain path's outputs and its failure lines (the reference the Ray path must equal)."""
    out = tmp_path_factory.mktemp("plain")
    r = retrogan("stylize", mixed, mixed / "clip.mp4", "-o", out, "--style", LOOK, "-q")
    assert r.returncode == 1, r.stderr
    return out, failure_lines(r.stderr)


def test_the_ray_path_writes_the_same_bytes_and_the_same_failures(mixed, plain, tmp_path):
    out = tmp_path / "ray"
    r = retrogan("stylize", mixed, mixed / "clip.mp4", "-o", out, "--style", LOOK, "-q", "--ray")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert failure_lines(r.stderr) == plain[1]
    names = sorted(p.name for p in plain[0].iterdir())
    assert names == sorted(p.name for p in out.iterdir()) and "clip.retro.mp4" in names and "deep.tif" in names
    for name in names:
        assert sha(out / name) == sha(plain[0] / name), name
    assert oct((out / "p00.jpg").stat().st_mode & 0o777) == "0o644"


def test_a_killed_run_restarts_and_completes(mixed, plain, tmp_path):
    out = tmp_path / "ray"
    run = start("stylize", mixed, "-o", out, "--style", LOOK, "-q", "--ray")
    deadline = time.time() + 120
    while not (out.exists() and any(p.suffix == ".jpg" for p in out.iterdir())) and time.time() < deadline:
        time.sleep(0.05)
    kill_session(run)  # the driver and its whole cluster, mid-job
    run.wait()
    done = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert 0 < len(done) < 11, done  # killed while some but not all were written
    r = retrogan("stylize", mixed, "-o", out, "--style", LOOK, "-q", "--ray")
    assert r.returncode == 1 and f"skipped {len(done)} already done" in r.stderr, r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(n for n in (p.name for p in plain[0].iterdir())
                                                           if n != "clip.retro.mp4")  # nothing partial or left over
    for p in out.iterdir():
        assert sha(p) == sha(plain[0] / p.name), p.name


def test_a_killed_worker_loses_nothing(mixed, plain, tmp_path):
    src = tmp_path / "in"
    shutil.copytree(mixed, src, ignore=shutil.ignore_patterns("broken.jpg", "*odd*", "clip.mp4"))
    out = tmp_path / "ray"
    run = start("stylize", src, "-o", out, "--style", LOOK, "-q", "--ray")
    deadline, killed = time.time() + 120, None
    while killed is None and time.time() < deadline and run.poll() is None:
        if out.exists() and any(p.suffix == ".jpg" for p in out.iterdir()):
            workers = [pid for pid, line in session(run) if "RetroganWorker" in line]
            if workers:
                os.kill(workers[0], signal.SIGKILL)  # one Ray worker dies mid-job
                killed = workers[0]
        time.sleep(0.05)
    assert killed is not None, "no worker to kill"
    assert run.wait(300) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in src.iterdir())
    for p in out.iterdir():
        assert sha(p) == sha(plain[0] / p.name), p.name


def test_the_python_entry_takes_a_ray_dataset(mixed, plain, tmp_path):
    """``stylize_files_ray`` on a Ray Dataset with a ``path`` column: the same bytes as the plain path."""
    code = f"""
import ray, ray.data
from retrogan.distributed import RaySettings, stylize_files_ray
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
ds = ray.data.from_items([{{"path": p}} for p in {[str(mixed / f"p0{i}.jpg") for i in range(3)]!r}])
report = stylize_files_ray(ds, {LOOK!r}, out={str(tmp_path / "out")!r}, settings=RaySettings(workers=2))
print(len(report.written), len(report.failed))
ray.shutdown()
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       start_new_session=True)
    assert r.returncode == 0 and r.stdout.split()[-2:] == ["3", "0"], r.stderr[-2000:]
    for i in range(3):
        assert sha(tmp_path / "out" / f"p0{i}.jpg") == sha(plain[0] / f"p0{i}.jpg")
