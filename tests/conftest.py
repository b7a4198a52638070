"""Shared fixtures: small real photos from scikit-image's bundled data (no network, no ../shared)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the suite runs with pytest-xdist on 2 cores


def skimage_file(name: str) -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / name


@pytest.fixture(scope="session")
def photo_rgb() -> np.ndarray:
    """A real 8-bit colour photo, cropped small: (96, 128, 3) uint8."""
    from PIL import Image

    return np.asarray(Image.open(skimage_file("chelsea.png")).convert("RGB"))[60:156, 120:248].copy()


@pytest.fixture
def jpeg_file(tmp_path, photo_rgb) -> Path:
    from PIL import Image

    p = tmp_path / "cat.jpg"
    Image.fromarray(photo_rgb).save(p, quality=92)
    return p


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _private_cache() -> None:
    """Baked tables go to a folder of this test process's own (film/tables.py), never the user's cache."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="retrogan-test-cache-")
    os.environ["RETROGAN_CACHE_DIR"] = folder
    atexit.register(shutil.rmtree, folder, True)


_private_cache()
