"""Real old photographs as references on modern photos of scenes no model saw (issue #29): each row is one reference
(../shared/data/vintage, ../shared/data/vintage_real: sepia cabinet cards, a printed halftone portrait, a 1930s
print, an FSA negative, 1980s and 1990s colour prints), then `retrogan transfer` with the film and age layers on four
test-split photos of ../shared/data/modern (a person, a street, a landscape, an object), then a 200% crop of the
first result; the last column is the colour-only transfer (the look before issue #29) of the first photo, for
comparison. The layers read from each reference are written beside the picture in plain words.

    .venv/bin/python benchmarks/layer_gallery.py       # about a minute

Writes benchmarks/results/layer_gallery.{png,md}."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from _common import RESULTS, SHARED

REFS = ["vintage/vvportrait_000050.jpg", "vintage/vvportrait_004779.jpg", "vintage/vvportrait_000691.jpg",
        "vintage_real/book_and_print_portraits_cc0/face_woman_117.png",
        "vintage_real/book_and_print_portraits_cc0/face_man_220.png",
        "vintage/fsaowi_1280px-Lange-MigrantMother02.jpg", "vintage/mei_png_Issue_356_dotnet.jpg",
        "vintage_real/film_scans_kodak_photocd/kodim04.png"]
PHOTOS = ["exifsamples_jpg_hdr_iphone_hdr_NO.jpg", "mei_jpg_Canon_Powershot_S90.jpg",
          "ubuntu_saucy_Thingvellir_by_pattersa.jpg", "budgie_motherboard-circuits.jpg"]
CELL = 240


def fit(im: Image.Image, side: int = CELL) -> Image.Image:
    im = im.copy()
    im.thumbnail((side, side), Image.LANCZOS)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    canvas.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
    return canvas


def crop200(rgb: np.ndarray, side: int = CELL) -> Image.Image:
    h, w = rgb.shape[:2]
    s = side // 2
    y, x = max(0, h // 2 - s // 2), max(0, w // 2 - s // 2)
    return Image.fromarray(rgb[y:y + s, x:x + s]).resize((side, side), Image.NEAREST)


def main() -> None:
    from retrogan.imaging.read import read_photo
    from retrogan.looks.reference import reference_look

    photos = [read_photo(SHARED / "modern" / p) for p in PHOTOS]
    cols = 1 + len(photos) + 2
    sheet = Image.new("RGB", (cols * CELL, len(REFS) * (CELL + 16) + 20), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    heads = ["reference"] + [f"photo {i + 1}" for i in range(len(photos))] + ["photo 1, 200%", "colour only (before)"]
    for i, t in enumerate(heads):
        draw.text((i * CELL + 4, 4), t, fill=(0, 0, 0))
    lines = []
    for r, ref in enumerate(REFS):
        path = SHARED / ref
        look = reference_look([path], layers=True)
        plain = reference_look([path])
        y = 20 + r * (CELL + 16)
        sheet.paste(fit(Image.open(path).convert("RGB")), (0, y))
        outs = [look.apply(p, seed=1).rgb for p in photos]
        for c, out in enumerate(outs):
            sheet.paste(fit(Image.fromarray(out)), ((c + 1) * CELL, y))
        sheet.paste(crop200(outs[0]), ((len(photos) + 1) * CELL, y))
        sheet.paste(fit(Image.fromarray(plain.apply(photos[0], seed=1).rgb)), ((len(photos) + 2) * CELL, y))
        draw.text((4, y + CELL + 2), Path(ref).name[:40], fill=(0, 0, 0))
        lines.append(f"| {Path(ref).name} | {look.layers.describe()} |")
        print(lines[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    sheet.save(RESULTS / "layer_gallery.png", optimize=True)
    (RESULTS / "layer_gallery.md").write_text(
        "`benchmarks/layer_gallery.py`: real old photographs as references (rows) on four test-split photos of "
        "../shared/data/modern, with their film and age layers (`retrogan transfer`, layers on, seed 1); a 200% crop "
        "of the first; the colour-only transfer of the first for comparison. Picture: layer_gallery.png.\n\n"
        "| reference | layers read |\n|---|---|\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
