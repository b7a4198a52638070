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
from .style_info import STYLE_FILE, WEIGHTS_FILE, read_style_info


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
    """-> (style.json contents, generator weights). Raises StyleError naming what is missing or wrong: a style
    folder may come from anyone, so its JSON is checked for shape and its weights for NaN and infinity."""
    info = read_style_info(folder)
    weights_path = folder / WEIGHTS_FILE
    try:
        weights = load_file(str(weights_path))
    except (ValueError, OSError, SafetensorError) as e:
        raise StyleError(f"{folder}: unreadable style ({e})") from None
    check_finite(weights, weights_path)
    return info, weights


def check_finite(tensors: dict, path: Path) -> None:
    """StyleError when a floating-point tensor holds NaN or infinity (it would render black or garbage)."""
    for name, t in tensors.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise StyleError(f"{path}: tensor {name!r} holds NaN or infinite values")


def save_training_state(folder: Path, tensors: dict, meta: dict) -> None:
    train_dir = folder / "training"
    train_dir.mkdir(parents=True, exist_ok=True)
    _atomic_save_tensors(tensors, train_dir / "state.safetensors")
    atomic_write_bytes(train_dir / "state.json", json.dumps(meta, indent=2).encode(), overwrite=True)


def load_training_state(folder: Path) -> tuple[dict, dict]:
    """-> (tensors, meta) of a saved run; StyleError naming the file when it is missing, damaged or incomplete."""
    train_dir = folder / "training"
    if not (train_dir / "state.json").exists():
        raise StyleError(f"{folder}: no training state to resume from")
    try:
        tensors = load_file(str(train_dir / "state.safetensors"))
        meta = json.loads((train_dir / "state.json").read_text())
    except (ValueError, OSError, SafetensorError) as e:
        raise StyleError(f"{train_dir}: damaged training state, cannot resume ({e}); "
                         "start afresh with --overwrite") from None
    missing = [k for k in ("step", "elapsed", "opt_g", "opt_d", "rng_numpy") if k not in meta] \
        if isinstance(meta, dict) else ["everything (not a JSON object)"]
    if missing or "rng.torch" not in tensors:
        raise StyleError(f"{train_dir}: incomplete training state (missing {', '.join(missing or ['rng.torch'])}); "
                         "start afresh with --overwrite")
    check_finite(tensors, train_dir / "state.safetensors")
    return tensors, meta
