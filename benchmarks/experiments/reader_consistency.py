"""Unpaired reading by comparison (issue #28), validation split only: the reader reads the style pool S (10 photos
of other scenes in the look); then the look T is refined so that the user's own photos C under T read, or measure,
like S. Variants: "consistency" (the reader's reading of T(C) matches its reading of S: the reader's own bias on a
look cancels), "features" (the reader's 415 statistics of T(C) match those of S, in the reader's feature scale).

    .venv/bin/python benchmarks/experiments/reader_consistency.py [--steps 150]
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader import Readers, at_side, looks, score, split_photos, tensor  # noqa: E402
from protocol import STOCKS  # noqa: E402


def lut_from_head(model, h, hard_mono=True):
    from retrogan.models.colour import keep_brightness
    from retrogan.transfer.reader import KNOTS, MONO_THRESHOLD, structured_lut

    b = h.shape[0]
    matrix, offset, black, steps, mono_logit, weights = h.split([9, 3, 3, 3 * (KNOTS - 1), 1,
                                                                 model.config["n_basis"]], 1)
    matrix = torch.eye(3) + 0.5 * matrix.reshape(b, 3, 3)
    steps = math.log(math.expm1(1.0 / (KNOTS - 1))) + steps.reshape(b, 3, KNOTS - 1)
    mono = (torch.sigmoid(mono_logit[:, 0]) >= MONO_THRESHOLD).float()
    n = model.config["lut_size"]
    lut = structured_lut(matrix, 0.2 * offset, mono, 0.2 * black, steps, n)
    residual = keep_brightness(torch.einsum("bk,kcxyz->bcxyz", weights, model.basis), mono)
    return (lut + residual).clamp(0, 1)


def head(model, f):
    return model.head(model.net((f - model.mean) / model.std))


def refine(model, s_feat, content, mode, steps, lr, reg):
    from retrogan.film import lut as L
    from retrogan.transfer.reader_features import colour_features
    from retrogan.transfer.stats import _lab

    for p in model.parameters():
        p.requires_grad_(False)
    h0 = head(model, s_feat).detach()
    h = h0.clone().requires_grad_(True)
    opt = torch.optim.Adam([h], lr=lr)
    target_lut = lut_from_head(model, h0)
    probe = torch.rand(1, 3, 1, 4096, generator=torch.Generator().manual_seed(0))
    probe = torch.cat([probe, content.reshape(1, 3, 1, -1)], -1)
    target_lab = _lab(L.trilinear(probe, target_lut[0]))
    s_norm = (s_feat - model.mean) / model.std
    for _ in range(steps):
        lut = lut_from_head(model, h)
        moved = L.trilinear(content, lut[0])
        f = colour_features(moved)
        if mode == "consistency":
            seen = lut_from_head(model, head(model, f))
            loss = (_lab(L.trilinear(probe, seen[0])) - target_lab).abs().mean()
        else:
            loss = ((f - model.mean) / model.std - s_norm).pow(2).mean()
        loss = loss + reg * (h - h0).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return L.to_table(lut_from_head(model, h.detach())[0])


@torch.no_grad()
def fixed_point(model, s_feat, content, iters, alpha):
    """T <- T + alpha (reading of S - reading of T(C)): the reader's bias on a look, measured on the user's own
    photos under the current estimate, is taken off (no gradient through the reader)."""
    from retrogan.film import lut as L
    from retrogan.transfer.reader_features import colour_features

    target = model.lut_from_features(s_feat, hard_mono=True)[0]
    t = target.clone()
    for _ in range(iters):
        seen = model.lut_from_features(colour_features(L.trilinear(content, t[0])), hard_mono=True)[0]
        t = (t + alpha * (target - seen)).clamp(0, 1)
    return L.to_table(t[0])


def main() -> None:
    from retrogan.luts import identity_lut
    from retrogan.transfer.reader import squared
    from retrogan.transfer.reader_features import colour_features, pooled

    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--reg", type=float, default=0.0)
    ap.add_argument("--modes", default="consistency,features")
    args = ap.parse_args()
    data = [x for _, x in split_photos("val", 512)]
    style_raw, content_raw, scored = data[:10], data[10:20], data[60:90]
    small = at_side(scored, 256)
    readers = Readers(None, False)
    model = readers.reader
    content = pooled([squared(tensor(c.astype(np.float32) / 255)) for c in content_raw])
    modes = args.modes.split(",")
    table = {n: [] for n in ["identity", "reader"] + modes}
    for name, (apply, _) in looks().items():
        if name not in STOCKS:
            continue
        truths = [apply(p) for p in small]
        refs = [apply(r.astype(np.float32) / 255) for r in style_raw]
        s = pooled([squared(tensor(r)) for r in refs])
        s_feat = colour_features(s).detach()
        row = {"identity": score(identity_lut(17), small, truths), "reader": score(readers.read(refs), small, truths)}
        for m in modes:
            if m.startswith("fp"):
                iters, alpha = m[2:].split("x")
                row[m] = score(fixed_point(model, s_feat, content, int(iters), float(alpha)), small, truths)
                continue
            row[m] = score(refine(model, s_feat, content, m, args.steps, args.lr, args.reg), small, truths)
        for n, v in row.items():
            table[n].append(v)
        print(name, {n: round(v, 2) for n, v in row.items()}, flush=True)
    print("mean", {n: round(float(np.mean(v)), 2) for n, v in table.items()}, vars(args))


if __name__ == "__main__":
    main()
