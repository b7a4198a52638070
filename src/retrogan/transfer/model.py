"""The transfer model: style encoder + fast generator (one style slot; the code comes from the encoder), saved as
``transfer.safetensors`` + ``transfer.json`` (configs and how it was trained). The backbone is loaded separately."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ..models.fast import FastGenerator, FastGeneratorConfig
from .encoder import EncoderConfig, StyleEncoder

WEIGHTS = "transfer.safetensors"
CONFIG = "transfer.json"


def bundled_model_dir() -> Path:
    """The transfer model (and its look catalogue) shipped in the package."""
    from importlib import resources

    return Path(str(resources.files("retrogan.data") / "transfer"))


class TransferModel(nn.Module):
    def __init__(self, enc: EncoderConfig, gen: FastGeneratorConfig, backbone: nn.Module | None = None,
                 seed: int = 0) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # the initial weights depend on ``seed`` only
            torch.manual_seed(seed)
            self.encoder = StyleEncoder(enc, backbone)
            self.generator = FastGenerator(gen)

    def code(self, refs: torch.Tensor) -> torch.Tensor:
        """(R, 3, H, W) references of one look -> (1, style_dim): the mean of their codes."""
        return self.encoder(refs).mean(0, keepdim=True)

    def analyse(self, x: torch.Tensor, code: torch.Tensor):
        g = self.generator
        label = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        return g.analyse(g.thumbnail(x), label, style=code.expand(x.shape[0], -1))

    def forward(self, x: torch.Tensor, code: torch.Tensor, strength=1.0, seed: int = 0) -> torch.Tensor:
        return self.generator.render(x, self.analyse(x, code), strength, seed)


def save_model(model: TransferModel, folder: Path, info: dict) -> None:
    from safetensors.torch import save

    from ..imaging.write import atomic_write_bytes

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(folder / WEIGHTS, save(tensors), overwrite=True)
    meta = {"kind": "retrogan-transfer", "encoder": model.encoder.config.to_dict(),
            "generator": asdict(model.generator.config), **info}
    (folder / CONFIG).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def frozen_backbone(name: str, weights: str | Path | None = None) -> nn.Module:
    from ..features import backbone

    bb = backbone(name, weights).eval()
    for p in bb.parameters():
        p.requires_grad_(False)
    return bb


def load_model(folder: Path, backbone_weights: str | Path | None = None) -> TransferModel:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ..errors import StyleError

    folder = Path(folder)
    try:
        meta = json.loads((folder / CONFIG).read_text())
        enc, gen = EncoderConfig(**meta["encoder"]), FastGeneratorConfig(**meta["generator"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StyleError(f"{folder}: not a transfer model ({e})") from None
    model = TransferModel(enc, gen, frozen_backbone(enc.backbone, backbone_weights))
    try:
        model.load_state_dict(load_file(str(folder / WEIGHTS)))
    except (OSError, RuntimeError, SafetensorError) as e:
        raise StyleError(f"{folder}: weights do not match the saved configuration ({e})") from None
    return model.eval()
