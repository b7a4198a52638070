"""A classic full-resolution U-Net generator (pix2pix class), conditioned on the style label by FiLM in every
level: the reference the fast generator is measured against. Output = x + strength * (U(x) - x)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import FiLM, check_fields


@dataclass
class UNetConfig:
    num_styles: int = 1
    width: int = 32
    depth: int = 4
    style_dim: int = 64

    def to_dict(self) -> dict:
        return asdict(self)

    def check(self) -> None:
        """ValueError unless every setting is of its type and in a range a real model uses."""
        check_fields(self, {"num_styles": (1, 4096), "width": (1, 512), "depth": (1, 8), "style_dim": (1, 4096)})


class UNetGenerator(nn.Module):
    def __init__(self, config: UNetConfig) -> None:
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.num_styles, c.style_dim)
        chans = [min(c.width * 2 ** i, 8 * c.width) for i in range(c.depth + 1)]
        self.inc = nn.Conv2d(3, chans[0], 3, 1, 1)
        self.down = nn.ModuleList(nn.Conv2d(chans[i], chans[i + 1], 4, 2, 1) for i in range(c.depth))
        self.up = nn.ModuleList(nn.ConvTranspose2d(chans[i + 1] * (1 if i == c.depth - 1 else 2), chans[i], 4, 2, 1)
                                for i in range(c.depth))
        self.films = nn.ModuleList(FiLM(ch, c.style_dim) for ch in chans[1:])
        self.out = nn.Conv2d(chans[0] * 2, 3, 3, 1, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, label: torch.Tensor, strength=1.0, seed: int = 0, **_) -> torch.Tensor:
        s = torch.as_tensor(strength, dtype=x.dtype, device=x.device).reshape(-1)
        if bool((s == 0).all()):
            return x
        style = self.embed(label)
        h, w = x.shape[-2:]
        m = 2 ** self.config.depth
        xp = F.pad(x * 2 - 1, (0, (-w) % m, 0, (-h) % m), mode="reflect")
        skips = [F.leaky_relu(self.inc(xp), 0.2)]
        for down, film in zip(self.down, self.films):
            skips.append(F.leaky_relu(film(down(skips[-1]), style), 0.2))
        y = skips.pop()
        for i in reversed(range(self.config.depth)):
            y = F.relu(self.up[i](y))
            y = torch.cat([y, skips.pop()], 1)
        residual = torch.tanh(self.out(y))[..., :h, :w]
        return (x + s.view(-1, 1, 1, 1) * residual).clamp(0, 1)
