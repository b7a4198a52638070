"""Several references of one look (issue #29): the layers read from 1, 2 and 5 references of different test-split
scenes rendered in the same random look, averaged as `retrogan transfer --ref A --ref B ...` does
(``transfer.layers.estimate_layers``). One scene cannot tell its own dark corners or bright sky from a vignette;
scenes that share a look but not a content should disagree on the scene and agree on the look.

    .venv/bin/python benchmarks/layer_several.py [--looks 4]       # about 3 minutes on 2 cores

Writes benchmarks/results/layer_several.{json,md}."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from _common import SHARED, machine, markdown_table, save

ROOT = Path(__file__).resolve().parents[1]
GROUP = 5
SEED = 29292


def main() -> None:
    import torch
    from PIL import Image

    from retrogan.luts.stocks import STOCKS
    from retrogan.transfer.layer_data import from_target, random_layers, render_reference
    from retrogan.transfer.layer_features import features
    from retrogan.transfer.layers import load_estimator

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--looks", type=int, default=4, help="random looks per group of scenes")
    a = ap.parse_args()
    split = json.loads((ROOT / "benchmarks" / "splits" / "modern.json").read_text())["split"]
    names = [n for n, s in sorted(split.items()) if s == "test"]
    rng = np.random.default_rng(SEED)
    rng.shuffle(names)
    groups = [names[i:i + GROUP] for i in range(0, len(names) - GROUP + 1, GROUP)]
    net = load_estimator()
    errors = {k: {"vignette": [], "grain": [], "softness": []} for k in (1, 2, GROUP)}
    for g in groups:
        photos = [np.asarray(Image.open(SHARED / "modern" / n).convert("RGB")) for n in g]
        for _ in range(a.looks):
            p = random_layers(rng, sorted(STOCKS))
            x = np.stack([features(render_reference(ph, p, rng, seed=int(rng.integers(1 << 30)))) for ph in photos])
            with torch.no_grad():
                out = net(torch.from_numpy(x)).numpy()
            for k in errors:
                got = from_target(out[:k].mean(0))
                errors[k]["vignette"].append(abs(got["vignette"] - p.vignette))
                if p.grain >= 0.01:
                    errors[k]["grain"].append(abs(got["grain"] - p.grain) / p.grain)
                if p.softness >= 0.3:
                    errors[k]["softness"].append(abs(got["softness"] - p.softness) / p.softness)
    rows, payload = [], {"machine": machine(), "groups": len(groups), "looks_per_group": a.looks, "results": {}}
    for k, e in errors.items():
        med = {m: float(np.median(v)) for m, v in e.items()}
        payload["results"][k] = med | {"vignette_within_0.1": float(np.mean(np.less(e["vignette"], 0.1)))}
        rows.append([str(k), f"{med['vignette']:.3f}", f"{payload['results'][k]['vignette_within_0.1']:.2f}",
                     f"{med['grain']:.3f}", f"{med['softness']:.3f}"])
    text = (f"`benchmarks/layer_several.py --looks {a.looks}`: {len(groups)} groups of {GROUP} test-split scenes of "
            f"../shared/data/modern, {a.looks} random looks each ({len(groups) * a.looks} looks); the layers read from "
            "the first k references of the group, averaged. Grain and softness: median relative error where there is "
            "grain (>= 0.01) or softness (>= 0.3); vignette: median absolute error.\n\n"
            + markdown_table(["references", "vignette", "vignette within 0.1", "grain", "softness"], rows) + "\n")
    save("layer_several", payload, text)
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
