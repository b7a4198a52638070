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


def lut_bending(lut: torch.Tensor) -> torch.Tensor:
    """Squared second differences of a (B|1, 3, N, N, N) LUT along its three axes (a bending energy): a LUT held to it
    continues the trend of its neighbours into colours no training pixel reached, where a first-difference
    prior flattens it (measured on saturated colours: benchmarks/gamut.py)."""
    return sum(lut.diff(n=2, dim=d).pow(2).mean() for d in (2, 3, 4))


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


# --- ST-GAN: feature losses and the mission's input-gradient penalty -------------------------------------------

def gram(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C) Gram matrices, normalised by the number of positions."""
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (h * w)


def smooth_activations(features: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Per channel, a softmax over positions scaled to mean 1: a few very large activations (common in networks
    other than VGG) no longer dominate a Gram matrix. temperature -> inf gives all ones, -> 0 the arg-max."""
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w) / temperature
    return (torch.softmax(f, dim=-1) * (h * w)).reshape(b, c, h, w)


def content_loss(pred: dict, target: dict) -> torch.Tensor:
    """Mean squared feature difference, averaged over the named layers."""
    return torch.stack([F.mse_loss(pred[k], target[k]) for k in target]).mean()


def style_loss(pred: dict, target_grams: dict, smooth: float | None = None) -> torch.Tensor:
    """Mean squared Gram difference over the named layers; ``target_grams``: {layer: (1 or B, C, C)} (e.g. the
    mean Gram of several references). ``smooth``: the temperature of ``smooth_activations``, or None for plain."""
    losses = []
    for k, g_target in target_grams.items():
        f = pred[k] if smooth is None else smooth_activations(pred[k], smooth)
        losses.append(F.mse_loss(gram(f), g_target.expand(f.shape[0], -1, -1)))
    return torch.stack(losses).mean()


def input_gradient_penalty(generator, x: torch.Tensor, projections: int = 1,
                           generator_rng: torch.Generator | None = None) -> torch.Tensor:
    """The mission's ``E‖∇_X G(X, Y)‖²`` (Y fixed inside ``generator``): the squared Frobenius norm of the Jacobian
    of G's output with respect to its input, per sample, averaged over the batch. Estimated without forming the
    Jacobian: for v ~ N(0, I) shaped like the output, E‖Jᵀv‖² = ‖J‖²_F, and Jᵀv is one backward pass (kept in the
    graph, so the penalty trains G: double backprop). Unbiased; ``projections`` averages several v."""
    x = x.detach().requires_grad_(True)
    out = generator(x)
    total = x.new_zeros(())
    for _ in range(projections):
        v = torch.randn(out.shape, generator=generator_rng, dtype=out.dtype).to(out.device)
        (g,) = torch.autograd.grad((out * v).sum(), x, create_graph=True)
        total = total + g.pow(2).reshape(g.shape[0], -1).sum(1).mean()
    return total / projections
