"""Write the look catalogue beside the bundled transfer model: the looks it was trained on (its transfer.json
"bank": RawTherapee Film Simulation HaldCLUTs, CC BY-SA 4.0, and retrogan's parametric presets) at 17^3, and
``--sampled`` more candidate looks drawn from the model's training family (mixtures of two and small global
adjustments, ``transfer.bank.sample_recipe``), stored as recipes.

    .venv/bin/python scripts/build_look_catalogue.py [--luts ../shared/data/film_luts] [--model src/retrogan/data/transfer]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from retrogan.transfer.bank import load_luts, preset_luts, sample_recipe
from retrogan.transfer.recognise import BANK, save_bank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--luts", type=Path, default=Path("../shared/data/film_luts"))
    ap.add_argument("--model", type=Path, default=Path("src/retrogan/data/transfer"))
    ap.add_argument("--size", type=int, default=17)
    ap.add_argument("--sampled", type=int, default=300, help="candidate looks sampled from the family (recipes)")
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args()
    bank = json.loads((args.model / "transfer.json").read_text())["bank"]
    files = [args.luts / n for n in bank if n.endswith(".png")]
    presets = [n for n in bank if not n.endswith(".png")]
    luts = torch.cat([load_luts(files, args.size), preset_luts(presets, args.size)])
    names = [f.stem for f in files] + presets
    rng = np.random.default_rng(args.seed)
    recipes = torch.from_numpy(np.stack([sample_recipe(len(names), rng) for _ in range(args.sampled)])) \
        if args.sampled else None
    save_bank(args.model / BANK, names, luts, recipes)
    print(f"wrote {args.model / BANK}: {len(names)} looks at {args.size}^3 and {args.sampled} sampled recipes")


if __name__ == "__main__":
    main()
