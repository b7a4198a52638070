"""The style encoder: reference photo(s) -> a style code for the fast generator's style-modulated layer.

Input: the reference's pretrained CNN features summarised per channel (mean and spread: what the look does to
things, independent of where they are) and its colour statistics (``stats``). Several references average their
codes. The backbone is frozen and not part of the saved weights (it ships in its own package or the user's file)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .stats import STATS_DIM, reference_stats

FEATURE_CHANNELS = {"efficientnet-lite0": {"stage2": 24, "stage3": 40, "stage4": 80, "stage5": 112},
                    "vgg19": {"relu2_1": 128, "relu3_1": 256, "relu4_1": 512}}


@dataclass
class EncoderConfig:
    backbone: str = "efficientnet-lite0"
    layers: list[str] = field(default_factory=lambda: ["stage2", "stage3", "stage4", "stage5"])
    feature_side: int = 192     # the reference is area-resized to this square for the backbone
    stats_side: int = 128
    hidden: int = 256
    style_dim: int = 64

    def to_dict(self) -> dict:
        return asdict(self)


class StyleEncoder(nn.Module):
    def __init__(self, config: EncoderConfig, backbone: nn.Module | None = None) -> None:
        super().__init__()
        self.config = c = config
        self.backbone = backbone  # set by the caller (not a registered submodule: never saved, never trained)
        feat = 2 * sum(FEATURE_CHANNELS[c.backbone][name] for name in c.layers)
        self.norm = nn.LayerNorm(feat + STATS_DIM)
        self.mlp = nn.Sequential(nn.Linear(feat + STATS_DIM, c.hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(c.hidden, c.hidden), nn.LeakyReLU(0.2), nn.Linear(c.hidden, c.style_dim))

    def __setattr__(self, name, value):
        if name == "backbone":  # keep the frozen backbone out of state_dict and parameters()
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def describe(self, refs: torch.Tensor, grad: bool = False) -> torch.Tensor:
        """(B, 3, H, W) references in [0, 1] -> (B, D) features the MLP reads. ``grad``: keep the gradient with
        respect to ``refs`` (for fitting a code through the encoder; the backbone itself is never trained)."""
        c = self.config
        with torch.set_grad_enabled(grad and torch.is_grad_enabled()):
            x = F.interpolate(refs, size=(c.feature_side, c.feature_side), mode="area")
            maps = self.backbone.extract(x, c.layers)
            parts = []
            for name in c.layers:
                m = maps[name].flatten(2)
                parts += [m.mean(-1), m.std(-1)]
            small = F.interpolate(refs, size=(c.stats_side, c.stats_side), mode="area")
            parts.append(reference_stats(small))
        return torch.cat(parts, 1)

    def from_description(self, d: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.norm(d))

    def forward(self, refs: torch.Tensor, grad: bool = False) -> torch.Tensor:
        return self.from_description(self.describe(refs, grad))
