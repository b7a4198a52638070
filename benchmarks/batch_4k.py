"""Eight 4K JPEGs through one `retrogan stylize` call, for every bundled look, against a plain Pillow decode + encode
of the same eight files in one process (issue #31: at most 2.5x for every look).

Both sides are fresh processes timed from the outside (start-up, imports and the look's one-off tables included:
what a user waits for). Runs are interleaved (plain, look, plain, look, ...) and the medians of --repeats runs are
reported; this machine is noisy. The package's byte-code is compiled first (``compileall``), as ``pip install``
compiles an installed package and as Pillow's is: this machine sets PYTHONDONTWRITEBYTECODE, under which an
editable install would compile our modules again on every start (0.1 s) and Pillow's never. A look's colour table is baked on its first run and kept on disk
(film/tables.py): each look's first run is made with an empty cache and reported apart ("first run"), the
repeats read the table as every later run does.

    .venv/bin/python benchmarks/batch_4k.py [--repeats 3] [--looks a,b,...]     # about 15 minutes for all looks
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from _common import RESULTS, machine, markdown_table, save
from film_speed import mosaic, photos

PLAIN = """
import sys
from PIL import Image
for src in sys.argv[2:]:
    with Image.open(src) as im:
        im.load()
        im.save(src.replace('/in/', '/' + sys.argv[1] + '/'), quality=95)
"""


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict | None = None, cpu: list | None = None) -> float:
    """Wall seconds of a command; its CPU seconds (user + system) appended to ``cpu``."""
    c, t = child_cpu(), time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}...: {r.stderr.strip()[-400:]}")
    wall = time.perf_counter() - t
    if cpu is not None:
        cpu.append(child_cpu() - c)
    return wall


def main() -> None:
    from retrogan.defaults import DEFAULT_LOOK
    from retrogan.looks.registry import STYLES

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--looks", default="", help="comma-separated (default: every bundled look)")
    args = ap.parse_args()
    looks = [s for s in args.looks.split(",") if s] or list(STYLES)
    retrogan = [sys.executable, "-m", "retrogan", "stylize"]
    import retrogan as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True,
                   capture_output=True)
    rows, data = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        (tmp / "plain").mkdir()
        pics = photos()
        files = []
        for i in range(8):
            f = tmp / "in" / f"p{i}.jpg"
            Image.fromarray(mosaic(2160, 3840, pics[i:] + pics[:i])).save(f, quality=95)
            files.append(str(f))
        for name in looks:
            out = tmp / "out"
            cache = tmp / f"cache-{name}"
            env = {**os.environ, "RETROGAN_CACHE_DIR": str(cache)}
            command = [*retrogan, *files, "-o", str(out), "--style", name, "--overwrite", "-q"]
            first = timed(command, env)
            plain, ours, plain_cpu, ours_cpu = [], [], [], []
            for _ in range(args.repeats):
                plain.append(timed([sys.executable, "-c", PLAIN, "plain", *files], cpu=plain_cpu))
                ours.append(timed(command, env, cpu=ours_cpu))
            p, o = statistics.median(plain), statistics.median(ours)
            pc, oc = statistics.median(plain_cpu), statistics.median(ours_cpu)
            data[name] = {"plain_s": plain, "ours_s": ours, "ratio": o / p, "first_run_s": first,
                          "plain_cpu_s": plain_cpu, "ours_cpu_s": ours_cpu, "cpu_ratio": oc / pc}
            rows.append([name + (" (default)" if name == DEFAULT_LOOK else ""), f"{p:.2f}", f"{o:.2f}",
                         f"{o / p:.2f}", f"{pc:.2f}", f"{oc:.2f}", f"{oc / pc:.2f}", f"{first:.2f}",
                         f"{first / p:.2f}"])
            print(rows[-1], flush=True)
    over = [n for n in data if data[n]["ratio"] > 2.5]
    md = ("Eight 4K (3840x2160) JPEGs, one process each side, start-up included; medians of "
          f"{args.repeats} interleaved runs, byte-code compiled as after an install, the look's colour table, grain "
          f"textures and (a learned look) analyser "
          f"graph read from the cache; first run: the look's first run ever, which makes them. CPU: user + system "
          f"seconds of each process (both cores; steadier than wall time on a shared machine, not the target). "
          f"Over 2.5x: {len(over)} of {len(data)}"
          + (f" ({', '.join(over)})" if over else "") + ".\n\n"
          + markdown_table(["look", "plain Pillow s", "retrogan stylize s", "ratio", "plain CPU s", "retrogan CPU s",
                            "CPU ratio", "first run s", "first run ratio"],
                           rows) + "\n")
    print(md)
    save("batch_4k", {"machine": machine(), "looks": data}, md)


if __name__ == "__main__":
    main()
