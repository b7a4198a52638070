"""Train the look reader (issue #28; ``retrogan.transfer.reader``) on the train split of ../shared/data/modern
(benchmarks/splits/modern.json) under random looks from the renderer's whole colour space (``reader_looks``); the
validation split (other scenes, other random looks) picks the checkpoint; the test split is never read here, and the
benchmark's six film stocks and six old-process presets are never used as training looks.

Each step: B looks; for each, k reference photos (k = 1 in half the steps, else 2-10: several references of one look
are read as one pool), randomly cropped, rendered through the look and read; the loss is the CIELAB L1 between the
predicted and the true look on pixels of other training photos (what the look does to real colours) and, at a third
of the weight, on uniformly random colours (what it does to any colour), plus the monochrome switch's cross-entropy.

    .venv/bin/python scripts/train_reader.py --minutes 40            # resumes from .cache/reader/ckpt.pt
    .venv/bin/python scripts/train_reader.py --scenes 150 --steps 1200 --minutes 60 --fresh \
        --out .cache/reader/curve_150                                # the learning curve: equal steps, fewer scenes

Writes src/retrogan/data/transfer/reader.{safetensors,json} (config, data, validation figures) unless --out."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrogan.film import lut as L  # noqa: E402
from retrogan.transfer.bank import adjust_lut, load_luts  # noqa: E402
from retrogan.transfer.reader import SIDE, LookReader, save_reader  # noqa: E402
from retrogan.transfer.reader_features import colour_features  # noqa: E402
from retrogan.transfer.reader_looks import random_look  # noqa: E402
from retrogan.transfer.stats import _lab  # noqa: E402
from protocol import STOCKS  # noqa: E402  (benchmarks/protocol.py: the six development stocks)

SHARED = ROOT.parent / "shared" / "data"
SPLITS = ROOT / "benchmarks" / "splits" / "modern.json"
CACHE = ROOT / ".cache" / "reader"
THUMB = 96
LOOKS_VERSION = 2   # bump after changing reader_looks (the pool of looks is cached)
HELD_OUT = set(STOCKS.values())  # the benchmark's looks: never training looks


def split_files(name: str) -> list[str]:
    split = json.loads(SPLITS.read_text())["split"]
    return [n for n, s in sorted(split.items()) if s == name]


def thumbs(name: str) -> tuple[list[str], torch.Tensor]:
    """The split's photos, each area-resized to THUMB x THUMB (uint8, cached)."""
    from PIL import Image

    CACHE.mkdir(parents=True, exist_ok=True)
    f = CACHE / f"thumbs_{name}_{THUMB}.npz"
    files = split_files(name)
    if f.exists():
        return files, torch.from_numpy(np.load(f)["x"])
    arr = []
    for n in files:
        im = Image.open(SHARED / "modern" / n).convert("RGB")
        arr.append(np.asarray(im.resize((THUMB, THUMB), Image.BOX)))
    x = np.stack(arr).transpose(0, 3, 1, 2).copy()
    np.savez(f, x=x)
    return files, torch.from_numpy(x)


def bank_files() -> list[Path]:
    return [f for f in sorted((SHARED / "film_luts").glob("*.png")) if f.name not in HELD_OUT]


def _pool_job(args):
    seed, count, bank = args
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    return torch.stack([random_look(rng, bank) for _ in range(count)])


def look_pool(count: int, seed: int, bank: torch.Tensor, workers: int = 2) -> torch.Tensor:
    f = CACHE / f"looks_{LOOKS_VERSION}_{count}_{seed}.pt"
    if f.exists():
        return torch.load(f, weights_only=True)
    from concurrent.futures import ProcessPoolExecutor

    chunks = [(seed * 1000 + i, count // 20, bank) for i in range(20)]
    with ProcessPoolExecutor(workers) as ex:
        luts = torch.cat(list(ex.map(_pool_job, chunks)))
    torch.save(luts, f)
    return luts


def source_weights(files: list[str]) -> np.ndarray:
    """1/sqrt(photos of the source): 439 clothes on a floor should not dominate."""
    src = [n.split("_")[0] for n in files]
    counts = {s: src.count(s) for s in set(src)}
    w = np.array([1 / np.sqrt(counts[s]) for s in src])
    return w / w.sum()


def is_mono(luts: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor:
    """1 where the look leaves no colour beyond one toning per grey level on real pixels."""
    out = L.trilinear(pixels[None].expand(len(luts), -1, -1, -1), luts)     # (B, 3, 1, M)
    lab = _lab(out).flatten(2)
    bins = (lab[:, 0] / 10).long().clamp(0, 9)
    spread = torch.zeros(len(luts))
    for k in range(10):
        m = (bins == k).float()[:, None]
        cnt = m.sum(-1).clamp(min=1)
        mu = (lab[:, 1:] * m).sum(-1) / cnt
        var = (((lab[:, 1:] - mu[..., None]) ** 2) * m).sum((-1, -2)) / cnt[:, 0]
        spread = torch.maximum(spread, var.sqrt() * (cnt[:, 0] > 20))
    return (spread < 2.0).float()


class Sampler:
    def __init__(self, photos: torch.Tensor, weights: np.ndarray, pool: torch.Tensor, rng: np.random.Generator):
        self.photos, self.weights, self.pool, self.rng = photos, weights, pool, rng

    def look(self) -> torch.Tensor:
        rng = self.rng
        lut = self.pool[int(rng.integers(len(self.pool)))]
        if rng.random() < 0.15:
            t = float(rng.uniform(0.2, 0.8))
            lut = (1 - t) * lut + t * self.pool[int(rng.integers(len(self.pool)))]
        if rng.random() < 0.4:
            lut = adjust_lut(lut, 2 ** rng.normal(0, 0.15), float(np.exp(rng.normal(0, 0.1))),
                             float(np.exp(rng.normal(0, 0.15))), rng.normal(0, 0.02, 3))
        return lut

    def reference(self) -> torch.Tensor:
        """A random photo, randomly cropped (60-100% of each side), read at SIDE, float."""
        rng = self.rng
        x = self.photos[int(rng.choice(len(self.photos), p=self.weights))].float() / 255
        h = int(THUMB * rng.uniform(0.6, 1.0))
        w = int(THUMB * rng.uniform(0.6, 1.0))
        y0, x0 = int(rng.integers(THUMB - h + 1)), int(rng.integers(THUMB - w + 1))
        crop = x[:, y0:y0 + h, x0:x0 + w]
        if rng.random() < 0.5:
            crop = crop.flip(-1)
        return F.interpolate(crop[None], size=(SIDE, SIDE), mode="area")[0]

    def batch(self, b: int, k: int):
        luts = torch.stack([self.look() for _ in range(b)])
        refs = torch.stack([torch.cat([self.reference() for _ in range(k)], -1) for _ in range(b)])
        rendered = L.trilinear(refs, luts)
        if self.rng.random() < 0.5:  # grain, noise and 8-bit steps of a real reference
            sigma = torch.from_numpy(self.rng.uniform(0, 0.03, (b, 1, 1, 1))).float()
            rendered = rendered + sigma * torch.randn(rendered.shape, generator=torch.Generator().manual_seed(
                int(self.rng.integers(1 << 31))))
        rendered = (rendered.clamp(0, 1) * 255).round() / 255
        return rendered, luts


def look_loss(pred: torch.Tensor, true: torch.Tensor, pixels: torch.Tensor, relative: bool = False) -> torch.Tensor:
    """Mean CIELAB L1 (/ 10) of two batches of LUTs on pixels (3, 1, M). ``relative``: each look's error divided by
    (0.3 + its distance from doing nothing), so that a film stock's subtle look counts about as much as a toned
    print's strong one."""
    x = pixels[None].expand(len(pred), -1, -1, -1)
    target = _lab(L.trilinear(x, true))
    err = (_lab(L.trilinear(x, pred)) - target).abs().sum(1).flatten(1).mean(1) / 10
    if not relative:
        return err.mean()
    with torch.no_grad():
        dist = (_lab(x) - target).abs().sum(1).flatten(1).mean(1) / 10
    return (err / (0.3 + dist)).mean() * 2


def init_basis(model: LookReader, pool: torch.Tensor, count: int = 3000) -> None:
    n = model.config["lut_size"]
    with torch.no_grad():
        flat = (pool[:count] - L.identity(n)).reshape(min(count, len(pool)), -1)
        mean = flat.mean(0)
        _, s, v = torch.linalg.svd(flat - mean, full_matrices=False)
        k = model.config["n_basis"]
        model.basis.copy_((v[:k] * (s[:k] / len(flat) ** 0.5)[:, None]).reshape(k, 3, n, n, n))


def fixed_val(photos: torch.Tensor, pool: torch.Tensor, bank: torch.Tensor, seed: int):
    """A fixed validation set on validation scenes: 240 one-reference and 60 five-reference random looks, and 120
    one-reference and 40 ten-reference colour film-stock looks (a bank LUT, nudged: the mild end)."""
    rng = np.random.default_rng(seed)
    colour = [i for i, f in enumerate(bank_files()) if not f.name.startswith("bw")]
    mild = torch.stack([adjust_lut(bank[colour[int(rng.integers(len(colour)))]], 2 ** rng.normal(0, 0.1),
                                   float(np.exp(rng.normal(0, 0.05))), float(np.exp(rng.normal(0, 0.1))),
                                   rng.normal(0, 0.01, 3)) for _ in range(200)])
    sets = []
    for name, k, n, looks in (("k1", 1, 240, pool), ("k5", 5, 60, pool), ("stock", 1, 120, mild),
                              ("stock_k10", 10, 40, mild)):
        s = Sampler(photos, np.full(len(photos), 1 / len(photos)), looks, rng)
        refs, luts = [], []
        for _ in range(n // 20):
            r, lt = s.batch(20, k)
            refs.append(r)
            luts.append(lt)
        sets.append((name, torch.cat(refs), torch.cat(luts)))
    return sets


@torch.no_grad()
def evaluate(model: LookReader, val, pixels: torch.Tensor) -> dict:
    model.eval()
    out = {}
    for name, refs, luts in val:
        pred, _ = model(refs, hard_mono=True)
        out[f"val_{name}"] = round(10 * look_loss(pred, luts, pixels).item(), 3)
    model.train()
    return out


def stats_of(photos: torch.Tensor, pool: torch.Tensor, rng) -> tuple[torch.Tensor, torch.Tensor]:
    s = Sampler(photos, np.full(len(photos), 1 / len(photos)), pool, rng)
    f = torch.cat([colour_features(s.batch(64, 1)[0]) for _ in range(16)])
    return f.mean(0), f.std(0) + 1e-3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=40)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--looks", type=int, default=6000)
    ap.add_argument("--scenes", type=int, default=0, help="train on the first N train scenes only (learning curve)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--basis", type=int, default=48)
    ap.add_argument("--seed", type=int, default=28)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--fresh", action="store_true", help="ignore a checkpoint")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    bank = load_luts(bank_files(), 17)
    files, train = thumbs("train")
    if args.scenes:
        order = np.random.default_rng(args.seed).permutation(len(files))[:args.scenes]
        files, train = [files[i] for i in sorted(order)], train[sorted(order)]
    _, val_photos = thumbs("val")
    pool = look_pool(args.looks, args.seed, bank)
    val_pool = look_pool(600, args.seed + 1, bank)
    print(f"data ready in {time.perf_counter() - t0:.0f}s: {len(files)} train photos, {len(pool)} looks", flush=True)
    rng = np.random.default_rng(args.seed)
    pixels_all = train.float().div(255).permute(1, 0, 2, 3).reshape(3, -1)
    val_pixels = val_photos.float().div(255).permute(1, 0, 2, 3).reshape(3, -1)
    val_pixels = val_pixels[:, torch.randperm(val_pixels.shape[1], generator=torch.Generator().manual_seed(1))[:20000]]
    val_pixels = val_pixels[:, None]
    val = fixed_val(val_photos, val_pool, bank, args.seed + 2)
    with torch.no_grad():
        print("doing nothing: " + " ".join(
            f"val_{name} {10 * look_loss(L.identity(17).expand(len(luts), -1, -1, -1, -1), luts, val_pixels):.3f}"
            for name, _, luts in val), flush=True)

    model = LookReader(args.hidden, args.basis)
    ckpt = (args.out or CACHE) / "ckpt.pt"
    cfg = vars(args) | {"out": str(args.out) if args.out else None}
    opt = None
    step, elapsed, history, best = 0, 0.0, [], (float("inf"), None)
    if ckpt.exists() and not args.fresh:
        state = torch.load(ckpt, weights_only=True)
        model.load_state_dict(state["model"])
        step, elapsed, history = state["step"], state["elapsed"], json.loads(state["history"])
        best = (state["best_score"], state["best"])
        rng = np.random.default_rng([args.seed, step])
        print(f"resumed at step {step} ({elapsed / 60:.1f} min)", flush=True)
    else:
        mean, std = stats_of(train, pool, np.random.default_rng(args.seed + 3))
        model.mean.copy_(mean)
        model.std.copy_(std)
        init_basis(model, pool)
    opt = torch.optim.Adam([{"params": [p for n, p in model.named_parameters() if n != "basis"], "lr": args.lr},
                            {"params": [model.basis], "lr": args.lr * 0.3}])
    if ckpt.exists() and not args.fresh and "opt" in state:
        opt.load_state_dict(state["opt"])
    sampler = Sampler(train, source_weights(files), pool, rng)
    budget = args.minutes * 60
    start = time.perf_counter() - elapsed
    gen = torch.Generator().manual_seed(args.seed)
    model.train()

    def checkpoint():
        (args.out or CACHE).mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                    "history": json.dumps(history), "best_score": best[0], "best": best[1], "config": cfg}, ckpt)

    while step < args.steps and elapsed < budget:
        frac = max(elapsed / budget, step / args.steps)   # the schedule ends with whichever budget ends first
        for g, base in zip(opt.param_groups, (args.lr, args.lr * 0.3)):
            g["lr"] = float(base * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(1.0, frac)))))
        k = 1 if rng.random() < 0.5 else int(rng.integers(2, 11))
        b = args.batch if k == 1 else max(16, args.batch // k * 2)
        refs, luts = sampler.batch(b, k)
        idx = torch.randint(pixels_all.shape[1], (6000,), generator=gen)
        pix = pixels_all[:, idx][:, None]
        anyc = torch.rand(3, 1, 2000, generator=gen)
        pred, logit = model(refs)
        mono = is_mono(luts, pix[:, :, :1500])
        loss = (look_loss(pred, luts, pix, relative=True) + 0.3 * look_loss(pred, luts, anyc, relative=True)
                + 0.1 * F.binary_cross_entropy_with_logits(logit, mono))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        elapsed = time.perf_counter() - start
        if step % 250 == 0:
            ev = evaluate(model, val, val_pixels)
            history.append({"step": step, "seconds": round(elapsed), "loss": round(loss.item(), 4), **ev})
            print(json.dumps(history[-1]), flush=True)
            score = sum(ev.values())   # one and several references, random looks and film stocks
            if score < best[0]:
                best = (score, {k2: v.detach().clone() for k2, v in model.state_dict().items()})
            checkpoint()
    checkpoint()
    if best[1] is not None:
        model.load_state_dict(best[1])
    info = {"steps": step, "seconds": round(elapsed), "train_photos": len(files), "looks": len(pool),
            "validation": evaluate(model, val, val_pixels), "history": history[-40:], "training": cfg,
            "data": "train split of ../shared/data/modern (benchmarks/splits/modern.json; credits: "
                    "layers_sources.csv, the same 731 photos), film LUTs of the RawTherapee Film Simulation "
                    "collection (CC BY-SA 4.0) minus the benchmark's six stocks"}
    out = args.out or (ROOT / "src" / "retrogan" / "data" / "transfer")
    save_reader(model, out, info)
    print(f"saved {out} after {step} steps ({elapsed / 60:.1f} min): {info['validation']}", flush=True)


if __name__ == "__main__":
    main()
