"""Training data: pairs matched by file stem, unpaired folders; all held in memory at training resolution."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..imaging.read import IMAGE_SUFFIXES
from ..errors import RetroganError
from ..imaging.read import read_photo

MIN_PAIRS = 2
MIN_UNPAIRED = 4


class DataError(RetroganError):
    pass


def _images(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    files = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith("."):
            files.setdefault(f.stem, f)
    return files


def load_tensor(path: Path, side: int) -> torch.Tensor:
    """(3, h, w) float32 in [0, 1], long side at most ``side``; 16-bit, gray and alpha inputs are accepted
    (alpha is dropped: the look is learnt from the colour).

    Large images are decimated (every k-th pixel), not averaged: a look is a nonlinear function of colour, and the
    average of two rendered pixels is not the render of their average, so averaging would teach a wrong mapping
    (measured: 0.62 vs 0.29 ΔE after the same 2 minutes)."""
    x = torch.from_numpy(read_photo(path).float_rgb()).permute(2, 0, 1)
    k = -(-max(x.shape[-2:]) // side)
    return x[:, ::k, ::k].contiguous() if k > 1 else x.contiguous()


@dataclass
class Pair:
    stem: str
    source: torch.Tensor
    target: torch.Tensor
    label: int


def load_pairs(inputs: Path, targets: Path, label: int, side: int, warn=print) -> list[Pair]:
    """Pairs matched by stem. Unmatched stems are named; a pair whose sizes differ is used only if the aspect ratios
    agree within 1% (the target is resized to the input), otherwise it is refused and named."""
    a, b = _images(inputs), _images(targets)
    for stem in sorted(a.keys() - b.keys()):
        warn(f"{a[stem]}: no target with stem {stem!r} in {targets}; skipped")
    for stem in sorted(b.keys() - a.keys()):
        warn(f"{b[stem]}: no input with stem {stem!r} in {inputs}; skipped")
    pairs = []
    for stem in sorted(a.keys() & b.keys()):
        src, tgt = load_tensor(a[stem], side), load_tensor(b[stem], side)
        if src.shape != tgt.shape:
            ra, rb = src.shape[2] / src.shape[1], tgt.shape[2] / tgt.shape[1]
            if abs(ra / rb - 1) > 0.01:
                warn(f"{b[stem]}: {tgt.shape[2]}x{tgt.shape[1]} does not match the framing of {a[stem].name} "
                     f"({src.shape[2]}x{src.shape[1]}); pair skipped")
                continue
            tgt = F.interpolate(tgt[None], size=src.shape[-2:], mode="area")[0]
        pairs.append(Pair(stem, src, tgt, label))
    if len(pairs) < MIN_PAIRS:
        raise DataError(f"{inputs} + {targets}: {len(pairs)} usable pairs; pair-wise training needs at least "
                        f"{MIN_PAIRS} (20 or more for a faithful look)")
    return pairs


def load_folder(folder: Path, side: int, what: str) -> list[torch.Tensor]:
    files = _images(folder)
    if len(files) < MIN_UNPAIRED:
        raise DataError(f"{folder}: {len(files)} {what}; unpaired training needs at least {MIN_UNPAIRED} "
                        "(10 or more recommended)")
    return [load_tensor(f, side) for f in files.values()]


def random_crop(images: list[torch.Tensor], size: int, rng: np.random.Generator):
    """The same crop of several same-sized (3, H, W) tensors -> (crops, (top, left))."""
    h, w = images[0].shape[-2:]
    ch, cw = min(size, h), min(size, w)
    top = int(rng.integers(0, h - ch + 1))
    left = int(rng.integers(0, w - cw + 1))
    return [im[:, top:top + ch, left:left + cw] for im in images], (top, left)
