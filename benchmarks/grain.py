"""Film grain against real film: noise on flat patches of the Kodak PhotoCD 35 mm scans (../shared/data/vintage_real)
and of every grainy look rendered on a flat grey frame of the same size; their spectra; a 200% crop gallery.

    .venv/bin/python benchmarks/grain.py        # ~1 minute; writes benchmarks/results/grain.{json,md},
                                                # grain_psd.png and grain_crops.png

Both sides go through ``metrics.grain_noise``: the flattest tenth of 24-pixel mid-tone patches, the detail finer
than a blur of sigma 2, split into luma and chroma. A scan whose flattest patches still hold texture (walls, water,
foliage: luma noise above 4/255) measures its texture more than its grain; those are listed but kept out of the
real-film range. Handicaps: the PhotoCD scans are 768x512 with chroma stored at half resolution, which lowers their
chroma noise; our renders are measured as rendered (8-bit, no JPEG).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from _common import RESULTS, SHARED, machine, markdown_table, save
from retrogan.film import fast
from retrogan.film.presets import PRESETS
from retrogan.metrics import grain_noise

SCANS = SHARED / "vintage_real" / "film_scans_kodak_photocd"
TEXTURED = 4 / 255  # flattest-patch luma noise above this: texture, not grain
SHAPE = (512, 768)
DEMO = SHARED / "photos" / "lomiri1604_seeding_by_clements_engelhardt.jpg"


def radial_psd(detail: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Mean power of a (H, W) field in rings of frequency (cycles per pixel), Hann-windowed."""
    h, w = detail.shape
    win = np.outer(np.hanning(h), np.hanning(w))
    p = np.abs(np.fft.fft2((detail - detail.mean()) * win)) ** 2 / (win ** 2).sum()
    f = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :])
    idx = np.digitize(f.ravel(), bins)
    sums = np.bincount(idx, weights=p.ravel(), minlength=len(bins) + 1)
    counts = np.maximum(np.bincount(idx, minlength=len(bins) + 1), 1)
    return (sums / counts)[1:len(bins)]


def flattest_luma_psd(rgb: np.ndarray, bins: np.ndarray, patch: int = 32, keep: float = 0.1) -> np.ndarray:
    """The luma PSD averaged over the flattest mid-tone patches (ranked by their standard deviation after a
    3x3 box blur, which keeps edges and shading and averages grain away)."""
    y = rgb.astype(np.float64).mean(-1)
    blur = sum(np.roll(np.roll(y, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1)) / 9
    cands = []
    for r in range(0, y.shape[0] - patch + 1, patch):
        for c in range(0, y.shape[1] - patch + 1, patch):
            s = np.s_[r:r + patch, c:c + patch]
            if 0.15 < y[s].mean() < 0.85:
                cands.append((blur[s].std(), s))
    cands.sort(key=lambda t: t[0])
    chosen = cands[:max(1, int(len(cands) * keep))]
    return np.mean([radial_psd(_detrended(y[s]), bins) for _, s in chosen], axis=0)


def _detrended(patch: np.ndarray) -> np.ndarray:
    """The patch minus its best-fitting plane (shading left in a flat patch is not grain)."""
    h, w = patch.shape
    yy, xx = np.mgrid[:h, :w]
    a = np.column_stack([np.ones(h * w), yy.ravel(), xx.ravel()])
    coef, *_ = np.linalg.lstsq(a, patch.ravel(), rcond=None)
    return patch - (a @ coef).reshape(h, w)


def grainy_presets() -> dict:
    return {n: p.params for n, p in PRESETS.items() if p.params.grain}


def render_flat(params, seed: int = 1) -> np.ndarray:
    grey = np.full((*SHAPE, 3), 128, np.uint8)
    return fast.render_array(grey, params, seed=seed) / 255.0


def crop_gallery(looks: dict, path) -> None:
    """200% crops (nearest neighbour) of the demo photo upscaled to 1080p and rendered through each look."""
    photo = Image.open(DEMO).convert("RGB").resize((1920, 1080), Image.BICUBIC)
    rgb = np.asarray(photo)
    box = (1020, 160, 1260, 340)  # a flat patch of sky with the edge of the plant: 240 x 180 px
    tiles = []
    for name, params in looks.items():
        out = fast.render_array(rgb, params, seed=3)
        tile = Image.fromarray(out).crop(box).resize((480, 360), Image.NEAREST)
        ImageDraw.Draw(tile).rectangle((0, 0, 479, 18), fill=(0, 0, 0))
        ImageDraw.Draw(tile).text((4, 3), name, fill=(255, 255, 255))
        tiles.append(tile)
    cols = 4
    rows = -(-len(tiles) // cols)
    sheet = Image.new("RGB", (cols * 480, rows * 360), (40, 40, 40))
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % cols) * 480, (i // cols) * 360))
    sheet.save(path)


def main() -> None:
    real = {}
    for f in sorted(SCANS.glob("*.png")):
        real[f.stem] = grain_noise(np.asarray(Image.open(f).convert("RGB")) / 255.0)
    grainy = [k for k, v in real.items() if v["luma"] <= TEXTURED]
    lo = {m: min(real[k][m] for k in grainy) for m in ("ratio", "kurtosis")}
    hi = {m: max(real[k][m] for k in grainy) for m in ("ratio", "kurtosis")}

    grainy_looks = grainy_presets()
    ours = {}
    for name, params in grainy_looks.items():
        ours[name] = grain_noise(render_flat(params))
        ours[name]["monochrome"] = not params.grain_colour  # black-and-white grain
    before = replace(PRESETS["super8-1970s"].params, grain_colour=0.7, grain_roughness=0.0)
    ours["super8-1970s (before #31)"] = grain_noise(render_flat(before))
    ours["super8-1970s (before #31)"]["monochrome"] = False

    bins = np.linspace(0.0, 0.5, 17)
    centres = (bins[:-1] + bins[1:]) / 2
    psd_real = np.mean([flattest_luma_psd(np.asarray(Image.open(SCANS / f"{k}.png").convert("RGB")) / 255.0, bins)
                        for k in grainy], axis=0)
    psd = {n: flattest_luma_psd(render_flat(p), bins) for n, p in
           [("kodachrome-1950s", PRESETS["kodachrome-1950s"].params),
            ("colour-negative-1980s", PRESETS["colour-negative-1980s"].params),
            ("super8-1970s", PRESETS["super8-1970s"].params)]}

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.semilogy(centres, psd_real / psd_real.sum(), "k-o", ms=3, label=f"real 35 mm scans ({len(grainy)})")
    for n, c in psd.items():
        ax.semilogy(centres, c / c.sum(), marker=".", label=n)
    ax.set_xlabel("frequency (cycles per pixel, 768x512 frame)")
    ax.set_ylabel("share of the luma noise power")
    ax.set_title("Grain spectrum on flat patches: real PhotoCD scans and our looks")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "grain_psd.png", dpi=110)
    crop_gallery({**grainy_looks, "super8-1970s (before #31)": before},
                 RESULTS / "grain_crops.png")

    fmt = lambda d: [f"{d['luma'] * 255:.2f}", f"{d['chroma'] * 255:.2f}", f"{d['ratio']:.3f}", f"{d['kurtosis']:.2f}"]
    head = ["", "luma noise (/255)", "chroma noise (/255)", "chroma / luma", "kurtosis"]
    real_rows = [[k + ("" if k in grainy else " (textured: not in the range)"), *fmt(v)] for k, v in real.items()]
    our_rows = [[k + (" (monochrome)" if v["monochrome"] else ""), *fmt(v)] for k, v in ours.items()]
    colour = [k for k, v in ours.items() if not v["monochrome"] and "before" not in k]
    inside = [k for k in colour if lo["ratio"] <= ours[k]["ratio"] <= hi["ratio"]]
    md = (f"Real film, grain-dominated scans ({len(grainy)} of {len(real)}): chroma/luma {lo['ratio']:.2f}-"
          f"{hi['ratio']:.2f}, kurtosis {lo['kurtosis']:.2f}-{hi['kurtosis']:.2f}.\n\n"
          f"Colour-film looks inside the real chroma/luma range: {len(inside)} of {len(colour)}"
          + (f" (outside: {', '.join(k for k in colour if k not in inside)})" if len(inside) < len(colour) else "")
          + ".\n\n## Real 35 mm scans (Kodak PhotoCD)\n\n" + markdown_table(head, real_rows)
          + "\n\n## Our looks on a flat mid-grey 768x512 frame\n\n" + markdown_table(head, our_rows)
          + "\n\nSpectra: grain_psd.png. 200% crops of a 1080p frame: grain_crops.png.\n")
    print(md)
    save("grain", {"machine": machine(), "real": real, "real_grain_dominated": grainy, "real_range": {"low": lo,
                   "high": hi}, "ours": ours, "psd": {"frequency": centres.tolist(), "real": psd_real.tolist(),
                                                     **{k: v.tolist() for k, v in psd.items()}}}, md)


if __name__ == "__main__":
    main()
