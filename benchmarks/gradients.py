"""Every bundled look on smooth 16-bit gradients (a sky, a deep-blue ramp, a grey ramp): the banding measure of each
look's colour table (``charts.banding``, code values of 255; tests/test_gradients.py bounds it at 6) and a picture
of the full renders (grain included, damage off) to look at.

    .venv/bin/python benchmarks/gradients.py     # ~1 minute; benchmarks/results/gradients.{json,md,png}
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from _common import RESULTS, machine, markdown_table, save
from retrogan.api import stylize
from retrogan.charts import banding, gradient_charts
from retrogan.export.colour import native_colour_table
from retrogan.looks.registry import STYLES, resolve_style
from retrogan.luts.apply import apply_lut_float


def main() -> None:
    charts = gradient_charts(256, 64)
    rows, data, tiles = [], {}, []
    for name in STYLES:
        look = resolve_style(name)
        table = native_colour_table(look)
        scores = {c: banding(apply_lut_float(img[:, :4], table)[:, 0]) for c, img in charts.items()}
        data[name] = scores
        rows.append([name, *(f"{scores[c]:.2f}" for c in charts), f"{max(scores.values()):.2f}"])
        strip = np.concatenate([(img * 65535).round().astype(np.uint16) for img in charts.values()], 1)
        out = stylize(strip, name, seed=1, no_damage=True, no_border=True)
        tile = Image.fromarray((out // 257).astype(np.uint8))
        framed = Image.new("RGB", (tile.width, tile.height + 16), (0, 0, 0))
        framed.paste(tile, (0, 16))
        ImageDraw.Draw(framed).text((3, 2), name, fill=(255, 255, 255))
        tiles.append(framed)
    cols = 8
    w, h = tiles[0].size
    sheet = Image.new("RGB", (cols * (w + 4), -(-len(tiles) // cols) * (h + 4)), (60, 60, 60))
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % cols) * (w + 4), (i // cols) * (h + 4)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    sheet.save(RESULTS / "gradients.png")
    worst = max(data, key=lambda n: max(data[n].values()))
    md = ("Banding on smooth gradients (charts.banding of each look's colour table, code values of 255; the test "
          f"bound is 6). Worst: {worst} {max(data[worst].values()):.2f}. Picture: gradients.png (each tile: sky, "
          "deep blue, grey; full render, grain included, damage off).\n\n"
          + markdown_table(["look", *charts, "worst"], rows) + "\n")
    print(md)
    save("gradients", {"machine": machine(), "banding": data}, md)


if __name__ == "__main__":
    main()
