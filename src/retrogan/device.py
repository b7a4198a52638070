"""Where network inference runs: ``cpu`` (default), ``cuda``/``cuda:N`` or ``mps`` when present."""
from __future__ import annotations

from .errors import StyleError


def check_device(name: str) -> str:
    """The device name, or StyleError saying why it cannot be used here."""
    import torch

    name = (name or "cpu").lower()
    if name == "cpu":
        return name
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise StyleError(f"--device {name}: no CUDA GPU is visible to this torch build ({torch.__version__})")
        index = int(name.split(":", 1)[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise StyleError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s)")
        return name
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise StyleError("--device mps: Apple's Metal backend is not available here")
        return name
    raise StyleError(f"--device {name}: use cpu, cuda, cuda:N or mps")


def half_is_safe(name: str) -> bool:
    """fp16 autocast for conv generators on CUDA (tensor cores); CPU and MPS stay in float32."""
    return name.startswith("cuda")
