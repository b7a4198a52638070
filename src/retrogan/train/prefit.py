"""Fit a monochrome look's structured colour (its emulsion's channel weights, offset and toning curves) to its
training pairs before training starts (issue #27).

Trained from the identity, the colour model's matrix moves at the network's rate while the residual LUT moves at
the LUT's: the residual took the whole look, and the learned tintype's channel weights stayed near the identity's
luma (0.12, 0.61, 0.22) where its blue-sensitive emulsion is (0, 0.15, 0.85). The residual then carries the look
only where training colours lie, and saturated colours came out 4 ΔE2000 off. Fitted first, the structured part
holds the physics (a weighted sum of light, then a toning curve) and extrapolates; the residual keeps the rest.

The fit reads each pair's centre only: a look's vignette and edge burn darken the frame's edges, and a colour map
fitted through them learns a darker, flatter emulsion (the tintype's heavy vignette left its structured part 3.6
ΔE2000 off on the saturated chart when fitted on whole frames, 1.0 from the middle 60%; docs/colour-model.md)."""
from __future__ import annotations

import torch

from ..models.colour import curve_knots, structured
from ..transfer.stats import _lab


CENTRE = 0.6  # the middle 60% of each side: clear of vignettes and edge burn, 36% of the frame


def centre(t: torch.Tensor, part: float = CENTRE) -> torch.Tensor:
    """The middle ``part`` of a (C, H, W) picture's height and width."""
    h, w = t.shape[-2:]
    ch, cw = max(1, round(h * part)), max(1, round(w * part))
    y, x = (h - ch) // 2, (w - cw) // 2
    return t[..., y:y + ch, x:x + cw]


def pair_pixels(pairs, label: int, side: int = 64, part: float = CENTRE) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(1, 3, N) source and target colours of a label's pairs: the centre ``part`` of each, area-resized to
    side x side."""
    small = lambda t: torch.nn.functional.interpolate(centre(t, part)[None].float(), size=(side, side), mode="area")
    mine = [p for p in pairs if p.label == label]
    if not mine:
        return None
    src = torch.cat([small(p.source).flatten(2) for p in mine], 2)
    tgt = torch.cat([small(p.target).flatten(2) for p in mine], 2)
    return src, tgt


def prefit_colour(colour, label: int, src: torch.Tensor, tgt: torch.Tensor, steps: int = 400,
                  lr: float = 0.02) -> tuple[float, float]:
    """Fit ``colour``'s matrix, offset, black level and curve steps of ``label`` (in place) so that its structured
    part alone maps src to tgt, by CIELAB L1. -> the mean L1 before and after."""
    names = ("matrix", "offset", "black", "steps")
    params = {n: getattr(colour, n)[label].detach().clone().requires_grad_(True) for n in names}
    opt = torch.optim.Adam(params.values(), lr=lr)
    target = _lab(tgt[..., None])
    lab_label = torch.tensor([label])

    def loss_now() -> torch.Tensor:
        out = structured(src, params["matrix"][None], params["offset"][None], colour.mono_amount(lab_label),
                         curve_knots(params["black"][None], params["steps"][None]), colour.linear_mono)
        return (_lab(out[..., None]) - target).abs().mean()

    with torch.no_grad():
        before = float(loss_now())
    for _ in range(steps):
        loss = loss_now()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = float(loss_now())
        if after < before:
            for n in names:
                getattr(colour, n)[label] = params[n].detach()
    return before, min(before, after)
