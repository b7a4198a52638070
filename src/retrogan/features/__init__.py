"""Pretrained CNN feature backbones behind one interface: ``backbone(name, weights_path)`` returns a module with
``.layers`` (the named layers it offers) and ``extract(x, layers) -> {name: map}`` on sRGB input in [0, 1]."""
from __future__ import annotations

from pathlib import Path

DEFAULT_BACKBONE = "efficientnet-lite0"
CONTENT_LAYERS = {"efficientnet-lite0": ["stage4"], "vgg19": ["relu4_2"]}
STYLE_LAYERS = {"efficientnet-lite0": ["stage1", "stage2", "stage3", "stage4"],
                "vgg19": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]}


def backbone(name: str = DEFAULT_BACKBONE, weights_path: str | Path | None = None):
    from ..errors import StyleError

    if name == "efficientnet-lite0":
        from .efficientnet import LAYERS, efficientnet_lite0

        model = efficientnet_lite0(weights_path)
    elif name == "vgg19":
        from .vgg import LAYERS, vgg19

        model = vgg19(weights_path)
    else:
        raise StyleError(f"unknown backbone {name!r}: use efficientnet-lite0 (default, offline) or vgg19")
    model.name, model.layers = name, list(LAYERS)
    return model
