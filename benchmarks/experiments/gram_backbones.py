"""Do Gram-matrix style losses work on EfficientNet-Lite0 features, plain or with activation smoothing?

The one-reference task of the ST-GAN issue, in its simplest form: the reference is one training photo rendered
through a stock (development protocol, benchmarks/protocol.py); a global colour transform (identity + a 9^3 LUT
residual) is fitted to the 14 test photos by gradient descent on style loss (Gram matrices of the reference's
features, EfficientNet-Lite0 stages 1-4) + content loss (stage 4 features of the input) + LUT smoothness; the
result is compared with the true renders of the test photos (mean CIEDE2000). Variants: plain Gram, Gram of
softmax-smoothed activations (two temperatures), and the statistics baselines against the same single reference.
VGG19 is not measured: its weights are not available on this machine (see docs/guide.md: --vgg-weights).

    .venv/bin/python benchmarks/experiments/gram_backbones.py [--steps 120] [--side 160]        # about 8 minutes
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # the shared benchmark modules (_common, protocol)

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import protocol as P
from _common import machine, markdown_table, save
from retrogan import losses as LS
from retrogan.features import backbone
from retrogan.film import lut as ML

STOCKS = ["colour negative", "slide", "B&W"]
STYLE_LAYERS = ["stage1", "stage2", "stage3", "stage4"]
VARIANTS = {"plain Gram": None, "smoothed Gram (T=1)": 1.0, "smoothed Gram (T=4)": 4.0}


def small(a: np.ndarray, side: int) -> torch.Tensor:
    t = torch.from_numpy(a).permute(2, 0, 1)[None]
    scale = side / min(a.shape[:2])
    return F.interpolate(t, scale_factor=scale, mode="area").clamp(0, 1)


def grams(model, x: torch.Tensor, smooth) -> dict:
    feats = model.extract(x, STYLE_LAYERS)
    return {k: LS.gram(f if smooth is None else LS.smooth_activations(f, smooth)) for k, f in feats.items()}


def fit(model, inputs: list[torch.Tensor], reference: torch.Tensor, smooth, steps: int, seed: int) -> torch.Tensor:
    torch.manual_seed(seed)
    identity = ML.identity(9)
    residual = torch.zeros_like(identity, requires_grad=True)
    opt = torch.optim.Adam([residual], lr=0.02)
    with torch.no_grad():
        target = grams(model, reference, smooth)
        scale = {k: g.pow(2).mean() for k, g in target.items()}
        content = [model.extract(x, ["stage4"])["stage4"] for x in inputs]
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        lut = (identity + residual).clamp(0, 1)
        loss = 0.0
        for i in rng.choice(len(inputs), 4, replace=False):
            y = ML.trilinear(inputs[i], lut[None])
            g = grams(model, y, smooth)
            loss = loss + sum(F.mse_loss(g[k], target[k]) / scale[k] for k in target) / len(target)
            loss = loss + 0.05 * F.mse_loss(model.extract(y, ["stage4"])["stage4"], content[i])
        loss = loss / 4 + 0.1 * LS.lut_smoothness(lut[None])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (identity + residual).detach().clamp(0, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--side", type=int, default=160)
    a = ap.parse_args()
    model = backbone("efficientnet-lite0")
    names, photos = P.photos()
    train, test = P.split()
    rows, results = [], {}
    for stock in STOCKS:
        truths = P.renders(P.STOCKS[stock])
        ref_np = truths[train[0]]
        reference = small(ref_np, a.side)
        inputs = [small(photos[i], a.side) for i in test]
        truth = [small(truths[i], a.side)[0].permute(1, 2, 0).numpy() for i in test]
        plain = [x[0].permute(1, 2, 0).numpy() for x in inputs]
        scores = {"identity": P.mean_delta_e(plain, truth)}
        lab = P.srgb_to_lab(ref_np).reshape(-1, 3)
        scores["Reinhard (one reference)"] = P.mean_delta_e(
            [np.clip(P.reinhard(x, lab.mean(0), lab.std(0)), 0, 1) for x in plain], truth)
        scores["histogram matching (one reference)"] = P.mean_delta_e(
            [P.histogram_match(x, ref_np) for x in plain], truth)
        for name, smooth in VARIANTS.items():
            t = time.perf_counter()
            lut = fit(model, inputs, reference, smooth, a.steps, seed=0)
            with torch.no_grad():
                outs = [ML.trilinear(x, lut[None])[0].permute(1, 2, 0).numpy() for x in inputs]
            scores[name] = P.mean_delta_e(outs, truth)
            print(f"{stock:16s} {name:22s} {scores[name]:6.2f} dE  ({time.perf_counter() - t:.0f} s)", flush=True)
        results[stock] = scores
        print(f"{stock:16s} identity {scores['identity']:.2f}  Reinhard {scores['Reinhard (one reference)']:.2f}  "
              f"histogram {scores['histogram matching (one reference)']:.2f}", flush=True)
    methods = list(next(iter(results.values())))
    rows = [[m] + [f"{results[s][m]:.2f}" for s in STOCKS] for m in methods]
    md = ("One reference (a training photo rendered through the stock), 14 test photos at %d px; a 9^3 LUT fitted "
          "for %d steps on EfficientNet-Lite0 Gram losses (stages 1-4) + content (stage 4). Mean CIEDE2000 against "
          "the true renders (lower is better).\n\n" % (a.side, a.steps)
          + markdown_table(["method"] + STOCKS, rows))
    save("gram_backbones", {"machine": machine(), "steps": a.steps, "side": a.side, "results": results}, md)
    print(md)


if __name__ == "__main__":
    main()
