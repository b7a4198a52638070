"""Adobe/Resolve ``.cube`` files: 1D and 3D LUTs with TITLE, DOMAIN_MIN/MAX and comments.

3D data is stored red-fastest, which is exactly ``table[b, g, r]`` after a reshape (see ``luts.apply``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import LutError


@dataclass
class CubeLut:
    """A parsed .cube file. ``table`` is (N, N, N, 3) for 3D or (N, 3) for 1D, float32."""

    table: np.ndarray
    domain_min: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    domain_max: np.ndarray = field(default_factory=lambda: np.ones(3, np.float32))
    title: str = ""
    comments: list[str] = field(default_factory=list)

    @property
    def is_3d(self) -> bool:
        return self.table.ndim == 4

    def normalised_3d(self) -> np.ndarray:
        """The 3D table as a map from [0,1]^3 inputs, for the apply functions (1D LUTs are expanded)."""
        if not np.allclose(self.domain_min, 0) or not np.allclose(self.domain_max, 1):
            raise LutError(f"{self.title or 'LUT'}: DOMAIN other than 0..1 is read but not applied yet")
        if self.is_3d:
            return self.table
        from .apply import identity_lut

        n = self.table.shape[0]
        grid = identity_lut(min(n, 65))
        xs = np.linspace(0.0, 1.0, n, dtype=np.float32)
        return np.stack([np.interp(grid[..., c], xs, self.table[:, c]) for c in range(3)], -1).astype(np.float32)


def read_cube(path: str | Path) -> CubeLut:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise LutError(f"{path}: not a text .cube file ({e})") from None
    size3 = size1 = None
    dmin, dmax = np.zeros(3, np.float32), np.ones(3, np.float32)
    title, comments, rows = "", [], []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comments.append(line[1:].strip())
            continue
        key, _, rest = line.partition(" ")
        try:
            if key == "TITLE":
                title = rest.strip().strip('"')
            elif key == "LUT_3D_SIZE":
                size3 = int(rest)
            elif key == "LUT_1D_SIZE":
                size1 = int(rest)
            elif key == "DOMAIN_MIN":
                dmin = np.array(rest.split(), dtype=np.float32)
            elif key == "DOMAIN_MAX":
                dmax = np.array(rest.split(), dtype=np.float32)
            elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
                lo, hi = (float(v) for v in rest.split())
                dmin, dmax = np.full(3, lo, np.float32), np.full(3, hi, np.float32)
            elif key[0].isdigit() or key[0] in "-+.":
                vals = [float(v) for v in line.split()]
                if len(vals) != 3:
                    raise ValueError(f"expected 3 numbers, got {len(vals)}")
                rows.append(vals)
            else:
                raise ValueError(f"unknown keyword {key!r}")
        except ValueError as e:
            raise LutError(f"{path}:{lineno}: {e}") from None
    if (size3 is None) == (size1 is None):
        raise LutError(f"{path}: needs exactly one of LUT_3D_SIZE or LUT_1D_SIZE")
    if dmin.shape != (3,) or dmax.shape != (3,) or not np.isfinite([*dmin, *dmax]).all() or np.any(dmax <= dmin):
        raise LutError(f"{path}: bad DOMAIN_MIN/DOMAIN_MAX")
    n = size3 if size3 is not None else size1
    expected = n ** 3 if size3 is not None else n
    if n < 2 or n > (256 if size3 is not None else 65536) or len(rows) != expected:
        raise LutError(f"{path}: LUT size {n} needs {expected} rows, found {len(rows)}")
    table = np.asarray(rows, dtype=np.float64)
    if not np.isfinite(table).all():
        bad = int(np.argmax(~np.isfinite(table).all(axis=1)))
        raise LutError(f"{path}: entry {bad + 1} holds {rows[bad]}: LUT values must be finite numbers")
    if np.abs(table).max() > 1e6:
        raise LutError(f"{path}: LUT values up to {np.abs(table).max():.3g}: not a colour table")
    table = table.astype(np.float32)
    table = table.reshape(n, n, n, 3) if size3 is not None else table
    return CubeLut(table, dmin, dmax, title, comments)


COLOUR_SPACE_NOTE = ("Input and output: display-referred sRGB / Rec.709 (gamma-encoded, full range 0-1). "
                     "In Resolve, apply it to Rec.709 Gamma 2.4 footage, after any log-to-709 conversion.")


def format_cube(lut: CubeLut) -> str:
    comments = lut.comments if any("display-referred" in c for c in lut.comments) else [*lut.comments,
                                                                                       COLOUR_SPACE_NOTE]
    lines = [f"# {c}" for c in comments]
    if lut.title:
        lines.append(f'TITLE "{lut.title}"')
    kind = "3D" if lut.is_3d else "1D"
    lines.append(f"LUT_{kind}_SIZE {lut.table.shape[0]}")
    lines.append("DOMAIN_MIN " + " ".join(f"{v:.6g}" for v in lut.domain_min))
    lines.append("DOMAIN_MAX " + " ".join(f"{v:.6g}" for v in lut.domain_max))
    body = "\n".join(f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in lut.table.reshape(-1, 3).tolist())
    return "\n".join(lines) + "\n" + body + "\n"


def write_cube(lut: CubeLut, path: str | Path) -> None:
    """Write atomically (temporary file, then rename)."""
    from ..imaging.write import atomic_write_bytes

    atomic_write_bytes(Path(path), format_cube(lut).encode("ascii"), overwrite=True)
