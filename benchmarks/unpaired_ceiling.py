"""How far recognising a look over the shipped catalogue can go on the unpaired task, whatever the recogniser.

The unpaired cGAN starts from the look the transfer model recognises in the style photos (``transfer.recognise``:
a softmax over code distances to the 40 catalogue looks and "none"). This benchmark scores, per dev stock, what
that step could reach if it knew the answer:
- recognised: the shipped recogniser (10 raw + 10 style photos of the unpaired task, tau 1: what the cGAN starts from);
- best single look: the catalogue look with the lowest test ΔE (an oracle pick);
- oracle softmax: the recogniser's own weighting, softmax(-ΔE / (tau * min ΔE)), fed with the *true* test ΔE of
  every candidate instead of code distances (a perfect distance predictor), best tau of 0.1/0.2/0.4/0.8;
- best convex mixture: mixture weights fitted with pairs (MSE on the 20 training pairs): all the catalogue can say.
Mean CIEDE2000 on the 14 test photos at quarter resolution (the ranking of looks, not detail, is measured).

    .venv/bin/python benchmarks/unpaired_ceiling.py
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr

from _common import machine, markdown_table, save
from cgan_paired import to_t
from protocol import STOCKS, mean_delta_e, photos, renders, split
from retrogan.film import lut as L
from retrogan.transfer.model import bundled_model_dir, load_model
from retrogan.transfer.recognise import BANK, load_bank, recognise_look

TAUS = (0.1, 0.2, 0.4, 0.8)


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
    folder = bundled_model_dir()
    names, luts = load_bank(folder / BANK)
    encoder = load_model(folder).encoder
    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    _, imgs = photos()
    tr, te = split()
    raw, sty = tr[:10], tr[10:20]
    test_src = [to_t(imgs[i][::4, ::4]) for i in te]

    def test_de(lut: torch.Tensor, truth: list[np.ndarray]) -> float:
        preds = [L.trilinear(s[None], lut)[0].clamp(0, 1).permute(1, 2, 0).numpy() for s in test_src]
        return mean_delta_e(preds, truth)

    results = {}
    for stock, f in STOCKS.items():
        tg = renders(f)
        truth = [tg[i][::4, ::4] for i in te]
        found = recognise_look(encoder, names, luts, [to_t(imgs[i]) for i in raw], [to_t(tg[i]) for i in sty])
        true = torch.tensor([test_de(c, truth) for c in cands])
        oracle = {tau: test_de(mixture(torch.softmax(-true / (tau * true.min()), 0), cands), truth) for tau in TAUS}
        best_tau = min(oracle, key=oracle.get)
        with torch.enable_grad():
            w = convex_fit(cands, [to_t(imgs[i][::8, ::8]) for i in tr], [to_t(tg[i][::8, ::8]) for i in tr])
        results[stock] = {
            "identity": float(true[0]),
            "recognised": test_de(found.lut, truth),
            "best single look": float(true.min()),
            "oracle softmax": oracle[best_tau],
            "best convex mixture": test_de(mixture(w, cands), truth),
            "_best_look": (["none"] + names)[int(true.argmin())],
            "_oracle_tau": best_tau,
            "_spearman_code_vs_true": float(spearmanr(found.distances.numpy(), true.numpy()).correlation),
        }
        print(stock, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results[stock].items()}, flush=True)
    systems = [k for k in next(iter(results.values())) if not k.startswith("_")]
    rows = [[s] + [f"{results[st][s]:.2f}" for st in results] + [f"{np.mean([results[st][s] for st in results]):.2f}"]
            for s in systems]
    rows.append(["rank correlation, code distance vs true ΔE"]
                + [f"{results[st]['_spearman_code_vs_true']:.2f}" for st in results] + ["-"])
    md = ("Unpaired task: how far a look recogniser over the shipped catalogue (40 looks and \"none\", no dev stock) "
          "can go. Mean CIEDE2000 on the 14 test photos at quarter resolution; rows below *recognised* use the "
          "test answers (oracles).\n\n" + markdown_table(["system"] + list(results) + ["mean"], rows)
          + "\n\nBest single looks: " + ", ".join(f"{st}: {r['_best_look']}" for st, r in results.items()) + "\n")
    print(md)
    save("unpaired_ceiling", {"machine": machine(), "results": results}, md)


if __name__ == "__main__":
    main()
