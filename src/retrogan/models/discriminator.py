"""PatchGAN discriminator D(X, Y) with projection conditioning on the style label and, for paired data, the input
image concatenated to the image judged."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils import spectral_norm


@dataclass
class DiscriminatorConfig:
    num_styles: int = 1
    width: int = 32
    layers: int = 3
    paired: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class PatchDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig) -> None:
        super().__init__()
        self.config = c = config
        in_ch = 6 if c.paired else 3
        layers, ch = [spectral_norm(nn.Conv2d(in_ch, c.width, 4, 2, 1)), nn.LeakyReLU(0.2)], c.width
        for i in range(1, c.layers):
            nxt = min(ch * 2, 8 * c.width)
            layers += [spectral_norm(nn.Conv2d(ch, nxt, 4, 2, 1)), nn.LeakyReLU(0.2)]
            ch = nxt
        layers += [spectral_norm(nn.Conv2d(ch, ch, 3, 1, 1)), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.logit = spectral_norm(nn.Conv2d(ch, 1, 3, 1, 1))
        self.embed = spectral_norm(nn.Embedding(c.num_styles, ch))

    def forward(self, image: torch.Tensor, label: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        """image, condition: (B, 3, H, W) in [0, 1]; label: (B,) -> patch logits (B, 1, h, w)."""
        x = image * 2 - 1
        if self.config.paired:
            if condition is None:
                raise ValueError("a paired discriminator needs the input image as condition")
            x = torch.cat([x, condition * 2 - 1], 1)
        h = self.features(x)
        projection = (self.embed(label)[..., None, None] * h).sum(1, keepdim=True)
        return self.logit(h) + projection
