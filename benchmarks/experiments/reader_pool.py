"""Is the look reader's error with several references a bias or noise? Read each benchmark stock from pools of
1, 3, 10, 30 and 60 references of other validation-split scenes and score 30 more (validation split only).

    .venv/bin/python benchmarks/experiments/reader_pool.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader import Readers, at_side, looks, score, split_photos  # noqa: E402
from protocol import STOCKS  # noqa: E402


def main() -> None:
    from retrogan.luts import identity_lut

    data = [x for _, x in split_photos("val", 512)]
    refs_all, scored = data[:60], data[60:90]
    small = at_side(scored, 256)
    readers = Readers(None, False)
    sizes = [1, 3, 10, 30, 60]
    table = {n: [] for n in ["identity"] + [str(k) for k in sizes]}
    for name, (apply, _) in looks().items():
        if name not in STOCKS:
            continue
        truths = [apply(p) for p in small]
        refs = [apply(r.astype(np.float32) / 255) for r in refs_all]
        row = {"identity": score(identity_lut(17), small, truths)}
        for k in sizes:
            groups = [refs[i:i + k] for i in range(0, 60, k)][:6]  # up to 6 disjoint pools
            row[str(k)] = float(np.mean([score(readers.read(g), small, truths) for g in groups]))
        for n, v in row.items():
            table[n].append(v)
        print(name, {n: round(v, 2) for n, v in row.items()}, flush=True)
    print("mean", {n: round(float(np.mean(v)), 2) for n, v in table.items()})


if __name__ == "__main__":
    main()
