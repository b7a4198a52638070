"""VGG19 as a feature backbone, with our own module whose parameter names match torchvision's ``vgg19`` (its
``features.N`` convolutions), so a user's torchvision weights file loads as it is: ``--vgg-weights PATH`` or
``RETROGAN_VGG19_WEIGHTS``. No torchvision, no download; the classifier's weights are ignored."""
from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn

# torchvision's cfg "E": channels, "M" = max pool
CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
# the ReLU after the first conv of each block, by its index in ``features``
LAYERS = {"relu1_1": 1, "relu2_1": 6, "relu3_1": 11, "relu4_1": 20, "relu5_1": 29, "relu4_2": 22}
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
ENV = "RETROGAN_VGG19_WEIGHTS"


class VGG19(nn.Module):
    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for v in CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=False)]
                cin = v
        self.features = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def extract(self, x: torch.Tensor, layers: list[str]) -> dict[str, torch.Tensor]:
        """x: (B, 3, H, W) sRGB in [0, 1] -> {layer: feature map} (ImageNet normalisation inside)."""
        wanted = {LAYERS[name]: name for name in layers}
        last = max(wanted)
        out = {}
        h = (x - self.mean) / self.std
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in wanted:
                out[wanted[i]] = h
            if i == last:
                break
        return out


def vgg19(weights_path: str | Path | None = None) -> VGG19:
    """VGG19 with the torchvision-format weights at ``weights_path`` (or $RETROGAN_VGG19_WEIGHTS)."""
    from ..errors import StyleError
    from .weights import load_state_dict

    path = weights_path or os.environ.get(ENV)
    if not path:
        raise StyleError(f"VGG19 needs its weights: --vgg-weights PATH or ${ENV} (torchvision's vgg19 state dict, "
                         ".pth or .safetensors); nothing is downloaded. The default backbone needs no file.")
    state = {k: v for k, v in load_state_dict(path).items() if k.startswith("features.")}
    model = VGG19()
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as e:  # shapes that do not match
        raise StyleError(f"{path}: not a torchvision vgg19 state dict ({str(e).splitlines()[-1].strip()})") from None
    if missing or unexpected:
        raise StyleError(f"{path}: not a torchvision vgg19 state dict (missing {missing[:3]}, unexpected "
                         f"{unexpected[:3]})")
    return model.eval().requires_grad_(False)
