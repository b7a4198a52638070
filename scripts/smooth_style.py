"""Smooth a trained style folder's residual LUTs in place (``FastGenerator.smoothed_state``), as training now does
when it saves a look (``TrainConfig.finish_bending``): for looks trained before that setting, e.g. the bundled zoo.

    .venv/bin/python scripts/smooth_style.py FOLDER [--bending 3]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrogan.models.fast import FastGenerator, FastGeneratorConfig
from retrogan.train.checkpoint import read_style, save_style


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--bending", type=float, default=0.3)
    args = ap.parse_args()
    info, weights = read_style(args.folder)
    if info["arch"] != "fast" or info["generator"].get("colour", "lut") != "structured":
        raise SystemExit(f"{args.folder}: only a fast generator with the structured colour model is smoothed")
    if info["train"].get("finish_bending", 0.0) > 0:
        raise SystemExit(f"{args.folder}: already smoothed (finish_bending {info['train']['finish_bending']})")
    g = FastGenerator(FastGeneratorConfig(**info["generator"]))
    g.load_state_dict(weights)
    train = {**info["train"], "finish_bending": args.bending}
    extra = {k: v for k, v in info.items() if k not in ("format", "arch", "generator", "labels", "train")}
    save_style(args.folder, info["arch"], info["generator"], info["labels"], train, g.smoothed_state(args.bending),
               extra)
    print(f"{args.folder}: residual LUTs smoothed (bending {args.bending}); {json.dumps(info['labels'])}")


if __name__ == "__main__":
    main()
