"""Recognise a look from photos of *other* scenes, by analysis by synthesis over a catalogue of known looks.

Matching colour distributions between two small sets of different scenes follows the scenes, not the look
(benchmarks/results/unpaired_diagnosis.md: even matching luminance alone between two halves of the raw photos moves
them by ΔE 14). The style encoder was trained to read a look across scenes, so instead of comparing pixels we compare
what the encoder reads: each catalogue look is rendered onto the user's own modern photos, and the look whose renders
the encoder reads most like the style photos wins — softly, a mixture weighted by ``softmax(-d / (tau * min d))``.
Candidates are real looks (and "do nothing"), never free parameters: a continuous search through the encoder finds
looks that fool it (DEVELOPERS.md, "Look prior"), a catalogue of real looks cannot.

With a learned look metric (``transfer.metric``, shipped beside the catalogue as ``metric.safetensors``), the
distance is read in ΔE units by a head trained to ignore the scenes, and the weights are
``softmax(-(d - min d) / (tau * scale))``: better on both halves of the unpaired task and on the one-reference task
(benchmarks/results/look_metric.md).

Black and white is read from the pixels, not by the metric: style photos with no colour at all (every pixel's a*, b*
within ``NEUTRAL_SPREAD`` of their median, and that median near grey) choose among the candidates that render in black
and white, and any other style photos among those that do not (``allowed``). On new scenes the metric misreads by a
few ΔE, and a soft mixture otherwise lends a black-and-white look some colour and a colour look some grey
(DEVELOPERS.md, "Black and white").

``scene_distance`` (opt-in, ``spread_eps``) reads each candidate's distance in units of its own spread over the modern
photos. It is not a better reader but a prior for mild looks: on references the metric never saw it brings the six
film stocks from 6.97 to 5.04 and makes strong old-print looks far worse, 11.48 -> 17.47, and every temperature of
either distance lies on one trade-off between the two (DEVELOPERS.md, "Scene spread"). Off by default.

The catalogue ships beside the transfer model (``bank.safetensors``: the looks the model was trained on, at 17^3).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..film import lut as L
from ..metrics import srgb_to_lab

BANK = "bank.safetensors"
SIDE = 256  # images are area-resized to this square before the encoder (as references are)
NEUTRAL_SPREAD = 0.5  # mean a*b* distance of the style photos' pixels from their median: below it (and grey), B&W
NEUTRAL_TINT = 2.0    # ... and that median's chroma at most this (a slightly off scan; toned prints read 7-9)
NEUTRAL_CHROMA = 1.0  # a look whose outputs average less chroma than this over its grid renders in black and white
SPREAD_EPS = 0.3  # ΔE² added to every dimension's spread (``scene_distance``): 0.1-1 read alike on held-out refs


def save_bank(path: Path, names: list[str], luts: torch.Tensor, recipes: torch.Tensor | None = None) -> None:
    """``luts`` (n, 3, N, N, N) -> a safetensors file (float16 tables, the names in its metadata). ``recipes``
    (k, 9) float64: more candidate looks, as mixtures and adjustments of these (``bank.RECIPE``)."""
    from safetensors.torch import save

    from ..imaging.write import atomic_write_bytes

    if len(names) != len(luts):
        raise ValueError("one name per look")
    tensors = {"luts": luts.to(torch.float16).contiguous()}
    if recipes is not None:
        tensors["recipes"] = recipes.to(torch.float64).contiguous()
    atomic_write_bytes(path, save(tensors, metadata={"names": json.dumps(names)}), overwrite=True)


def load_bank(path: Path) -> tuple[list[str], torch.Tensor]:
    from safetensors import SafetensorError, safe_open

    from ..errors import StyleError

    try:
        with safe_open(str(path), framework="pt") as f:
            names = json.loads(f.metadata()["names"])
            luts = f.get_tensor("luts").float()
    except (OSError, KeyError, ValueError, TypeError, SafetensorError) as e:
        raise StyleError(f"{path}: not a look catalogue ({e})") from None
    if luts.ndim != 5 or luts.shape[1] != 3 or len(names) != len(luts):
        raise StyleError(f"{path}: not a look catalogue (tables {tuple(luts.shape)}, {len(names)} names)")
    return names, luts


def load_candidates(path: Path) -> tuple[list[str], torch.Tensor]:
    """The looks recognition chooses among: the catalogue's, then those of its recipes (named by what they mix)."""
    from safetensors import safe_open

    from .bank import RECIPE, recipe_name, render_recipe

    names, luts = load_bank(path)
    with safe_open(str(path), framework="pt") as f:
        recipes = f.get_tensor("recipes").numpy() if "recipes" in f.keys() else np.zeros((0, len(RECIPE)))
    if recipes.ndim != 2 or recipes.shape[1] != len(RECIPE) or (len(recipes) and (
            recipes[:, :2].min() < 0 or recipes[:, :2].max() >= len(names))):
        from ..errors import StyleError

        raise StyleError(f"{path}: recipes {recipes.shape} do not fit a catalogue of {len(names)} looks")
    extra = [render_recipe(luts, r) for r in recipes]
    return names + [recipe_name(names, r) for r in recipes], torch.cat([luts] + [x[None] for x in extra])


def load_recogniser(folder: Path):
    """The candidates (``load_candidates``) and, when the folder has one, the learned look metric beside them."""
    from .metric import METRIC, load_metric

    names, luts = load_candidates(folder / BANK)
    metric = load_metric(folder / METRIC) if (folder / METRIC).exists() else None
    return names, luts, metric


@dataclass
class Recognised:
    lut: torch.Tensor                               # (3, N, N, N): the weighted mixture of catalogue looks
    weights: list[tuple[str, float]] = field(default_factory=list)  # (look, weight), largest first
    distance: float = 0.0                           # the nearest look's distance (code space, or ΔE with a metric)
    distances: torch.Tensor | None = None           # every candidate's ("none" first, then the catalogue's order)

    def summary(self, top: int = 3) -> str:
        """The largest shares: "72% faded-print-1970s (adjusted); 9% [57% tintype-1860s + 43% fp4-125]; ..."."""
        parts = [f"{w:.0%} {n}" for n, w in self.weights[:top]]
        rest = sum(w for _, w in self.weights[top:])
        return "; ".join(parts) + (f"; {rest:.0%} spread over {len(self.weights) - top} other looks"
                                   if rest >= 0.005 else "")


def _squares(images: list[torch.Tensor], side: int) -> torch.Tensor:
    return torch.cat([F.interpolate(x[None].float(), size=(side, side), mode="area") for x in images])


def _reader(encoder, metric):
    return encoder if metric is None else (lambda x: metric(encoder.describe(x)))


def is_neutral(images: torch.Tensor) -> bool:
    """(B, 3, H, W) sRGB in [0, 1]: black and white? Every pixel's a*, b* near their median, and that median grey
    (read at 64 px, so grain averages out: digital B&W and its JPEGs read 0, grey with noise of 2/255 per channel 0.44;
    the benchmark's photos rendered in colour stocks 1.0 and more, their median 5 and more; toned prints, whose median
    is a tint, are not neutral)."""
    small = F.adaptive_avg_pool2d(images.float(), (min(64, images.shape[-2]), min(64, images.shape[-1])))  # not grain
    ab = srgb_to_lab(small.permute(0, 2, 3, 1).reshape(-1, 3).double().numpy())[:, 1:]
    mid = np.median(ab, axis=0)
    return bool(np.linalg.norm(ab - mid, axis=1).mean() < NEUTRAL_SPREAD and np.linalg.norm(mid) < NEUTRAL_TINT)


def neutral_looks(luts: torch.Tensor) -> torch.Tensor:
    """(n, 3, N, N, N) -> (n,) bool: the looks that render in black and white (their outputs over the grid, every
    other node, average less than ``NEUTRAL_CHROMA``); a B&W look with a cast (a toned print) is not neutral."""
    out = luts[..., ::2, ::2, ::2].clamp(0, 1).flatten(2).transpose(1, 2).double().numpy()  # every other node
    chroma = np.linalg.norm(srgb_to_lab(out)[..., 1:], axis=-1).mean(1)
    return torch.from_numpy(chroma < NEUTRAL_CHROMA)


def allowed(luts: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """(n,) bool over ``luts`` (with "none" first, as in ``candidate_codes``): the B&W looks for neutral style
    photos, the others for any other; every look when none qualifies."""
    keep = neutral_looks(luts) == is_neutral(style)
    return keep if keep.any() else torch.ones_like(keep)


@torch.no_grad()
def candidate_codes(encoder, luts: torch.Tensor, sources: list[torch.Tensor], metric=None,
                    max_images: int = 16, per_image: bool = False, log=None) -> torch.Tensor:
    """(n + 1, D): how each candidate ("none", then ``luts``) reads on the modern photos (the mean over them;
    ``per_image``: (n + 1, P, D), one reading per photo, to average over any subset later). The costly half of
    recognition; it does not depend on the style photos, so several of them can share it."""
    desc = candidate_descriptions(encoder, luts, sources, max_images, log)
    codes = encoder.from_description(desc) if metric is None else metric(desc)
    return codes if per_image else codes.mean(1)


@torch.no_grad()
def candidate_descriptions(encoder, luts: torch.Tensor, sources: list[torch.Tensor],
                           max_images: int = 16, log=None) -> torch.Tensor:
    """(n + 1, P, dim): the encoder's description of every candidate ("none", then ``luts``) on each modern photo.
    ``log`` hears how far it is (every tenth of the candidates: this is the minutes-long part)."""
    import time

    if not sources:
        raise ValueError("recognising a look needs modern photos and photos in the look")
    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    src = _squares(sources[:max_images], SIDE)
    out, start, step = [], time.perf_counter(), max(1, len(cands) // 10)
    for i, lut in enumerate(cands):
        out.append(encoder.describe(L.trilinear(src, lut).clamp(0, 1)))
        if log and (i + 1) % step == 0 and i + 1 < len(cands):
            spent = time.perf_counter() - start
            log(f"reading the look: {i + 1} of {len(cands)} known looks tried on {len(src)} photo(s), "
                f"about {spent * (len(cands) - i - 1) / (i + 1):.0f} s left")
    return torch.stack(out)


def scene_distance(codes: torch.Tensor, target: torch.Tensor, eps: float = SPREAD_EPS) -> torch.Tensor:
    """codes (n, P, D): each candidate's metric embedding on P >= 2 modern photos; target (D,) -> (n,): the
    distance of the candidates' means from ``target``, every dimension divided by the candidate's spread over the
    photos (its standard deviation, with ``eps`` added to the variance): a diagonal Mahalanobis distance."""
    if codes.ndim != 3 or codes.shape[1] < 2:
        raise ValueError(f"scene_distance needs (n, P >= 2, D) codes, got {tuple(codes.shape)}")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    return ((codes.mean(1) - target) / (codes.var(1) + eps).sqrt()).norm(dim=1)


@torch.no_grad()
def recognise_from_codes(encoder, names: list[str], luts: torch.Tensor, codes: torch.Tensor,
                         style: list[torch.Tensor], tau: float = 1.0, max_images: int = 16,
                         metric=None, spread_eps: float | None = None) -> Recognised:
    """The weights of the candidates whose ``codes`` (``candidate_codes``: (n + 1, D) means, or (n + 1, P, D) per
    photo) read nearest the style photos, among those ``allowed`` for them (the others weigh 0 and read ``inf`` in
    ``distances``). Per-photo codes of two or more photos, with a metric and ``spread_eps``, are read by
    ``scene_distance``; otherwise their mean by the plain distance."""
    if not style:
        raise ValueError("recognising a look needs modern photos and photos in the look")
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    squares = _squares(style[:max_images], SIDE)
    target = _reader(encoder, metric)(squares).mean(0)
    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    if codes.ndim == 3 and metric is not None and spread_eps and codes.shape[1] >= 2:
        d = scene_distance(codes, target, spread_eps)
    else:
        codes = codes.mean(1) if codes.ndim == 3 else codes
        d = (codes - target).pow(2).sum(1) if metric is None else (codes - target).norm(dim=1)
    d = d.masked_fill(~allowed(cands, squares), float("inf"))
    if metric is None:
        w = torch.softmax(-d / (tau * d.min().clamp(min=1e-8)), 0)
    else:
        w = torch.softmax(-(d - d.min()) / (tau * metric.config.scale), 0)
    lut = (w.view(-1, 1, 1, 1, 1) * cands).sum(0)
    labels = ["none"] + list(names)
    order = torch.argsort(w, descending=True).tolist()
    return Recognised(lut, [(labels[i], float(w[i])) for i in order], float(d.min()), d)


def recognise_look(encoder, names: list[str], luts: torch.Tensor, sources: list[torch.Tensor],
                   style: list[torch.Tensor], tau: float = 1.0, max_images: int = 16, metric=None,
                   adapt=None, log=None, spread_eps: float | None = None) -> Recognised:
    """``sources``: modern photos (3, h, w); ``style``: photos in the look to learn (other scenes). The identity
    ("none") is always a candidate. ``tau`` > 0: larger spreads the weight over more looks. ``metric``: a
    ``LookMetric`` reading the encoder's descriptions (None: the encoder's own code distance). ``adapt``: an
    ``AdaptConfig``: first fine-tune the metric on ``sources`` (``adapt_metric``; needs a metric and two photos).
    ``spread_eps`` (e.g. ``SPREAD_EPS``): read distances in units of each candidate's spread over ``sources``
    (``scene_distance``; with a metric and two or more photos; a prior for mild looks); None: the plain distance of
    the means."""
    if not sources or not style:
        raise ValueError("recognising a look needs modern photos and photos in the look")
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    if adapt is not None and metric is not None and len(sources[:max_images]) >= 2:
        desc = candidate_descriptions(encoder, luts, sources, max_images, log)
        metric = adapted_metric(metric, luts, desc, sources[:max_images], adapt, log)
        with torch.no_grad():
            codes = metric(desc)
    else:
        if adapt is not None and log:
            log("not adapting the look metric: that needs the learned metric and at least two photos")
        codes = candidate_codes(encoder, luts, sources, metric, max_images, per_image=True, log=log)
    return recognise_from_codes(encoder, names, luts, codes, style, tau, max_images, metric, spread_eps)


def adapted_metric(metric, luts: torch.Tensor, desc: torch.Tensor, sources: list[torch.Tensor], config, log=None):
    """``metric`` fine-tuned on the modern photos (``metric.adapt_metric``): ``desc`` from ``candidate_descriptions``
    on the same ``sources``; the targets are the candidates' true distances on the photos' pixels."""
    from .metric import adapt_metric, look_distances

    cands = torch.cat([L.identity(luts.shape[-1])[None], luts])
    with torch.no_grad():
        target = look_distances(cands, _squares(sources, SIDE), side=32)
    return adapt_metric(metric, desc, target, config, log)[0]
