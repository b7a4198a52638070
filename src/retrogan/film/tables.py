"""Baked colour tables (and grain textures, ``fast8``) kept on disk between runs, so that a batch of an era preset
starts without the reference renderer (and torch) and without a 4K grain texture's FFTs: the first run of a look
bakes its table, later runs read a few hundred kilobytes (a texture: 12 MB; a preset's colour for all 2^24 8-bit
colours, 64 MB, is mapped rather than read: see ``fast8.packed_or_none``).

Where: ``$RETROGAN_CACHE_DIR`` (an empty value or ``off`` turns it off), else ``$XDG_CACHE_HOME/retrogan`` or
``~/.cache/retrogan``; under ``tables/``, at most ``MAX_FILES`` files (the oldest go). A table's name hashes its key
with the source of the code that bakes it (``film`` and ``luts``) and the bundled stock files, so a changed renderer
or stock never reads an old table. Files are numpy arrays read without pickle and checked (shape, type, range); a
bad or unreadable one is baked again, and a cache that cannot be written is skipped silently: it only saves time."""
from __future__ import annotations

import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

MAX_FILES = 64


def cache_dir(kind: str = "tables") -> Path | None:
    """The cache folder of ``kind`` (tables, textures, analysers), or None when the cache is off."""
    value = os.environ.get("RETROGAN_CACHE_DIR")
    if value is not None:
        return None if value.strip() in ("", "off") else Path(value) / kind
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "retrogan" / kind


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of what a baked table depends on: the film and LUT code and the bundled stock files."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(digest_size=16)
    for folder, pattern in (("film", "*.py"), ("luts", "*.py"), ("data/looks", "*")):
        for f in sorted((package / folder).glob(pattern)):
            if f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes() if f.suffix == ".py" else repr(f.stat().st_size).encode())
    return h.hexdigest()


def _valid(a: np.ndarray) -> bool:
    return (a.dtype == np.float32 and a.ndim == 4 and a.shape[3] == 3 and a.shape[0] == a.shape[1] == a.shape[2]
            and 2 <= a.shape[0] <= 129 and bool(np.isfinite(a).all()) and float(a.min()) >= -1e-6
            and float(a.max()) <= 1 + 1e-6)


def cached_table(key: tuple, bake: Callable[[], np.ndarray]) -> np.ndarray:
    """The (N, N, N, 3) float32 table for ``key``: read from the cache, or ``bake()``d and stored."""
    return cached_array("tables", key, lambda: np.ascontiguousarray(bake(), np.float32), _valid, MAX_FILES)


def cached_array(kind: str, key: tuple, make: Callable[[], np.ndarray], valid: Callable[[np.ndarray], bool],
                 max_files: int) -> np.ndarray:
    """The array for ``key`` from the ``kind`` folder of the cache if it is there and ``valid``, else ``make()``d
    and stored (at most ``max_files`` files of that kind: the oldest go)."""
    array = stored_array(kind, key, valid)
    if array is None:
        array = make()
        store_array(kind, key, array, max_files)
    return array


def stored_array(kind: str, key: tuple, valid: Callable[[np.ndarray], bool], mmap: bool = False) -> np.ndarray | None:
    """The array for ``key`` in the ``kind`` folder of the cache if it is there and ``valid``, else None. mmap: a
    read-only view of the file, paged in as it is read (a 64 MB colour table of which a photo reads a fraction)."""
    path = _path(kind, key)
    if path is None:
        return None
    try:
        array = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
        if valid(array):
            return array
    except (OSError, ValueError, EOFError):
        pass
    return None


def store_array(kind: str, key: tuple, array: np.ndarray, max_files: int) -> None:
    """Keep ``array`` for ``key`` (at most ``max_files`` files of that kind: the oldest go); silently nothing when
    the cache is off or cannot be written."""
    path = _path(kind, key)
    if path is not None:
        _store(path.parent, path, array, max_files)


def _path(kind: str, key: tuple) -> Path | None:
    folder = cache_dir(kind)
    if folder is None:
        return None
    return folder / (hashlib.blake2b(repr((key, code_version())).encode(), digest_size=16).hexdigest() + ".npy")


def _store(folder: Path, path: Path, table: np.ndarray, max_files: int = MAX_FILES) -> None:
    from ..errors import ImageWriteError
    from ..imaging.write import atomic_write_bytes

    buf = io.BytesIO()
    np.save(buf, table, allow_pickle=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getvalue(), overwrite=True)
        files = sorted(folder.glob("*.npy"), key=lambda f: f.stat().st_mtime)
        for old in files[:max(0, len(files) - max_files)]:
            old.unlink(missing_ok=True)
    except (OSError, ImageWriteError):  # a cache that cannot be written only costs the bake next time
        pass
