"""Real old photographs as references on modern photos of scenes no model saw (issue #28): each row is one reference
(../shared/data/vintage_real, ../shared/data/vintage: sepia and toned portraits, a black-and-white print, 1980s
snapshot prints, Kodak PhotoCD film scans), then the reference's colour (`retrogan transfer --no-layers`: the look
reader's LUT, or a monochrome print's toning where the layer estimator finds one) on four
test-split photos of ../shared/data/modern (a person, a street, a landscape, an object), then the whole look with the
film and age layers on the first photo, then the previous transfer model's colour on the first photo (before #28).

    .venv/bin/python benchmarks/reader_gallery.py       # under a minute

Writes benchmarks/results/reader_gallery.{png,md}: the picture and, per reference, the mean CIELAB of the reference
and of the four results (what a person should see carried over: lightness, and the a*, b* cast)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from _common import RESULTS, SHARED
from layer_gallery import PHOTOS, fit

REFS = ["vintage_real/book_and_print_portraits_cc0/face_woman_193.png",
        "vintage_real/book_and_print_portraits_cc0/face_man_203.png",
        "vintage/vvportrait_000050.jpg", "vintage/congressdir_000082.jpg",
        "vintage/mei_png_Issue_356_dotnet.jpg", "vintage/mei_tif_Epson_Perfection.jpg",
        "vintage_real/film_scans_kodak_photocd/kodim12.png", "vintage_real/film_scans_kodak_photocd/kodim18.png"]
CELL = 200


def lab_mean(rgb: np.ndarray) -> np.ndarray:
    from retrogan.metrics import srgb_to_lab

    return srgb_to_lab(rgb.astype(np.float64) / (65535 if rgb.dtype == np.uint16 else 255)).reshape(-1, 3).mean(0)


def main() -> None:
    from retrogan.imaging.read import read_photo
    from retrogan.looks.reference import reference_look

    refs = []
    for r in REFS:
        found = sorted((SHARED / Path(r).parent).glob(Path(r).name.split(".")[0] + "*"))
        refs.append(found[0] if found else SHARED / r)
    photos = [read_photo(SHARED / "modern" / p) for p in PHOTOS]
    cols = 1 + len(photos) + 2
    sheet = Image.new("RGB", (cols * CELL, len(refs) * (CELL + 16) + 20), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    heads = (["reference"] + [f"photo {i + 1}: colour" for i in range(len(photos))]
             + ["photo 1: + layers", "photo 1: before (#28)"])
    for i, t in enumerate(heads):
        draw.text((i * CELL + 4, 4), t, fill=(0, 0, 0))
    lines = []
    before_dir = Path(__file__).resolve().parents[1] / "src" / "retrogan" / "data" / "transfer"
    for r, path in enumerate(refs):
        look = reference_look([path])
        whole = reference_look([path], layers=True)
        y = 20 + r * (CELL + 16)
        sheet.paste(fit(Image.open(path).convert("RGB"), CELL), (0, y))
        outs = [look.apply(p, seed=1).rgb for p in photos]
        for c, out in enumerate(outs):
            sheet.paste(fit(Image.fromarray(out), CELL), ((c + 1) * CELL, y))
        sheet.paste(fit(Image.fromarray(whole.apply(photos[0], seed=1).rgb), CELL), ((len(photos) + 1) * CELL, y))
        old = previous_look(path, before_dir)
        sheet.paste(fit(Image.fromarray(old.apply(photos[0], seed=1).rgb), CELL), ((len(photos) + 2) * CELL, y))
        draw.text((4, y + CELL + 2), path.name[:34], fill=(0, 0, 0))
        ref_lab = lab_mean(np.asarray(Image.open(path).convert("RGB")))
        src = np.mean([lab_mean(p.rgb) for p in photos], 0)
        out = np.mean([lab_mean(o) for o in outs], 0)
        cell = lambda v: f"{v[0]:.0f}, {v[1]:+.1f}, {v[2]:+.1f}"  # noqa: E731
        kind = f"{'mono' if reader_mono(path) >= 0.5 else 'colour'} / {'mono' if hasattr(look, 'layers') else 'colour'}"
        lines.append(f"| {path.name} | {kind} | {cell(ref_lab)} | {cell(src)} | "
                     f"{cell(out)} |")
        print(lines[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    sheet.save(RESULTS / "reader_gallery.png", optimize=True)
    (RESULTS / "reader_gallery.md").write_text(
        "`benchmarks/reader_gallery.py`: real old photographs as references (rows) on four test-split photos of "
        "../shared/data/modern: the reference's colour (`retrogan transfer --no-layers`), the whole look with "
        "the film and age layers on the first photo, and the previous transfer model's colour on the first photo. "
        "Picture: reader_gallery.png.\n\n"
        "Mean CIELAB (L*, a*, b*) of the reference, of the four photos as they are, and of the four results.\n\n"
        "Read as: by the look reader / by the layer estimator's print detector (which decides).\n\n"
        "| reference | read as | reference | photos | results |\n|---|---|---|---|---|\n" + "\n".join(lines) + "\n")


def reader_mono(path: Path) -> float:
    from retrogan.looks.reference import load_reference
    from retrogan.transfer.model import bundled_model_dir
    from retrogan.transfer.reader import read_look

    return read_look([load_reference(path)], bundled_model_dir())[1]


def previous_look(path: Path, folder: Path):
    """The transfer model's feed-forward look (what `transfer` gave before the look reader)."""
    import torch

    from retrogan.looks.gan import GanLook
    from retrogan.looks.reference import CodedGenerator, _loaded, _square, load_reference

    model = _loaded(str(folder.resolve()), None)
    with torch.no_grad():
        code = model.code(torch.stack([_square(load_reference(path))]))
    return GanLook("before", CodedGenerator(model.generator, code).eval(), "fast", ["reference"])


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
