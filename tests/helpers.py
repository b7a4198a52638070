"""Load scripts/ modules from tests (scripts are not part of the package)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_clip(path: Path, frame, frames: int = 6, fps: int = 12) -> Path:
    """A short H.264 clip of ``frame`` (H, W, 3) uint8 sliding sideways, 5 px a frame."""
    import av
    import numpy as np

    h, w = frame.shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for i in range(frames):
            for pkt in s.encode(av.VideoFrame.from_ndarray(np.roll(frame, 5 * i, 1), format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path
