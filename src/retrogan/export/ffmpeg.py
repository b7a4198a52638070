"""Apply a .cube file with ffmpeg's own ``lut3d`` filter (through PyAV's filter graph): the check that an exported
LUT does in an editor or an ffmpeg pipeline what it does in retrogan."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def apply_cube_ffmpeg(rgb: np.ndarray, cube: str | Path, interp: str = "tetrahedral") -> np.ndarray:
    """(H, W, 3) uint8 through ``lut3d=file=cube`` -> (H, W, 3) uint8. Needs the ``video`` extra (PyAV)."""
    import av

    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("apply_cube_ffmpeg takes an (H, W, 3) uint8 array")
    h, w = rgb.shape[:2]
    path = str(Path(cube).resolve()).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    graph = av.filter.Graph()
    src = graph.add_buffer(width=w, height=h, format="rgb24", time_base=Fraction(1, 25))
    lut = graph.add("lut3d", f"file='{path}':interp={interp}")
    sink = graph.add("buffersink")
    src.link_to(lut)
    lut.link_to(sink)
    graph.configure()
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    frame.pts = 0
    graph.push(frame)
    return graph.pull().to_ndarray(format="rgb24")
