"""How far recognising a look among the shipped candidates can go on the unpaired task, whatever the recogniser.

The unpaired cGAN starts from the look recognised in the style photos (``transfer.recognise`` with the shipped
candidates: "none", the 40 catalogue looks and the 300 sampled recipes, read by the learned look metric). This
benchmark scores, per dev stock (the unpaired task's split: training photos 1-10 raw, 11-20 in the look):
- recognised: the shipped recogniser (tau 1: what the cGAN starts from);
- best single look: the candidate with the lowest test ΔE (an oracle pick);
- oracle softmax: the shipped weighting, softmax(-(d - min d) / s) with s = 1 ΔE, fed the *true* test ΔE of every
  candidate instead of the metric's readings (a perfect look metric);
- best convex mixture: mixture weights fitted with pairs (MSE on the 20 training pairs): all the candidates can say;
- the same three oracles over "none" and the 40 catalogue looks alone (the candidates before the sampled recipes).
Mean CIEDE2000 on the 14 test photos at quarter resolution (the choice of looks, not detail, is measured). About
ten minutes on 2 cores.

    .venv/bin/python benchmarks/experiments/unpaired_ceiling.py
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # the shared benchmark modules (_common, protocol)

import time

import numpy as np
import torch
from scipy.stats import spearmanr

from _common import machine, markdown_table, save
from cgan_paired import to_t
from protocol import STOCKS, mean_delta_e, photos, renders, split
from retrogan.film import lut as L
from retrogan.transfer.model import bundled_model_dir, load_model
from retrogan.transfer.recognise import BANK, candidate_codes, load_bank, load_recogniser, recognise_from_codes


def mixture(w: torch.Tensor, cands: torch.Tensor) -> torch.Tensor:
    return (w.view(-1, 1, 1, 1, 1) * cands).sum(0)


def convex_fit(cands: torch.Tensor, sources: list[torch.Tensor], targets: list[torch.Tensor], steps: int = 400):
    """Simplex weights (softmax of free logits) minimising the MSE of the mixture's renders on the pairs; the
    render of a mixture is the mixture of the renders (trilinear lookup is linear in the table)."""
    x = torch.cat([s.reshape(3, -1) for s in sources], 1)
    y = torch.cat([t.reshape(3, -1) for t in targets], 1)
    renders_ = torch.stack([L.trilinear(x[None, :, None], c)[0, :, 0] for c in cands])  # (n, 3, P)
    logits = torch.zeros(len(cands), requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        loss = (torch.einsum("n,ncp->cp", torch.softmax(logits, 0), renders_) - y).pow(2).mean()
        loss.backward()
        opt.step()
    return torch.softmax(logits.detach(), 0)


@torch.no_grad()
def main() -> None:
    t0 = time.perf_counter()
    folder = bundled_model_dir()
    names, luts, metric = load_recogniser(folder)
    n_catalogue = len(load_bank(folder / BANK)[0]) + 1  # "none" and the catalogue come first
    encoder = load_model(folder).encoder
    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    labels = ["none"] + names
    _, imgs = photos()
    tr, te = split()
    raw, sty = tr[:10], tr[10:20]
    test_src = [to_t(imgs[i][::4, ::4]) for i in te]
    codes = candidate_codes(encoder, luts, [to_t(imgs[i]) for i in raw], metric)

    def test_de(lut: torch.Tensor, truth: list[np.ndarray]) -> float:
        preds = [L.trilinear(s[None], lut)[0].clamp(0, 1).permute(1, 2, 0).numpy() for s in test_src]
        return mean_delta_e(preds, truth)

    def oracles(true: torch.Tensor, n: int, pairs, truth: list[np.ndarray]) -> dict[str, float]:
        with torch.enable_grad():
            w = convex_fit(cands[:n], *pairs)
        return {"best single look": float(true[:n].min()),
                "oracle softmax": test_de(mixture(torch.softmax(-(true[:n] - true[:n].min()), 0), cands[:n]), truth),
                "best convex mixture": test_de(mixture(w, cands[:n]), truth)}

    results = {}
    for stock, f in STOCKS.items():
        tg = renders(f)
        truth = [tg[i][::4, ::4] for i in te]
        found = recognise_from_codes(encoder, names, luts, codes, [to_t(tg[i]) for i in sty], metric=metric)
        true = torch.tensor([test_de(c, truth) for c in cands])
        pairs = ([to_t(imgs[i][::8, ::8]) for i in tr], [to_t(tg[i][::8, ::8]) for i in tr])
        d = found.distances
        results[stock] = {
            "identity": float(true[0]),
            "recognised (shipped)": test_de(found.lut, truth),
            **{f"{k}, {len(cands)} candidates": v for k, v in oracles(true, len(cands), pairs, truth).items()},
            **{f"{k}, catalogue only ({n_catalogue})": v for k, v in oracles(true, n_catalogue, pairs, truth).items()},
            "_best_look": labels[int(true.argmin())],
            "_metric_nearest_de": float(true[int(d.argmin())]),
            "_spearman_metric_vs_true": float(spearmanr(d.numpy(), true.numpy()).correlation),
            "_top_weights": found.weights[:3],
        }
        print(stock, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results[stock].items()}, flush=True)
    systems = [k for k in next(iter(results.values())) if not k.startswith("_")]
    rows = [[s] + [f"{results[st][s]:.2f}" for st in results] + [f"{np.mean([results[st][s] for st in results]):.2f}"]
            for s in systems]
    rows.append(["ΔE of the look the metric reads nearest"]
                + [f"{results[st]['_metric_nearest_de']:.2f}" for st in results]
                + [f"{np.mean([results[st]['_metric_nearest_de'] for st in results]):.2f}"])
    rows.append(["rank correlation, metric distance vs true ΔE"]
                + [f"{results[st]['_spearman_metric_vs_true']:.2f}" for st in results] + ["-"])
    md = (f"`python benchmarks/experiments/unpaired_ceiling.py` ({(time.perf_counter() - t0) / 60:.0f} min). Unpaired task: how "
          f"far recognising a look among the shipped candidates (\"none\", the catalogue's 40 looks and "
          f"{len(cands) - n_catalogue} sampled recipes; no dev stock) can go. Mean CIEDE2000 on the 14 test photos at "
          "quarter resolution; the oracle rows use the test answers (softmax with s 1 ΔE over the true ΔE) or the "
          "20 training pairs (convex mixture).\n\n" + markdown_table(["system"] + list(results) + ["mean"], rows)
          + "\n\nBest single looks: " + ", ".join(f"{st}: {r['_best_look']}" for st, r in results.items()) + "\n")
    print(md)
    save("unpaired_ceiling", {"machine": machine(), "results": results}, md)


if __name__ == "__main__":
    main()
