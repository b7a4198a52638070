"""Full resolution: 4K JPEG in -> JPEG out against decode + encode of the same file, time against megapixels for our
renderer and a full-resolution U-Net (log-log plot), and the peak memory of a 100-megapixel image.

Inputs are mosaics of the real photos in ../shared/data/photos at their native 768 px (real detail, no upscaling),
or of scikit-image's samples when ../shared is absent.

1. 4K: file on disk -> ``read_photo`` -> look -> ``write_photo`` (atomic) -> file on disk, the product's own path.
   Two yardsticks, timed interleaved with it in the same run: "our I/O" (read_photo + write_photo of the unchanged
   photo: quality 95, 4:4:4 chroma, optimised Huffman tables, ICC and EXIF, atomic write) and "plain Pillow"
   (Image.open + load + save at quality 95 with Pillow's defaults: 4:2:0 chroma, no optimisation). Warm: the first
   call of a look (which builds its 2^24-entry colour table and grain textures, once per process) is reported
   apart as "cold".
2. Scaling: the render alone (array in, array out) from 0.25 to 100 MP; the U-Net generator (models/unet.py, the
   default config) from 0.25 MP up while one run takes under a minute and fits in memory.
3. 100 MP: a fresh process reads a 10000 x 10000 JPEG, applies the default look and writes a JPEG; its peak RSS
   (ru_maxrss) and wall time.

Every bundled look in the 4K table (issue #31), or ``--looks a,b``.

    .venv/bin/python benchmarks/full_res.py [--repeats 7] [--skip-100mp] [--looks a,b]     # about 10 minutes
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import RESULTS, machine, markdown_table, save
from film_speed import mosaic, photos
from retrogan.imaging.read import read_photo
from retrogan.imaging.write import write_photo
from retrogan.looks.registry import resolve_style

SCALE_MP = [0.25, 1, 4, 8.3, 16, 33, 100]


def shape_for(mp: float) -> tuple[int, int]:
    w = int(round((mp * 1e6 * 16 / 9) ** 0.5))
    return int(round(w * 9 / 16)), w


def four_k(tmp: Path, repeats: int, looks: list[str]) -> list[dict]:
    src = tmp / "in_4k.jpg"
    Image.fromarray(mosaic(2160, 3840, photos())).save(src, quality=95)
    out, styled_out = tmp / "out.jpg", tmp / "styled.jpg"

    def ours_io():
        write_photo(read_photo(src), out, overwrite=True)

    def plain_pillow():
        with Image.open(src) as im:
            im.load()
            im.save(out, quality=95)

    rows = []
    for name in looks:
        look = resolve_style(name)

        def styled():
            write_photo(look.apply(read_photo(src)), styled_out, overwrite=True)

        t = time.perf_counter()
        styled()
        cold = time.perf_counter() - t
        times = {"look": [], "our I/O": [], "plain Pillow": []}
        for _ in range(repeats):  # interleaved, so machine noise hits all three alike
            for key, fn in (("look", styled), ("our I/O", ours_io), ("plain Pillow", plain_pillow)):
                t = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - t)
        med = {k: float(np.median(v)) for k, v in times.items()}
        rows.append({"look": name, "cold_s": cold, **{f"{k}_s": v for k, v in med.items()},
                     "ratio_our_io": med["look"] / med["our I/O"], "ratio_plain": med["look"] / med["plain Pillow"],
                     "times": times, "output_bytes": styled_out.stat().st_size,
                     "input_bytes": src.stat().st_size})
        print(f"4K {name:24s} look {med['look'] * 1e3:7.0f} ms   our I/O {med['our I/O'] * 1e3:5.0f} ms "
              f"(x{rows[-1]['ratio_our_io']:.2f})   plain Pillow {med['plain Pillow'] * 1e3:5.0f} ms "
              f"(x{rows[-1]['ratio_plain']:.2f})   cold {cold * 1e3:.0f} ms", flush=True)
    return rows


def scaling(max_unet_s: float) -> list[dict]:
    import torch

    from retrogan.film.fast import render_array
    from retrogan.models.unet import UNetConfig, UNetGenerator

    look = resolve_style("kodachrome-1950s")
    tiles = photos()
    unet = UNetGenerator(UNetConfig()).eval()
    rows, unet_ok = [], True
    for mp in SCALE_MP:
        h, w = shape_for(mp)
        rgb = mosaic(h, w, tiles)
        render_array(rgb, look.params, seed=0)  # warm: colour table and grain textures for this size
        reps = 3 if mp <= 16 else 1
        ts = []
        for _ in range(reps):
            t = time.perf_counter()
            render_array(rgb, look.params, seed=0)
            ts.append(time.perf_counter() - t)
        row = {"mp": h * w / 1e6, "height": h, "width": w, "ours_s": float(np.median(ts)), "unet_s": None}
        if unet_ok:
            try:
                x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
                with torch.no_grad():
                    t = time.perf_counter()
                    unet(x, torch.tensor([0]))
                    row["unet_s"] = time.perf_counter() - t
                unet_ok = row["unet_s"] < max_unet_s
            except (RuntimeError, MemoryError) as e:
                row["unet_error"] = str(e)[:200]
                unet_ok = False
        rows.append(row)
        unet_text = "-" if row["unet_s"] is None else f"{row['unet_s'] * 1e3:.0f} ms"
        print(f"{row['mp']:7.2f} MP  ours {row['ours_s'] * 1e3:8.0f} ms   U-Net {unet_text}", flush=True)
        del rgb
    return rows


def slope(xs, ys) -> float:
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    mp = [r["mp"] for r in rows]
    ax.loglog(mp, [r["ours_s"] for r in rows], "o-", label="retrogan fast renderer (kodachrome-1950s)")
    u = [(r["mp"], r["unet_s"]) for r in rows if r["unet_s"]]
    if u:
        ax.loglog(*zip(*u), "s-", label="full-resolution U-Net generator")
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds per image (render only)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax.set_title("Time against image size, 2-core CPU")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


PEAK_SCRIPT = """
import resource, sys, time
t = time.perf_counter()
from retrogan.imaging.read import read_photo
from retrogan.imaging.write import write_photo
from retrogan.looks.registry import resolve_style
photo = read_photo(sys.argv[1])
out = resolve_style(None).apply(photo)
write_photo(out, sys.argv[2], overwrite=True)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t)
"""


def hundred_mp(tmp: Path) -> dict:
    src, dst = tmp / "in_100mp.jpg", tmp / "out_100mp.jpg"
    Image.fromarray(mosaic(10000, 10000, photos())).save(src, quality=90)
    proc = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(src), str(dst)], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    kib, seconds = proc.stdout.split()
    with Image.open(dst) as im:
        size = im.size
    return {"peak_rss_gib": int(kib) / 2 ** 20, "seconds": float(seconds), "input_mb": src.stat().st_size / 1e6,
            "output_size": size}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--max-unet-seconds", type=float, default=60)
    ap.add_argument("--skip-100mp", action="store_true")
    ap.add_argument("--looks", default="", help="comma-separated (default: every bundled look)")
    a = ap.parse_args()
    from retrogan.looks.registry import STYLES

    looks = [n for n in a.looks.split(",") if n] or list(STYLES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=RESULTS / "tmp" if (RESULTS / "tmp").exists() else None) as d:
        tmp = Path(d)
        big = None if a.skip_100mp else hundred_mp(tmp)
        if big:
            print(f"100 MP: {big}", flush=True)
        k4 = four_k(tmp, a.repeats, looks)
    scale = scaling(a.max_unet_seconds)
    plot(scale, RESULTS / "full_res_scaling.png")
    big_rows = [r for r in scale if r["mp"] >= 1]
    ours_slope = slope([r["mp"] for r in big_rows], [r["ours_s"] for r in big_rows])
    unet_rows = [r for r in scale if r["unet_s"]]
    unet_slope = slope([r["mp"] for r in unet_rows], [r["unet_s"] for r in unet_rows]) if len(unet_rows) > 1 else None
    md = ["## 4K (3840x2160) JPEG in -> JPEG out, medians of %d interleaved runs" % a.repeats, "",
          markdown_table(["look", "look ms", "our I/O ms", "x our I/O", "plain Pillow ms", "x plain Pillow",
                          "cold ms", "output MB (input MB)"],
                         [[r["look"], f"{r['look_s'] * 1e3:.0f}", f"{r['our I/O_s'] * 1e3:.0f}",
                           f"{r['ratio_our_io']:.2f}", f"{r['plain Pillow_s'] * 1e3:.0f}", f"{r['ratio_plain']:.2f}",
                           f"{r['cold_s'] * 1e3:.0f}",
                           f"{r['output_bytes'] / 1e6:.1f} ({r['input_bytes'] / 1e6:.1f})"] for r in k4]),
          "", "## Render time against size (array in, array out; kodachrome-1950s; U-Net default config)", "",
          markdown_table(["MP", "size", "ours ms", "ours ms/MP", "U-Net ms", "U-Net / ours"],
                         [[f"{r['mp']:.2f}", f"{r['width']}x{r['height']}", f"{r['ours_s'] * 1e3:.0f}",
                           f"{r['ours_s'] * 1e3 / r['mp']:.1f}",
                           f"{r['unet_s'] * 1e3:.0f}" if r["unet_s"] else "-",
                           f"{r['unet_s'] / r['ours_s']:.0f}" if r["unet_s"] else "-"] for r in scale]),
          "", f"Log-log slope (time ~ MP^slope), 1 MP and up: ours {ours_slope:.2f}"
          + (f"; U-Net {unet_slope:.2f}" if unet_slope else "") + ". Plot: full_res_scaling.png", ""]
    if big:
        md += ["## 100 MP (10000x10000) JPEG -> default look -> JPEG, fresh process", "",
               ("error: " + big["error"]) if "error" in big else
               f"peak RSS {big['peak_rss_gib']:.2f} GiB, {big['seconds']:.1f} s including imports and the one-off "
               f"table build, input {big['input_mb']:.0f} MB"]
    save("full_res", {"machine": machine(), "four_k": k4, "scaling": scale, "slope_ours": ours_slope,
                      "slope_unet": unet_slope, "hundred_mp": big}, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
