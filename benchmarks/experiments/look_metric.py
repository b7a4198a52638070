"""A learned look metric for unpaired recognition: does reading looks in ΔE units beat the encoder's code distance?

The shipped recogniser (``transfer.recognise``) weights the catalogue looks by the transfer encoder's code distance
between renders of the modern photos and the style photos. The encoder was trained to drive the generator, not to
measure how far apart two looks are. Here a small head on the encoder's frozen descriptions (backbone feature
means/spreads and colour statistics) is trained so that the distance between the mean embeddings of two *disjoint*
sets of photos, each in a look, equals the mean CIE76 distance between the two looks on the same pixels:
scene-invariant by construction, in ΔE units. Training data: the 40 catalogue looks, "none" and ``--sampled``
looks drawn from the transfer model's own family (``LookBank``) on the 20 training photos of the split; the dev
stocks and the test photos are never seen. Recognition: ``softmax(-(d - min d) / s)`` over the 41 candidates.

Scored like benchmarks/experiments/unpaired_ceiling.py (mean CIEDE2000 on the 14 test photos at quarter resolution), on the
unpaired task's split (A: photos 1-10 raw, 11-20 rendered), with the halves swapped (B), and on the ST-GAN's
one-reference task (one rendered training photo; the 14 photos to transform as the modern photos), against the
shipped recogniser on the same inputs.

    .venv/bin/python benchmarks/experiments/look_metric.py [--steps 20000] [--sampled 200]
    .venv/bin/python benchmarks/experiments/look_metric.py --metric src/retrogan/data/transfer/metric.safetensors  # the shipped one

results/look_metric.md was measured before the training moved into ``retrogan.transfer.metric`` (the same
procedure, seeded through the global generator then); ``--metric`` scores the shipped head (results/
look_metric_shipped.md).
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # the shared benchmark modules (_common, protocol)

import argparse
import time

import numpy as np
import torch

from _common import machine, markdown_table, save
from cgan_paired import to_t
from protocol import STOCKS, mean_delta_e, photos, renders, split
from retrogan.film import lut as L
from retrogan.transfer.bank import LookBank
from retrogan.transfer.metric import MetricConfig, load_metric, look_distances, train_metric
from retrogan.transfer.model import bundled_model_dir, load_model
from retrogan.transfer.recognise import BANK, SIDE, _squares, load_bank, recognise_look
from unpaired_ceiling import mixture

SCALES = (0.5, 1.0, 2.0)  # softmax temperature in ΔE units


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--sampled", type=int, default=200, help="looks drawn from the LookBank besides the catalogue")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--metric", default="", help="score this saved metric (e.g. the bundled "
                    "src/retrogan/data/transfer/metric.safetensors) instead of training one")
    args = ap.parse_args()
    t0 = time.perf_counter()
    folder = bundled_model_dir()
    names, luts = load_bank(folder / BANK)
    encoder = load_model(folder).encoder
    _, imgs = photos()
    tr, te = split()
    rng = np.random.default_rng(args.seed + 1)
    bank = LookBank(luts)
    sampled = 0 if args.metric else args.sampled
    looks = torch.cat([L.identity(luts.shape[-1])[None], luts] + [bank.sample(rng)[None] for _ in range(sampled)])
    cands = looks[:len(luts) + 1]  # "none" and the catalogue: the candidates
    with torch.no_grad():
        src = _squares([to_t(imgs[i]) for i in tr], SIDE)
        desc = torch.stack([encoder.describe(L.trilinear(src, lut).clamp(0, 1)) for lut in looks])  # (K, 20, D)
    if args.metric:
        net = load_metric(args.metric)
    else:
        target = look_distances(looks, src)
        print(f"descriptions and distances of {len(looks)} looks: {time.perf_counter() - t0:.0f} s", flush=True)
        held = list(range(len(looks) - len(looks) // 5, len(looks)))  # the last fifth of the sampled looks
        net = train_metric(desc, target, [i for i in range(len(looks)) if i not in held], held, args.steps,
                           torch.Generator().manual_seed(args.seed), MetricConfig(desc.shape[-1]),
                           log=lambda m: print(m, flush=True))
    train_s = time.perf_counter() - t0
    test_src = [to_t(imgs[i][::4, ::4]) for i in te]

    def test_de(lut: torch.Tensor, truth) -> float:
        preds = [L.trilinear(s[None], lut)[0].clamp(0, 1).permute(1, 2, 0).numpy() for s in test_src]
        return mean_delta_e(preds, truth)

    def learned(d: torch.Tensor, truth) -> dict[str, float]:
        return {f"learned metric, s {s}": test_de(mixture(torch.softmax(-(d - d.min()) / s, 0), cands), truth)
                for s in SCALES}

    results: dict[str, dict[str, dict[str, float]]] = {}
    halves = {"unpaired, A": (list(range(10)), list(range(10, 20))),
              "unpaired, B (halves swapped)": (list(range(10, 20)), list(range(10)))}
    with torch.no_grad():
        for name, (raw, sty) in halves.items():
            codes = net(desc[:len(cands)][:, raw]).mean(1)
            for stock, f in STOCKS.items():
                tg = renders(f)
                truth = [tg[i][::4, ::4] for i in te]
                style = [to_t(tg[tr[i]]) for i in sty]
                d = (codes - net(encoder.describe(_squares(style, SIDE))).mean(0)).norm(dim=1)
                shipped = recognise_look(encoder, names, luts, [to_t(imgs[tr[i]]) for i in raw], style)
                row = {"identity": test_de(cands[0], truth), "shipped recogniser": test_de(shipped.lut, truth),
                       **learned(d, truth)}
                results.setdefault(name, {})[stock] = row
                print(name, stock, {k: round(v, 2) for k, v in row.items()}, flush=True)
        # the ST-GAN's one-reference task: each of the first five training photos in turn as the only style photo,
        # the 14 photos to transform as the modern photos (as benchmarks/stgan_reference.py)
        sources = [to_t(imgs[i]) for i in te]
        codes = torch.stack([net(encoder.describe(L.trilinear(_squares(sources, SIDE), c).clamp(0, 1))).mean(0)
                             for c in cands])
        name = "one reference (ST-GAN task, mean of 5)"
        for stock, f in STOCKS.items():
            tg = renders(f)
            truth = [tg[i][::4, ::4] for i in te]
            rows_: dict[str, list[float]] = {"identity": [test_de(cands[0], truth)]}
            for r in tr[:5]:
                style = [to_t(tg[r])]
                d = (codes - net(encoder.describe(_squares(style, SIDE))).mean(0)).norm(dim=1)
                shipped = recognise_look(encoder, names, luts, sources, style)
                for key, value in {"shipped recogniser": test_de(shipped.lut, truth), **learned(d, truth)}.items():
                    rows_.setdefault(key, []).append(value)
            results.setdefault(name, {})[stock] = {k: float(np.mean(v)) for k, v in rows_.items()}
            print(name, stock, {k: round(v, 2) for k, v in results[name][stock].items()}, flush=True)
    systems = list(next(iter(next(iter(results.values())).values())))
    rows = []
    for name, per in results.items():
        for s in systems:
            vals = [per[st][s] for st in STOCKS]
            rows.append([name, s] + [f"{v:.2f}" for v in vals] + [f"{np.mean(vals):.2f}"])
    command = f"--metric {args.metric}" if args.metric else f"--steps {args.steps} --sampled {args.sampled}"
    md = (f"`python benchmarks/experiments/look_metric.py {command}` ({train_s / 60:.0f} min "
          f"to describe{'' if args.metric else ' and train'}): unpaired recognition over the catalogue (41 candidates, no dev stock) with the "
          "encoder's code distance (shipped) or a learned look metric (ΔE units). Mean CIEDE2000 on the 14 test "
          "photos at quarter resolution.\n\n" + markdown_table(["task", "recogniser"] + list(STOCKS) + ["mean"], rows)
          + "\n")
    print(md)
    save("look_metric_shipped" if args.metric else "look_metric", {"machine": machine(), "args": vars(args), "train_s": train_s, "results": results}, md)


if __name__ == "__main__":
    main()
