"""A fixed split of the real old photographs in ../shared/data/vintage into the half that the layer estimator's
monochrome reader may learn from and the half kept for judging it (issue #29), written to
benchmarks/splits/vintage.json. The gallery's references (benchmarks/layer_gallery.py) are always in the held-out
half; the rest is dealt by a hash of the file name. vintage_real/ is never trained on.

    .venv/bin/python scripts/make_vintage_split.py
"""
from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from layer_gallery import REFS  # noqa: E402

VINTAGE = ROOT.parent / "shared" / "data" / "vintage"


def main() -> None:
    gallery = {Path(r).name for r in REFS}
    files = sorted(p.name for p in VINTAGE.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    split = {n: "test" if n in gallery or zlib.crc32(n.encode()) % 2 else "train" for n in files}
    out = {"about": "../shared/data/vintage: train = the layer estimator's monochrome reader may learn from it; "
                    "test = held out for judging it (scripts/make_vintage_split.py)",
           "counts": {k: sum(v == k for v in split.values()) for k in ("train", "test")}, "split": split}
    (ROOT / "benchmarks" / "splits" / "vintage.json").write_text(json.dumps(out, indent=1) + "\n")
    print(out["counts"])


if __name__ == "__main__":
    main()
