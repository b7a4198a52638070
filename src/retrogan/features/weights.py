"""Read a state dict without executing anything: safetensors, or a PyTorch file through ``torch.load`` with
``weights_only=True`` (the restricted unpickler: tensors and plain containers only)."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import StyleError


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    path = Path(path)
    if not path.is_file():
        raise StyleError(f"{path}: weights file not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any reader error becomes one clear line
        raise StyleError(f"{path}: not a readable weights file ({type(e).__name__}: {e})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise StyleError(f"{path}: does not hold a state dict of tensors")
    return state
