"""Why unpaired training misses on the protocol: how far pure distribution matching between the raw half and the
style half of the training photos gets, with and without a film-look prior.

For each dev stock and two ways to halve the 20 training photos (the benchmark's sorted halves; a random split):
- pooled per-channel histogram matching from the raw half's pixels to the style half's renders;
- a K-component PCA space of the *other* film LUTs (same product families excluded), coefficients fitted by
  sliced-Wasserstein distance in CIELAB between the mapped raw pixels and the style pixels (unpaired);
- the same space fitted with pairs (L1 on the 20 training pairs): how well the space can express the stock at all.
Mean CIEDE2000 on the 14 test photos at half resolution.

    .venv/bin/python benchmarks/experiments/unpaired_diagnosis.py [--k 12]
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # the shared benchmark modules (_common, protocol)

import argparse

import numpy as np
import torch

from _common import SHARED, machine, markdown_table, save
from protocol import STOCKS, mean_delta_e, photos, renders, split
from retrogan.film import lut as L
from retrogan.luts import read_hald, resample_lut

FAMILIES = ("kodachrome", "portra", "superia", "x_pro", "polaroid_690", "fp4")  # the dev stocks' product lines
N = 17
_XYZ = torch.tensor([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def lab(x: torch.Tensor) -> torch.Tensor:
    lin = torch.where(x <= 0.04045, x / 12.92, ((x.clamp(min=0) + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _XYZ.T / torch.tensor([0.9505, 1.0, 1.089])
    f = torch.where(xyz > 216 / 24389, xyz.clamp(min=1e-6) ** (1 / 3), (24389 / 27 * xyz + 16) / 116)
    return torch.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def swd(a: torch.Tensor, b: torch.Tensor, gen: torch.Generator, n: int = 64) -> torch.Tensor:
    d = torch.randn(3, n, generator=gen)
    d = d / d.norm(dim=0)
    return ((a @ d).sort(0)[0] - (b @ d).sort(0)[0]).abs().mean()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--iters", type=int, default=300)
    args = ap.parse_args()
    names, imgs = photos()
    tr, te = split()
    prior_files = [f for f in sorted((SHARED / "film_luts").glob("*.png")) if not any(s in f.name for s in FAMILIES)]
    ident = L.identity(N)
    tabs = torch.stack([L.from_table(resample_lut(read_hald(f), N)) for f in prior_files]) - ident
    flat = tabs.reshape(len(prior_files), -1)
    mean = flat.mean(0)
    _, s, v = torch.linalg.svd(flat - mean, full_matrices=False)
    basis = v[:args.k] * s[:args.k, None] / np.sqrt(len(prior_files))
    lut_of = lambda w: ident + (mean + w @ basis).reshape(3, N, N, N)
    apply = lambda x, lut: L.trilinear(x.T.reshape(1, 3, 1, -1), lut)[0, :, 0].T
    halves = {"sorted halves": (tr[:10], tr[10:20])}
    perm = np.random.default_rng(0).permutation(tr)
    halves["random halves"] = (perm[:10].tolist(), perm[10:].tolist())
    results, rows = {}, []
    for split_name, (raw, sty) in halves.items():
        for stock, file in STOCKS.items():
            tg = renders(file)
            rng = np.random.default_rng(0)

            def pool(ims, n=40000, seed=None):
                r = np.random.default_rng(seed) if seed is not None else rng
                a = np.concatenate([i.reshape(-1, 3) for i in ims])
                return torch.from_numpy(a[r.choice(len(a), n)])

            src, ref = pool([imgs[i] for i in raw]), pool([tg[i] for i in sty])
            qs = np.linspace(0, 1, 257)
            curves = [(np.quantile(src[:, c].numpy(), qs), np.quantile(ref[:, c].numpy(), qs)) for c in range(3)]

            def hist(x):
                out = np.empty_like(x)
                for c, (xs, ys) in enumerate(curves):
                    xu, idx = np.unique(xs, return_index=True)
                    out[..., c] = np.interp(x[..., c], xu, ys[idx])
                return out

            gen = torch.Generator().manual_seed(0)
            ref_lab = lab(ref)
            w = torch.zeros(args.k, requires_grad=True)
            opt = torch.optim.Adam([w], lr=0.05)
            for _ in range(args.iters):
                opt.zero_grad()
                (swd(lab(apply(src, lut_of(w))), ref_lab, gen) + 1e-3 * w.pow(2).sum()).backward()
                opt.step()
            xs, ys = pool([imgs[i] for i in tr], seed=1), pool([tg[i] for i in tr], seed=1)
            wo = torch.zeros(args.k, requires_grad=True)
            opt = torch.optim.Adam([wo], lr=0.05)
            for _ in range(args.iters):
                opt.zero_grad()
                (apply(xs, lut_of(wo)) - ys).abs().mean().backward()
                opt.step()
            half = lambda i: imgs[i][::2, ::2]
            truth = [tg[i][::2, ::2] for i in te]
            with torch.no_grad():
                ev = lambda lut: mean_delta_e([L.trilinear(torch.from_numpy(half(i)).permute(2, 0, 1)[None].contiguous(),
                                                           lut)[0].permute(1, 2, 0).numpy() for i in te], truth)
                res = {"identity": mean_delta_e([half(i) for i in te], truth),
                       "pooled histogram matching": mean_delta_e([hist(half(i)) for i in te], truth),
                       "film prior, mean look": ev(lut_of(torch.zeros(args.k))),
                       "film prior, unpaired SWD fit": ev(lut_of(w.detach())),
                       "film prior, paired fit (oracle)": ev(lut_of(wo.detach()))}
            results[f"{split_name} / {stock}"] = res
            rows.append([split_name, stock] + [f"{v:.2f}" for v in res.values()])
            print(*rows[-1], flush=True)
    header = ["halves", "stock"] + list(next(iter(results.values())))
    md = (f"Unpaired diagnosis: distribution matching between the two halves of the training photos; PCA prior of "
          f"{len(prior_files)} other film LUTs, K={args.k}. Mean CIEDE2000, 14 test photos, half resolution.\n\n"
          + markdown_table(header, rows))
    print(md)
    save("unpaired_diagnosis", {"machine": machine(), "k": args.k, "prior": [f.name for f in prior_files],
                                "results": results}, md)


if __name__ == "__main__":
    main()
