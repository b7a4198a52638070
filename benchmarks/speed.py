"""Speed against image size for every system of the comparison, on this CPU: per image at 0.25, 1, 2, 8 and 33 MP,
the median wall time, the process's peak RSS, and the ratio to a JPEG decode + encode of the same image (Pillow,
quality 95, timed in the same process). Log-log plot in results/speed.png.

Each (system, size) runs in a fresh process, so peak RSS is its own (it includes Python, torch and the model:
the "baseline RSS" column is that process before the first image). The image is a mosaic of the real photos in
../shared/data/photos at their native size (scikit-image samples without ../shared), uint8 in, uint8 out:

- retrogan film renderer: the ``kodachrome-1950s`` era preset (per-pixel colour table, grain, vignette);
- retrogan cGAN fast: the zoo's showcase look (kodachrome-200: the learned multi-style model) through the
  product's ``Look.apply`` (thumbnail analysis, then per-pixel rendering);
- retrogan ST-GAN: the look of one reference photo (bundled transfer model), ``Look.apply``;
- retrogan cGAN U-Net, pix2pix U-Net-256, CycleGAN ResNet-9: the generator on the whole image as one tensor
  (randomly initialised: the cost does not depend on the weights), uint8 -> float -> network -> uint8.

A size is skipped when the previous size predicts more than ``--max-seconds`` for one run (time taken to scale
with megapixels); a process killed for memory is reported as such.

    .venv/bin/python benchmarks/speed.py              # about 12 minutes
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import RESULTS, machine, markdown_table, save

SIZES_MP = [0.25, 1, 2, 8, 33]
SYSTEMS = {
    "film": "retrogan film renderer (kodachrome-1950s preset)",
    "fast": "retrogan cGAN fast (bundled default look)",
    "stgan": "retrogan ST-GAN (one reference photo)",
    "unet": "retrogan cGAN U-Net generator",
    "pix2pix": "pix2pix U-Net-256 generator",
    "cyclegan": "CycleGAN ResNet-9 generator",
}

CHILD = r'''
import io, json, resource, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import torch
from PIL import Image
from film_speed import mosaic, photos
system, h, w, repeats, warm = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
torch.set_num_threads(2)
rgb = mosaic(h, w, photos())
if system in ("film", "fast", "stgan"):
    from retrogan.imaging.photo import Photo
    from retrogan.looks.registry import ZOO_SIGNATURE, resolve_style
    if system == "stgan":
        from retrogan.looks.reference import reference_look
        ref = sys.argv[7]
        look = reference_look([ref])
    else:
        look = resolve_style("kodachrome-1950s" if system == "film" else ZOO_SIGNATURE)
    run = lambda: look.apply(Photo(rgb)).rgb
else:
    if system == "unet":
        from retrogan.models.unet import UNetConfig, UNetGenerator
        net = UNetGenerator(UNetConfig()).eval()
        fwd = lambda x: net(x, torch.tensor([0]))
    else:
        import peers
        net = (peers.Pix2PixUNet256() if system == "pix2pix" else peers.CycleGANResNet9()).eval()
        fwd = net
    def run():
        with torch.no_grad():
            x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
            y = fwd(x)
            return (y[0].permute(1, 2, 0) * 255 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if warm:
    run()
times = []
for _ in range(repeats):
    t = time.perf_counter()
    out = run()
    times.append(time.perf_counter() - t)
assert out.shape == rgb.shape and out.dtype == np.uint8, (out.shape, out.dtype)
buf = io.BytesIO()
Image.fromarray(rgb).save(buf, "JPEG", quality=95)
data = buf.getvalue()
jpeg = []
for _ in range(max(3, repeats)):
    t = time.perf_counter()
    im = Image.open(io.BytesIO(data)); im.load(); im.save(io.BytesIO(), "JPEG", quality=95)
    jpeg.append(time.perf_counter() - t)
print(json.dumps({"times": times, "median_s": statistics.median(times), "jpeg_s": statistics.median(jpeg),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "baseline_rss_mib": base_rss / 1024}))
'''


def shape_for(mp: float) -> tuple[int, int]:
    w = int(round((mp * 1e6 * 3 / 2) ** 0.5))  # 3:2, a camera's frame
    return int(round(w * 2 / 3)), w


def run_one(system: str, mp: float, repeats: int, warm: bool, reference: str, timeout: float) -> dict:
    h, w = shape_for(mp)
    cmd = [sys.executable, "-c", CHILD, str(Path(__file__).parent), system, str(h), str(w), str(repeats),
           "1" if warm else "0", reference]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if proc.returncode:
        killed = proc.returncode in (-9, 137)
        return {"error": "killed (out of memory)" if killed else proc.stderr.strip().splitlines()[-1][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def reference_photo() -> str:
    from _common import SHARED

    old = sorted((SHARED / "vintage_real" / "film_scans_kodak_photocd").glob("*.png"))
    if old:
        return str(old[0])
    import skimage.data as d
    from PIL import Image

    path = RESULTS / "tmp" / "speed_reference.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(d.coffee()).save(path)
    return str(path)


def plot(rows: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.8))
    for key, label in SYSTEMS.items():
        pts = [(r["mp"], r["median_s"]) for r in rows[key] if "median_s" in r]
        if pts:
            ax.loglog(*zip(*pts), "o-", label=label)
    jp = [(r["mp"], r["jpeg_s"]) for r in rows["film"] if "jpeg_s" in r]
    ax.loglog(*zip(*jp), "k--", label="JPEG decode + encode (yardstick)")
    ax.set_xlabel("megapixels")
    ax.set_ylabel("seconds per image")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Time against image size, 2-core CPU")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--sizes", default=",".join(str(s) for s in SIZES_MP))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=150.0, help="skip a size predicted to take longer")
    args = ap.parse_args()
    reference = reference_photo()
    started = time.perf_counter()
    rows = {}
    for key in args.systems.split(","):
        rows[key], last = [], None
        for mp in (float(s) for s in args.sizes.split(",")):
            predicted = last["median_s"] * mp / last["mp"] if last and "median_s" in last else 0.0
            if last and "error" in last:
                rows[key].append({"mp": mp, "skipped": f"the smaller size failed ({last['error']})"})
                continue
            if predicted > args.max_seconds:
                rows[key].append({"mp": mp, "skipped": f"predicted {predicted:.0f} s"})
                print(f"{key:9s} {mp:6.2f} MP skipped (predicted {predicted:.0f} s)", flush=True)
                continue
            slow = predicted > 10
            r = run_one(key, mp, 1 if slow else args.repeats, not slow, reference, timeout=max(600, 6 * predicted))
            r["mp"] = mp
            rows[key].append(r)
            last = r
            print(f"{key:9s} {mp:6.2f} MP " + (r["error"] if "error" in r else
                  f"{r['median_s']:8.3f} s  x{r['median_s'] / r['jpeg_s']:7.1f} JPEG  peak {r['peak_rss_mib']:7.0f} "
                  f"MiB"), flush=True)
    if set(SYSTEMS) <= set(rows):
        plot(rows, RESULTS / "speed.png")
    sizes = [float(s) for s in args.sizes.split(",")]

    def cell(r: dict, what: str) -> str:
        if "skipped" in r:
            return "skipped: " + r["skipped"]
        if "error" in r:
            return r["error"]
        if what == "time":
            return f"{r['median_s']:.3g} s" if r["median_s"] >= 1 else f"{r['median_s'] * 1e3:.0f} ms"
        if what == "ratio":
            return f"{r['median_s'] / r['jpeg_s']:.1f}"
        return f"{r['peak_rss_mib'] / 1024:.2f} ({r['baseline_rss_mib'] / 1024:.2f})"

    md = []
    for what, title in (("time", "Median wall time per image"), ("ratio", "Ratio to JPEG decode + encode of the "
                                                                          "same image"),
                        ("rss", "Peak RSS of the process, GiB (before the first image)")):
        md += [f"### {title}", "", markdown_table(
            ["system"] + [f"{mp:g} MP" for mp in sizes],
            [[SYSTEMS[k]] + [cell(r, what) for r in rs] for k, rs in rows.items()]), ""]
    jp = [r for r in rows.get("film", []) if "jpeg_s" in r]
    md += ["JPEG decode + encode (Pillow, q95) of the same image: " + ", ".join(
        f"{r['mp']:g} MP {r['jpeg_s'] * 1e3:.0f} ms" for r in jp) + ".", "",
           f"Sizes are 3:2 frames; medians of {args.repeats} runs after a warm-up (one run, no warm-up, where one "
           f"run is predicted to take over 10 s). Plot: speed.png"]
    text = "\n".join(md)
    print(text)
    save("speed", {"machine": machine(), "seconds": round(time.perf_counter() - started), "repeats": args.repeats, "reference": Path(reference).name,
                   "rows": rows}, text)


if __name__ == "__main__":
    main()
