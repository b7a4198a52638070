"""Learned looks before and after the structured colour model (#27): time of `stylize` on a 4K (3840x2160) 8-bit
array for each look of two zoo folders, interleaved, medians. The render is the same per-pixel path (one baked LUT);
only the analysis (which now evaluates the colour model on the LUT lattice) changed.

    .venv/bin/python benchmarks/experiments/learned_look_speed.py OLD_ZOO NEW_ZOO [--repeats 7]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import machine, save  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--looks", default="tintype-gan,kodachrome-200,faded-print-gan,portra-160")
    args = ap.parse_args()
    from retrogan.api import stylize
    from retrogan.looks.gan import load_gan_style

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (270, 480, 3), dtype=np.uint8)
    img = np.ascontiguousarray(np.repeat(np.repeat(small, 8, 0), 8, 1))  # 3840x2160, blocky but real work
    rows = []
    for name in args.looks.split(","):
        looks = {k: load_gan_style(str(Path(p).resolve())).with_label(name) for k, p in (("old", args.old), ("new", args.new))}
        times = {"old": [], "new": []}
        for k, look in looks.items():
            stylize(img, look, seed=0)  # warm
        for _ in range(args.repeats):
            for k, look in looks.items():
                t = time.perf_counter()
                stylize(img, look, seed=0)
                times[k].append((time.perf_counter() - t) * 1000)
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        rows.append({"look": name, "old_ms": round(old), "new_ms": round(new), "new/old": round(new / old, 2)})
        print(rows[-1], flush=True)
    table = "| look | before ms | after ms | after/before |\n|---|---|---|---|\n" + "\n".join(
        f"| {r['look']} | {r['old_ms']} | {r['new_ms']} | {r['new/old']} |" for r in rows)
    save("learned_look_speed", {"machine": machine(), "repeats": args.repeats, "rows": rows},
         f"# Learned looks on a 4K array: before and after the structured colour model\n\nMedians of {args.repeats} "
         f"interleaved runs (`benchmarks/experiments/learned_look_speed.py`).\n\n{table}\n")


if __name__ == "__main__":
    main()
