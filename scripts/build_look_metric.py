"""Train the learned look metric shipped beside the transfer model and its look catalogue (``transfer.metric``).

Looks: "none", the catalogue (RawTherapee Film Simulation HaldCLUTs, CC BY-SA 4.0, and retrogan's parametric
presets) and ``--sampled`` looks drawn from the transfer model's own family (``LookBank``: mixtures and perturbations
of catalogue looks); photos: the 20 training photos of the development split (../shared/data/photos). The
benchmarks' dev stocks (not in the catalogue) and test photos are never seen. The last fifth of the sampled looks
is held out and its loss logged. About 10 minutes on 2 cores (the shipped metric: the defaults).
``--recoloured N``: N more versions of each photo in other light (``metric.recoloured``: white balance, exposure,
saturation) are read too, and training draws each photo from them ``--p-recoloured`` of the time, so that the
metric cannot tell a look from a scene by the scene's own colours. Not shipped: on held-out training photos it did
not read a new reference better (DEVELOPERS.md, "Seen scenes").

    .venv/bin/python scripts/build_look_metric.py [--steps 20000] [--sampled 200] [--recoloured 0]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "src/retrogan/data/transfer")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--sampled", type=int, default=200)
    ap.add_argument("--recoloured", type=int, default=0, help="versions of each photo in other light (0: none)")
    ap.add_argument("--p-recoloured", type=float, default=0.5)
    ap.add_argument("--scale", type=float, default=1.0, help="recognition temperature in ΔE")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(2)

    from protocol import photos, split
    from retrogan.film import lut as L
    from retrogan.transfer.bank import LookBank
    from retrogan.transfer.metric import (METRIC, MetricConfig, look_distances, recoloured, save_metric,
                                          train_metric)
    from retrogan.transfer.model import load_model
    from retrogan.transfer.recognise import BANK, SIDE, _squares, load_bank

    t0 = time.perf_counter()
    names, luts = load_bank(args.model / BANK)
    encoder = load_model(args.model).encoder
    photo_names, imgs = photos()
    train_idx, _ = split()
    rng = np.random.default_rng(args.seed + 1)
    bank = LookBank(luts)
    looks = torch.cat([L.identity(luts.shape[-1])[None], luts] + [bank.sample(rng)[None] for _ in range(args.sampled)])
    with torch.no_grad():
        src = _squares([torch.from_numpy(np.ascontiguousarray(imgs[i])).permute(2, 0, 1) for i in train_idx], SIDE)
        target = look_distances(looks, src)
        g = torch.Generator().manual_seed(args.seed + 2)
        versions = [src] + [recoloured(src, g) for _ in range(args.recoloured)]
        desc = torch.stack([torch.stack([encoder.describe(L.trilinear(v, lut).clamp(0, 1)) for lut in looks])
                            for v in versions], 2)  # (K, 20, 1 + recoloured, D)
    print(f"descriptions and distances of {len(looks)} looks: {time.perf_counter() - t0:.0f} s", flush=True)
    held = list(range(len(looks) - args.sampled // 5, len(looks)))
    info = {"looks": ["none"] + names + [f"{args.sampled} sampled (LookBank, seed {args.seed + 1})"],
            "photos": [photo_names[i] for i in train_idx], "steps": args.steps, "seed": args.seed,
            "held_out_looks": len(held), "recoloured": args.recoloured,
            "p_recoloured": args.p_recoloured, "command": "scripts/build_look_metric.py " + " ".join(sys.argv[1:])}
    metric = train_metric(desc, target, [i for i in range(len(looks)) if i not in set(held)], held, args.steps,
                          torch.Generator().manual_seed(args.seed),
                          MetricConfig(desc.shape[-1], scale=args.scale, info=info), log=print,
                          p_recoloured=args.p_recoloured)
    save_metric(args.model / METRIC, metric)
    print(f"wrote {args.model / METRIC} in {(time.perf_counter() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
