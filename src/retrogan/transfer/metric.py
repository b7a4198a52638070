"""A learned look metric: how far apart two looks are, in ΔE units, read from photos of *different* scenes.

The transfer encoder was trained to drive the generator, not to measure looks: its code distance also follows the
scenes. This small head reads the encoder's frozen descriptions (backbone feature means/spreads and colour
statistics) and is trained so that the distance between the mean embeddings of two disjoint sets of photos, each in
a look, equals the mean CIE76 distance between the two looks on the same pixels: scene-invariant by construction,
in ΔE units (benchmarks/results/look_metric.md). ``scripts/build_look_metric.py`` trains the bundled one
(``metric.safetensors`` beside the transfer model and its look catalogue); the recogniser uses it when present.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..film import lut as L

METRIC = "metric.safetensors"


@dataclass
class MetricConfig:
    dim: int                    # the encoder description's width
    hidden: int = 256
    out: int = 64
    scale: float = 1.0          # recognition temperature in ΔE: weights softmax(-(d - min d) / scale)
    info: dict = field(default_factory=dict)  # how it was trained (looks, photos, steps, seed)

    def to_dict(self) -> dict:
        return asdict(self)


class LookMetric(nn.Module):
    def __init__(self, config: MetricConfig) -> None:
        super().__init__()
        self.config = c = config
        self.net = nn.Sequential(nn.LayerNorm(c.dim), nn.Linear(c.dim, c.hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(c.hidden, c.hidden), nn.LeakyReLU(0.2), nn.Linear(c.hidden, c.out))

    def forward(self, desc: torch.Tensor) -> torch.Tensor:
        """(..., dim) encoder descriptions -> (..., out) embeddings; a set of photos is the mean of its rows."""
        return self.net(desc)


def save_metric(path: Path, metric: LookMetric) -> None:
    from safetensors.torch import save

    from ..imaging.write import atomic_write_bytes

    tensors = {k: v.detach().contiguous() for k, v in metric.state_dict().items()}
    atomic_write_bytes(path, save(tensors, metadata={"config": json.dumps(metric.config.to_dict())}), overwrite=True)


def load_metric(path: Path) -> LookMetric:
    from safetensors import SafetensorError, safe_open

    from ..errors import StyleError

    try:
        with safe_open(str(path), framework="pt") as f:
            config = MetricConfig(**json.loads(f.metadata()["config"]))
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        metric = LookMetric(config)
        metric.load_state_dict(tensors)
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, SafetensorError) as e:
        raise StyleError(f"{path}: not a look metric ({e})") from None
    return metric.eval()


def look_distances(looks: torch.Tensor, src: torch.Tensor, side: int = 64) -> torch.Tensor:
    """looks (K, 3, N, N, N), src (P, 3, H, W) in [0, 1] -> (K, K) mean CIE76 distance between every two looks on
    the pixels of ``src`` (area-resized to ``side`` squares)."""
    from ..metrics import srgb_to_lab

    px = torch.cat(list(F.interpolate(src, size=(side, side), mode="area").flatten(2)), 1)  # (3, P * side^2)
    labs = torch.stack([torch.from_numpy(srgb_to_lab(L.trilinear(px[None, :, None], lut)[0, :, 0].clamp(0, 1)
                                                     .T.contiguous().numpy()[None])[0]) for lut in looks])
    return torch.stack([(labs - labs[a][None]).norm(dim=2).mean(1) for a in range(len(looks))]).float()


def recoloured(src: torch.Tensor, generator: torch.Generator, wb: float = 0.12, exposure: float = 0.25,
               saturation: float = 0.2) -> torch.Tensor:
    """src (P, 3, H, W) in [0, 1] -> the same photos with a random white balance (per-channel gains, log2 sd ``wb``,
    mean gain 1), exposure (log2 sd ``exposure``) and saturation (log sd ``saturation``) each: the same scenes in
    other light, so that a look metric cannot tell a look from a scene by the scene's own colours."""
    n = len(src)
    gains = 2 ** (wb * torch.randn(n, 3, 1, 1, generator=generator))
    gains = gains / gains.mean(1, keepdim=True) * 2 ** (exposure * torch.randn(n, 1, 1, 1, generator=generator))
    y = (src * gains).clamp(0, 1)
    grey = y.mean(1, keepdim=True)
    return (grey + (y - grey) * torch.exp(saturation * torch.randn(n, 1, 1, 1, generator=generator))).clamp(0, 1)


def metric_loss(metric: LookMetric, desc: torch.Tensor, target: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                half1: torch.Tensor, half2: torch.Tensor, var1: torch.Tensor | None = None,
                var2: torch.Tensor | None = None) -> torch.Tensor:
    """desc (K, P, dim): every look on every photo, or (K, P, V, dim) with V versions of every photo (``var1``,
    ``var2``: which one, per photo of ``half1``, ``half2``; None: the first); target (K, K) ΔE. Pairs (a[i], b[i])
    seen through the photo sets half1[i] and half2[i] (disjoint): relative squared error (d - t)^2 / (t + 1), so
    near looks count."""
    desc = desc if desc.ndim == 4 else desc[:, :, None]
    var1 = torch.zeros_like(half1) if var1 is None else var1
    var2 = torch.zeros_like(half2) if var2 is None else var2
    d = (metric(desc[a[:, None], half1, var1]).mean(1) - metric(desc[b[:, None], half2, var2]).mean(1)).norm(dim=1)
    t = target[a, b]
    return (((d - t) ** 2) / (t + 1)).mean()


def sample_pairs(ids: torch.Tensor, near: torch.Tensor, photos: int, batch: int, generator: torch.Generator,
                 first: int | None = None):
    """(a, b, half1, half2): looks drawn from ``ids``, a quarter of them paired with themselves, nearly half with
    one of their ``near`` looks (when it is among ``ids``), the rest with any; each pair seen through two disjoint
    sets of the ``photos``: halves, or ``first`` photos against all the others."""
    g = generator
    a = ids[torch.randint(len(ids), (batch,), generator=g)]
    r = torch.rand(batch, generator=g)
    other = torch.where(r < 0.25, a, ids[torch.randint(len(ids), (batch,), generator=g)])
    nb = near[a, torch.randint(near.shape[1], (batch,), generator=g)]
    other = torch.where((r >= 0.25) & (r < 0.7) & torch.isin(nb, ids), nb, other)
    perm = torch.stack([torch.randperm(photos, generator=g) for _ in range(batch)])
    cut = photos // 2 if first is None else first
    return a, other, perm[:, :cut], perm[:, cut:]


def train_metric(desc: torch.Tensor, target: torch.Tensor, train_ids: list[int], val_ids: list[int], steps: int,
                 generator: torch.Generator, config: MetricConfig | None = None, batch: int = 64,
                 log=None, p_recoloured: float = 0.5) -> LookMetric:
    """Pairs of looks seen through disjoint halves of the photos: a quarter the same look (distance 0: scene
    invariance), nearly half one of its 20 nearest looks, the rest any look. Adam, the rate decaying linearly to a
    tenth. ``val_ids``: looks never trained on, whose loss is logged every 2,500 steps (on the photos as they are).
    ``desc`` (K, P, dim), or (K, P, V, dim): version 0 of each photo as it is, versions 1.. ``recoloured``; each
    photo of a training set is then a recoloured version with probability ``p_recoloured``."""
    k, p, dim = desc.shape[0], desc.shape[1], desc.shape[-1]
    versions = desc.shape[2] if desc.ndim == 4 else 1
    g = generator
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(2 ** 31, (1,), generator=g)))
        metric = LookMetric(config or MetricConfig(dim))
    opt = torch.optim.Adam(metric.parameters(), lr=1e-3, weight_decay=1e-4)
    near = torch.argsort(target, 1)[:, 1:21]

    def pairs(ids: torch.Tensor):
        return sample_pairs(ids, near, p, batch, g)

    def versions_of(half: torch.Tensor) -> torch.Tensor:
        if versions == 1:
            return torch.zeros_like(half)
        other = torch.randint(1, versions, half.shape, generator=g)
        return torch.where(torch.rand(half.shape, generator=g) < p_recoloured, other, 0)

    tid, vid = torch.tensor(train_ids), torch.tensor(val_ids)
    for s in range(steps + 1):
        for group in opt.param_groups:
            group["lr"] = 1e-3 * (1 - 0.9 * s / max(steps, 1))
        a, b, half1, half2 = pairs(tid)
        loss = metric_loss(metric, desc, target, a, b, half1, half2, versions_of(half1), versions_of(half2))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if log and (s % 2500 == 0 or s == steps) and len(vid):
            with torch.no_grad():
                val = float(np.mean([float(metric_loss(metric, desc, target, *pairs(vid))) for _ in range(20)]))
            log(f"step {s}: train {loss.item():.3f}, held-out looks {val:.3f}")
    return metric.eval()


@dataclass
class AdaptConfig:
    seconds: float = 60.0
    steps: int = 1000
    lr: float = 1e-3
    batch: int = 64
    one_share: float = 0.5  # pairs read through one photo against the rest (as a single reference is read)
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def adapt_metric(metric: LookMetric, desc: torch.Tensor, target: torch.Tensor, config: AdaptConfig | None = None,
                 log=None) -> tuple[LookMetric, dict]:
    """A copy of ``metric`` fine-tuned on the user's own photos, so that it reads *their* scenes (a head trained on
    20 scenes misreads new ones by a few ΔE; DEVELOPERS.md, "Adapting the metric"). ``desc`` (K, P, dim): every
    candidate look on each of the P >= 2 photos; ``target`` (K, K): the looks' true distances on their pixels
    (``look_distances``). The same loss as ``train_metric``, its pairs read through one photo against the other
    P - 1 (``one_share`` of the steps) or through two halves; Adam at ``lr`` for ``steps`` or ``seconds``,
    whichever ends first. No truth about the look to recognise is used: only the catalogue rendered on the photos."""
    import copy
    import time

    cfg = config or AdaptConfig()
    k, p = desc.shape[:2]
    if p < 2:
        raise ValueError("adapting the look metric needs at least two photos")
    g = torch.Generator().manual_seed(cfg.seed)
    out = copy.deepcopy(metric).train()
    opt = torch.optim.Adam(out.parameters(), lr=cfg.lr, weight_decay=1e-4)
    near, ids = torch.argsort(target, 1)[:, 1:21], torch.arange(k)
    t0, step, first = time.perf_counter(), 0, None
    with torch.enable_grad():
        while step < cfg.steps and time.perf_counter() - t0 < cfg.seconds:
            one = bool(torch.rand(1, generator=g) < cfg.one_share)
            loss = metric_loss(out, desc, target, *sample_pairs(ids, near, p, cfg.batch, g, 1 if one else None))
            first = loss.item() if first is None else first
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
    report = {"steps": step, "seconds": round(time.perf_counter() - t0, 1), "first_loss": first,
              "last_loss": loss.item() if step else None}
    if log:
        log(f"adapted the look metric to {p} photos: {step} steps in {report['seconds']:g} s")
    return out.eval(), report
