"""cGAN unpaired (self-training) protocol: 10 raw photos + renders of 10 *other* photos per stock; mean CIEDE2000
on the 14 held-out photos against their true renders, beside identity, Reinhard and histogram matching (which
use the same 10 style renders). Our rows: the look recognised in the style photos alone (the prior: a mixture of
catalogue looks, which never include the six dev stocks), the cGAN trained from that prior (adversarial loss,
content term, self-training rounds), and with --no-prior also the cGAN without it.

    .venv/bin/python benchmarks/cgan_unpaired.py --minutes 15 [--stocks slide,B&W] [--no-prior] [--scenes test]

``--scenes test``: scenes the look reader never saw (the transfer encoder and the look metric were trained on the 20
training photos): the style photos are renders of the first 7 test photos, the raw photos the other 7, and those 7
are scored (they are the photos the user transforms; no truth is used in training).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from _common import RESULTS, machine, markdown_table, save
from cgan_paired import to_t
from protocol import STOCKS, histogram_match, mean_delta_e, photos, reinhard, renders, split
from retrogan.film import lut as L
from retrogan.metrics import srgb_to_lab
from retrogan.train.config import TrainConfig
from retrogan.train.trainer import Trainer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--stocks", default=",".join(STOCKS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-prior", action="store_true", help="also train the cGAN without the recognised look")
    ap.add_argument("--name", default="cgan_unpaired")
    ap.add_argument("--scenes", choices=("train", "test"), default="train",
                    help="train: raw and style photos from the training photos, scored on the 14 test photos; "
                         "test: style from test photos 0-6, raw = test photos 7-13, scored on those")
    ap.add_argument("--lambda-gan", type=float, default=None, help="adversarial weight (default: TrainConfig's)")
    args = ap.parse_args()
    names, imgs = photos()
    tr, te = split()
    raw_idx, style_idx = tr[:10], tr[10:20]
    if args.scenes == "test":
        style_idx, raw_idx = te[:7], te[7:]
        te = raw_idx
    results = {}
    for stock in args.stocks.split(","):
        tg = renders(STOCKS[stock])
        truth = [tg[i] for i in te]
        pooled = np.concatenate([tg[i].reshape(-1, 3) for i in style_idx])
        lab = srgb_to_lab(pooled)
        res = {"identity": mean_delta_e([imgs[i] for i in te], truth),
               "Reinhard": mean_delta_e([reinhard(imgs[i], lab.mean(0), lab.std(0)) for i in te], truth),
               "histogram matching": mean_delta_e([histogram_match(imgs[i], pooled[::7]) for i in te], truth)}
        for prior in (["recognise", "none"] if args.no_prior else ["recognise"]):
            name = f"cGAN fast unpaired{'' if prior == 'recognise' else ', no prior'} ({args.minutes:g} min)"
            extra = {} if args.lambda_gan is None else {"lambda_gan": args.lambda_gan}
            cfg = TrainConfig(mode="unpaired", steps=10 ** 6, minutes=args.minutes, seed=args.seed, prior=prior,
                              checkpoint_every=10 ** 9, checkpoint_seconds=10 ** 9, **extra)
            t0 = time.perf_counter()
            trainer = Trainer(cfg, RESULTS / "tmp" / "unpaired", sources=[to_t(imgs[i]) for i in raw_idx],
                              style_images=[to_t(tg[i]) for i in style_idx], log=lambda m: None)
            found = trainer.recognised
            if found is not None:  # the look the run starts from, scored alone
                res["_recognise_s"] = round(time.perf_counter() - t0, 1)
                res["_recognised"] = found.weights[:5]
                with torch.no_grad():
                    res["look recognised (prior alone)"] = mean_delta_e(
                        [L.trilinear(to_t(imgs[i])[None], found.lut)[0].clamp(0, 1).permute(1, 2, 0).numpy()
                         for i in te], truth)
            curve, marks = [], {0.2, 0.4, 0.6, 0.8}

            def test_delta_e() -> float:
                with torch.no_grad():
                    preds = [trainer.stylize_tensor(to_t(imgs[i][::2, ::2]), 0).permute(1, 2, 0).numpy() for i in te]
                return mean_delta_e(preds, [t[::2, ::2] for t in truth])

            def watch(step, total, elapsed, budget, logs):
                # stability: losses every 25 steps, held-out ΔE (half resolution) at 20/40/60/80% of the budget
                if step % 25 == 0:
                    curve.append({"step": step, "t": round(elapsed, 1), **{k: round(v, 4) for k, v in logs.items()}})
                due = [m for m in marks if elapsed >= m * budget]
                if due:
                    marks.difference_update(due)
                    curve.append({"step": step, "t": round(elapsed, 1), "test_delta_e": round(test_delta_e(), 3)})

            trainer.fit(watch)
            with torch.no_grad():
                preds = [trainer.stylize_tensor(to_t(imgs[i]), 0).permute(1, 2, 0).numpy() for i in te]
            res[name] = mean_delta_e(preds, truth)
            res[f"_steps {prior}"] = trainer.step_num
            res[f"_curve {prior}"] = curve
        results[stock] = res
        print(stock, json.dumps({k: round(v, 3) for k, v in res.items() if not k.startswith("_")}),
              res["_recognised"][:3], flush=True)
    systems = [k for k in next(iter(results.values())) if not k.startswith("_")]
    rows = [[s] + [f"{results[st][s]:.2f}" for st in results] + [f"{np.mean([results[st][s] for st in results]):.2f}"]
            for s in systems]
    recog = "\n".join(f"- {st}: " + ", ".join(f"{n} {w:.0%}" for n, w in r["_recognised"][:3])
                       + f" (set-up with recognition {r['_recognise_s']} s)" for st, r in results.items())
    protocol = ("10 raw photos + renders of 10 other photos, mean CIEDE2000 on 14 held-out photos"
                if args.scenes == "train" else "7 raw test photos + renders of the 7 other test photos (scenes the "
                "look reader never saw), mean CIEDE2000 on the 7 raw photos transformed")
    md = (f"`{' '.join(['benchmarks/cgan_unpaired.py'] + sys.argv[1:])}`. Unpaired task: {protocol}; "
          f"prior tau {TrainConfig().prior_tau:g}; {args.minutes:g} min of cGAN training per stock.\n\n"
          + markdown_table(["system"] + list(results) + ["mean"], rows)
          + "\n\nsteps: " + json.dumps({k: {n: v for n, v in r.items() if n.startswith("_steps")}
                                          for k, r in results.items()})
          + "\n\nRecognised looks (largest weights; the catalogue holds no dev stock):\n" + recog)
    print(md)
    save(args.name, {"machine": machine(), "minutes": args.minutes, "lambda_gan": args.lambda_gan,
                     "scenes": args.scenes, "prior_tau": TrainConfig().prior_tau, "results": results}, md)


if __name__ == "__main__":
    main()
