"""Does training a learned look on targets with layers it cannot render bend its colour? (issue #27, tintype-gan)

The learned tintype's structured colour alone is 1.4 ΔE2000 from the preset's colour on the saturated set, its
rendered colour 3.6: the residual LUT adds the difference. The preset's softness, scratches, cracks, dust and edge
burn are things the fast generator cannot render (it has a colour LUT, a local grid, a vignette and grain); under
an L1 loss their unpredictable part pulls the colour toward a compromise. This trains the preset's look from the
zoo's training inputs (the 20 training photos, one gamut-wide copy each, five charts) for --minutes each, twice:
(a) targets as the zoo renders them, (b) targets without the layers the model cannot render. Scored: the colour on
the saturated set against the preset's colour (benchmarks/gamut.py), and the full render against the full preset
on the 14 unseen photos (the zoo card's figure).

    .venv/bin/python benchmarks/experiments/zoo_layers.py [--preset tintype-1860s] [--minutes 5]
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

from _common import RESULTS, machine, markdown_table, save  # noqa: E402
from gamut import saturated_set, u8  # noqa: E402
from protocol import mean_delta_e, photos, split  # noqa: E402



def main() -> None:
    import torch

    from cgan_paired import to_t
    from train_zoo import UNRENDERABLE, gamut_inputs
    from retrogan.api import stylize
    from retrogan.export.colour import colour_lut
    from retrogan.film.presets import PRESETS
    from retrogan.looks.base import FilmLook
    from retrogan.looks.gan import GanLook
    from retrogan.luts import apply_lut_float
    from retrogan.metrics import ciede2000, srgb_to_lab
    from retrogan.train.config import TrainConfig
    from retrogan.train.data import Pair
    from retrogan.train.trainer import Trainer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="tintype-1860s")
    ap.add_argument("--minutes", type=float, default=5.0)
    args = ap.parse_args()
    names, imgs = photos()
    tr, te = split()
    U8 = [(np.clip(i, 0, 1) * 255).round().astype(np.uint8) for i in imgs]
    items = gamut_inputs([(names[i], U8[i]) for i in tr], 1)
    full = FilmLook(args.preset, replace(PRESETS[args.preset].params, border=None))
    images = saturated_set()
    truth = [apply_lut_float(im, colour_lut(full, 65)) for im in images]

    def de(a, b):
        return float(ciede2000(srgb_to_lab(a.astype(np.float32) / 255), srgb_to_lab(b.astype(np.float32) / 255)).mean())

    rows = []
    for variant, look in (("targets as the zoo renders them", full),
                          ("targets without the layers the model cannot render",
                           FilmLook(args.preset, replace(full.params, **UNRENDERABLE)))):
        pairs = [Pair(stem, to_t(rgb.astype(np.float32) / 255),
                      to_t(stylize(rgb, look, seed=k).astype(np.float32) / 255), 0)
                 for k, (stem, rgb) in enumerate(items)]
        cfg = TrainConfig(steps=10 ** 6, minutes=args.minutes, seed=0, checkpoint_every=10 ** 9,
                          checkpoint_seconds=10 ** 9)
        trainer = Trainer(cfg, Path("/tmp/retrogan-zoo-layers"), pairs=pairs, log=lambda m: None)
        trainer.fit()
        saved = copy.deepcopy(trainer.G_ema)
        saved.load_state_dict(trainer.saved_weights())
        learned = GanLook("learned", saved.eval(), "fast", ["look"])
        with torch.no_grad():
            sat = [apply_lut_float(im, colour_lut(learned, 33, for_rgb=u8(im))) for im in images]
            structured = [saved.colour(torch.from_numpy(im).permute(2, 0, 1)[None].float(),
                                       torch.tensor([0]))[0].permute(1, 2, 0).numpy() for im in images]
        ordinary = [de(stylize(U8[i], learned, seed=i), stylize(U8[i], full, seed=i)) for i in te]
        saturated = lambda out: round((mean_delta_e(out[:1], truth[:1]) + mean_delta_e(out[1:], truth[1:])) / 2, 2)
        row = {"training targets": variant, "steps": trainer.step_num,
               "saturated (colour)": saturated(sat), "structured part alone": saturated(structured),
               "unseen photos, full render vs full preset": round(float(np.mean(ordinary)), 2),
               "vignette": round(float(learned.theta(U8[te[0]]).vignette[0]), 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = list(rows[0])
    md = [f"# A learned {args.preset} from targets with and without the layers it cannot render "
          "(benchmarks/experiments/zoo_layers.py)\n",
          f"{args.minutes:g} minutes of `retrogan train paired` each on the zoo's training inputs; colour scored "
          "against the preset's colour on the saturated set (benchmarks/gamut.py), the full render against the full "
          "preset on the 14 unseen photos.\n", markdown_table(keys, [[r[k] for k in keys] for r in rows])]
    save("zoo_layers", {"machine": machine(), "preset": args.preset, "minutes": args.minutes, "rows": rows},
         "\n".join(md))
    print(RESULTS / "zoo_layers.md")


if __name__ == "__main__":
    main()
