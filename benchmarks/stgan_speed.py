"""Speed of the learned looks on a 4K JPEG, interleaved with the yardstick (JPEG decode + encode of the same file) in
one run: reference transfer (the look reader since issue #28; reading the reference's look once, then per photo:
read, analyse + render at full resolution, write), with the reference's film and age layers (what `retrogan
transfer` does by default since issue #29) and with its colour only (`--no-layers`), and the zoo's showcase look (a
label of the bundled multi-style cGAN; it was the default look until #31 made an era preset the default).

    python benchmarks/stgan_speed.py [--repeats 7]
"""
from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
from PIL import Image

from _common import SHARED, decode_encode, machine, markdown_table, save


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    from retrogan.imaging.read import read_photo
    from retrogan.imaging.write import write_photo
    from retrogan.looks.reference import reference_look

    photo = sorted((SHARED / "photos").glob("*.jpg"))[0]
    big = Image.open(photo).convert("RGB").resize((3840, 2160), Image.LANCZOS)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=95)
    data = buf.getvalue()
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp())
    src = tmp / "4k.jpg"
    src.write_bytes(data)
    ref = SHARED / "vintage_real" / "book_and_print_portraits_cc0" / "face_man_203.png"

    t = time.perf_counter()
    look = reference_look([ref], layers=True)
    first_code = time.perf_counter() - t  # includes loading the model, the backbone and the layer estimator
    colour_only = reference_look([ref])
    from retrogan.looks.registry import ZOO_SIGNATURE, resolve_style

    default = resolve_style(ZOO_SIGNATURE)
    codes, total, yard, zoo, plain = [], [], [], [], []
    look.apply(read_photo(src))  # warm
    colour_only.apply(read_photo(src))
    default.apply(read_photo(src))
    for i in range(args.repeats):
        t = time.perf_counter()
        reference_look([ref], layers=True)
        codes.append(time.perf_counter() - t)
        t = time.perf_counter()
        decode_encode(data)
        yard.append(time.perf_counter() - t)
        t = time.perf_counter()
        out = look.apply(read_photo(src))
        write_photo(out, tmp / "out.jpg", overwrite=True)
        total.append(time.perf_counter() - t)
        t = time.perf_counter()
        write_photo(colour_only.apply(read_photo(src)), tmp / "out3.jpg", overwrite=True)
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        write_photo(default.apply(read_photo(src)), tmp / "out2.jpg", overwrite=True)
        zoo.append(time.perf_counter() - t)
    med = statistics.median
    rows = [["read the reference's look and layers (models loaded once per process)", f"{first_code * 1000:.0f}"],
            ["read the reference's look and layers again (same process)", f"{med(codes) * 1000:.0f}"],
            [f"layers read: {look.layers.describe()}", ""],
            ["4K JPEG -> transfer with layers -> JPEG (read, analyse, render, write)", f"{med(total) * 1000:.0f}"],
            ["4K JPEG -> transfer, colour only (--no-layers) -> JPEG", f"{med(plain) * 1000:.0f}"],
            [f"4K JPEG -> learned look ({ZOO_SIGNATURE}, bundled cGAN) -> JPEG", f"{med(zoo) * 1000:.0f}"],
            ["yardstick: Pillow JPEG decode + encode of the same file", f"{med(yard) * 1000:.0f}"],
            ["ratio transfer / yardstick", f"{med(total) / med(yard):.2f}x"],
            ["ratio learned look / yardstick", f"{med(zoo) / med(yard):.2f}x"]]
    md = (f"`python benchmarks/stgan_speed.py` — reference transfer (`retrogan transfer`: the look reader, #28) of "
          f"a 3840x2160 JPEG (q95), medians of "
          f"{args.repeats} interleaved runs, reference: a 1920s police photograph (vintage_real).\n\n"
          + markdown_table(["step", "ms"], rows) + "\n")
    print(md)
    save("stgan_speed", {"machine": machine(), "first_code_s": first_code, "code_s": codes, "transfer_s": total,
                         "decode_encode_s": yard, "default_look_s": zoo, "colour_only_s": plain}, md)


if __name__ == "__main__":
    main()
