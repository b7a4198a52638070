"""Losses as pure functions (logits in, scalar out).

The mission's cGAN objective E[log D(X,Y)] + E[log(1 - D(X, G(X,Y)))], maximised by D, is ``d_logistic_loss``
(its negative, minimised); G uses the non-saturating form ``g_nonsaturating_loss``. LSGAN and hinge are options.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def d_logistic_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-(E[log D(real)] + E[log(1 - D(fake))]) with D = sigmoid(logits)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(fake)]: the same fixed point as minimising log(1 - D(fake)), with useful gradients early on."""
    return F.softplus(-fake_logits).mean()


def d_lsgan_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()


def g_lsgan_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake_logits - 1) ** 2).mean()


def d_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_hinge_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


GAN_LOSSES = {"logistic": (d_logistic_loss, g_nonsaturating_loss), "lsgan": (d_lsgan_loss, g_lsgan_loss),
              "hinge": (d_hinge_loss, g_hinge_loss)}

# The "this is fake" half of each D loss alone: used for real images shown with the wrong style label.
D_FAKE_TERMS = {"logistic": lambda logits: F.softplus(logits).mean(),
                "lsgan": lambda logits: 0.5 * (logits ** 2).mean(),
                "hinge": lambda logits: F.relu(1 + logits).mean()}


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """E||∇_x D(x)||² on real images (Mescheder et al. 2018); real_images must require grad."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real_images, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (pred - target).abs().mean()


def lut_smoothness(lut: torch.Tensor) -> torch.Tensor:
    """Total variation of a (B|1, 3, N, N, N) LUT along its three axes: film looks are smooth functions of colour,
    and colours absent from the training photos should follow their neighbours."""
    return sum(lut.diff(dim=d).pow(2).mean() for d in (2, 3, 4))


def lut_monotonicity(lut: torch.Tensor) -> torch.Tensor:
    """Penalise an output channel that decreases as its own input channel increases (tone reversals)."""
    r = F.relu(-lut[:, 0].diff(dim=3)).mean()
    g = F.relu(-lut[:, 1].diff(dim=2)).mean()
    b = F.relu(-lut[:, 2].diff(dim=1)).mean()
    return r + g + b


def luminance_content_loss(pred: torch.Tensor, source: torch.Tensor, size: int = 16) -> torch.Tensor:
    """Unpaired content term: the look may move colours but keeps the picture — compare the local structure of
    luminance (each pixel minus its blurred surround), so global tone and colour stay free to change."""
    w = torch.tensor([0.2126, 0.7152, 0.0722], dtype=pred.dtype, device=pred.device).view(1, 3, 1, 1)
    yp, ys = (pred * w).sum(1, keepdim=True), (source * w).sum(1, keepdim=True)
    k = max(1, min(yp.shape[-1], yp.shape[-2]) // size)
    detail = lambda y: y - F.interpolate(F.avg_pool2d(y, k, ceil_mode=True), size=y.shape[-2:], mode="bilinear",
                                         align_corners=False)
    return (detail(yp) - detail(ys)).abs().mean()
