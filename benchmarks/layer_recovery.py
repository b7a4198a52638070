"""How well the layer estimator (issue #29, ``retrogan.transfer.layers``) reads back film and age layers from one
reference, on scenes no model saw: every photo of the test split of ../shared/data/modern
(benchmarks/splits/modern.json) rendered in --per-photo random looks from the renderer's whole space
(``transfer.layer_data.random_layers``: the training distribution, drawn with another seed), a third of them
through a JPEG.

Figures (the issue's targets in brackets):
- grain amount and softness: median relative error where the layer is there to see (grain >= 0.01, softness
  >= 0.3) [25%];
- vignette: median absolute error [0.1], and the share within 0.1;
- toning hue of monochrome prints whose toning shows (CIELAB chroma >= 3 at mid grey): median hue error [10 deg];
- monochrome detected [95%], and colour references taken for monochrome;
- the same for a "prior" that answers every reference with the training set's median: what reading the reference
  adds.

    .venv/bin/python benchmarks/layer_recovery.py [--per-photo 4]       # about 5 minutes on 2 cores
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from _common import SHARED, machine, markdown_table, save

ROOT = Path(__file__).resolve().parents[1]
SEED = 2929  # not the training (29) or validation (290) seed


def truth_toning(p: dict) -> tuple[float, float]:
    """(hue degrees, chroma) of a mid grey through the monochrome print's colour pipeline."""
    import torch

    from retrogan.film.params import FilmParams
    from retrogan.film.render import apply_colour
    from retrogan.metrics import srgb_to_lab

    q = FilmParams(mono=1.0, emulsion=p["emulsion"], toner=tuple(tuple(t) for t in p["toner"]),
                   toning=p["toning"], fade_black=p["fade_black"], fade_white=p["fade_white"])
    rgb = apply_colour(torch.full((1, 3, 1, 1), 0.5, dtype=torch.float64), q)[0, :, 0, 0].numpy()
    lab = srgb_to_lab(rgb[None, None])[0, 0]
    return math.degrees(math.atan2(lab[2], lab[1])) % 360, float(math.hypot(lab[1], lab[2]))


def hue_error(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def real_prints(net) -> tuple[dict, list[str]]:
    """Monochrome detection on real photographs no model learned from: the held-out half of ../shared/data/vintage
    (benchmarks/splits/vintage.json; its two colour snapshots, mei_*, as colour) and all of vintage_real (printed
    portraits: monochrome; Kodak PhotoCD film scans: colour)."""
    import torch
    from PIL import Image

    from retrogan.transfer.layer_data import from_target
    from retrogan.transfer.layer_features import features
    from retrogan.transfer.layers import MONO_THRESHOLD

    split = json.loads((ROOT / "benchmarks" / "splits" / "vintage.json").read_text())["split"]
    items = [(SHARED / "vintage" / n, not n.startswith("mei_")) for n, s in sorted(split.items()) if s == "test"]
    real = SHARED / "vintage_real"
    items += [(f, True) for f in sorted((real / "book_and_print_portraits_cc0").glob("*.png"))]
    items += [(f, False) for f in sorted((real / "film_scans_kodak_photocd").glob("*.png"))]
    x = np.stack([features(np.asarray(Image.open(f).convert("RGB"), np.float32) / 255) for f, _ in items])
    with torch.no_grad():
        mono = [from_target(v)["mono"] >= MONO_THRESHOLD for v in net(torch.from_numpy(x)).numpy()]
    missed = [f.name for (f, m), got in zip(items, mono) if m and not got]
    wrong = [f.name for (f, m), got in zip(items, mono) if not m and got]
    n_mono = sum(m for _, m in items)
    return ({"real_mono_detected": 1 - len(missed) / n_mono, "real_mono_n": n_mono,
             "real_colour_taken_for_mono": len(wrong) / (len(items) - n_mono), "real_colour_n": len(items) - n_mono},
            missed + wrong)


def main() -> None:
    import torch

    from retrogan.transfer.layer_data import from_target, reference_set
    from retrogan.transfer.layer_features import print_tone
    from retrogan.transfer.layers import MONO_THRESHOLD, load_estimator, toner_hue

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-photo", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--split", default="test", choices=("test", "val"),
                    help="val while developing (the figures go to layer_recovery_val.*); test once, for the record")
    a = ap.parse_args()
    split = json.loads((ROOT / "benchmarks" / "splits" / "modern.json").read_text())["split"]
    paths = [SHARED / "modern" / n for n, s in sorted(split.items()) if s == a.split]
    x, y, params, pixels = reference_set(paths, a.per_photo, SEED if a.split == "test" else SEED + 1, a.workers,
                                         keep_pixels=True)
    refs = [r.astype(np.float32) / 255 for r in pixels]
    net = load_estimator()
    with torch.no_grad():
        pred = net(torch.from_numpy(x)).numpy()
    cached = sorted((ROOT / ".cache" / "layers").glob("train_*.npz"))  # scripts/train_layers.py's training set
    prior = np.median(np.load(cached[-1])["y"], axis=0) if cached else None

    def figures(v: np.ndarray, with_tone: bool) -> dict:
        got = [from_target(row) for row in v]
        grain_rel = [abs(g["grain"] - p["grain"]) / p["grain"] for g, p in zip(got, params) if p["grain"] >= 0.01]
        soft_rel = [abs(g["softness"] - p["softness"]) / p["softness"] for g, p in zip(got, params)
                    if p["softness"] >= 0.3]
        # the blur's sigma in the reference's own pixels: under half a pixel it is not there to see
        sigma = [p["softness"] * 0.002 * min(ref.shape[:2]) for p, ref in zip(params, refs)]
        soft_seen = [abs(g["softness"] - p["softness"]) / p["softness"] for g, p, s in zip(got, params, sigma)
                     if p["softness"] >= 0.3 and s >= 0.5]
        vig = [abs(g["vignette"] - p["vignette"]) for g, p in zip(got, params)]
        mono_true = [g["mono"] >= MONO_THRESHOLD for g, p in zip(got, params) if p["mono"] > 0.5]
        mono_false = [g["mono"] >= MONO_THRESHOLD for g, p in zip(got, params) if p["mono"] <= 0.5]
        out = {"grain_rel_median": float(np.median(grain_rel)), "grain_n": len(grain_rel),
               "softness_rel_median": float(np.median(soft_rel)), "softness_n": len(soft_rel),
               "softness_seen_rel_median": float(np.median(soft_seen)), "softness_seen_n": len(soft_seen),
               "vignette_abs_median": float(np.median(vig)), "vignette_within_0.1": float(np.mean(np.less(vig, 0.1))),
               "mono_detected": float(np.mean(mono_true)), "mono_n": len(mono_true),
               "colour_taken_for_mono": float(np.mean(mono_false)), "colour_n": len(mono_false),
               "halation_abs_median": float(np.median([abs(g["halation"] - p["halation"])
                                                        for g, p in zip(got, params)])),
               "dust_abs_median": float(np.median([abs(g["dust"] - p["dust"]) for g, p in zip(got, params)]))}
        if with_tone:
            errs = []
            for g, p, ref in zip(got, params, refs):
                if p["mono"] > 0.5 and g["mono"] >= MONO_THRESHOLD:
                    hue, chroma = truth_toning(p)
                    if chroma >= 3:
                        errs.append(hue_error(toner_hue(print_tone(ref)), hue))
            out["toning_hue_median_deg"] = float(np.median(errs))
            out["toning_hue_within_10"] = float(np.mean(np.less(errs, 10)))
            out["toning_n"] = len(errs)
        return out

    ours = figures(pred, True)
    real, misread = real_prints(net)
    ours.update(real)
    base = figures(np.repeat(prior[None], len(pred), 0), False) if prior is not None else None
    rows = []
    for key, label, target in (("grain_rel_median", "grain amount, median relative error", "<= 0.25"),
                               ("softness_rel_median", "softness radius, median relative error", "<= 0.25"),
                               ("softness_seen_rel_median", "softness radius of 0.5 px or more, median relative error",
                                ""),
                               ("vignette_abs_median", "vignette, median absolute error", "<= 0.1"),
                               ("vignette_within_0.1", "vignette, share within 0.1", ""),
                               ("toning_hue_median_deg", "toning hue, median error (deg)", "<= 10"),
                               ("toning_hue_within_10", "toning hue, share within 10 deg", ""),
                               ("mono_detected", "monochrome detected", ">= 0.95"),
                               ("colour_taken_for_mono", "colour taken for monochrome", ""),
                               ("real_mono_detected", "real old monochrome prints detected (held out)", ">= 0.95"),
                               ("real_colour_taken_for_mono", "real colour photos taken for monochrome", ""),
                               ("halation_abs_median", "halation, median absolute error", ""),
                               ("dust_abs_median", "dust, median absolute error", "")):
        b = base.get(key) if base and key in base else None
        rows.append([label, f"{ours[key]:.3f}", "" if b is None else f"{b:.3f}", target])
    text = (f"`benchmarks/layer_recovery.py --per-photo {a.per_photo} --split {a.split}`: {len(pred)} references, "
            f"{len(paths)} {a.split}-split scenes of ../shared/data/modern (never seen in training), one reference "
            "each. Counts: "
            f"grain {ours['grain_n']}, softness {ours['softness_n']} ({ours['softness_seen_n']} of 0.5 px or more in the "
            f"reference's own pixels), monochrome {ours['mono_n']}, colour "
            f"{ours['colour_n']}, toned {ours['toning_n']}. Prior: the training set's median for every "
            f"reference. Real photographs: {ours['real_mono_n']} monochrome prints (the held-out half of "
            f"../shared/data/vintage and vintage_real's printed portraits) and {ours['real_colour_n']} colour photos "
            "(vintage_real's Kodak PhotoCD scans, vintage's colour snapshots); misread: "
            f"{', '.join(misread) or 'none'}.\n\n" + markdown_table(["figure", "estimator", "prior", "target"], rows) + "\n")
    save("layer_recovery" + ("_val" if a.split == "val" else ""),
         {"machine": machine(), "split": a.split, "per_photo": a.per_photo, "ours": ours, "prior": base}, text)
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
