"""What the optional C lanes (``lens8``, ``lutlocal8``) share: an 8-bit frame as a C-contiguous buffer, and work
over row strips on threads (the C loops release the GIL)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..cancel import checkpoint
from ..imaging.pixels import rgbx_base

ROWS_PIXELS = 1 << 18  # pixels per strip of work


def c_source(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """(buffer, bytes per pixel): the RGBX memory under an (H, W, 3) view (4), else a C-contiguous RGB array (3)."""
    base = rgbx_base(rgb)
    return (base, 4) if base is not None else (np.ascontiguousarray(rgb), 3)


def run_strips(n: int, width: int, work, workers: int = 2) -> None:
    """work(y0, y1) over rows 0..n in strips of about ROWS_PIXELS pixels, on ``workers`` threads."""
    rows = max(4, ROWS_PIXELS // max(1, width))

    def run(y0: int) -> None:
        checkpoint()
        work(y0, min(n, y0 + rows))

    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(run, range(0, n, rows)))
