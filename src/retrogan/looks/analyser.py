"""A trained fast style's analyser run by onnxruntime from a graph kept on disk, so that a batch through a learned
look need not import torch (issue #31: importing torch and building the model took about 1.5 s of a batch of eight
4K photos whose plain decode + encode takes 0.65 s).

The first use of a style folder exports its analyser (``models/analyser_graph.py``, a few seconds, with torch) into
the cache beside the colour tables (``film/tables.py``: ``$RETROGAN_CACHE_DIR`` or ``~/.cache/retrogan``, under
``analysers/``, at most ``MAX_FILES`` files). A graph's name hashes the style's own files and the model code, so a
retrained style or a changed model never reads an old graph. The graph is our own export of the user's own style
(protobuf, no pickle); a file that does not load is exported again. Without onnxruntime, or where the export fails,
the look runs its torch analyser as before: this only saves time."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from ..film.fast import THUMB_SHORT_SIDE
from ..film.light import thumbnail
from ..film.tables import cache_dir

MAX_FILES = 8
_LOCK = threading.Lock()
_LOADED: dict[str, "Analyser | None"] = {}


@dataclass(frozen=True)
class Theta:
    """θ of one photo, in numpy: lut (3, N, N, N) [c, b, g, r], local (6, G, G), and the film numbers."""
    lut: np.ndarray
    local: np.ndarray
    vignette: float
    grain: float
    grain_colour: float
    grain_size: float


def area_bins(n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The n bins of adaptive average pooling (torch's area resize) over ``size`` pixels: bin i is
    [floor(i size / n), ceil((i + 1) size / n)). -> (starts, ends)."""
    i = np.arange(n)
    return (i * size) // n, -((-(i + 1) * size) // n)


def area_mean(x: np.ndarray, n: int, axis: int) -> np.ndarray:
    """x averaged over ``area_bins`` along ``axis``, in float64 (bin by bin: no BLAS product, whose idle thread
    would spin on the other core while a batch renders there)."""
    starts, ends = area_bins(n, x.shape[axis])
    index = [slice(None)] * x.ndim
    out = []
    for a, b in zip(starts, ends):
        index[axis] = slice(a, b)
        out.append(x[tuple(index)].sum(axis, dtype=np.float64) / (b - a))
    return np.stack(out, axis)


def analyser_thumbnail(rgb: np.ndarray, side: int) -> np.ndarray:
    """(1, 3, side, side) float32: ``looks.gan.thumbnail`` in numpy (box-reduced, then an area resize)."""
    small = thumbnail(rgb, THUMB_SHORT_SIDE)
    t = area_mean(area_mean(small, side, 0), side, 1)  # (side, side, 3)
    return np.ascontiguousarray(t.transpose(2, 0, 1)[None], np.float32)


class Analyser:
    def __init__(self, data: bytes) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # a 64-pixel thumbnail: threads cost more than they give
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        self.side = int(self.session.get_inputs()[0].shape[-1])

    def __call__(self, rgb: np.ndarray, label: int) -> Theta:
        lut, local, film = self.session.run(None, {"thumb": analyser_thumbnail(rgb, self.side),
                                                   "label": np.array([label], np.int64)})
        return Theta(lut, local, *(float(v) for v in film))


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code an analyser graph is exported from (the models and the film layer's constants)."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(digest_size=16)
    for folder in ("models", "film"):
        for f in sorted((package / folder).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def graph_path(folder: Path) -> Path | None:
    """Where the analyser graph of a style folder is kept (None: the cache is off or the style unreadable)."""
    root = cache_dir("analysers")
    if root is None:
        return None
    try:
        stamps = tuple((f.stat().st_size, f.stat().st_mtime_ns) for f in (folder / n for n in STYLE_FILES))
    except OSError:
        return None
    digest = _style_digest(str(folder), stamps)
    return None if digest is None else root / f"{digest}.onnx"


STYLE_FILES = ("style.json", "generator.safetensors")


@lru_cache(maxsize=32)
def _style_digest(folder: str, stamps: tuple) -> str | None:
    """A hash of the model code and the style's files, read once per version of the files (``stamps``: their sizes
    and modification times), not once per photo."""
    h = hashlib.blake2b(code_version().encode(), digest_size=16)
    try:
        for name in STYLE_FILES:
            h.update((Path(folder) / name).read_bytes())
    except OSError:
        return None
    return h.hexdigest()


def runtime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def cached(folder: Path) -> bool:
    """True when the folder's analyser graph is on disk and onnxruntime can run it."""
    path = graph_path(folder)
    return path is not None and path.is_file() and runtime_available()


def analyser_for(folder: Path, export: Callable[[], bytes] | None) -> Analyser | None:
    """The folder's analyser: from memory, from the cache, or exported now by ``export()`` and kept; None where
    onnxruntime is missing or the export fails (the caller runs torch)."""
    if not runtime_available():
        return None
    path = graph_path(folder)
    key = str(path) if path is not None else f"nocache:{folder}"
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        analyser = None
        if path is not None and path.is_file():
            try:
                analyser = Analyser(path.read_bytes())
            except Exception:  # noqa: BLE001 - a damaged cache file: export it again
                analyser = None
        if analyser is None and export is not None:
            try:
                data = export()
                analyser = Analyser(data)
            except Exception:  # noqa: BLE001 - an exporter that cannot handle this model: torch renders it
                analyser = None
            else:
                if path is not None:
                    _store(path, data)
        if analyser is not None or export is not None:  # a failed export is not tried again in this process
            _LOADED[key] = analyser
        return analyser


def _store(path: Path, data: bytes) -> None:
    from ..errors import ImageWriteError
    from ..imaging.write import atomic_write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data, overwrite=True)
        files = sorted(path.parent.glob("*.onnx"), key=lambda f: f.stat().st_mtime)
        for old in files[:max(0, len(files) - MAX_FILES)]:
            old.unlink(missing_ok=True)
    except (OSError, ImageWriteError):  # a cache that cannot be written only costs the export next time
        pass
