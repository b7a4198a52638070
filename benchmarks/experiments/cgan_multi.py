"""Multi-style cGAN: one fast generator trained on the six stocks of the protocol at once (one label each), compared
with the per-stock models of cgan_paired.py (same 20/14 split).

    .venv/bin/python benchmarks/experiments/cgan_multi.py --minutes 12
    .venv/bin/python benchmarks/experiments/cgan_multi.py --steps 6928   # a step budget: comparable across days (the shared
                                                             # machine's speed moves wall-time results)
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # the shared benchmark modules (_common, protocol)

import argparse
import json

import numpy as np
import torch

from _common import RESULTS, machine, markdown_table, save
from cgan_paired import to_t
from protocol import STOCKS, mean_delta_e, photos, renders, split
from retrogan.train.config import TrainConfig
from retrogan.train.data import Pair
from retrogan.train.trainer import Trainer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--steps", type=int, default=None, help="a step budget instead of --minutes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                    help="override a TrainConfig field (an A/B run), e.g. --set lut_lr_per_label=false")
    ap.add_argument("--name", default="cgan_multi", help="results file name")
    args = ap.parse_args()
    names, imgs = photos()
    tr, te = split()
    labels = list(STOCKS)
    pairs = []
    for lab, stock in enumerate(labels):
        tg = renders(STOCKS[stock])
        pairs += [Pair(f"{names[i]}_{lab}", to_t(imgs[i]), to_t(tg[i]), lab) for i in tr]
    cfg = TrainConfig(labels=labels, steps=args.steps or 10 ** 6,
                      minutes=None if args.steps else args.minutes, seed=args.seed, checkpoint_every=10 ** 9,
                      checkpoint_seconds=10 ** 9,
                      **{k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)})
    trainer = Trainer(cfg, RESULTS / "tmp" / "multi", pairs=pairs, log=lambda m: None)
    trainer.fit()
    per_stock = {}
    single = json.loads((RESULTS / "cgan_paired.json").read_text())["results"] if (RESULTS / "cgan_paired.json").exists() else {}
    rows = []
    for lab, stock in enumerate(labels):
        tg = renders(STOCKS[stock])
        with torch.no_grad():
            preds = [trainer.stylize_tensor(to_t(imgs[i]), lab).permute(1, 2, 0).numpy() for i in te]
        de = mean_delta_e(preds, [tg[i] for i in te])
        ref = next((v for k, v in single.get(stock, {}).items() if k.startswith("cGAN fast")), None)
        per_stock[stock] = {"multi": de, "single": ref}
        rows.append([stock, f"{de:.3f}", f"{ref:.3f}" if ref else "-", f"{(de / ref - 1) * 100:+.0f}%" if ref else "-"])
        print(stock, per_stock[stock])
    budget = f"{args.steps} steps" if args.steps else f"{args.minutes:g} min ({trainer.step_num} steps)"
    overrides = f" (config: {', '.join(args.set)})" if args.set else ""
    md = (f"One fast cGAN, six labels{overrides}, {budget} in {trainer.elapsed / 60:.1f} min, against six per-stock "
          "models (cgan_paired.md). Mean CIEDE2000 on the 14 held-out photos.\n\n"
          + markdown_table(["stock", "multi-style", "per-stock", "difference"], rows))
    print(md)
    save(args.name, {"machine": machine(), "overrides": args.set, "minutes": trainer.elapsed / 60,
                     "steps": trainer.step_num, "results": per_stock}, md)


if __name__ == "__main__":
    main()
