"""ST-GAN one-reference task: train the feed-forward transfer model on looks that exclude the six dev stocks, then
give it one photo rendered through each dev stock and score the 14 test photos (mean CIEDE2000 against the true
renders), beside identity, Reinhard and histogram matching from the same reference, and the oracle "best single
training LUT" (which look of the training bank is nearest: what recognising a known look at best gives).

    python benchmarks/stgan_reference.py --minutes 15 [--refs 5] [--save ../src/retrogan/data/transfer]
    python benchmarks/stgan_reference.py --load src/retrogan/data/transfer --fit-seconds 30 --adapt-seconds 60

The reference is each of the first ``--refs`` test photos in turn (one at a time), and the other 13 test photos are
transformed and scored: a scene no model has seen, as a user's old photo is. ``--refs-from train`` takes training
photos instead and scores all 14 (the protocol before 2026-12-02: the encoder and the look metric were trained on
those scenes, in other looks, and read them far better than a new scene). The table gives the mean over the
references and the worst. No test photo is used in training; the dev stocks' LUT files are held out of the bank.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from _common import SHARED, machine, markdown_table, save
from protocol import STOCKS, histogram_match, mean_delta_e, photos, reinhard, renders, split
from retrogan.metrics import srgb_to_lab

PARAMETRIC_PRESETS = ["tintype-1860s", "cyanotype-1880s", "albumen-1900s", "silver-gelatin-1930s",
                      "technicolor-1950s", "faded-print-1970s"]  # the presets with no stock LUT of their own


def bank_files() -> list[Path]:
    held = set(STOCKS.values())
    return [f for f in sorted((SHARED / "film_luts").glob("*.png")) if f.name not in held]


def tensor(a: np.ndarray, side: int | None = None) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float()
    if side:
        h, w = t.shape[-2:]
        s = side / max(h, w)
        t = F.interpolate(t[None], size=(round(h * s), round(w * s)), mode="area")[0]
    return t


def build(args):
    from retrogan.models.fast import FastGeneratorConfig
    from retrogan.transfer.bank import LookBank, load_luts, preset_luts
    from retrogan.transfer.encoder import EncoderConfig
    from retrogan.transfer.model import TransferModel, frozen_backbone

    luts = torch.cat([load_luts(bank_files(), args.lut_size), preset_luts(PARAMETRIC_PRESETS, args.lut_size)])
    enc = EncoderConfig()
    gen = FastGeneratorConfig(num_styles=1, lut_size=args.lut_size, n_basis=args.basis, film=False, thumb=96)
    model = TransferModel(enc, gen, frozen_backbone(enc.backbone), seed=args.seed)
    return model, LookBank(luts)


def fitted(model, ref: np.ndarray, tests: list[np.ndarray], seconds: float) -> list[np.ndarray]:
    """--fit: the code refined on thumbnails of the photos to transform (no truth is used), then rendered."""
    from retrogan.transfer.fit import FitConfig, fit_code

    photos_s = torch.stack([F.interpolate(tensor(t)[None], size=(128, 128), mode="area")[0] for t in tests])
    refs = F.interpolate(tensor(ref, 256)[None], size=(256, 256), mode="area")
    code, _ = fit_code(model, refs, photos_s, FitConfig(seconds=seconds))
    with torch.no_grad():
        return [model(tensor(t)[None], code)[0].permute(1, 2, 0).numpy() for t in tests]


@torch.no_grad()
def recognised(model, catalogue, codes: torch.Tensor, ref: np.ndarray, tests: list[np.ndarray]) -> list[np.ndarray]:
    """``retrogan transfer --recognise``: the mixture of known looks read by the learned metric on the photos to
    transform (their 256 px thumbnails, no truth: ``codes``, read once for every reference), rendered as a LUT at
    full size."""
    from retrogan.film import lut as L
    from retrogan.looks.reference import RECOGNISE_TAU
    from retrogan.transfer.recognise import recognise_from_codes

    names, luts, metric = catalogue
    found = recognise_from_codes(model.encoder, names, luts, codes, [tensor(ref, 256)], tau=RECOGNISE_TAU,
                                 metric=metric)
    return [L.trilinear(tensor(t)[None], found.lut)[0].clamp(0, 1).permute(1, 2, 0).numpy() for t in tests]


def load_catalogue(folder: Path | None):
    """The look catalogue and learned metric beside a saved model (None when the folder has neither)."""
    from retrogan.transfer.metric import METRIC
    from retrogan.transfer.recognise import BANK, load_recogniser

    if folder is None or not (folder / BANK).exists() or not (folder / METRIC).exists():
        return None
    return load_recogniser(folder)


def references(source: str, n: int, train_idx: list[int], test_idx: list[int]):
    """(reference photo index, positions in the test list to transform and score) for each of ``n`` references."""
    if source == "train":
        return [(r, list(range(len(test_idx)))) for r in train_idx[:n]]
    return [(r, [k for k in range(len(test_idx)) if k != j]) for j, r in enumerate(test_idx[:n])]


@torch.no_grad()
def transfer(model, ref: np.ndarray, tests: list[np.ndarray]) -> list[np.ndarray]:
    code = model.code(tensor(ref, 256)[None])
    out = []
    for t in tests:
        x = tensor(t)[None]
        out.append(model(x, code)[0].permute(1, 2, 0).numpy())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--refs", type=int, default=5)
    ap.add_argument("--refs-from", choices=("test", "train"), default="test",
                    help="test: each of the first --refs test photos in turn is the reference, scored on the other "
                    "13 (scenes no model has seen); train: the first --refs training photos, scored on all 14 (the "
                    "models were trained on those scenes, in other looks: optimistic)")
    ap.add_argument("--lut-size", type=int, default=17)
    ap.add_argument("--basis", type=int, default=24)
    ap.add_argument("--lambda-gan", type=float, default=0.01)
    ap.add_argument("--lambda-gp", type=float, default=0.01)
    ap.add_argument("--lambda-lut", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, default=None, help="write the trained model folder here")
    ap.add_argument("--name", default="stgan_reference")
    ap.add_argument("--load", type=Path, default=None, help="evaluate this saved model instead of training one")
    ap.add_argument("--adapt-seconds", type=float, default=0.0, help="also score `--recognise --fit` with this "
                    "budget: the look metric adapted to the photos each reference transforms (every reference)")
    ap.add_argument("--fit-seconds", type=float, default=0.0, help="also score --fit (on the test photos' "
                    "thumbnails: the user's inputs) with this budget per stock and reference")
    args = ap.parse_args()
    torch.set_num_threads(2)

    from retrogan.transfer.model import save_model
    from retrogan.transfer.train import TransferTrainConfig, TransferTrainer

    names, imgs = photos()
    train_idx, test_idx = split()
    model, bank = build(args)
    cfg = TransferTrainConfig(steps=args.steps, minutes=args.minutes, seed=args.seed, lambda_gan=args.lambda_gan,
                              lambda_gp=args.lambda_gp, lambda_lut=args.lambda_lut, holdout=sorted(STOCKS.values()))
    train_photos = [tensor(imgs[i], 256) for i in train_idx]
    if args.load:
        from retrogan.transfer.model import load_model

        model = load_model(args.load)
        meta = __import__("json").loads((args.load / "transfer.json").read_text())
        trainer = type("Loaded", (), {"step_num": meta.get("steps_done", 0), "history": []})()
        train_s = float(meta.get("seconds", 0))
    else:
        trainer = TransferTrainer(model, bank, train_photos, cfg)
        t0 = time.perf_counter()
        trainer.fit()
        train_s = time.perf_counter() - t0
    print(f"trained {trainer.step_num} steps in {train_s:.0f} s")
    if args.save and not args.load:
        save_model(model, args.save, {"training": cfg.to_dict(), "steps_done": trainer.step_num,
                                      "seconds": round(train_s), "bank": [f.name for f in bank_files()]
                                      + PARAMETRIC_PRESETS, "photos": [names[i] for i in train_idx]})

    tests = [imgs[i] for i in test_idx]
    bank_tables = bank.luts
    catalogue = load_catalogue(args.load)
    rec_times: list[float] = []
    adapted, adapt_reports = {}, []
    if catalogue:
        from retrogan.transfer.metric import AdaptConfig
        from retrogan.transfer.recognise import adapted_metric, candidate_descriptions

        t = time.perf_counter()
        thumbs = [tensor(t, 256) for t in tests]
        desc = candidate_descriptions(model.encoder, catalogue[1], thumbs)  # (n, 14, dim)
        with torch.no_grad():
            codes = catalogue[2](desc)  # (n, 14, D): each reference reads on the photos it transforms
        codes_s = time.perf_counter() - t
        # --recognise --fit: it depends on the photos to transform, not on the stock
        for n, (_, keep) in enumerate(references(args.refs_from, args.refs, train_idx, test_idx)
                                      if args.adapt_seconds else []):
            m = adapted_metric(catalogue[2], catalogue[1], desc[:, keep], [thumbs[k] for k in keep],
                               AdaptConfig(seconds=args.adapt_seconds), log=adapt_reports.append)
            with torch.no_grad():
                adapted[n] = (m, m(desc[:, keep]).mean(1))
    rows, payload = [], {}
    for stock, file in STOCKS.items():
        truth_all = renders(file)
        truths = [truth_all[i] for i in test_idx]
        scores = {k: [] for k in ("identity", "Reinhard", "histogram matching", "nearest bank look (oracle)",
                                  "ST-GAN feed-forward")}
        # the oracle: the single bank look nearest to the truth on the test photos (it sees the answers)
        from retrogan.film import lut as L

        small_tests = [tensor(t, 256)[None] for t in tests]  # resized once, not once per bank look
        small_truths = [tensor(t, 256).permute(1, 2, 0).numpy() for t in truths]
        best = min(mean_delta_e([L.trilinear(t, lut)[0].permute(1, 2, 0).numpy() for t in small_tests], small_truths)
                   for lut in bank_tables)
        ff_times = []
        for n, (r, keep) in enumerate(references(args.refs_from, args.refs, train_idx, test_idx)):
            ref = truth_all[r]
            inputs, targets = [tests[k] for k in keep], [truths[k] for k in keep]
            lab = srgb_to_lab(ref).reshape(-1, 3)
            scores["identity"].append(mean_delta_e(inputs, targets))
            scores["Reinhard"].append(mean_delta_e([reinhard(t, lab.mean(0), lab.std(0)) for t in inputs], targets))
            scores["histogram matching"].append(mean_delta_e([histogram_match(t, ref.reshape(-1, 3)) for t in inputs],
                                                             targets))
            scores["nearest bank look (oracle)"].append(best)
            t = time.perf_counter()
            preds = transfer(model, ref, inputs)
            ff_times.append(time.perf_counter() - t)
            scores["ST-GAN feed-forward"].append(mean_delta_e(preds, targets))
            if catalogue:
                t = time.perf_counter()
                preds = recognised(model, catalogue, codes[:, keep].mean(1), ref, inputs)
                rec_times.append(time.perf_counter() - t)
                scores.setdefault("recognised (--recognise)", []).append(mean_delta_e(preds, targets))
            if n in adapted:
                names, luts, _ = catalogue
                preds = recognised(model, (names, luts, adapted[n][0]), adapted[n][1], ref, inputs)
                scores.setdefault("recognised, metric adapted (--recognise --fit)", []).append(
                    mean_delta_e(preds, targets))
            if args.fit_seconds and n == 0:  # the fit is slow: scored on the first reference only
                scores.setdefault("ST-GAN feed-forward, first ref", []).append(scores["ST-GAN feed-forward"][-1])
                scores.setdefault("ST-GAN fit", []).append(mean_delta_e(fitted(model, ref, inputs, args.fit_seconds),
                                                                       targets))
        payload[stock] = {k: v for k, v in scores.items()}
        print(stock, {k: round(float(np.mean(v)), 2) for k, v in scores.items()})
        rows.append([stock] + [f"{np.mean(v):.2f} (≤{np.max(v):.2f})" if k in ("ST-GAN feed-forward",
                               "recognised (--recognise)", "recognised, metric adapted (--recognise --fit)")
                               else f"{np.mean(v):.2f}"
                               for k, v in scores.items()])
    header = ["stock", "identity", "Reinhard", "histogram matching", "nearest bank look (oracle, 256 px)",
              "ST-GAN feed-forward (mean, worst of refs)"] + (
        [f"recognised: {len(catalogue[0])} known looks, learned metric (mean, worst)"] if catalogue else []) + (
        [f"recognised, metric adapted {args.adapt_seconds:g} s (--recognise --fit; mean, worst)"] if adapted else []) + (
        ["feed-forward, first ref", f"ST-GAN fit {args.fit_seconds:g} s, first ref"] if args.fit_seconds else [])
    mean_row = ["mean"] + [f"{np.mean([np.mean(payload[s][k]) for s in STOCKS]):.2f}" for k in payload[next(iter(STOCKS))]]
    command = (f"--load {args.load}" if args.load else f"--minutes {args.minutes:g}") + (
        f" --adapt-seconds {args.adapt_seconds:g}" if args.adapt_seconds else "") + (
        f" --fit-seconds {args.fit_seconds:g} (fit scored on the first reference)" if args.fit_seconds else "") + f" --refs {args.refs} --refs-from {args.refs_from}"
    md = (f"`python benchmarks/stgan_reference.py {command}` — feed-forward transfer model trained "
          f"{trainer.step_num} steps ({train_s / 60:.1f} min) on {len(bank_files())} film LUTs + "
          f"{len(PARAMETRIC_PRESETS)} parametric presets (mixtures and perturbations of them), the six dev stocks "
          f"held out; 20 training photos. One reference, rendered through the stock at full size: "
          + (f"each of the first {args.refs} test photos in turn, the other 13 transformed and scored (a scene no "
             f"model has seen)" if args.refs_from == "test" else f"each of the first {args.refs} training photos in "
             f"turn, the 14 test photos scored (the models were trained on the reference's scene, in other looks)")
          + "; mean CIEDE2000 at full size (lower is better; the oracle column: all 14 test photos).\n\n"
          + markdown_table(header, rows + [mean_row]) + "\n"
          + (f"\nRecognition: reading the {len(catalogue[0]) + 1} candidate looks on the 14 photos' 256 px "
             f"thumbnails {codes_s:.0f} s (once: it does not depend on the reference), then per reference reading it "
             f"and rendering the photos at full size: median {np.median(rec_times):.1f} s.\n" if rec_times else "")
          + ("Adapting the metric (once per reference, on the 13 photos it transforms): "
             + "; ".join(adapt_reports) + ".\n" if adapt_reports else ""))
    print(md)
    save(args.name, {"machine": machine(), "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "steps": trainer.step_num,
                     "train_seconds": train_s, "scores": payload, "history": trainer.history,
                     "recognise_seconds": rec_times, "candidate_codes_seconds": codes_s if catalogue else None,
                     "adapt": adapt_reports}, md)


if __name__ == "__main__":
    main()
