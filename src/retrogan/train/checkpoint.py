"""Style folders and checkpoints, all safetensors + JSON (never pickle), written atomically.

STYLE_DIR/
  style.json               what the folder is: architecture, generator config, labels, the training config
  generator.safetensors    EMA generator weights: all that inference needs
  training/state.safetensors   generator, discriminator and optimizer tensors, RNG state
  training/state.json          step, elapsed time, optimizer hyper-parameters (written last: the commit marker)
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from ..errors import StyleError
from ..imaging.write import atomic_write_bytes

STYLE_FILE = "style.json"
WEIGHTS_FILE = "generator.safetensors"


def _atomic_save_tensors(tensors: dict, path: Path, metadata: dict | None = None) -> None:
    from safetensors.torch import save

    data = save({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, metadata=metadata)
    atomic_write_bytes(path, data, overwrite=True)


def optimizer_tensors(opt: torch.optim.Optimizer, prefix: str) -> tuple[dict, dict]:
    sd = opt.state_dict()
    tensors = {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            tensors[f"{prefix}.{idx}.{key}"] = value if torch.is_tensor(value) else torch.tensor(value)
    return tensors, {"param_groups": sd["param_groups"]}


def load_optimizer(opt: torch.optim.Optimizer, tensors: dict, prefix: str, meta: dict) -> None:
    state: dict = {}
    for name, value in tensors.items():
        if name.startswith(prefix + "."):
            idx, key = name[len(prefix) + 1:].split(".", 1)
            state.setdefault(int(idx), {})[key] = value
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_style(folder: Path, arch: str, generator_config: dict, labels: list[str], train_config: dict,
               weights: dict, extra: dict | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_save_tensors(weights, folder / WEIGHTS_FILE, {"format": "retrogan-generator", "arch": arch})
    info = {"format": "retrogan-style/1", "arch": arch, "generator": generator_config, "labels": labels,
            "train": train_config, **(extra or {})}
    atomic_write_bytes(folder / STYLE_FILE, json.dumps(info, indent=2).encode(), overwrite=True)


def read_style(folder: Path) -> tuple[dict, dict]:
    """-> (style.json contents, generator weights). Raises StyleError naming what is missing or wrong."""
    info_path, weights_path = folder / STYLE_FILE, folder / WEIGHTS_FILE
    if not info_path.exists() or not weights_path.exists():
        raise StyleError(f"{folder}: not a style folder (needs {STYLE_FILE} and {WEIGHTS_FILE})")
    try:
        info = json.loads(info_path.read_text())
        weights = load_file(str(weights_path))
    except (ValueError, OSError, SafetensorError) as e:
        raise StyleError(f"{folder}: unreadable style ({e})") from None
    if info.get("format") != "retrogan-style/1":
        raise StyleError(f"{info_path}: unknown format {info.get('format')!r}")
    return info, weights


def save_training_state(folder: Path, tensors: dict, meta: dict) -> None:
    train_dir = folder / "training"
    train_dir.mkdir(parents=True, exist_ok=True)
    _atomic_save_tensors(tensors, train_dir / "state.safetensors")
    atomic_write_bytes(train_dir / "state.json", json.dumps(meta, indent=2).encode(), overwrite=True)


def load_training_state(folder: Path) -> tuple[dict, dict]:
    train_dir = folder / "training"
    if not (train_dir / "state.json").exists():
        raise StyleError(f"{folder}: no training state to resume from")
    return load_file(str(train_dir / "state.safetensors")), json.loads((train_dir / "state.json").read_text())
