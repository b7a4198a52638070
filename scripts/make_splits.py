"""Fixed scene-disjoint train / validation / test splits of ../shared/data/modern (issue #28), written to
benchmarks/splits/modern.json. Run once; the file is committed and every later model and benchmark reads it (never
tune on the test split).

Scenes, not files, are split: photos that are near-duplicates of each other (difference and mean hashes of a tiny
greyscale copy both within 4 bits of 64) are one scene, and so are camera samples that differ only by a trailing number
(`mei_jpg_Canon_EOS_20D_1`, `_2`, ...) and wallpapers by one photographer (`ubuntu_..._by_NAME`). Groups are
dealt per source (so every split holds clothes, camera samples, wallpapers) with a fixed seed: 15% of each source's
photos to test, 15% to validation, the rest to training.

    .venv/bin/python scripts/make_splits.py [--shared ../shared]
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 28
SHARES = {"test": 0.15, "val": 0.15}
NEAR = 4  # bits of 64 in both hashes (the folder was deduplicated already; this catches re-crops)


def hashes(path: Path) -> tuple[int, int]:
    """(difference hash, mean hash) of a 9x8 / 8x8 greyscale reduction: 64 bits each."""
    im = Image.open(path).convert("L")
    a = np.asarray(im.resize((9, 8), Image.BILINEAR), dtype=np.int16)
    m = np.asarray(im.resize((8, 8), Image.BILINEAR), dtype=np.int16)
    pack = lambda bits: int("".join("1" if b else "0" for b in bits.ravel()), 2)
    return pack(a[:, 1:] > a[:, :-1]), pack(m > m.mean())


def name_key(stem: str) -> str:
    """Photos one name says are of one scene or one photographer."""
    if stem.startswith("ubuntu_") and "_by_" in stem:
        return "ubuntu_by_" + stem.split("_by_", 1)[1].lower()
    return re.sub(r"([_ -]?\(?\d+\)?)+$", "", stem)


def groups(files: list[Path]) -> list[list[int]]:
    parent = list(range(len(files)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    h = np.array([hashes(f) for f in files], dtype=np.uint64)
    bits = lambda x: np.array([bin(int(v)).count("1") for v in x])
    for i in range(len(files)):
        near = (bits(h[i + 1:, 0] ^ h[i, 0]) <= NEAR) & (bits(h[i + 1:, 1] ^ h[i, 1]) <= NEAR)
        for j in np.nonzero(near)[0]:
            union(i, i + 1 + int(j))
    by_name: dict[str, int] = {}
    for i, f in enumerate(files):
        key = name_key(f.stem)
        if key in by_name:
            union(i, by_name[key])
        by_name.setdefault(key, i)
    out: dict[int, list[int]] = {}
    for i in range(len(files)):
        out.setdefault(find(i), []).append(i)
    return sorted(out.values(), key=lambda g: files[g[0]].name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    args = ap.parse_args()
    folder = args.shared / "data" / "modern"
    rows = {r["file"]: r for r in csv.DictReader(open(folder / "manifest.csv"))}
    files = [folder / name for name in sorted(rows)]
    rng = np.random.default_rng(SEED)
    split: dict[str, str] = {}
    all_groups = groups(files)
    for source in sorted({r["source"] for r in rows.values()}):
        mine = [g for g in all_groups if rows[files[g[0]].name]["source"] == source]
        total = sum(len(g) for g in mine)
        order = rng.permutation(len(mine))
        taken = {k: 0 for k in SHARES}
        for idx in order:
            g = mine[idx]
            want = next((k for k in SHARES if taken[k] + len(g) <= max(1, round(SHARES[k] * total))), "train")
            if want != "train":
                taken[want] += len(g)
            for i in g:
                split[files[i].name] = want
    out = Path(__file__).resolve().parents[1] / "benchmarks" / "splits" / "modern.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    counts = {k: sum(v == k for v in split.values()) for k in ("train", "val", "test")}
    multi = [g for g in all_groups if len(g) > 1]
    out.write_text(json.dumps({
        "about": "scene-disjoint splits of ../shared/data/modern (scripts/make_splits.py); never tune on test",
        "seed": SEED, "counts": counts, "scenes": len(all_groups), "scenes_of_several_photos": len(multi),
        "split": dict(sorted(split.items()))}, indent=1) + "\n")
    print(f"{len(files)} photos, {len(all_groups)} scenes ({len(multi)} of several photos): {counts} -> {out}")


if __name__ == "__main__":
    main()
