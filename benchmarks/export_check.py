"""Exported .cube LUTs applied by ffmpeg's lut3d filter (PyAV filter graph, tetrahedral) against retrogan's own
render of the look's colour part, for every bundled look at 33 and 65 points: mean and 99th-percentile CIEDE2000
over the photos of ../shared/data/photos (or skimage samples when that folder is absent).

    .venv/bin/python benchmarks/export_check.py [--photos 8]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from _common import SHARED, machine, markdown_table, save
from retrogan.export.colour import colour_lut
from retrogan.export.ffmpeg import apply_cube_ffmpeg
from retrogan.film.fast import apply_colour_fast
from retrogan.imaging.photo import Photo
from retrogan.looks import resolve_style
from retrogan.looks.base import FilmLook
from retrogan.looks.registry import STYLES
from retrogan.luts.cube import CubeLut, write_cube
from retrogan.metrics import ciede2000, srgb_to_lab


def load_photos(n: int) -> list[np.ndarray]:
    files = sorted((SHARED / "photos").glob("*.jpg"))[:n]
    if files:
        return [np.asarray(Image.open(f).convert("RGB")) for f in files]
    from skimage import data

    return [data.astronaut(), data.chelsea(), data.coffee()][:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=8)
    args = ap.parse_args()
    photos = load_photos(args.photos)
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        cube = Path(tmp) / "look.cube"
        for name in STYLES:
            look = resolve_style(name)
            ours = [apply_colour_fast(p, look.params) if isinstance(look, FilmLook) else look.apply(Photo(rgb=p)).rgb
                    for p in photos]
            res = {}
            for size in (33, 65):
                write_cube(CubeLut(colour_lut(look, size)), cube)
                d = np.concatenate([ciede2000(srgb_to_lab(apply_cube_ffmpeg(p, cube) / 255.0),
                                              srgb_to_lab(o / 255.0)).ravel() for p, o in zip(photos, ours)])
                res[size] = {"mean": float(d.mean()), "p99": float(np.percentile(d, 99)), "max": float(d.max())}
            results[name] = res
            rows.append([name, type(look).__name__] + [f"{res[s][k]:.2f}" for s in (33, 65) for k in ("mean", "p99")])
            print(*rows[-1], flush=True)
    worst = max(r[s]["mean"] for r in results.values() for s in (33, 65))
    md = (f"`.cube` exports through ffmpeg's lut3d (tetrahedral) vs retrogan's colour render, CIEDE2000 over "
          f"{len(photos)} photos; worst mean {worst:.2f} (target <= 1).\n\n"
          + markdown_table(["look", "kind", "33: mean", "33: p99", "65: mean", "65: p99"], rows))
    print(md)
    save("export_check", {"machine": machine(), "photos": len(photos), "results": results}, md)


if __name__ == "__main__":
    main()
