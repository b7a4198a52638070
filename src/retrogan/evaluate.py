"""Compare a folder of results with a folder of ground truth, files matched by stem."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import RetroganError
from .imaging.read import IMAGE_SUFFIXES, read_photo
from .metrics import delta_e_images, psnr, ssim


def _by_stem(folder: Path) -> tuple[dict[str, Path], list[str]]:
    files, dupes = {}, []
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
            if f.stem in files:
                dupes.append(f"{f} (stem {f.stem!r} also used by {files[f.stem].name})")
            else:
                files[f.stem] = f
    return files, dupes


def evaluate_folders(pred_dir: Path, truth_dir: Path) -> dict:
    pred, pred_dupes = _by_stem(pred_dir)
    truth, truth_dupes = _by_stem(truth_dir)
    return _compare(pred, truth, pred_dupes + truth_dupes)


def evaluate_files(pred: Path, truth: Path) -> dict:
    """One image against another (their names need not match)."""
    return _compare({pred.stem: pred}, {pred.stem: truth}, [])


def _compare(pred: dict[str, Path], truth: dict[str, Path], errors: list[str]) -> dict:
    images = []
    for stem in sorted(pred.keys() & truth.keys()):
        try:
            a, b = read_photo(pred[stem]).float_rgb(), read_photo(truth[stem]).float_rgb()
        except RetroganError as e:
            errors.append(str(e))
            continue
        if a.shape != b.shape:
            errors.append(f"{pred[stem]}: size {a.shape[1]}x{a.shape[0]} differs from "
                          f"{truth[stem].name} {b.shape[1]}x{b.shape[0]}")
            continue
        images.append({"stem": stem, "delta_e": delta_e_images(a, b), "psnr": psnr(a, b), "ssim": ssim(a, b)})
    mean = {k: float(np.mean([r[k] for r in images])) for k in ("delta_e", "psnr", "ssim")} if images else {}
    return {
        "count": len(images), "mean": mean, "images": images,
        "missing": [str(truth[s]) for s in sorted(truth.keys() - pred.keys())],
        "extra": [str(pred[s]) for s in sorted(pred.keys() - truth.keys())],
        "errors": errors,
    }
