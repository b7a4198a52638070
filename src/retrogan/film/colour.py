"""Pointwise colour ops of film and print: each maps (B, 3, *) sRGB-encoded values in [0, 1] to the same shape.

Because they are pointwise they also run on a LUT grid, which is how the fast renderer bakes a whole colour
pipeline into one 3D LUT. Exposure and white balance work in linear light (they model light); curves, fade, tint,
monochrome and toning work on encoded values (they model densities and print tones, which are closer to
perceptual than to linear). Each op returns its input unchanged at its identity settings (documented per op).
"""
from __future__ import annotations

import torch

from ._util import is_zero, linear_to_srgb, luma, param, rgb_param, srgb_to_linear


def exposure(x: torch.Tensor, stops=0.0) -> torch.Tensor:
    """Multiply linear light by 2**stops (identity: 0). Values over white clip."""
    if is_zero(stops):
        return x
    return linear_to_srgb(srgb_to_linear(x) * torch.exp2(param(stops, x)))


def white_balance(x: torch.Tensor, temperature=0.0, tint=0.0) -> torch.Tensor:
    """Warm (+) / cool (-) and magenta (+) / green (-) shifts as linear-light channel gains of 2**(0.25 * value),
    normalised to keep Rec.709 luminance of grey (identity: 0, 0)."""
    if is_zero(temperature) and is_zero(tint):
        return x
    t, m = param(temperature, x), param(tint, x)
    gr, gg, gb = torch.exp2(0.25 * t), torch.exp2(-0.25 * m), torch.exp2(-0.25 * t)
    k = 0.2126 * gr + 0.7152 * gg + 0.0722 * gb
    lin = srgb_to_linear(x)
    return linear_to_srgb(torch.cat([lin[:, 0:1] * gr, lin[:, 1:2] * gg, lin[:, 2:3] * gb], 1) / k)


def characteristic_curve(x: torch.Tensor, gamma=1.0, toe=0.0, shoulder=0.0) -> torch.Tensor:
    """Per-channel film curve with fixed black and white points (identity: gamma 1, toe 0, shoulder 0).

    gamma: contrast exponent; toe > 0 deepens the shadows (< 0 lifts them); shoulder > 0 rolls the highlights off
    gently into white. Each may be a float, an (r, g, b) triple or a (B, 3) tensor; |toe|, |shoulder| < 1 keeps the
    curve monotone."""
    y = x.clamp(0.0, 1.0)
    if not (isinstance(gamma, (int, float)) and gamma == 1.0):
        y = y.clamp_min(1e-6) ** rgb_param(gamma, x)
    if not is_zero(toe):
        y = y - rgb_param(toe, x) * y * (1 - y) ** 3
    if not is_zero(shoulder):
        y = y + rgb_param(shoulder, x) * (1 - y) * y ** 3
    return y


# Film dyes absorb outside their band: cyan takes some green, magenta some blue and red, yellow a little green.
_CROSSTALK = torch.tensor([[0.0, -0.20, -0.05], [-0.12, 0.0, -0.16], [-0.03, -0.22, 0.0]])


def dye_crosstalk(x: torch.Tensor, amount=0.0) -> torch.Tensor:
    """Mix channels the way impure film dyes do; rows sum to one, so greys stay grey (identity: 0).
    Positive amounts make colours purer and richer (as masked colour negative prints look), negative ones muddier."""
    if is_zero(amount):
        return x
    c = _CROSSTALK.to(x)
    c = c - torch.diag(c.sum(1))
    a = param(amount, x)
    mixed = torch.einsum("ij,bj...->bi...", c, x)
    return (x + a * mixed).clamp(0.0, 1.0)


def saturation(x: torch.Tensor, amount=1.0) -> torch.Tensor:
    """Scale chroma around Rec.709 luma (identity: 1; 0 gives grey)."""
    if isinstance(amount, (int, float)) and amount == 1.0:
        return x
    y = luma(x)
    return (y + param(amount, x) * (x - y)).clamp(0.0, 1.0)


def fade(x: torch.Tensor, black=0.0, white=0.0) -> torch.Tensor:
    """Faded print: lift black to ``black`` and pull white down by ``white``; an (r, g, b) triple gives coloured
    fades (identity: 0, 0)."""
    if is_zero(black) and is_zero(white):
        return x
    b, w = rgb_param(black, x), rgb_param(white, x)
    return b + x * (1 - b - w)


def tint(x: torch.Tensor, colour=(1.0, 1.0, 1.0), amount=0.0) -> torch.Tensor:
    """Multiply by a colour, as a coloured base or paper does (identity: amount 0 or white)."""
    if is_zero(amount):
        return x
    return x * (1 + param(amount, x) * (rgb_param(colour, x) - 1))


def yellowing(x: torch.Tensor, amount=0.0) -> torch.Tensor:
    """Aged print: blue dye and paper brightener fade first, highlights go cream (identity: 0)."""
    if is_zero(amount):
        return x
    a = param(amount, x)
    loss = rgb_param((0.02, 0.07, 0.30), x)
    cast = rgb_param((0.03, 0.015, 0.0), x)
    return (x * (1 - a * loss) + a * cast * (1 - x)).clamp(0.0, 1.0)


# Spectral sensitivities of black-and-white emulsions, as weights on sRGB channels.
EMULSIONS = {
    "panchromatic": (0.30, 0.59, 0.11),
    "orthochromatic": (0.02, 0.55, 0.43),   # blind to red: skies white, lips dark (1880s-1920s)
    "blue_sensitive": (0.0, 0.15, 0.85),    # collodion, albumen, tintype era
    "infrared": (0.70, 0.30, 0.0),
}


def monochrome(x: torch.Tensor, weights=EMULSIONS["panchromatic"], amount=1.0) -> torch.Tensor:
    """Black and white with an emulsion's spectral weights, weighted in linear light (identity: amount 0)."""
    if is_zero(amount):
        return x
    w = rgb_param(weights, x)
    w = w / w.sum(1, keepdim=True) if w.ndim > 0 else w
    y = linear_to_srgb((srgb_to_linear(x) * w).sum(1, keepdim=True))
    return x + param(amount, x) * (y - x)


# Toners: black point, white point and per-channel gamma applied to the grey value.
TONERS = {
    "sepia": ((0.10, 0.06, 0.03), (1.0, 0.96, 0.86), (0.88, 1.0, 1.22)),
    "selenium": ((0.09, 0.05, 0.07), (0.99, 0.98, 0.96), (0.95, 1.05, 1.0)),
    "cyanotype": ((0.03, 0.10, 0.26), (0.90, 0.95, 0.98), (1.35, 1.1, 0.8)),
    "platinum": ((0.11, 0.09, 0.07), (0.97, 0.95, 0.90), (0.95, 1.0, 1.08)),
    "gold": ((0.05, 0.06, 0.10), (0.98, 0.98, 0.99), (1.05, 1.0, 0.92)),
}


def tone(x: torch.Tensor, toner: str | tuple = "sepia", amount=0.0) -> torch.Tensor:
    """Tone a print: map its grey value g to black + (white - black) * g**gamma per channel (identity: amount 0).
    ``toner`` is a name from TONERS or a (black, white, gamma) triple of triples."""
    if is_zero(amount):
        return x
    black, white, gamma = TONERS[toner] if isinstance(toner, str) else toner
    g = luma(x).clamp(0.0, 1.0)
    toned = rgb_param(black, x) + (rgb_param(white, x) - rgb_param(black, x)) * g.clamp_min(1e-6) ** rgb_param(gamma, x)
    return x + param(amount, x) * (toned - x)
