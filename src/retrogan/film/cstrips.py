"""What the optional C lanes (``lens8``, ``lutlocal8``) share: an 8-bit frame as a C-contiguous buffer, and work
over row strips on threads (the C loops release the GIL)."""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..cancel import checkpoint
from ..imaging.pixels import rgbx_base

ROWS_PIXELS = 1 << 18  # pixels per strip of work


def c_source(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """(buffer, bytes per pixel): the RGBX memory under an (H, W, 3) view (4), else a C-contiguous RGB array (3)."""
    base = rgbx_base(rgb)
    return (base, 4) if base is not None else (np.ascontiguousarray(rgb), 3)


_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}  # by (process id, thread count)
_POOL_LOCK = threading.Lock()


def strip_pool(workers: int = 2) -> ThreadPoolExecutor:
    """The process's pool of ``workers`` threads for strip work, started once, not once a call (starting a pool's
    threads cost a 1080p video frame several ms of CPU each time). Work run on it must not wait on work it puts on
    the same pool: it could leave no thread to run that. A forked child (Ray, multiprocessing) starts its own."""
    key = (os.getpid(), workers)
    with _POOL_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = ThreadPoolExecutor(workers, thread_name_prefix=f"retrogan-strips-{workers}")
        return pool


def run_strips(n: int, width: int, work, workers: int = 2) -> None:
    """work(y0, y1) over rows 0..n in strips of about ROWS_PIXELS pixels, on ``workers`` threads (``work`` must not
    itself wait on strip work: see ``strip_pool``)."""
    rows = max(4, ROWS_PIXELS // max(1, width))

    def run(y0: int) -> None:
        checkpoint()
        work(y0, min(n, y0 + rows))

    starts = range(0, n, rows)
    if workers <= 1 or len(starts) <= 1:
        for y0 in starts:
            run(y0)
        return
    list(strip_pool(workers).map(run, starts))
