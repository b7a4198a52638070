"""Recognising a look on scenes the reader never saw, against the mixture's temperature tau.

The shipped encoder, look metric and catalogue were trained on the 20 training photos; here every photo involved is
a test photo. Two tasks, scored by mean CIEDE2000 against the true renders of the photos transformed:

- one reference (``retrogan transfer --recognise``): each test photo in turn, rendered through the stock, is the
  only style photo; the other 13 are the modern photos (candidates read on them) and are scored;
- unpaired halves (the unpaired trainer's recognised start, ``prior="recognise"``): the stock renders of one half of
  the test photos are the style photos, the other half are the modern photos and are scored; both ways round.

A last table repeats the one-reference task with strong looks of old prints, made here as 3D LUTs (sepia-toned,
cyanotype, a faded warm print): the six stocks are mild looks, where a soft mixture (nearly the mean of all the
candidates) does well; these show what softness costs a reference with a strong look.

Each temperature is scored twice: the plain distance of the candidates' mean embeddings from the style photos', and
"scene spread", the same in units of each candidate's spread over the modern photos (``scene_distance``, not
shipped: it favours looks that keep the scenes' variety, mild ones, and the strong-looks table shows the cost).

    python benchmarks/experiments/recognise_unseen.py [--taus 2 4 8]

Scored on every fourth pixel in each direction: a LUT is per pixel, so this is a subsample of the full-resolution
score, not an approximation of it.
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
from protocol import STOCKS, mean_delta_e, photos, renders, split
from stgan_reference import tensor


def strong_looks(n: int = 33) -> dict[str, torch.Tensor]:
    """Old-print looks none of the candidates is: sepia toning, a cyanotype, a faded warm colour print."""
    from retrogan.film import lut as L

    ident = L.identity(n)
    grey = 0.2126 * ident[0] + 0.7152 * ident[1] + 0.0722 * ident[2]
    fade = 0.7 * ident + 0.3 * grey
    return {"sepia print": torch.stack([0.9 * grey + 0.08, 0.8 * grey + 0.05, 0.62 * grey + 0.03]),
            "cyanotype": torch.stack([0.55 * grey + 0.04, 0.75 * grey + 0.12, 0.8 * grey + 0.2]),
            "faded print": (0.62 * fade + 0.2 + torch.tensor([0.07, 0.02, -0.05]).view(3, 1, 1, 1)).clamp(0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taus", type=float, nargs="+", default=[2.0, 4.0, 8.0])
    ap.add_argument("--stride", type=int, default=4)
    ap.add_argument("--name", default="recognise_unseen")
    args = ap.parse_args()
    torch.set_num_threads(2)

    from retrogan.film import lut as L
    from retrogan.looks.reference import RECOGNISE_TAU
    from retrogan.train.config import TrainConfig
    from retrogan.transfer.model import bundled_model_dir, load_model
    from retrogan.transfer.recognise import SPREAD_EPS, candidate_codes, load_recogniser, recognise_from_codes

    t0 = time.perf_counter()
    folder = bundled_model_dir()
    encoder = load_model(folder).encoder
    names, luts, metric = load_recogniser(folder)
    _, imgs = photos()
    _, te = split()
    n = len(te)
    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    small = [tensor(imgs[i][::args.stride, ::args.stride]) for i in te]
    codes = candidate_codes(encoder, luts, [tensor(imgs[i], 256) for i in te], metric, per_image=True)
    style = {s: [tensor(renders(f)[i], 256) for i in te] for s, f in STOCKS.items()}
    truth = {s: [renders(f)[i][::args.stride, ::args.stride] for i in te] for s, f in STOCKS.items()}
    for look, lut in strong_looks().items():
        style[look] = [L.trilinear(tensor(imgs[i], 256)[None], lut)[0] for i in te]
        truth[look] = [L.trilinear(x[None], lut)[0].permute(1, 2, 0).numpy() for x in small]
    print(f"read {len(cands)} candidates on {n} photos in {time.perf_counter() - t0:.0f} s", flush=True)

    def score(lut: torch.Tensor, stock: str, keep: list[int]) -> float:
        preds = [L.trilinear(small[k][None], lut)[0].clamp(0, 1).permute(1, 2, 0).numpy() for k in keep]
        return mean_delta_e(preds, [truth[stock][k] for k in keep])

    def mixture(keep: list[int], sty: list[int], stock: str, tau: float, spread: float | None) -> torch.Tensor:
        return recognise_from_codes(encoder, names, luts, codes[:, keep], [style[stock][j] for j in sty],
                                    tau=tau, metric=metric, spread_eps=spread).lut

    half = [list(range(n // 2)), list(range(n // 2, n))]
    one = [([k for k in range(n) if k != j], [j]) for j in range(n)]
    tasks = {"one reference": (one, list(STOCKS)),
             "unpaired, style first half": ([(half[1], half[0])], list(STOCKS)),
             "unpaired, style second half": ([(half[0], half[1])], list(STOCKS)),
             "one reference, strong looks": (one, list(strong_looks()))}
    results: dict = {}
    for task, (cases, looks) in tasks.items():
        results[task] = {"identity": {s: float(np.mean([score(cands[0], s, k) for k, _ in cases])) for s in looks}}
        for tau in args.taus:
            for spread, label in ((None, ""), (SPREAD_EPS, ", scene spread")):
                results[task][f"tau {tau:g}{label}"] = {
                    s: float(np.mean([score(mixture(k, j, s, tau, spread), s, k) for k, j in cases])) for s in looks}
        for system, row in results[task].items():
            print(task, system, " ".join(f"{v:.2f}" for v in row.values()), f"mean {np.mean(list(row.values())):.2f}",
                  flush=True)

    parts = []
    for task, rows in results.items():
        ident = rows["identity"]
        header = ["system"] + list(ident) + ["mean", "looks below identity"]
        body = [[system] + [f"{v:.2f}" for v in row.values()] + [f"{np.mean(list(row.values())):.2f}",
                 "-" if system == "identity" else str(sum(row[s] < ident[s] for s in ident))]
                for system, row in rows.items()]
        parts.append(f"**{task}**\n\n" + markdown_table(header, body))
    md = (f"`python benchmarks/experiments/recognise_unseen.py` ({time.perf_counter() - t0:.0f} s). The shipped encoder, look "
          f"metric and {len(cands)} candidates (\"none\", the catalogue, its recipes) on the 14 test photos only: "
          f"scenes none of them was trained on. Mean CIEDE2000 of the photos transformed (every {args.stride}th "
          f"pixel). One reference: each test photo in turn is the style photo, the other 13 are transformed. "
          f"Unpaired: one half's stock renders are the style photos, the other half is transformed. Strong looks: "
          f"the one-reference task with old-print looks made as LUTs here (`strong_looks`). Shipped: "
          f"`--recognise` tau {RECOGNISE_TAU:g} and the unpaired prior tau {TrainConfig().prior_tau:g}, both the plain "
          f"distance; \"scene spread\": `scene_distance`, eps {SPREAD_EPS:g}, not shipped.\n\n"
          + "\n\n".join(parts))
    print(md)
    save(args.name, {"machine": machine(), "args": vars(args), "results": results,
                     "shipped": {"recognise_tau": RECOGNISE_TAU, "prior_tau": TrainConfig().prior_tau}}, md)


if __name__ == "__main__":
    main()
