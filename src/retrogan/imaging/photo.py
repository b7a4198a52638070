"""The in-memory photo: sRGB pixels at their native bit depth plus what must survive a round trip."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

EXIF_ORIENTATION = 0x0112


@dataclass
class Photo:
    """An image ready for processing.

    rgb:   (H, W, 3) uint8 or uint16, sRGB-encoded (any embedded profile has been converted away).
    alpha: (H, W) of the same dtype, or None; passed through untouched.
    exif:  raw EXIF bytes with orientation already applied to the pixels and reset to 1, or None.
    source_icc: the profile the file carried (kept for reference; output is tagged sRGB).
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    exif: bytes | None = None
    source_icc: bytes | None = None
    format: str = "PNG"
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3:
            raise ValueError(f"rgb must be (H, W, 3), got {self.rgb.shape}")
        if self.rgb.dtype not in (np.uint8, np.uint16):
            raise ValueError(f"rgb must be uint8 or uint16, got {self.rgb.dtype}")
        if self.alpha is not None and self.alpha.shape != self.rgb.shape[:2]:
            raise ValueError(f"alpha {self.alpha.shape} does not match rgb {self.rgb.shape[:2]}")

    @property
    def bit_depth(self) -> int:
        return 16 if self.rgb.dtype == np.uint16 else 8

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[1], self.rgb.shape[0]

    def float_rgb(self) -> np.ndarray:
        """(H, W, 3) float32 in [0, 1]."""
        return to_float(self.rgb)

    def with_rgb(self, rgb: np.ndarray) -> "Photo":
        """A copy with new pixels (float in [0, 1] is quantised to this photo's bit depth)."""
        if rgb.dtype.kind == "f":
            rgb = from_float(rgb, self.bit_depth)
        return replace(self, rgb=rgb, warnings=list(self.warnings))


def max_value(dtype: np.dtype) -> int:
    return 65535 if np.dtype(dtype) == np.uint16 else 255


def to_float(a: np.ndarray) -> np.ndarray:
    """uint8/uint16 -> float32 in [0, 1]."""
    return a.astype(np.float32) * np.float32(1.0 / max_value(a.dtype))


def from_float(a: np.ndarray, bit_depth: int) -> np.ndarray:
    """float in [0, 1] -> uint8 or uint16, clipped and rounded."""
    scale = 65535.0 if bit_depth == 16 else 255.0
    out = np.clip(a, 0.0, 1.0) * np.float32(scale) + np.float32(0.5)
    return out.astype(np.uint16 if bit_depth == 16 else np.uint8)


def apply_orientation(a: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an (H, W, ...) array stored with EXIF orientation 1-8 into its upright view."""
    ops = {
        1: lambda x: x,
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: x.swapaxes(0, 1),
        6: lambda x: np.rot90(x, k=-1),
        7: lambda x: x.swapaxes(0, 1)[::-1, ::-1],
        8: lambda x: np.rot90(x, k=1),
    }
    return np.ascontiguousarray(ops.get(orientation, ops[1])(a))
