"""Render one photo through every bundled look (`retrogan styles`: era presets, film stocks, the learned zoo) into one
labelled contact sheet (shown in the README).

    .venv/bin/python scripts/gallery.py [PHOTO] [-o docs/gallery.jpg] [--width 360] [--seed 1]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from retrogan.api import stylize
from retrogan.imaging import read_photo
from retrogan.looks.registry import STYLES

ROOT = Path(__file__).resolve().parents[1]


def contact_sheet(tiles: list[tuple[str, np.ndarray]], width: int, columns: int = 6) -> Image.Image:
    label_h = 22
    cells = []
    for label, arr in tiles:
        im = Image.fromarray(arr)
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
        cells.append((label, im))
    cell_h = max(im.height for _, im in cells) + label_h
    rows = (len(cells) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * width, rows * cell_h), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    for i, (label, im) in enumerate(cells):
        x, y = (i % columns) * width, (i // columns) * cell_h
        sheet.paste(im, (x, y + (cell_h - label_h - im.height) // 2))
        draw.text((x + 6, y + cell_h - label_h + 3), label, fill=(235, 235, 235), font=font)
    return sheet


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photo", nargs="?", type=Path, default=ROOT / "examples/seeding.jpg")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs/gallery.jpg")
    ap.add_argument("--width", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rgb = read_photo(args.photo).rgb
    tiles = [("original", rgb)] + [(f"{e.name} ({e.era})", stylize(rgb, e.name, seed=args.seed))
                                   for e in STYLES.values()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet(tiles, args.width).save(args.output, quality=90)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
