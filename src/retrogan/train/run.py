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
        return Trainer(cfg, out, sources=sources, style_images=style, resume=resume, log=log)
    raise RetroganError(f"unknown training mode {cfg.mode!r}")


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
