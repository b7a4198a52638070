"""Gallery of reference-based transfer with real old photographs as references (../shared/data/vintage_real):
the top row holds the references, the left column the modern test photos, each cell a photo in a reference's look
(feed-forward; ``--fit`` adds fitted rows; ``--recognise`` adds rows with ``transfer --recognise``, the look
recognised on the photos shown). Writes benchmarks/results/stgan_gallery.jpg (``--name`` to change it).

    python benchmarks/stgan_gallery.py [--model DIR] [--fit] [--recognise --name stgan_gallery_recognise]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from _common import RESULTS, SHARED
from protocol import photos, split

REFERENCES = ["book_and_print_portraits_cc0/face_man_203.png", "book_and_print_portraits_cc0/face_woman_187.png",
              "book_and_print_portraits_cc0/face_woman_117.png", "book_and_print_portraits_cc0/face_man_107.png",
              "film_scans_kodak_photocd/kodim05.png", "film_scans_kodak_photocd/kodim23.png"]
CELL = 220


def cell(img: Image.Image) -> Image.Image:
    img = img.convert("RGB")
    img.thumbnail((CELL, CELL), Image.LANCZOS)
    out = Image.new("RGB", (CELL, CELL), (255, 255, 255))
    out.paste(img, ((CELL - img.width) // 2, (CELL - img.height) // 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="transfer model folder (default: the bundled one)")
    ap.add_argument("--photos", type=int, default=4)
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--recognise", action="store_true")
    ap.add_argument("--name", default="stgan_gallery")
    args = ap.parse_args()

    from retrogan.api import stylize
    from retrogan.looks.reference import reference_look

    names, imgs = photos()
    _, test_idx = split()
    modern = [(np.clip(imgs[i], 0, 1) * 255).round().astype(np.uint8) for i in test_idx[:args.photos]]
    refs = [SHARED / "vintage_real" / r for r in REFERENCES]
    looks = [reference_look([r], model_dir=args.model) for r in refs]
    rows = [[Image.new("RGB", (CELL, CELL), (255, 255, 255))] + [cell(Image.open(r)) for r in refs]]
    for m in modern:
        rows.append([cell(Image.fromarray(m))] + [cell(Image.fromarray(stylize(m, look))) for look in looks])
    if args.fit:
        for m in modern[:2]:
            fitted = [reference_look([r], model_dir=args.model, fit=True, fit_photos=[m], fit_seconds=30) for r in refs]
            rows.append([cell(Image.fromarray(m))] + [cell(Image.fromarray(stylize(m, f))) for f in fitted])
    if args.recognise:
        recognised = [reference_look([r], model_dir=args.model, recognise=True, fit_photos=modern,
                                     log=lambda m, r=r: print(Path(r).name, m)) for r in refs]
        for m in modern:
            rows.append([cell(Image.fromarray(m))] + [cell(Image.fromarray(stylize(m, look))) for look in recognised])
    pad = 4
    grid = Image.new("RGB", (len(rows[0]) * (CELL + pad) + pad, len(rows) * (CELL + pad) + pad + 24), (40, 40, 40))
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            grid.paste(im, (pad + c * (CELL + pad), 24 + pad + r * (CELL + pad)))
    ImageDraw.Draw(grid).text((pad, 6), "top row: real old photos (references); left column: modern photos; "
                              "cells: the reference's look read by the ST-GAN encoder (feed-forward)"
                              + ("; then --fit rows" if args.fit else "")
                              + ("; last rows: --recognise" if args.recognise else ""), fill=(230, 230, 230))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.name}.jpg"
    grid.save(out, quality=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
