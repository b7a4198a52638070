"""The look reader on scenes no model saw (issue #28): the test split of ../shared/data/modern
(benchmarks/splits/modern.json), never used in training or tuning.

Looks: the six benchmark film stocks (protocol.STOCKS; held out of the reader's training looks) and the six
old-process presets of the film renderer (their colour; never training looks either: the reader trains on random
settings of the renderer, not on its presets). References and scored photos are different test scenes:

- one reference: each of the first ``--refs`` test photos in turn, rendered through the look; the reader's look is
  applied to ``--photos`` other test photos (long side ``--side`` px) and scored by mean CIEDE2000 against their
  true renders. Beside it: doing nothing, and the previous feed-forward transfer model (``transfer.safetensors``).
- old-process presets, "full render": the reference rendered by the film renderer with all its layers (grain,
  softness, vignette, dust, scratches), as a real old print comes; the colour is still what is scored.
- unpaired: the ``--refs`` references together, read as one pool (10 style photos of other scenes).
- the ceiling: the true look as the reader's 17-point LUT (what a perfect read could reach).
- ``--curve 30=DIR,...``: readers trained on fewer scenes (scripts/train_reader.py --scenes N --out DIR), one
  reference, the mean over all twelve looks: the learning curve.

    .venv/bin/python benchmarks/reader.py [--split test] [--refs 10] [--photos 40] [--side 256]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from _common import RESULTS, SHARED, machine, markdown_table, save
from protocol import STOCKS
from stgan_reference import PARAMETRIC_PRESETS
from retrogan.metrics import ciede2000, srgb_to_lab

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ROOT / "benchmarks" / "splits" / "modern.json"
PRESETS = PARAMETRIC_PRESETS  # the renderer's six old-process presets (colour only: no stock LUT of their own)


def split_photos(name: str, side: int, seed: int = 28) -> list[tuple[str, np.ndarray]]:
    split = json.loads(SPLITS.read_text())["split"]
    files = [n for n, s in sorted(split.items()) if s == name]
    order = np.random.default_rng(seed).permutation(len(files))
    out = []
    for i in order:
        im = Image.open(SHARED / "modern" / files[i]).convert("RGB")
        s = side / max(im.size)
        if s < 1:
            im = im.resize((round(im.width * s), round(im.height * s)), Image.BOX)
        out.append((files[i], np.asarray(im)))
    return out


def at_side(images: list[np.ndarray], side: int) -> list[np.ndarray]:
    """uint8 photos -> float photos with a long side of ``side`` (box filter): what is scored."""
    out = []
    for x in images:
        im = Image.fromarray(x)
        s = side / max(im.size)
        out.append(np.asarray(im.resize((round(im.width * s), round(im.height * s)), Image.BOX),
                              dtype=np.float32) / 255)
    return out


def looks() -> dict:
    """name -> (apply colour: float (H, W, 3) -> float, full render of a reference: uint8 -> float, or None)."""
    from retrogan.film.fast import colour_part
    from retrogan.film.presets import PRESETS as P
    from retrogan.film.render import apply_colour
    from retrogan.luts import apply_lut_float, read_hald

    out = {}
    for name, f in STOCKS.items():
        table = read_hald(SHARED / "film_luts" / f)
        out[name] = (lambda x, t=table: apply_lut_float(x, t), None)
    for name in PRESETS:
        p = P[name].params
        colour = colour_part(p)

        def apply(x, c=colour):
            flat = x.reshape(-1, 1, 3)
            t = torch.from_numpy(np.ascontiguousarray(flat.transpose(2, 0, 1)))[None].double()
            out = apply_colour(t, c).clamp(0, 1)[0].permute(1, 2, 0).numpy().astype(np.float32)
            return out.reshape(x.shape)

        def full(rgb8, params=p):
            from dataclasses import replace

            from retrogan.film.fast import render_array
            still = replace(params, border=None, weave=0.0, flicker=0.0, breath=0.0, cadence=0.0)
            return render_array(rgb8, still, seed=7).astype(np.float32) / 255
        out[name] = (apply, full)
    return out


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(ciede2000(srgb_to_lab(a), srgb_to_lab(b)).mean())


def tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))).float()


class Readers:
    def __init__(self, folder: Path | None, old: bool) -> None:
        from retrogan.transfer.model import bundled_model_dir
        from retrogan.transfer.reader import load_reader

        self.folder = folder or bundled_model_dir()
        self.reader = load_reader(self.folder)
        self.old = None
        if old:
            from retrogan.transfer.model import load_model
            self.old = load_model(bundled_model_dir())

    @torch.no_grad()
    def read(self, refs: list[np.ndarray], reader=None) -> np.ndarray:
        from retrogan.film import lut as L
        from retrogan.transfer.reader import squared
        from retrogan.transfer.reader_features import pooled

        lut, _ = (reader or self.reader)(pooled([squared(tensor(r)) for r in refs]), hard_mono=True)
        return L.to_table(lut[0])

    @torch.no_grad()
    def old_apply(self, refs: list[np.ndarray], photos: list[np.ndarray]) -> list[np.ndarray]:
        batch = torch.stack([F.interpolate(tensor(r)[None], size=(256, 256), mode="area")[0] for r in refs])
        code = self.old.code(batch)
        return [self.old(tensor(p)[None], code)[0].clamp(0, 1).permute(1, 2, 0).numpy() for p in photos]


def score(table: np.ndarray, photos: list[np.ndarray], truths: list[np.ndarray]) -> float:
    from retrogan.luts import apply_lut_float

    return float(np.mean([delta_e(apply_lut_float(p, table), t) for p, t in zip(photos, truths)]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="test", choices=["test", "val"])
    ap.add_argument("--refs", type=int, default=10)
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--side", type=int, default=256)
    ap.add_argument("--reader", type=Path, default=None)
    ap.add_argument("--no-old", action="store_true")
    ap.add_argument("--curve", default="", help="N=DIR,... readers trained on N scenes")
    ap.add_argument("--name", default="reader")
    args = ap.parse_args()
    from retrogan.luts import identity_lut, resample_lut

    data = split_photos(args.split, 512)
    ref_imgs = [x for _, x in data[:args.refs]]
    small = at_side([x for _, x in data[args.refs:args.refs + args.photos]], args.side)
    readers = Readers(args.reader, not args.no_old)
    curve = [(int(k), readers_load(v)) for k, v in (c.split("=") for c in args.curve.split(",") if c)]
    rows, raw = [], {}
    ident = identity_lut(17)
    for name, (apply, full) in looks().items():
        truths = [apply(p) for p in small]
        refs = [apply(r.astype(np.float32) / 255) for r in ref_imgs]
        r = {"identity": score(ident, small, truths)}
        ceiling = resample_lut(apply(identity_lut(65)), 17)
        r["ceiling (true look, 17-point LUT)"] = score(ceiling, small, truths)
        one = [score(readers.read([ref]), small, truths) for ref in refs]
        r["reader, one reference"] = float(np.mean(one))
        r["reader, worst reference"] = float(np.max(one))
        if full is not None:
            r["reader, one reference with film layers"] = float(np.mean(
                [score(readers.read([full(x)]), small, truths) for x in ref_imgs]))
        r[f"reader, {len(refs)} references (unpaired)"] = score(readers.read(refs), small, truths)
        if readers.old is not None:
            r["previous model, one reference"] = float(np.mean(
                [np.mean([delta_e(o, t) for o, t in zip(readers.old_apply([ref], small), truths)])
                 for ref in refs[:3]]))
        for n, rd in curve:
            r[f"curve {n}"] = float(np.mean([score(readers.read([ref], rd), small, truths) for ref in refs]))
        raw[name] = r
        rows.append({"look": name, **{k: round(v, 2) for k, v in r.items()}})
        print(rows[-1], flush=True)
    groups = {"six film stocks": list(STOCKS), "six old-process presets": PRESETS}
    summary = []
    for g, names in groups.items():
        keys = [k for k in raw[names[0]] if all(k in raw[n] for n in names)]
        summary.append({"look": f"mean, {g}", **{k: round(float(np.mean([raw[n][k] for n in names])), 2)
                                                  for k in keys}})
    rows += summary
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k, "") for k in keys} for r in rows]
    m = machine()
    text = (f"# The look reader on unseen scenes (benchmarks/reader.py)\n\n"
            f"`python benchmarks/reader.py --split {args.split} --refs {args.refs} --photos {args.photos} "
            f"--side {args.side}`: {args.split} split of ../shared/data/modern; references: the first {args.refs} "
            f"{args.split} photos (each in turn; all together for the unpaired column), scored: {args.photos} other "
            f"{args.split} photos at {args.side} px, mean CIEDE2000 against the true look. The previous model: the "
            f"mean over the first 3 references. No look here was a training look of the reader.\n\n"
            + markdown_table(keys, [[r[k] for k in keys] for r in rows]))
    save(args.name, {"machine": m, "args": vars(args) | {"reader": str(args.reader)}, "rows": rows}, text)
    print(text)


def readers_load(folder: str):
    from retrogan.transfer.reader import load_reader
    return load_reader(Path(folder))


if __name__ == "__main__":
    main()
