"""Build a run from a TrainConfig (its data sources included) and train it: what the CLI and resume share."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import RetroganError, StyleError
from .config import TrainConfig
from .data import load_folder, load_pairs
from .trainer import Trainer


def build_trainer(cfg: TrainConfig, out: Path, resume: bool = False, log=print) -> Trainer:
    if cfg.mode == "paired":
        pairs = []
        for item in cfg.data:
            label = cfg.labels.index(item["label"])
            pairs += load_pairs(Path(item["inputs"]), Path(item["targets"]), label, cfg.train_side, warn=log)
        return Trainer(cfg, out, pairs=pairs, resume=resume, log=log)
    if cfg.mode == "unpaired":
        item = cfg.data[0]
        sources = load_folder(Path(item["inputs"]), cfg.train_side, "modern photos")
        style = load_folder(Path(item["style"]), cfg.train_side, "style photos")
        trainer = Trainer(cfg, out, sources=sources, style_images=style, resume=resume, log=log)
        if cfg.layers:
            trainer.layers = style_layers(Path(item["style"]), log)
        return trainer
    raise RetroganError(f"unknown training mode {cfg.mode!r}")


def style_layers(folder: Path, log=print, limit: int = 16):
    """The film and age layers of a folder of photos in the look (``transfer.layers``; at most ``limit`` of them,
    in name order), saved with the style and rendered under its colour."""
    from ..transfer.references import LAYER_SIDE, load_reference
    from ..transfer.layers import estimate_layers
    from .data import _images

    files = list(_images(folder).values())[:limit]
    pixels = []
    for f in files:
        try:
            pixels.append(load_reference(f, LAYER_SIDE, short=True).permute(1, 2, 0).numpy())
        except StyleError as e:
            log(f"layers: {e}; left out")
    if not pixels:
        return None
    found = estimate_layers(pixels)
    log(f"layers of the style photos: {found.describe()}")
    return found


def saved_config(out: Path, more_steps: int | None = None, more_minutes: float | None = None) -> TrainConfig:
    """The saved run's config for ``--resume``. Alone, the run goes on to its own step and time budget (an
    interrupted run finishes); ``more_minutes`` / ``more_steps`` give it that much more than it has already done
    (the step limit, or the time limit, is lifted when only the other is given)."""
    state = out / "training" / "state.json"
    if not state.exists():
        raise RetroganError(f"{out}: nothing to resume (no training/state.json); start without --resume")
    try:
        meta = json.loads(state.read_text())
        cfg = TrainConfig.from_dict(meta["config"])
        done_steps, done_minutes = int(meta["step"]), float(meta["elapsed"]) / 60
        if more_minutes is not None:
            cfg.minutes = done_minutes + more_minutes
            cfg.steps = done_steps + more_steps if more_steps is not None else 10 ** 9
        elif more_steps is not None:
            cfg.steps, cfg.minutes = done_steps + more_steps, None
        return cfg
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise StyleError(f"{state}: damaged training state, cannot resume ({type(e).__name__}: {str(e)[:200]}); "
                         "start afresh with --overwrite") from None
