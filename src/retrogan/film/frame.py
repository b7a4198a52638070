"""Frame geometry for tiles, without torch (the 8-bit lane renders presets and stocks without importing it)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """Where a tile sits in the whole frame: full size (height, width) and the tile's top-left corner.

    Every spatial op measures in frame-relative units (the short side of the whole frame is 1), so a look does not
    change with resolution and a frame rendered in tiles equals the frame rendered in one piece."""

    height: int
    width: int
    top: int = 0
    left: int = 0

    @property
    def short(self) -> int:
        return min(self.height, self.width)


def softness_sigma(amount: float, frame: Frame) -> float:
    """The Gaussian sigma in pixels of ``softness`` at ``amount`` on ``frame``: 0.002 * amount of the short side."""
    return float(amount) * 0.002 * frame.short
