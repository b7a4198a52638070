"""Train the layer estimator (issue #29; ``retrogan.transfer.layers``): references rendered with random film and age
layers on the train split of ../shared/data/modern (benchmarks/splits/modern.json), their features cached, a small
network fitted, early-stopped on the validation split; the test split is never read here.

    .venv/bin/python scripts/train_layers.py [--per-photo 6] [--steps 3000]     # about 14 minutes on 2 cores

Writes src/retrogan/data/transfer/layers.{safetensors,json} (the config, the feature count, the validation
figures and the data it came from). The feature caches go to .cache/layers/ (delete them after changing
transfer/layer_features.py or layer_data.py)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from retrogan.transfer.layer_data import TARGETS, reference_set  # noqa: E402
from retrogan.transfer.layers import CONFIG, WEIGHTS, LayerNet  # noqa: E402
from retrogan.transfer.model import bundled_model_dir  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "modern"
SPLITS = ROOT / "benchmarks" / "splits" / "modern.json"
CACHE = ROOT / ".cache" / "layers"
SEEDS = {"train": 29, "val": 290}


def split_paths(name: str) -> list[Path]:
    split = json.loads(SPLITS.read_text())["split"]
    return [SHARED / n for n, s in sorted(split.items()) if s == name]


def cached_set(name: str, per_photo: int, workers: int):
    f = CACHE / f"{name}_{per_photo}.npz"
    if f.exists():
        d = np.load(f, allow_pickle=False)
        return d["x"], d["y"]
    t = time.time()
    x, y, _, _ = reference_set(split_paths(name), per_photo, SEEDS[name], workers)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(f, x=x, y=y)
    print(f"{name}: {len(x)} references in {time.time() - t:.0f} s", flush=True)
    return x, y


VINTAGE = ROOT.parent / "shared" / "data" / "vintage"
VINTAGE_SPLIT = ROOT / "benchmarks" / "splits" / "vintage.json"


def real_prints(copies: int = 3) -> np.ndarray:
    """Features of the real old monochrome prints of the vintage train half (benchmarks/splits/vintage.json), each
    as it is and re-cropped and re-saved as JPEG: the monochrome reader also learns from real prints, whose paper
    stains, uneven toning and scanning a rendered print lacks (without them it took three of six real toned and
    halftone prints for colour photos; docs/layers.md)."""
    import io

    from PIL import Image

    from retrogan.transfer.layer_features import features

    f = CACHE / f"real_prints_{copies}.npy"
    if f.exists():
        return np.load(f)
    split = json.loads(VINTAGE_SPLIT.read_text())["split"]
    rng = np.random.default_rng(2929)
    rows = []
    for name in sorted(n for n, s in split.items() if s == "train"):
        im = Image.open(VINTAGE / name).convert("RGB")
        for k in range(copies):
            if k:
                w, h = im.size
                s = rng.uniform(0.7, 1.0)
                x0, y0 = int(rng.integers(0, w - int(w * s) + 1)), int(rng.integers(0, h - int(h * s) + 1))
                buf = io.BytesIO()
                im.crop((x0, y0, x0 + int(w * s), y0 + int(h * s))).save(buf, "JPEG", quality=int(rng.integers(60, 95)))
                im_k = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
            else:
                im_k = im
            rows.append(features(np.asarray(im_k, np.float32) / 255))
    x = np.stack(rows)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(f, x)
    print(f"real prints: {len(x)} references", flush=True)
    return x


def head_loss(k: int, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Figure k's loss: squared error (the grain's size and colour only where there is grain); mono as a
    classification."""
    if TARGETS[k] == "mono":
        return torch.nn.functional.binary_cross_entropy_with_logits(pred, y[:, k])
    sq = (pred - y[:, k]) ** 2
    if TARGETS[k] in ("grain_size", "grain_colour"):
        has_grain = (y[:, 0] > np.log(0.004 + 1e-3)).float()
        return (sq * has_grain).sum() / has_grain.sum().clamp_min(1)
    return sq.mean()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-photo", type=int, default=6)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=0.3, help="feature noise (standardised units) in training")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decay", type=float, default=1e-2)
    ap.add_argument("--real-prints", action=argparse.BooleanOptionalAction, default=True,
                    help="the monochrome reader learns from the real prints of the vintage train half too")
    ap.add_argument("--out", type=Path, default=bundled_model_dir())
    a = ap.parse_args()
    xt, yt = cached_set("train", a.per_photo, a.workers)
    xv, yv = cached_set("val", 2, a.workers)
    torch.manual_seed(a.seed)
    net = LayerNet(xt.shape[1], a.hidden)
    net.mean.copy_(torch.from_numpy(xt.mean(0)))
    net.std.copy_(torch.from_numpy(xt.std(0) + 1e-6))
    xt_, yt_, xv_, yv_ = map(torch.from_numpy, (xt, yt, xv, yv))
    zt, zv = (xt_ - net.mean) / net.std, (xv_ - net.mean) / net.std
    real = torch.from_numpy(real_prints()) if a.real_prints else None
    val_loss, best_steps = {}, {}
    for k, (name, head) in enumerate(zip(TARGETS, net.heads)):
        opt = torch.optim.AdamW(head.parameters(), lr=a.lr, weight_decay=a.decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
        gen = torch.Generator().manual_seed(a.seed + k)
        best, best_state = float("inf"), None
        zk, yk = zt, yt_
        if name == "mono" and real is not None:  # real monochrome prints: only the monochrome reader learns from them
            zk = torch.cat([zt, (real - net.mean) / net.std])
            extra = torch.zeros(len(real), yt_.shape[1])
            extra[:, k] = 1.0
            yk = torch.cat([yt_, extra])
        for step in range(a.steps):
            idx = torch.randint(0, len(zk), (256,), generator=gen)
            z = zk[idx] + a.noise * torch.randn(len(idx), zk.shape[1], generator=gen)
            loss = head_loss(k, head(z)[:, 0], yk[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 50 == 49:
                with torch.no_grad():
                    val = float(head_loss(k, head(zv)[:, 0], yv_))
                if val < best:
                    best, best_steps[name] = val, step + 1
                    best_state = {n: v.clone() for n, v in head.state_dict().items()}
        head.load_state_dict(best_state)
        val_loss[name] = round(best, 4)
        print(f"{name}: val {best:.4f} at step {best_steps[name]}", flush=True)
    from safetensors.torch import save_file

    a.out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(a.out / WEIGHTS))
    cfg = {"n_features": int(xt.shape[1]), "hidden": a.hidden, "targets": list(TARGETS), "steps": a.steps,
           "best_steps": best_steps, "per_photo": a.per_photo, "train_references": int(len(xt)),
           "val_references": int(len(xv)), "val_loss": val_loss,
           "seed": a.seed, "real_prints": a.real_prints,
           "data": "renders of ../shared/data/modern (train split; see its SOURCES.md); monochrome reader: also the "
                   "vintage train half (benchmarks/splits/vintage.json)",
           "command": "scripts/train_layers.py " + " ".join(sys.argv[1:])}
    (a.out / CONFIG).write_text(json.dumps(cfg, indent=1) + "\n")
    print(json.dumps(cfg, indent=1))


if __name__ == "__main__":
    main()
