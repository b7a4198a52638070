"""The fast generator G(X, Y): analyse small, render big.

A small CNN looks at a thumbnail of X with the style code of Y injected through a style-modulated convolution and
predicts the render parameters θ: weights over K learned basis 3D LUTs (an image-adaptive LUT), a coarse grid of
local tone/colour adjustments, and film-layer amounts (vignette, grain). ``render`` applies θ to the image at any
resolution with per-pixel operations; its cost does not depend on the network. Strength 0 is exactly the identity.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from ..film import lut as L
from ..film._util import Frame, frame_of
from ..film.grain import FILM_GRAIN_COLOUR, FILM_GRAIN_ROUGHNESS, grain
from ..film.optics import vignette
from .blocks import FiLM, StyleModConv2d, check_fields
from .colour import StructuredColour, keep_brightness


@dataclass
class FastGeneratorConfig:
    num_styles: int = 1
    lut_size: int = 33
    n_basis: int = 6
    grid: int = 8            # local adjustments on a grid x grid lattice over the frame
    thumb: int = 128         # the analyser sees a thumb x thumb thumbnail
    width: int = 32
    style_dim: int = 64
    film: bool = True        # predict vignette and grain amounts
    grain_size: float = 0.0008
    max_local: float = 0.25  # bound on the local gain/offset
    colour: str = "lut"      # "structured-linear": matrix, monochrome amount and curves after a residual LUT warp,
                             # a monochrome sum in linear light (models/colour.py; what training makes now);
                             # "structured": the same with the sum in code values (files before 2026-12-05);
                             # "lut": a free LUT (files before the structured model)

    def to_dict(self) -> dict:
        return asdict(self)

    def check(self) -> None:
        """ValueError unless every setting is of its type and in a range a real model uses (a style file may come
        from anyone: a negative thumbnail or a 10^6-wide layer must be refused, not crash or exhaust memory)."""
        check_fields(self, {"num_styles": (1, 4096), "lut_size": (2, 129), "n_basis": (1, 64), "grid": (1, 256),
                            "thumb": (8, 1024), "width": (1, 1024), "style_dim": (1, 4096),
                            "grain_size": (0.0, 0.1), "max_local": (0.0, 10.0), "colour": ("lut", "structured", "structured-linear")})


@dataclass
class RenderParams:
    """θ for a batch: lut (B, 3, N, N, N), local (B, 6, G, G) gain/offset, vignette (B,), grain (B,); with the
    structured colour model also grain_colour (B,) (0 for a monochrome look) and residual (B, 3, N, N, N), the warp
    before the structured part (what the smoothness and size priors act on)."""

    lut: torch.Tensor
    local: torch.Tensor
    vignette: torch.Tensor
    grain: torch.Tensor
    grain_colour: torch.Tensor | None = None
    residual: torch.Tensor | None = None

    def item(self, i: int) -> "RenderParams":
        """The i-th sample's θ (a batch of one)."""
        values = (getattr(self, f.name) for f in fields(self))
        return RenderParams(*(None if v is None else v[i:i + 1] for v in values))


class FastGenerator(nn.Module):
    def __init__(self, config: FastGeneratorConfig) -> None:
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.num_styles, c.style_dim)
        nn.init.normal_(self.embed.weight, std=1.0)
        w = c.width
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1), nn.LeakyReLU(0.2))
        self.mod = StyleModConv2d(w, 2 * w, c.style_dim, stride=2)
        self.body = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(4 * w, 4 * w, 3, 2, 1), nn.LeakyReLU(0.2))
        self.film_mod = FiLM(4 * w, c.style_dim)
        feat = 4 * w + c.style_dim
        self.to_weights = nn.Linear(feat, c.n_basis)
        self.to_local = nn.Conv2d(4 * w + c.style_dim, 6, 1)
        self.to_film = nn.Linear(feat, 2)
        # each style's own LUT (its global colour) plus K basis LUTs whose per-image weights adapt it to the photo;
        # all residuals on the identity. Basis weights start at 1/K so the first gradients reach every basis.
        self.style_lut = nn.Parameter(torch.zeros(c.num_styles, 3, c.lut_size, c.lut_size, c.lut_size))
        self.basis = nn.Parameter(torch.randn(c.n_basis, 3, c.lut_size, c.lut_size, c.lut_size) * 1e-3)
        nn.init.zeros_(self.to_weights.weight)
        nn.init.constant_(self.to_weights.bias, 1.0 / c.n_basis)
        for layer in (self.to_local, self.to_film):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        nn.init.constant_(self.to_film.bias, -4.0)  # film amounts start near zero (softplus(-4) = 0.018)
        self.register_buffer("identity_lut", L.identity(c.lut_size), persistent=False)
        self.colour = (StructuredColour(c.num_styles, linear_mono=c.colour == "structured-linear")
                       if c.colour.startswith("structured") else None)

    # --- analyse ---
    def thumbnail(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(self.config.thumb, self.config.thumb), mode="area")

    def style_code(self, label: torch.Tensor) -> torch.Tensor:
        return self.embed(label)

    def lut_parameters(self) -> list[nn.Parameter]:
        """The styles' own LUTs, trained at a colour-sized learning rate (the basis LUTs move with the network,
        slower: at the LUT rate their noise, times K per-image weights, cost 0.1-0.2 ΔE; the structured colour
        model's matrix and curves move every colour at once, so they too take the network's rate)."""
        return [self.style_lut]

    def smoothed_state(self, bending: float) -> dict[str, torch.Tensor]:
        """The state dict with the residual LUTs (each style's and the analyser's basis) smoothed
        (``luts.apply.smooth_lut``): the ripples a few cells wide that a LUT fitted to photos keeps draw bands
        across smooth gradients (tests/test_gradients.py); the residual is linear in them, so smoothing each is
        smoothing every LUT the model predicts. The structured part is smooth by construction. Bending 0.3 took
        the zoo's worst band from 16.5 to 4.5 code values and moved its looks by at most 0.09 ΔE2000 on unseen
        photos (3 cost the film-stock looks up to 0.35)."""
        from ..luts.apply import smooth_lut

        state = {k: v.detach().clone() for k, v in self.state_dict().items()}
        if bending <= 0:
            return state
        for key in ("style_lut", "basis"):
            tables = state[key]
            for i in range(tables.shape[0]):
                t = tables[i].permute(1, 2, 3, 0).cpu().numpy()
                tables[i] = torch.from_numpy(smooth_lut(t, bending, clip=False)).permute(3, 0, 1, 2).to(tables)
        return state

    def colour_lut(self, residual: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """(B, 3, N, N, N) residual -> the look's LUT: identity + residual, or the structured colour model's LUT
        plus the residual (of a monochrome look, only its part common to the three channels: brightness)."""
        if self.colour is None:
            return self.identity_lut + residual
        base = self.colour(self.identity_lut.expand(residual.shape[0], -1, -1, -1, -1), label)
        return base + keep_brightness(residual, self.colour.mono_amount(label))

    def global_lut(self, label: int) -> torch.Tensor:
        """A style's own LUT with the basis at the analyser's bias weights (no photo): (3, N, N, N)."""
        residual = self.style_lut[label] + torch.einsum("k,kcdhw->cdhw", self.to_weights.bias, self.basis)
        return self.colour_lut(residual[None], torch.tensor([label]))[0]

    def analyse(self, thumb: torch.Tensor, label: torch.Tensor, style: torch.Tensor | None = None) -> RenderParams:
        """thumb: (B, 3, t, t) in [0, 1]; label: (B,) style labels; style: (B, style_dim) code (default: the
        labels' embeddings) -> θ."""
        style = self.style_code(label) if style is None else style
        c = self.config
        h = self.body(self.mod(self.stem(thumb * 2 - 1), style))
        h = self.film_mod(h, style)
        pooled = torch.cat([h.mean(dim=(2, 3)), style], 1)
        weights = self.to_weights(pooled)
        residual = self.style_lut[label] + torch.einsum("bk,kcdhw->bcdhw", weights, self.basis)
        grid_feat = torch.cat([F.adaptive_avg_pool2d(h, c.grid), style[..., None, None].expand(-1, -1, c.grid, c.grid)], 1)
        local = torch.tanh(self.to_local(grid_feat)) * c.max_local
        local = local - local.mean(dim=(2, 3), keepdim=True)  # only what varies over the frame: colour is the LUT's
        film = F.softplus(self.to_film(pooled)) if c.film else torch.zeros_like(pooled[:, :2])
        if self.colour is None:
            return RenderParams(self.identity_lut + residual, local, film[:, 0] * 0.5, film[:, 1] * 0.05)
        # a monochrome look varies over the frame in brightness only, and its grain has no colour
        mono = self.colour.mono_amount(label)
        local = keep_brightness(local.unflatten(1, (2, 3)), mono, dim=2).flatten(1, 2)  # gains, then offsets
        return RenderParams(self.colour_lut(residual, label), local, film[:, 0] * 0.5, film[:, 1] * 0.05,
                            grain_colour=FILM_GRAIN_COLOUR * (1 - mono), residual=residual)

    # --- render ---
    def render(self, x: torch.Tensor, theta: RenderParams, strength=1.0, seed: int = 0,
               frame: Frame | None = None) -> torch.Tensor:
        """Apply θ to x (B, 3, H, W), which may be a crop of a larger frame (``frame``)."""
        s = torch.as_tensor(strength, dtype=x.dtype, device=x.device).reshape(-1)
        if bool((s == 0).all()):
            return x
        sb = s.view(-1, 1, 1, 1)
        lut = self.identity_lut + s.view(-1, 1, 1, 1, 1) * (theta.lut - self.identity_lut)
        y = L.trilinear(x, lut)
        local = sample_local(theta.local, x, frame) * sb
        y = y * (1 + local[:, :3]) + local[:, 3:]
        y = vignette(y.clamp(0, 1), theta.vignette * s, frame=frame)
        colour = FILM_GRAIN_COLOUR if theta.grain_colour is None else theta.grain_colour
        return grain(y, theta.grain * s, self.config.grain_size, colour, seed=seed, frame=frame,
                     roughness=FILM_GRAIN_ROUGHNESS)

    def forward(self, x: torch.Tensor, label: torch.Tensor, strength=1.0, seed: int = 0,
                thumb: torch.Tensor | None = None, frame: Frame | None = None) -> torch.Tensor:
        theta = self.analyse(self.thumbnail(x) if thumb is None else thumb, label)
        return self.render(x, theta, strength, seed, frame)


def sample_local(local: torch.Tensor, x: torch.Tensor, frame: Frame | None) -> torch.Tensor:
    """Bilinear sample of the (B, 6, G, G) lattice spanning the whole frame at x's pixels: (B, 6, h, w)."""
    f = frame_of(x, frame)
    h, w = x.shape[-2:]
    ys = (torch.arange(h, dtype=x.dtype, device=x.device) + f.top + 0.5) / f.height * 2 - 1
    xs = (torch.arange(w, dtype=x.dtype, device=x.device) + f.left + 0.5) / f.width * 2 - 1
    grid = torch.stack(torch.broadcast_tensors(xs.view(1, -1), ys.view(-1, 1)), -1)
    grid = grid.unsqueeze(0).expand(local.shape[0], -1, -1, -1)
    return F.grid_sample(local, grid, mode="bilinear", padding_mode="border", align_corners=False)
