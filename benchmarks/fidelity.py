"""The comparison: every system on the development protocol (protocol.py: six dev stocks from ../shared/data, 20
training / 14 test photos), with the same data and the same wall-time budget per trained system on this CPU.

Tasks (``--tasks``, each writes ``results/fidelity_<task>.json`` and ``.md``):

- ``paired``: 20 photo pairs per stock. identity, Reinhard, histogram matching, least-squares 3D LUT, our fast cGAN,
  our U-Net cGAN, the pix2pix U-Net-256 (peers.py). Mean CIEDE2000, PSNR and SSIM on the 14 test photos, full size.
- ``unpaired``: 10 raw photos + renders of 10 other photos per stock. identity, Reinhard, histogram matching, the
  look our transfer model recognises in the style photos (a mixture of catalogue looks that exclude the dev stocks;
  no training), our fast cGAN in self-training mode started from it, CycleGAN ResNet-9 (peers.py). The same three
  metrics, plus an FID-style distance and KID between the outputs and the true renders of the test photos on
  EfficientNet-Lite0 features.
- ``reference``: one photo rendered through each stock as the reference (the first three training photos in turn).
  identity, Reinhard and histogram matching from that photo, our ST-GAN feed-forward (the bundled model, trained on
  looks that exclude the dev stocks) and fitted (--fit, first reference only).
- ``old``: real old photographs (the 14 Kodak PhotoCD film scans in ../shared/data/vintage_real) as the style of an
  unpaired folder, the 20 training photos as the raw side; outputs for the 14 test photos compared with the old
  photos by FID-style distance and KID only (there is no ground truth). Adds our ST-GAN from one old photo and our
  bundled default look.

The FID-style distance is the Fréchet distance between Gaussians fitted to 1280-d EfficientNet-Lite0 pooled features
of 5 crops (224 px, from the image resized to 320 px on its short side) per image; KID is the unbiased MMD² with the
cubic polynomial kernel, mean over 100 subsets of 50 crops (x1000). Neither is comparable to Inception FID/KID
published elsewhere: other network, ~70 samples per set (the Fréchet term is biased upward at this size; compare rows
of one table only).

    .venv/bin/python benchmarks/fidelity.py --minutes 2               # all four tasks: about 95 minutes
    .venv/bin/python benchmarks/fidelity.py --tasks paired --stocks slide --minutes 1
"""
from __future__ import annotations

import argparse
import json
import time
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from _common import SHARED, machine, markdown_table, save
from protocol import (STOCKS, fit_lut_least_squares, histogram_match, mean_delta_e, photos, reinhard, renders,
                      split)
from retrogan.luts import apply_lut_float
from retrogan.metrics import psnr, srgb_to_lab, ssim

TASKS = ["paired", "unpaired", "reference", "old"]
OLD_PHOTOS = SHARED / "vintage_real" / "film_scans_kodak_photocd"


def to_t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).contiguous().float()


def to_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().permute(1, 2, 0).clamp(0, 1).numpy().astype(np.float32)


def scores(preds: list[np.ndarray], truths: list[np.ndarray]) -> dict[str, float]:
    return {"delta_e": mean_delta_e(preds, truths),
            "psnr": float(np.mean([psnr(p, t) for p, t in zip(preds, truths)])),
            "ssim": float(np.mean([ssim(p, t) for p, t in zip(preds, truths)]))}


# --- feature distances ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _net():
    from retrogan.features.efficientnet import efficientnet_lite0

    return efficientnet_lite0().eval()


@torch.no_grad()
def features(images: list[np.ndarray]) -> np.ndarray:
    """(5 * len(images), 1280) pooled EfficientNet-Lite0 features of five 224-px crops per image."""
    net, out = _net(), []
    for a in images:
        x = to_t(a)[None]
        h, w = x.shape[-2:]
        s = 320 / min(h, w)
        x = F.interpolate(x, size=(max(224, round(h * s)), max(224, round(w * s))), mode="area")
        h, w = x.shape[-2:]
        crops = [x[..., :224, :224], x[..., :224, -224:], x[..., -224:, :224], x[..., -224:, -224:],
                 x[..., (h - 224) // 2:(h - 224) // 2 + 224, (w - 224) // 2:(w - 224) // 2 + 224]]
        out.append(net.pooled(torch.cat(crops)).numpy())
    return np.concatenate(out).astype(np.float64)


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to two feature sets; tr sqrt(S1 S2) from the eigenvalues of the
    symmetric sqrt(S1) S2 sqrt(S1), which stays real and stable when the covariances are singular (few samples)."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * cross)


def kid(a: np.ndarray, b: np.ndarray, subsets: int = 100, size: int = 50, seed: int = 0) -> float:
    """Unbiased MMD² with k(x, y) = (x·y / d + 1)³, mean over random subsets (Bińkowski et al. 2018), x1000."""
    rng = np.random.default_rng(seed)
    d, m = a.shape[1], min(size, len(a), len(b))
    vals = []
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), m, replace=False)], b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        vals.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                    - 2 * kxy.mean())
    return float(np.mean(vals) * 1000)


def distribution(preds: list[np.ndarray], reference_features: np.ndarray) -> dict[str, float]:
    f = features(preds)
    return {"fid_effnet": frechet(f, reference_features), "kid_effnet_x1000": kid(f, reference_features)}


# --- systems -------------------------------------------------------------------------------------------------------

def statistics_baselines(tests: list[np.ndarray], style: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    pooled = np.concatenate([s.reshape(-1, 3) for s in style])
    lab = srgb_to_lab(pooled)
    step = max(1, len(pooled) // 400_000)
    return {"identity": list(tests),
            "Reinhard": [reinhard(t, lab.mean(0), lab.std(0)) for t in tests],
            "histogram matching": [histogram_match(t, pooled[::step]) for t in tests]}


def our_cgan(mode: str, arch: str, minutes: float, seed: int, tests: list[np.ndarray], *, pairs=None,
             sources=None, style=None) -> tuple[list[np.ndarray], dict]:
    from _common import RESULTS
    from retrogan.train.config import TrainConfig
    from retrogan.train.data import Pair
    from retrogan.train.trainer import Trainer

    cfg = TrainConfig(mode=mode, arch=arch, steps=10 ** 7, minutes=minutes, seed=seed, checkpoint_every=10 ** 9,
                      checkpoint_seconds=10 ** 9)
    if arch == "unet":
        cfg.crop, cfg.batch = 128, 4
    kw = ({"pairs": [Pair(f"p{i}", to_t(x), to_t(y), 0) for i, (x, y) in enumerate(pairs)]} if mode == "paired" else
          {"sources": [to_t(s) for s in sources], "style_images": [to_t(s) for s in style]})
    trainer = Trainer(cfg, RESULTS / "tmp" / f"fidelity_{mode}_{arch}", log=lambda m: None, **kw)
    t0 = time.perf_counter()
    trainer.fit()
    train_s = time.perf_counter() - t0
    info = {"steps": trainer.step_num, "train_s": round(train_s, 1)}
    with torch.no_grad():
        preds = [to_np(trainer.stylize_tensor(to_t(t), 0)) for t in tests]
        if trainer.recognised is not None:  # unpaired: the look it started from, alone (no training)
            from retrogan.film import lut as L

            info["recognised"] = trainer.recognised.weights[:3]
            info["prior_preds"] = [to_np(L.trilinear(to_t(t)[None], trainer.recognised.lut)[0].clamp(0, 1))
                                   for t in tests]
    return preds, info


def peer(name: str, minutes: float, seed: int, tests: list[np.ndarray], a: list[np.ndarray], b: list[np.ndarray]
         ) -> tuple[list[np.ndarray], dict]:
    import peers

    t0 = time.perf_counter()
    if name == "pix2pix":
        g, steps = peers.train_pix2pix([to_t(x) for x in a], [to_t(y) for y in b], minutes * 60, seed=seed)
        g.train()  # the paper's test protocol: dropout on, BatchNorm on the test image's statistics
    else:
        g, steps = peers.train_cyclegan([to_t(x) for x in a], [to_t(y) for y in b], minutes * 60, seed=seed)
        g.eval()
    train_s = time.perf_counter() - t0
    torch.manual_seed(seed)
    with torch.no_grad():
        preds = [to_np(g(to_t(t)[None])[0]) for t in tests]
    return preds, {"steps": steps, "train_s": round(train_s, 1)}


# --- tasks ---------------------------------------------------------------------------------------------------------

def task_paired(args, imgs, tr, te) -> dict:
    out = {}
    tests = [imgs[i] for i in te]
    for stock in args.stocks:
        tg = renders(STOCKS[stock])
        truths = [tg[i] for i in te]
        systems = statistics_baselines(tests, [tg[i] for i in tr])
        lut = fit_lut_least_squares([imgs[i] for i in tr], [tg[i] for i in tr], smooth=1e-7)
        systems["least-squares 3D LUT"] = [apply_lut_float(t, lut) for t in tests]
        res, info = {k: scores(v, truths) for k, v in systems.items()}, {}
        pairs = [(imgs[i], tg[i]) for i in tr]
        for label, fn in ((f"retrogan cGAN fast", lambda: our_cgan("paired", "fast", args.minutes, args.seed, tests,
                                                                    pairs=pairs)),
                          (f"retrogan cGAN U-Net", lambda: our_cgan("paired", "unet", args.minutes, args.seed, tests,
                                                                     pairs=pairs)),
                          ("pix2pix U-Net-256", lambda: peer("pix2pix", args.minutes, args.seed, tests,
                                                             [imgs[i] for i in tr], [tg[i] for i in tr]))):
            preds, info[label] = fn()
            res[label] = scores(preds, truths)
        out[stock] = {"scores": res, "training": info}
        print(stock, json.dumps({k: round(v["delta_e"], 2) for k, v in res.items()}), json.dumps(info), flush=True)
    return out


def task_unpaired(args, imgs, tr, te) -> dict:
    out = {}
    tests = [imgs[i] for i in te]
    raw_idx, style_idx = tr[:10], tr[10:20]
    for stock in args.stocks:
        tg = renders(STOCKS[stock])
        truths = [tg[i] for i in te]
        style = [tg[i] for i in style_idx]
        systems = statistics_baselines(tests, style)
        info = {}
        preds, info["retrogan cGAN fast, self-training"] = our_cgan(
            "unpaired", "fast", args.minutes, args.seed, tests, sources=[imgs[i] for i in raw_idx], style=style)
        systems["retrogan look recognised (no training)"] = info["retrogan cGAN fast, self-training"].pop("prior_preds")
        systems["retrogan cGAN fast, self-training"] = preds
        preds, info["CycleGAN ResNet-9"] = peer("cyclegan", args.minutes, args.seed, tests,
                                                [imgs[i] for i in raw_idx], style)
        systems["CycleGAN ResNet-9"] = preds
        ref = features(truths)
        res = {k: {**scores(v, truths), **distribution(v, ref)} for k, v in systems.items()}
        res["(the 10 style renders themselves)"] = distribution(style, ref)
        out[stock] = {"scores": res, "training": info}
        print(stock, json.dumps({k: round(v.get("delta_e", -1), 2) for k, v in res.items()}), json.dumps(info),
              flush=True)
    return out


def task_reference(args, imgs, tr, te) -> dict:
    from stgan_reference import fitted, references, transfer
    from retrogan.looks.reference import bundled_model_dir
    from retrogan.transfer.model import load_model

    model = load_model(bundled_model_dir())
    tests = [imgs[i] for i in te]
    out = {}
    for stock in args.stocks:
        tg = renders(STOCKS[stock])
        truths = [tg[i] for i in te]
        per_ref = []
        for n, (r, keep) in enumerate(references("test", args.refs, tr, te)):
            ref, inputs, targets = tg[r], [tests[k] for k in keep], [truths[k] for k in keep]
            systems = statistics_baselines(inputs, [ref])
            t0 = time.perf_counter()
            systems["retrogan ST-GAN feed-forward"] = transfer(model, ref, inputs)
            ff_s = time.perf_counter() - t0
            if n == 0 and args.fit_seconds:
                systems[f"retrogan ST-GAN fit ({args.fit_seconds:g} s, first reference)"] = fitted(
                    model, ref, inputs, args.fit_seconds)
            per_ref.append({k: scores(v, targets) for k, v in systems.items()})
            per_ref[-1]["_ff_seconds"] = ff_s
        keys = [k for k in per_ref[0] if not k.startswith("_")]
        res = {k: {m: float(np.mean([p[k][m] for p in per_ref if k in p])) for m in ("delta_e", "psnr", "ssim")}
               for k in keys}
        out[stock] = {"scores": res, "per_reference": per_ref}
        print(stock, json.dumps({k: round(v["delta_e"], 2) for k, v in res.items()}), flush=True)
    return out


def task_old(args, imgs, tr, te) -> dict:
    from PIL import Image

    from stgan_reference import transfer
    from retrogan.imaging.photo import Photo
    from retrogan.looks.reference import bundled_model_dir
    from retrogan.looks.registry import resolve_style
    from retrogan.transfer.model import load_model

    old_files = sorted(OLD_PHOTOS.glob("*.png"))
    old = [np.asarray(Image.open(f).convert("RGB"), dtype=np.float32) / 255 for f in old_files]
    tests = [imgs[i] for i in te]
    ref = features(old)
    systems = statistics_baselines(tests, old)
    info = {}
    preds, info["retrogan cGAN fast, self-training"] = our_cgan(
        "unpaired", "fast", args.minutes, args.seed, tests, sources=[imgs[i] for i in tr], style=old)
    systems["retrogan look recognised (no training)"] = info["retrogan cGAN fast, self-training"].pop("prior_preds")
    systems["retrogan cGAN fast, self-training"] = preds
    preds, info["CycleGAN ResNet-9"] = peer("cyclegan", args.minutes, args.seed, tests, [imgs[i] for i in tr], old)
    systems["CycleGAN ResNet-9"] = preds
    model = load_model(bundled_model_dir())
    res = {k: distribution(v, ref) for k, v in systems.items()}
    ff = [distribution(transfer(model, old[j], tests), ref) for j in range(args.refs)]
    res[f"retrogan ST-GAN feed-forward (one old photo; mean of {args.refs})"] = {
        k: float(np.mean([f[k] for f in ff])) for k in ff[0]}
    look = resolve_style(None)
    default = [look.apply(Photo(np.round(t * 65535).astype(np.uint16))).rgb.astype(np.float32) / 65535 for t in tests]
    res[f"retrogan default look ({look.name}, no training)"] = distribution(default, ref)
    res["(the training photos, unstyled)"] = distribution([imgs[i] for i in tr], ref)
    print(json.dumps({k: {m: round(x, 2) for m, x in v.items()} for k, v in res.items()}), json.dumps(info), flush=True)
    return {"old photos": {"scores": res, "training": info, "old_photos": [f.name for f in old_files]}}


# --- tables --------------------------------------------------------------------------------------------------------

def table(result: dict, metric: str, fmt: str) -> str:
    stocks = list(result)
    systems = list(result[stocks[0]]["scores"])
    rows = []
    for s in systems:
        vals = [result[st]["scores"].get(s, {}).get(metric) for st in stocks]
        if all(v is None for v in vals):
            continue
        cells = ["-" if v is None else format(v, fmt) for v in vals]
        known = [v for v in vals if v is not None]
        rows.append([s] + cells + ([format(float(np.mean(known)), fmt)] if len(stocks) > 1 else []))
    return markdown_table(["system"] + stocks + (["mean"] if len(stocks) > 1 else []), rows)


def training_line(result: dict) -> str:
    parts = []
    for st, r in result.items():
        if "training" in r:
            parts.append(f"{st}: " + ", ".join(f"{k} {v['steps']} steps" for k, v in r["training"].items()))
    return "Steps reached within the budget — " + "; ".join(parts) if parts else ""


DESCRIPTIONS = {
    "paired": "Paired task: 20 training pairs per stock, {m:g} min of training per trained system on this CPU; "
              "14 test photos at full size.",
    "unpaired": "Unpaired task: 10 raw photos + renders of 10 other photos per stock, {m:g} min of training per "
                "trained system; 14 test photos at full size. FID/KID against the true renders of the test photos.",
    "reference": "One-reference task: the reference is one test photo rendered through the stock, and the other 13 "
                 "test photos are transformed and scored at full size (mean over the first {refs} test photos as "
                 "the reference; the fit on the first only): no model saw the reference's scene or the dev stocks.",
    "old": "Real old photos: style = the 14 Kodak PhotoCD film scans; raw = the 20 training photos; {m:g} min per "
           "trained system; outputs for the 14 test photos against the old photos. No ground truth: distances only.",
}


def report(task: str, result: dict, args) -> str:
    parts = [DESCRIPTIONS[task].format(m=args.minutes, refs=args.refs), ""]
    metrics = [("delta_e", "mean CIEDE2000 (lower is better)", ".2f"), ("psnr", "PSNR dB (higher is better)", ".2f"),
               ("ssim", "SSIM (higher is better)", ".3f"),
               ("fid_effnet", "FID-style distance on EfficientNet-Lite0 features (lower is better; not Inception "
                              "FID)", ".1f"),
               ("kid_effnet_x1000", "KID x1000 on EfficientNet-Lite0 features (lower is better)", ".1f")]
    for key, title, fmt in metrics:
        if any(key in v for r in result.values() for v in r["scores"].values()):
            parts += [f"### {title}", "", table(result, key, fmt), ""]
    line = training_line(result)
    return "\n".join(parts + ([line] if line else []))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--minutes", type=float, default=2.0, help="training budget per trained system and stock")
    ap.add_argument("--stocks", default=",".join(STOCKS))
    ap.add_argument("--refs", type=int, default=3)
    ap.add_argument("--fit-seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.stocks = args.stocks.split(",")
    torch.set_num_threads(2)
    _, imgs = photos()
    tr, te = split()
    for task in args.tasks.split(","):
        t0 = time.perf_counter()
        result = globals()[f"task_{task}"](args, imgs, tr, te)
        md = report(task, result, args) + f"\n\nThis task took {(time.perf_counter() - t0) / 60:.1f} min."
        print(md, flush=True)
        save(f"fidelity_{task}", {"machine": machine(), "task": task, "minutes": args.minutes, "seed": args.seed,
                                  "refs": args.refs, "fit_seconds": args.fit_seconds, "split_seed": 2026,
                                  "seconds": round(time.perf_counter() - t0), "results": result}, md)


if __name__ == "__main__":
    main()
