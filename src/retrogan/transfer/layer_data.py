"""References with known film and age layers (issue #29): random looks from the renderer's whole space, rendered
on a photo, with the figures the layer estimator must read back. Shared by scripts/train_layers.py and
benchmarks/layer_recovery.py so that both draw from one distribution.

What is drawn: grain (none or 0.008-0.09, its size and colour share), softness (none or 0.3-3), vignette (0-0.6),
halation, dust and scratches, and the colour: a monochrome print (any emulsion, a named toner or a random one, black
lift and faded whites) in 40% of references, otherwise a film stock or a colour shift with some fade. A third of the
references are saved as JPEG (quality 60-95) and read back, as real references come."""
from __future__ import annotations

import io
import json
import math
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from ..film.colour import EMULSIONS, TONERS
from ..film.params import FilmParams

# what the estimator reads: name -> (from FilmParams to the learned target, back)
TARGETS = ("grain", "grain_size", "grain_colour", "softness", "vignette", "halation", "dust", "mono")


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def random_toner(rng: np.random.Generator) -> tuple:
    """A named toner, or a random (black, white, gamma): a hue and a strength for the shadows and the lights."""
    if rng.random() < 0.5:
        return TONERS[str(rng.choice(list(TONERS)))]
    hue = rng.uniform(0, 2 * math.pi)
    c = rng.uniform(0, 0.12)
    tint = np.array([math.cos(hue), math.cos(hue - 2.1), math.cos(hue + 2.1)]) * c
    black = np.clip(rng.uniform(0.0, 0.12) + tint * 0.6, 0, 1)
    white = np.clip(rng.uniform(0.85, 1.0) + tint * 0.5, 0, 1)
    gamma = np.clip(1 - tint * 2, 0.6, 1.6)
    return tuple(tuple(float(v) for v in a) for a in (black, white, gamma))


def random_layers(rng: np.random.Generator, stocks: list[str]) -> FilmParams:
    mono = rng.random() < 0.4
    p = FilmParams(
        grain=0.0 if rng.random() < 0.15 else _loguniform(rng, 0.008, 0.09),
        grain_size=_loguniform(rng, 0.0006, 0.0025),
        grain_colour=0.0 if mono else float(rng.uniform(0, 0.35)),
        grain_roughness=float(rng.uniform(0, 0.4)),
        softness=0.0 if rng.random() < 0.2 else _loguniform(rng, 0.3, 3.0),
        vignette=0.0 if rng.random() < 0.2 else float(rng.uniform(0, 0.6)),
        halation=0.0 if rng.random() < 0.5 else float(rng.uniform(0.1, 0.6)),
        dust=0.0 if rng.random() < 0.5 else float(rng.uniform(0.05, 0.7)),
        scratches=0.0 if rng.random() < 0.8 else float(rng.uniform(0.1, 0.6)),
    )
    if mono:
        return replace(p, mono=1.0, emulsion=str(rng.choice(list(EMULSIONS))), toner=random_toner(rng),
                       toning=float(rng.uniform(0.3, 1.0)), fade_black=float(rng.uniform(0, 0.1)),
                       fade_white=float(rng.uniform(0, 0.12)))
    if stocks and rng.random() < 0.6:
        p = replace(p, stock=str(rng.choice(stocks)), stock_mix=float(rng.uniform(0.5, 1.0)))
    return replace(p, temperature=float(rng.normal(0, 0.2)), tint=float(rng.normal(0, 0.1)),
                   saturation=float(rng.uniform(0.5, 1.3)),
                   fade_black=tuple(float(v) for v in rng.uniform(0, 0.1) * rng.uniform(0.6, 1.4, 3)))


def target_vector(p: FilmParams) -> np.ndarray:
    """The figures to learn, on scales where equal steps look alike: logs for amounts that span decades."""
    return np.asarray([math.log(p.grain + 0.004), math.log(p.grain_size), p.grain_colour,
                       math.log(p.softness + 0.15), p.vignette, p.halation, math.log(p.dust + 0.03),
                       float(p.mono > 0.5)], dtype=np.float32)


def from_target(v: np.ndarray) -> dict:
    """The learned figures back on the renderer's scales (the inverse of ``target_vector``; mono as a probability)."""
    return {"grain": max(0.0, math.exp(v[0]) - 0.004), "grain_size": math.exp(v[1]),
            "grain_colour": float(np.clip(v[2], 0, 1)), "softness": max(0.0, math.exp(v[3]) - 0.15),
            "vignette": float(np.clip(v[4], 0, 1)), "halation": float(np.clip(v[5], 0, 1)),
            "dust": max(0.0, math.exp(v[6]) - 0.03), "mono": float(1 / (1 + math.exp(-v[7])))}


def render_reference(rgb8: np.ndarray, p: FilmParams, rng: np.random.Generator, seed: int) -> np.ndarray:
    """The photo (H, W, 3) uint8 in the look, maybe through a JPEG, as float in [0, 1]."""
    from ..film.fast import render_array

    out = render_array(rgb8, p, seed=seed)
    if rng.random() < 1 / 3:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="JPEG", quality=int(rng.integers(60, 96)))
        out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return out.astype(np.float32) / 255


def _one(job: tuple) -> tuple:
    from .layer_features import features

    path, k, seed, stocks, keep = job
    rng = np.random.default_rng([seed, k, zlib.crc32(Path(path).name.encode())])
    p = random_layers(rng, stocks)
    rgb8 = np.asarray(Image.open(path).convert("RGB"))
    ref = render_reference(rgb8, p, rng, seed=int(rng.integers(1 << 30)))
    pixels = np.round(ref * 255).astype(np.uint8) if keep else None
    return features(ref), target_vector(p), json.loads(p.to_json()), pixels


def reference_set(paths: list, per_photo: int, seed: int, workers: int = 2, keep_pixels: bool = False):
    """Features, targets, FilmParams (as dicts) and, with ``keep_pixels``, the references (uint8) of ``per_photo``
    random references of every photo."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from ..luts.stocks import STOCKS

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    jobs = [(str(p), k, seed, sorted(STOCKS), keep_pixels) for p in paths for k in range(per_photo)]
    if workers <= 1:
        rows = [_one(j) for j in jobs]
    else:
        with ProcessPoolExecutor(workers, initializer=torch_threads) as pool:
            rows = list(pool.map(_one, jobs, chunksize=8))
    return (np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]), [r[2] for r in rows],
            [r[3] for r in rows] if keep_pixels else None)


def torch_threads() -> None:
    import torch

    torch.set_num_threads(1)
