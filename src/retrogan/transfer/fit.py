"""``--fit``: refine the style code for the user's references and photos, in bounded time.

The feed-forward code is the start. The objective, on thumbnails of the photos to be transformed:
- recognition: the encoder, which was trained to recognise looks across scenes, should see the references' look in
  the outputs: ‖E(G(X, z)) − E(references)‖² (this corrects what the generator renders differently from what the
  encoder read, on these very photos);
- the ST-GAN's feature losses: a content loss to the inputs and a smoothed-Gram style loss to the references on the
  backbone's features (small weights: matching statistics alone is worse than doing nothing, benchmarks/results/
  gram_backbones.md);
- the adversarial loss of a discriminator trained during the fit to tell reference crops from output crops;
- the mission's input-gradient penalty λ E‖∇_X G(X, z)‖²;
- a prior keeping z near the feed-forward code.
Only the code (style_dim numbers) moves: the fit cannot forget what the model knows about looks.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from ..losses import (content_loss, d_logistic_loss, g_nonsaturating_loss, gram, input_gradient_penalty,
                      smooth_activations, style_loss)
from .model import TransferModel


@dataclass
class FitConfig:
    seconds: float = 60.0
    steps: int = 300
    lr: float = 0.02
    side: int = 128
    lambda_recognise: float = 1.0
    lambda_content: float = 0.02
    lambda_style: float = 0.02
    style_smooth: float = 1.0
    lambda_gan: float = 0.01
    lambda_gp: float = 0.01
    lambda_prior: float = 0.1
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _small(x: torch.Tensor, side: int) -> torch.Tensor:
    return F.interpolate(x, size=(side, side), mode="area")


def fit_code(model: TransferModel, refs: torch.Tensor, photos: torch.Tensor, cfg: FitConfig | None = None,
             log=None) -> tuple[torch.Tensor, dict]:
    """refs (R, 3, h, w), photos (P, 3, h, w) in [0, 1] (any sizes: both are resized to cfg.side) -> (code, report)."""
    from .train import ReferenceDiscriminator

    cfg = cfg or FitConfig()
    torch.manual_seed(cfg.seed)
    rng = torch.Generator().manual_seed(cfg.seed)
    enc = model.encoder
    refs_s, photos_s = _small(refs, cfg.side), _small(photos, cfg.side)
    layers = ["stage2", "stage3", "stage4"] if enc.config.backbone == "efficientnet-lite0" else \
        ["relu2_1", "relu3_1", "relu4_1"]
    content_layer = layers[-1:]
    with torch.no_grad():
        start = model.code(refs)
        target_desc = enc.describe(refs).mean(0, keepdim=True)
        target_code = enc.from_description(target_desc)
        ref_feats = enc.backbone.extract(refs_s, layers)
        target_grams = {k: gram(smooth_activations(v, cfg.style_smooth)).mean(0, keepdim=True)
                        for k, v in ref_feats.items()}
        content_target = enc.backbone.extract(photos_s, content_layer)
    code = start.clone().requires_grad_(True)
    opt = torch.optim.Adam([code], lr=cfg.lr)
    D = ReferenceDiscriminator(enc.config.style_dim, 16)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.99))
    for p in model.parameters():
        p.requires_grad_(False)
    t0, step, history = time.perf_counter(), 0, []
    try:
        while step < cfg.steps and time.perf_counter() - t0 < cfg.seconds:
            z = code.expand(photos_s.shape[0], -1)
            out = model(photos_s, code)
            recognise = F.mse_loss(enc(out, grad=True).mean(0, keepdim=True), target_code)
            feats = enc.backbone.extract(out, layers)
            c_loss = content_loss({k: feats[k] for k in content_layer}, content_target)
            s_loss = style_loss(feats, target_grams, smooth=cfg.style_smooth)
            g_adv = g_nonsaturating_loss(D(out, z))
            prior = F.mse_loss(code, start)
            loss = (cfg.lambda_recognise * recognise + cfg.lambda_content * c_loss + cfg.lambda_style * s_loss
                    + cfg.lambda_gan * g_adv + cfg.lambda_prior * prior)
            if cfg.lambda_gp and step % 4 == 0:
                gp = input_gradient_penalty(lambda inp: model(inp, code), photos_s[:1], generator_rng=rng)
                loss = loss + cfg.lambda_gp * 4 * gp / photos_s[0].numel()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            d_loss = d_logistic_loss(D(refs_s, code.detach().expand(refs_s.shape[0], -1)),
                                     D(out.detach(), z.detach()))
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            step += 1
            if step % 25 == 0:
                entry = {"step": step, "recognise": recognise.item(), "content": c_loss.item(),
                         "style": s_loss.item(), "prior": prior.item()}
                history.append(entry)
                if log:
                    log(" ".join(f"{k} {v:.4g}" for k, v in entry.items()))
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    return code.detach(), {"steps": step, "seconds": round(time.perf_counter() - t0, 1), "history": history}
