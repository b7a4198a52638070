"""cGAN pair-wise protocol: per stock, train on 20 photo pairs for a fixed CPU time budget, report mean CIEDE2000 on
the 14 held-out photos beside identity, Reinhard, histogram matching and a least-squares 3D LUT fit.

    .venv/bin/python benchmarks/cgan_paired.py --minutes 5 --arch fast,unet      # ~1 h for 6 stocks x 2 archs
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from _common import RESULTS, machine, markdown_table, save
from protocol import (STOCKS, fit_lut_least_squares, histogram_match, mean_delta_e, photos, reinhard, renders,
                      split)
from retrogan.luts import apply_lut_float
from retrogan.metrics import srgb_to_lab
from retrogan.train.config import TrainConfig
from retrogan.train.data import Pair
from retrogan.train.trainer import Trainer


def to_t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).contiguous()


def baselines(tr: list[int], te: list[int], imgs, tg) -> dict[str, float]:
    truth = [tg[i] for i in te]
    pooled = np.concatenate([tg[i].reshape(-1, 3) for i in tr])
    lab = srgb_to_lab(pooled)
    lut = fit_lut_least_squares([imgs[i] for i in tr], [tg[i] for i in tr], smooth=1e-7)
    return {
        "identity": mean_delta_e([imgs[i] for i in te], truth),
        "Reinhard": mean_delta_e([reinhard(imgs[i], lab.mean(0), lab.std(0)) for i in te], truth),
        "histogram matching": mean_delta_e([histogram_match(imgs[i], pooled[::7]) for i in te], truth),
        "least-squares 3D LUT (33³)": mean_delta_e([apply_lut_float(imgs[i], lut) for i in te], truth),
    }


def train_and_eval(arch: str, minutes: float, tr, te, names, imgs, tg, seed: int, out) -> dict:
    cfg = TrainConfig(arch=arch, steps=10 ** 6, minutes=minutes, seed=seed, checkpoint_every=10 ** 9,
                      checkpoint_seconds=10 ** 9)
    if arch == "unet":
        cfg.crop, cfg.batch = 128, 4
    pairs = [Pair(names[i], to_t(imgs[i]), to_t(tg[i]), 0) for i in tr]
    trainer = Trainer(cfg, out, pairs=pairs, log=lambda m: None)
    t0 = time.perf_counter()
    trainer.fit()
    train_s = time.perf_counter() - t0
    with torch.no_grad():
        preds = [trainer.stylize_tensor(to_t(imgs[i]), 0).permute(1, 2, 0).numpy() for i in te]
    return {"delta_e": mean_delta_e(preds, [tg[i] for i in te]), "steps": trainer.step_num,
            "train_s": round(train_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--arch", default="fast,unet")
    ap.add_argument("--stocks", default=",".join(STOCKS))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names, imgs = photos()
    tr, te = split()
    results = {}
    for stock in args.stocks.split(","):
        tg = renders(STOCKS[stock])
        res = baselines(tr, te, imgs, tg)
        for arch in args.arch.split(","):
            r = train_and_eval(arch, args.minutes, tr, te, names, imgs, tg, args.seed, RESULTS / "tmp" / f"{arch}")
            res[f"cGAN {arch} ({args.minutes:g} min)"] = r["delta_e"]
            res[f"_{arch}_steps"] = r["steps"]
        results[stock] = res
        print(stock, json.dumps({k: round(v, 3) for k, v in res.items()}))
    systems = [k for k in next(iter(results.values())) if not k.startswith("_")]
    rows = [[s] + [f"{results[st][s]:.2f}" for st in results] + [f"{np.mean([results[st][s] for st in results]):.2f}"]
            for s in systems]
    steps = {st: {k: v for k, v in r.items() if k.startswith("_")} for st, r in results.items()}
    md = (f"Pair-wise task: 20 training pairs, mean CIEDE2000 on 14 held-out photos (lower is better); training "
          f"budget {args.minutes:g} min of wall time on this CPU per stock and architecture.\n\n"
          + markdown_table(["system"] + [f"{s}<br>`{STOCKS[s]}`" for s in results] + ["mean"], rows)
          + "\n\nsteps reached: " + json.dumps(steps))
    print(md)
    save("cgan_paired", {"machine": machine(), "minutes": args.minutes, "split_seed": 2026, "results": results}, md)


if __name__ == "__main__":
    main()
