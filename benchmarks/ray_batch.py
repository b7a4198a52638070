"""Throughput of `retrogan stylize` on one machine: the plain CLI against the Ray path (`--ray`) with 1 and 2
workers, on a folder of 4K JPEGs, and what starting Ray costs.

    .venv/bin/python benchmarks/ray_batch.py [--images 32] [--look kodachrome-200] [--repeats 3]

Every run is a fresh CLI process writing to an empty folder (wall time from the command to its exit); runs are
interleaved and medians are reported. "steady" takes off the run's fixed cost: Python and the look for the plain
CLI, plus starting the local Ray cluster and its actors for --ray, measured from the same command on one image.
Writes benchmarks/results/ray_batch.{json,md}."""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import SHARED, machine, markdown_table, save


def photos_4k(folder: Path, n: int) -> None:
    sources = sorted((SHARED / "photos").glob("*.jpg")) if (SHARED / "photos").exists() else []
    if not sources:
        from skimage import data

        sources = [Image.fromarray(data.astronaut()), Image.fromarray(data.coffee()), Image.fromarray(data.chelsea())]
    for i in range(n):
        src = sources[i % len(sources)]
        im = Image.open(src).convert("RGB") if isinstance(src, Path) else src
        im = im.resize((3840, 2160), Image.LANCZOS)
        arr = np.roll(np.asarray(im), 97 * i, axis=1)  # every file its own pixels
        Image.fromarray(arr).save(folder / f"p{i:03d}.jpg", quality=90)


def run(args: list[str], out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "retrogan", "stylize", *args, "-o", str(out), "-q"],
                       capture_output=True, text=True)
    took = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"failed: {args}\n{r.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--look", default="kodachrome-200")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    systems = {"plain CLI": [], "--ray, 1 worker": ["--ray", "--workers", "1"],
               "--ray, 2 workers": ["--ray", "--workers", "2"]}
    with tempfile.TemporaryDirectory(prefix="retrogan-ray-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        (tmp / "one").mkdir()
        photos_4k(tmp / "in", a.images)
        shutil.copy(tmp / "in" / "p000.jpg", tmp / "one" / "p000.jpg")
        times = {k: [] for k in systems}
        fixed = {k: [] for k in systems}
        for _ in range(a.repeats):  # interleaved: the machine's noise falls on every system alike
            for name, extra in systems.items():
                fixed[name].append(run([str(tmp / "one"), "--style", a.look, *extra], tmp / "out"))
                times[name].append(run([str(tmp / "in"), "--style", a.look, *extra], tmp / "out"))
    rows, payload = [], {"machine": machine(), "images": a.images, "look": a.look, "repeats": a.repeats,
                         "systems": {}}
    plain_steady = plain_rate = None
    for name in systems:
        total, one = statistics.median(times[name]), statistics.median(fixed[name])
        steady = (a.images - 1) / max(1e-9, total - one)  # images/s once started (one image's run is the fixed cost)
        plain_steady = plain_steady or steady
        plain_rate = plain_rate or a.images / total
        payload["systems"][name] = {"wall_s": times[name], "one_image_s": fixed[name], "images_per_s": a.images / total,
                                    "steady_images_per_s": steady}
        rows.append([name, f"{total:.1f}", f"{a.images / total:.2f}", f"{a.images / total / plain_rate:.2f}",
                     f"{one:.1f}", f"{steady:.2f}", f"{steady / plain_steady:.2f}"])
    table = markdown_table(["system", f"{a.images} images, s", "images/s", "x plain", "one image, s (fixed cost)",
                            "steady images/s", "x plain (steady)"], rows)
    text = (f"`benchmarks/ray_batch.py --images {a.images} --look {a.look}`: 3840x2160 JPEGs "
            f"(q90) in, JPEG out; medians of {a.repeats} interleaved runs, each a fresh CLI process.\n\n{table}\n\n"
            "Steady images/s = (images - 1) / (wall time - the same command's wall time on one image): the rate "
            "once Python, the look and (for --ray) the local Ray cluster and its actors are up.\n")
    save("ray_batch", payload, text)
    print(text)


if __name__ == "__main__":
    main()
