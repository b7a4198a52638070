"""Learned looks on the colours ordinary photos rarely hold (issue #27).

The saturated set: a hue x saturation x value chart, the ten Monk skin tones at four exposures, a grey ramp
(`retrogan.charts.gamut_chart`), and the 14 test photos of the development split with their saturation doubled.

1. Every bundled learned look (the zoo): mean CIEDE2000 of its colour (the LUT it predicts for that picture) against
   the colour of its source look (the stock LUT, or the preset's baked colour stage) on the saturated set; for
   looks of monochrome processes the circular spread of hue angles of the full render of the hue chart at
   strength 1 (`charts.hue_spread`), next to the source look's, and the same within each 5-unit band of CIELAB
   lightness (`charts.hue_spread_by_tone`: a split-toned print's hue varies with tone, not within one); and "ridge", the largest second difference (code
   values of 255) of its colour along the hue chart's smooth sweeps, next to the source's: bands and steps; on a
   smooth 16-bit sky gradient the same for its colour ("sky_ridge") and "sky_blotch", the spread over 16x16 blocks
   of the ΔE between the full render and the source's colour (blotches that vary over the sky).
2. ``--paired``: pair-wise training from the 20 ordinary training photos for each of the six benchmark stocks
   (5 minutes each, as `cgan_paired.py`), scored on the saturated set and on the 14 ordinary test photos, next to
   a least-squares 33^3 LUT with a smoothness prior fitted to the same pairs.
3. A picture: the hue chart through every learned look, beside its source look (results/gamut_chart.png).

    .venv/bin/python benchmarks/gamut.py              # zoo part, ~1 min
    .venv/bin/python benchmarks/gamut.py --paired     # + six 5-minute trainings (~35 min)
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import RESULTS, SHARED, machine, markdown_table, save
from protocol import STOCKS, fit_lut_least_squares, mean_delta_e, photos, split
from retrogan.charts import (gamut_chart, hue_chart, hue_spread, hue_spread_by_tone, max_second_difference, saturate,
                             sky_gradient)
from retrogan.luts import apply_lut_float, read_hald

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
MONO = ("tintype-gan", "cyanotype-gan", "albumen-gan", "silver-gelatin-gan", "agfa-apx-25")


def saturated_set(side: int = 384) -> list[np.ndarray]:
    names, imgs = photos()
    _, test = split()
    out = [gamut_chart(side)]
    for i in test:
        im = Image.fromarray((imgs[i] * 255).round().astype(np.uint8))
        im.thumbnail((side, side), Image.LANCZOS)
        out.append(saturate(np.asarray(im, np.float32) / 255, 2.0))
    return out


def colour_only(look, rgb16: np.ndarray) -> np.ndarray:
    """A 16-bit picture through a look's colour (its LUT for that picture, 65^3 float lookup): float in [0, 1]."""
    from retrogan.export.colour import colour_lut

    f = rgb16.astype(np.float32) / 65535
    return apply_lut_float(f, colour_lut(look, 65, for_rgb=rgb16))


def blotchiness(render: np.ndarray, truth: np.ndarray, block: int = 16) -> float:
    """Std over 16x16 blocks of the ΔE2000 between block means: a colour error that changes over a smooth picture
    (blotches), where a uniform offset counts 0."""
    from retrogan.metrics import ciede2000, srgb_to_lab

    h, w = (s // block * block for s in render.shape[:2])
    mean = lambda a: a[:h, :w].reshape(h // block, block, w // block, block, 3).mean((1, 3))
    return float(ciede2000(srgb_to_lab(mean(render)), srgb_to_lab(mean(truth))).std())


def u8(a: np.ndarray) -> np.ndarray:
    return (np.clip(a, 0, 1) * 255).round().astype(np.uint8)


def source_look(kind: str, source: str):
    from train_zoo import SHARED, _preset_no_border

    from retrogan.looks.base import LutLook

    return _preset_no_border(source) if kind == "preset" else LutLook(source, read_hald(SHARED / "film_luts" / source))


def zoo_part(images: list[np.ndarray], folder: str | None = None) -> tuple[list[dict], list]:
    from train_zoo import ZOO

    from retrogan.api import stylize
    from retrogan.export.colour import colour_lut
    from retrogan.looks.gan import load_gan_style
    from retrogan.looks.registry import resolve_style

    rows, strips = [], []
    chart = u8(hue_chart())
    for name, *_, (kind, source) in ZOO:
        look = load_gan_style(folder).with_label(name) if folder else resolve_style(name)
        src = source_look(kind, source)
        src_table = colour_lut(src, 65)
        truth = [apply_lut_float(im, src_table) for im in images]
        pred = [apply_lut_float(im, colour_lut(look, 33, for_rgb=u8(im))) for im in images]
        de_chart = mean_delta_e(pred[:1], truth[:1])
        de_photos = mean_delta_e(pred[1:], truth[1:])
        row = {"look": name, "source": source, "delta_e_saturated": round(float(np.mean([de_chart, de_photos])), 2),
               "delta_e_chart": round(de_chart, 2), "delta_e_saturated_photos": round(de_photos, 2)}
        hue = chart.astype(np.float32) / 255
        row["ridge"] = round(max_second_difference(apply_lut_float(hue, colour_lut(look, 33, for_rgb=chart))), 1)
        row["source_ridge"] = round(max_second_difference(apply_lut_float(hue, src_table)), 1)
        sky16 = (sky_gradient(128, 384) * 65535).round().astype(np.uint16)
        sky_ours, sky_src = (colour_only(l, sky16) for l in (look, src))
        row["sky_ridge"] = round(max(max_second_difference(sky_ours, a) for a in (0, 1)), 2)
        row["source_sky_ridge"] = round(max(max_second_difference(sky_src, a) for a in (0, 1)), 2)
        sky_full = stylize(sky16, look, seed=1).astype(np.float32) / 65535
        row["sky_blotch"] = round(blotchiness(sky_full, sky_src), 2)
        ours, theirs = stylize(chart, look, seed=1), stylize(chart, src, seed=1)
        if name in MONO:
            row["hue_spread"] = round(hue_spread(ours.astype(np.float32) / 255), 1)
            row["source_hue_spread"] = round(hue_spread(theirs.astype(np.float32) / 255), 1)
            row["hue_spread_by_tone"] = round(hue_spread_by_tone(ours.astype(np.float32) / 255), 1)
            row["source_hue_spread_by_tone"] = round(hue_spread_by_tone(theirs.astype(np.float32) / 255), 1)
        rows.append(row)
        strips.append((name, source, ours, theirs, u8(sky_full), u8(sky_src)))
        print(row, flush=True)
    return rows, strips


def paired_part(images: list[np.ndarray], minutes: float, out: Path, stocks: list[str] | None = None,
                overrides: dict | None = None) -> list[dict]:
    import torch

    from cgan_paired import to_t
    from protocol import renders
    from retrogan.train.config import TrainConfig
    from retrogan.train.data import Pair
    from retrogan.train.trainer import Trainer

    names, imgs = photos()
    tr, te = split()
    rows = []
    for label, stock in STOCKS.items():
        if stocks and label not in stocks:
            continue
        table = read_hald(SHARED / "film_luts" / stock)
        tg = renders(stock)
        truth_sat = [apply_lut_float(im, table) for im in images]
        cfg = TrainConfig(steps=10 ** 6, minutes=minutes, seed=0, checkpoint_every=10 ** 9, checkpoint_seconds=10 ** 9,
                          **(overrides or {}))
        trainer = Trainer(cfg, out / label.replace(" ", "_"), pairs=[Pair(names[i], to_t(imgs[i]), to_t(tg[i]), 0)
                                                                    for i in tr], log=lambda m: None)
        t0 = time.perf_counter()
        trainer.fit()
        train_s = time.perf_counter() - t0
        saved = copy.deepcopy(trainer.G_ema)  # the look as the user gets it (its style folder's weights)
        saved.load_state_dict(trainer.saved_weights())
        with torch.no_grad():
            ours_sat = [trainer.stylize_tensor(to_t(im), 0, saved).permute(1, 2, 0).numpy() for im in images]
            ours_ord = [trainer.stylize_tensor(to_t(imgs[i]), 0, saved).permute(1, 2, 0).numpy() for i in te]
        lut = fit_lut_least_squares([imgs[i] for i in tr], [tg[i] for i in tr], smooth=1e-7)  # as cgan_paired.py
        row = {"stock": label, "ours_saturated": round(mean_delta_e(ours_sat, truth_sat), 2),
               "ours_ordinary": round(mean_delta_e(ours_ord, [tg[i] for i in te]), 2),
               "lsq_lut_saturated": round(mean_delta_e([apply_lut_float(im, lut) for im in images], truth_sat), 2),
               "lsq_lut_ordinary": round(mean_delta_e([apply_lut_float(imgs[i], lut) for i in te],
                                                      [tg[i] for i in te]), 2),
               "identity_saturated": round(mean_delta_e(images, truth_sat), 2),
               "steps": trainer.step_num, "train_s": round(train_s)}
        rows.append(row)
        print(row, flush=True)
    return rows


def rows_table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return markdown_table(keys, [[r.get(k, "") for k in keys] for r in rows])


def picture(strips, path: Path) -> None:
    from PIL import ImageDraw

    h, w = strips[0][2].shape[:2]
    sw = strips[0][4].shape[1]
    sheet = Image.new("RGB", (2 * w + 2 * sw + 50, len(strips) * (h + 22) + 22), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for x, text in ((10, "learned look: hue chart"), (w + 20, "source look"), (2 * w + 30, "learned: 16-bit sky"),
                    (2 * w + sw + 40, "source (colour)")):
        draw.text((x, 4), text, fill=(230, 230, 230))
    for k, (name, source, ours, theirs, sky_ours, sky_src) in enumerate(strips):
        y = 22 + k * (h + 22)
        draw.text((10, y), f"{name}  <-  {source}", fill=(230, 230, 230))
        for x, im in ((10, ours), (w + 20, theirs), (2 * w + 30, sky_ours), (2 * w + sw + 40, sky_src)):
            sheet.paste(Image.fromarray(im), (x, y + 14))
    sheet.save(path, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paired", action="store_true", help="also train the six stocks from 20 ordinary photos")
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--name", default="gamut", help="result file stem")
    ap.add_argument("--stocks", default="", help="comma-separated stock labels of protocol.STOCKS (default: all)")
    ap.add_argument("--set", action="append", default=[], help="a training setting for --paired, KEY=JSON value")
    ap.add_argument("--no-zoo", action="store_true", help="skip the zoo part")
    ap.add_argument("--zoo", default=None, help="a zoo folder to measure instead of the bundled one")
    args = ap.parse_args()
    images = saturated_set()
    zoo = []
    if not args.no_zoo:
        zoo, strips = zoo_part(images, args.zoo)
        picture(strips, RESULTS / f"{args.name}_chart.png")
    result = {"machine": machine(), "zoo": zoo}
    if args.paired:
        overrides = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
        result["paired"] = paired_part(images, args.minutes, Path("/tmp/retrogan-gamut"),
                                       [s for s in args.stocks.split(",") if s], overrides)
        result["paired_minutes"] = args.minutes
        result["settings"] = overrides
    md = ["# Learned looks on saturated colours (benchmarks/gamut.py)\n",
          "Mean CIEDE2000 of each learned look's colour against its source look's colour on the saturated set "
          "(hue x saturation x value chart, skin tones, grey ramp, 14 unseen photos with saturation doubled); hue "
          "spread: circular std of CIELAB hue over the hue chart rendered at strength 1 (monochrome processes); "
          "by tone: the largest such spread within one 5-unit band of L* (a split-toned print's hue follows its "
          "tone, so only this part is colour left from the input); ridge: largest second difference of the colour along the chart's hue sweeps, in code values.\n",
          rows_table(zoo)]
    if args.paired:
        md += [f"\n## Paired training from 20 ordinary photos ({args.minutes:g} min each)\n",
               rows_table(result["paired"])]
    save(args.name, result, "\n".join(md) + f"\n\n![chart]({args.name}_chart.png)\n")


if __name__ == "__main__":
    main()
