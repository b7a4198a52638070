"""Speed of the film renderer on full-resolution images: ms per megapixel for each op and each era preset, and the
ratio to JPEG decode + encode of the same image measured in the same run.

Images are mosaics of the real photos in ../shared/data/photos at their native 768 px (real detail, no upscaling),
or of scikit-image's sample photos when ../shared is absent. Caches (baked colour LUT, grain texture) are warm,
as they are from the second image of a batch or the second frame of a clip; the cold first call is reported too.

    .venv/bin/python benchmarks/film_speed.py [--sizes 1,8,33] [--repeats 3]      # ~10 minutes for all sizes
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import SHARED, decode_encode, jpeg_bytes, machine, markdown_table, median_time, save
from retrogan.film import fast
from retrogan.film.params import FilmParams
from retrogan.film.presets import PRESETS

SIZES = {1: (864, 1152), 8: (2160, 3840), 33: (4320, 7680)}
OPS = {
    "colour (baked 3D LUT: stock + any colour ops)": FilmParams(stock="kodachrome-25", fade_black=0.05),
    "halation": FilmParams(halation=0.5),
    "bloom": FilmParams(bloom=0.3),
    "softness": FilmParams(softness=1.0),
    "chromatic aberration": FilmParams(chromatic_aberration=0.003),
    "vignette": FilmParams(vignette=0.4),
    "edge burn": FilmParams(edge_burn=0.3),
    "light leak": FilmParams(light_leak=0.4),
    "grain (colour)": FilmParams(grain=0.04, grain_colour=0.8),
    "paper texture": FilmParams(paper=0.3),
    "dust + hairs + scratches": FilmParams(dust=0.5, hairs=0.5, scratches=0.5),
    "instant border": FilmParams(border="instant"),
}


def photos() -> list[np.ndarray]:
    files = sorted((SHARED / "photos").glob("*.jpg"))
    if not files:
        import skimage.data as d

        return [d.astronaut(), d.chelsea(), d.coffee(), d.rocket()]
    return [np.asarray(Image.open(f).convert("RGB")) for f in files]


def mosaic(h: int, w: int, tiles: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((h, w, 3), np.uint8)
    y, i = 0, 0
    while y < h:
        x, row_h = 0, 0
        while x < w:
            a = tiles[i % len(tiles)]
            i += 1
            hh, ww = min(a.shape[0], h - y), min(a.shape[1], w - x)
            out[y:y + hh, x:x + ww] = a[:hh, :ww]
            x, row_h = x + ww, max(row_h, hh)
        y += row_h
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,8,33")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tiles = photos()
    results, rows = [], []
    for mp in (int(s) for s in args.sizes.split(",")):
        h, w = SIZES[mp]
        rgb = mosaic(h, w, tiles)
        data = jpeg_bytes(rgb)
        megapixels = h * w / 1e6
        base, _ = median_time(lambda: decode_encode(data), max(args.repeats, 5))
        print(f"{w}x{h} ({megapixels:.1f} MP): JPEG decode + encode {base * 1000:.0f} ms")
        configs = [("op", k, p) for k, p in OPS.items()] + [("preset", k, v.params) for k, v in PRESETS.items()]
        for kind, name, p in configs:
            fast._colour_table.cache_clear()
            t0 = time.perf_counter()
            fast.render_array(rgb, p, seed=1)
            cold = time.perf_counter() - t0
            med, times = median_time(lambda: fast.render_array(rgb, p, seed=1), args.repeats)
            r = {"size": f"{w}x{h}", "megapixels": round(megapixels, 2), "kind": kind, "name": name,
                 "median_ms": round(med * 1000, 1), "ms_per_mp": round(med * 1000 / megapixels, 1),
                 "cold_ms": round(cold * 1000, 1), "decode_encode_ms": round(base * 1000, 1),
                 "ratio_to_decode_encode": round(med / base, 2), "times_ms": [round(t * 1000, 1) for t in times]}
            results.append(r)
            rows.append([r["size"], kind, name, r["median_ms"], r["ms_per_mp"], r["ratio_to_decode_encode"],
                         r["cold_ms"]])
            print(f"  {kind:6s} {name:46s} {r['median_ms']:8.1f} ms  {r['ms_per_mp']:6.1f} ms/MP  "
                  f"x{r['ratio_to_decode_encode']:.2f} of decode+encode")
    md = ("Film renderer speed (fast path, warm caches; median of the repeats). Ratio: render time over JPEG "
          "decode + encode (quality 95) of the same image in the same run.\n\n"
          + markdown_table(["size", "kind", "name", "median ms", "ms/MP", "x decode+encode", "cold ms"], rows))
    save("film_speed", {"machine": machine(), "repeats": args.repeats, "results": results}, md)


if __name__ == "__main__":
    main()
