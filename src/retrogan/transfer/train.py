"""Feed-forward training of the transfer model across many looks with known answers.

Each step draws looks from the bank; for each look one reference photo and other content photos (different scenes)
are rendered through it. The encoder sees only the rendered reference; the generator must reproduce the look on the
content photos: L1 to the true renders, the adversarial loss of a PatchGAN conditioned on the reference's code
(the mission's E[log D] + E[log(1 - D(G))], non-saturating for G), and the mission's input-gradient penalty
λ E‖∇_X G(X, Y)‖² (per pixel, random projections, every ``reg_every`` steps). Deterministic for a seed on the CPU.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from ..film import lut as L
from ..losses import d_logistic_loss, g_nonsaturating_loss, input_gradient_penalty, l1_loss, lut_smoothness
from .bank import LookBank
from .model import TransferModel


@dataclass
class TransferTrainConfig:
    steps: int = 4000
    minutes: float | None = None
    looks_per_step: int = 8
    contents_per_look: int = 2
    side: int = 128               # training images (content and reference) are this square (random crops)
    lr: float = 1e-3
    lr_basis: float = 3e-4
    lambda_l1: float = 1.0
    lambda_gan: float = 0.01
    lambda_gp: float = 0.01       # the input-gradient penalty, per output pixel (identity map: 1)
    lambda_smooth: float = 1e-3
    lambda_lut: float = 1.0       # the look is known: its LUT is a direct target for the predicted one
    reg_every: int = 4
    d_width: int = 32
    seed: int = 0
    log_every: int = 50
    holdout: list = field(default_factory=list)   # bank files never trained on (the evaluation's looks)

    def to_dict(self) -> dict:
        return asdict(self)


class ReferenceDiscriminator(nn.Module):
    """PatchGAN on the judged image, conditioned on the reference's style code by projection."""

    def __init__(self, style_dim: int, width: int = 32, layers: int = 3) -> None:
        super().__init__()
        mods, ch = [spectral_norm(nn.Conv2d(3, width, 4, 2, 1)), nn.LeakyReLU(0.2)], width
        for _ in range(1, layers):
            nxt = min(ch * 2, 8 * width)
            mods += [spectral_norm(nn.Conv2d(ch, nxt, 4, 2, 1)), nn.LeakyReLU(0.2)]
            ch = nxt
        self.features = nn.Sequential(*mods)
        self.logit = spectral_norm(nn.Conv2d(ch, 1, 3, 1, 1))
        self.project = spectral_norm(nn.Linear(style_dim, ch))

    def forward(self, image: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        h = self.features(image * 2 - 1)
        return self.logit(h) + (self.project(code)[..., None, None] * h).sum(1, keepdim=True)


def init_basis_from_bank(model: TransferModel, bank: LookBank, rng: np.random.Generator, samples: int = 600) -> None:
    """Start the generator's basis LUTs at the main directions of variation of the bank's looks (PCA of sampled
    LUTs minus their mean), and its own LUT at the mean: the encoder then only has to learn weights."""
    g = model.generator
    n = g.config.lut_size
    with torch.no_grad():
        luts = torch.stack([bank.sample(rng) for _ in range(samples)])
        if luts.shape[-1] != n:
            luts = F.interpolate(luts, size=(n, n, n), mode="trilinear", align_corners=True)
        flat = luts.reshape(samples, -1)
        mean = flat.mean(0)
        _, s, v = torch.linalg.svd(flat - mean, full_matrices=False)
        k = g.config.n_basis
        scale = s[:k] / samples ** 0.5  # the bases carry the spread, so the weights start near unit scale
        g.basis.copy_((v[:k] * scale[:, None]).reshape(k, 3, n, n, n))
        g.style_lut[0].copy_(mean.reshape(3, n, n, n) - g.identity_lut)
        g.to_weights.bias.zero_()


class TransferTrainer:
    def __init__(self, model: TransferModel, bank: LookBank, photos: list[torch.Tensor], cfg: TransferTrainConfig,
                 log=print) -> None:
        if len(photos) < 2:
            raise ValueError("feed-forward training needs at least 2 photos (a reference and other content)")
        self.model, self.bank, self.photos, self.cfg, self.log = model, bank, photos, cfg, log
        torch.manual_seed(cfg.seed)
        self.rng = np.random.default_rng(cfg.seed)
        self.torch_rng = torch.Generator().manual_seed(cfg.seed)
        init_basis_from_bank(model, bank, np.random.default_rng(cfg.seed + 1))
        g = model.generator
        basis = [g.basis]
        rest = [p for n, p in model.named_parameters() if n != "generator.basis"]
        self.opt_g = torch.optim.Adam([{"params": rest, "lr": cfg.lr}, {"params": basis, "lr": cfg.lr_basis}],
                                      betas=(0.5, 0.99))
        self.D = ReferenceDiscriminator(model.encoder.config.style_dim, cfg.d_width)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.99))
        self.step_num, self.elapsed, self.history = 0, 0.0, []

    def crop(self, img: torch.Tensor) -> torch.Tensor:
        s = self.cfg.side
        _, h, w = img.shape
        if min(h, w) < s:
            img = F.interpolate(img[None], size=(max(s, h), max(s, w)), mode="bilinear", align_corners=False)[0]
            _, h, w = img.shape
        y, x = int(self.rng.integers(h - s + 1)), int(self.rng.integers(w - s + 1))
        return img[:, y:y + s, x:x + s]

    def whole(self, img: torch.Tensor) -> torch.Tensor:
        """A reference is a whole photo (as at inference), squeezed to side x side."""
        s = self.cfg.side
        return F.interpolate(img[None], size=(s, s), mode="area")[0]

    def batch(self):
        """refs (B, 3, s, s), contents (B*k, 3, s, s), targets (B*k, 3, s, s), look index per content, LUTs."""
        cfg = self.cfg
        refs, contents, targets, owner, luts = [], [], [], [], []
        for i in range(cfg.looks_per_step):
            lut = self.bank.sample(self.rng)
            luts.append(lut)
            order = self.rng.permutation(len(self.photos))
            ref = self.whole(self.photos[order[0]])
            refs.append(L.trilinear(ref[None], lut)[0])
            for j in order[1:1 + cfg.contents_per_look]:
                x = self.crop(self.photos[j])
                contents.append(x)
                targets.append(L.trilinear(x[None], lut)[0])
                owner.append(i)
        return torch.stack(refs), torch.stack(contents), torch.stack(targets), torch.tensor(owner), torch.stack(luts)

    def step(self) -> dict:
        cfg, model = self.cfg, self.model
        refs, x, y, owner, luts = self.batch()
        codes = model.encoder(refs)
        code = codes[owner]
        theta = model.analyse(x, code)
        out = model.generator.render(x, theta, 1.0, seed=self.step_num)
        loss_l1 = l1_loss(out, y)
        loss = cfg.lambda_l1 * loss_l1 + cfg.lambda_smooth * lut_smoothness(theta.lut)
        logs = {"l1": loss_l1.item()}
        if cfg.lambda_lut and luts.shape[-1] == theta.lut.shape[-1]:
            loss_lut = (theta.lut - luts[owner]).abs().mean()
            loss = loss + cfg.lambda_lut * loss_lut
            logs["lut"] = loss_lut.item()
        if cfg.lambda_gan:
            g_adv = g_nonsaturating_loss(self.D(out, code.detach()))
            loss = loss + cfg.lambda_gan * g_adv
            logs["g_adv"] = g_adv.item()
        if cfg.lambda_gp and self.step_num % cfg.reg_every == 0:
            fixed = code.detach()[:2]
            gp = input_gradient_penalty(lambda inp: model(inp, fixed), x[:2], generator_rng=self.torch_rng)
            gp = gp / x[0].numel()
            loss = loss + cfg.lambda_gp * cfg.reg_every * gp
            logs["gp"] = gp.item()
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        if cfg.lambda_gan:
            d_loss = d_logistic_loss(self.D(y, code.detach()), self.D(out.detach(), code.detach()))
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
            logs["d"] = d_loss.item()
        return logs

    def fit(self, progress=None) -> dict:
        cfg = self.cfg
        budget = cfg.minutes * 60 if cfg.minutes else float("inf")
        start = time.perf_counter() - self.elapsed
        self.model.train()
        logs: dict = {}
        while self.step_num < cfg.steps and self.elapsed < budget:
            logs = self.step()
            self.step_num += 1
            self.elapsed = time.perf_counter() - start
            if self.step_num % cfg.log_every == 0:
                self.history.append({"step": self.step_num, "seconds": round(self.elapsed, 1), **logs})
                self.log(f"step {self.step_num} {self.elapsed:.0f}s " + " ".join(f"{k} {v:.4f}" for k, v in logs.items()))
            if progress:
                progress(self.step_num, cfg.steps, self.elapsed, budget, logs)
        self.model.eval()
        return logs
