"""Robustness run: many damaged image files mixed with good ones through one `retrogan stylize` batch.

Checks: exit code 1, no traceback, every good file written, every bad file either named with a cause on stderr or
(when the damage left a decodable image, e.g. a byte flip inside JPEG entropy data or a wrong extension) written,
and every input byte-for-byte unchanged.

    .venv/bin/python scripts/robustness.py --bad 220 --good 20      # full run (a few minutes)
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np


def png_bomb(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims width x height gray pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(b"\x00" * (width + 1)) for _ in range(min(height, 64))) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _encode(rgb: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return buf.getvalue()


def make_corpus(folder: Path, photo: np.ndarray, n_good: int, n_bad: int, seed: int = 0) -> dict[str, str]:
    """Write files into ``folder``; returns {file name: 'good' | damage kind}."""
    rng = np.random.default_rng(seed)
    fmts = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp"}
    kinds: dict[str, str] = {}

    def variant(i: int) -> np.ndarray:
        h, w = photo.shape[:2]
        y, x = rng.integers(0, h // 4), rng.integers(0, w // 4)
        return np.ascontiguousarray(np.roll(photo, i * 7, axis=1)[y: y + h // 2 + 8, x: x + w // 2 + 8])

    for i in range(n_good):
        fmt = list(fmts)[i % 4]
        (folder / f"good_{i:03d}{fmts[fmt]}").write_bytes(_encode(variant(i), fmt))
        kinds[f"good_{i:03d}{fmts[fmt]}"] = "good"
    specials = [("zero_bytes.jpg", "zero bytes", b""), ("text.jpg", "text named .jpg", b"hello\nnot a photo\n" * 20)]
    for name, kind, data in specials:
        (folder / name).write_bytes(data)
        kinds[name] = kind
    png_bomb(folder / "bomb.png", 50_000, 50_000)
    kinds["bomb.png"] = "decompression bomb"
    for i in range(max(0, n_bad - len(kinds) + n_good)):
        fmt = list(fmts)[i % 4]
        data = bytearray(_encode(variant(i), fmt))
        mode = ("truncate", "flip", "wrong_ext", "truncate_header", "garbage_tail")[i % 5]
        ext = fmts[fmt]
        if mode == "truncate":
            data = data[: int(rng.integers(8, len(data) - 1))]
        elif mode == "truncate_header":
            data = data[: int(rng.integers(1, 40))]
        elif mode == "flip":
            for pos in rng.integers(0, len(data), int(rng.integers(1, 40))):
                data[pos] ^= int(rng.integers(1, 256))
        elif mode == "wrong_ext":
            ext = {".jpg": ".png", ".png": ".webp", ".tif": ".jpg", ".webp": ".tif"}[ext]
        elif mode == "garbage_tail":
            data = data[: len(data) // 3] + bytes(rng.integers(0, 256, 2000, dtype=np.uint8))
        name = f"bad_{i:03d}_{mode}{ext}"
        (folder / name).write_bytes(bytes(data))
        kinds[name] = mode
    return kinds


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def run(n_good: int, n_bad: int, seed: int, workdir: Path, retrogan: list[str]) -> dict:
    from skimage import data

    inputs, outputs = workdir / "in", workdir / "out"
    inputs.mkdir(parents=True)
    kinds = make_corpus(inputs, data.astronaut(), n_good, n_bad, seed)
    before = hashes(inputs)
    proc = subprocess.run([*retrogan, "stylize", str(inputs), "-o", str(outputs), "--quiet", "--max-pixels", "100"],
                          capture_output=True, text=True)
    after = hashes(inputs)
    written = {p.name for p in outputs.iterdir()} if outputs.exists() else set()
    named = {}
    for line in proc.stderr.splitlines():
        m = re.search(r"(\S+/in/(\S+?)): (.+)$", line.strip())
        if m:
            named[m.group(2)] = m.group(3)
    res = {
        "exit_code": proc.returncode,
        "traceback": "Traceback" in proc.stderr + proc.stdout,
        "inputs_unchanged": before == after,
        "good_total": sum(k == "good" for k in kinds.values()),
        "good_written": sum(k == "good" and n in written for n, k in kinds.items()),
        "bad_total": sum(k != "good" for k in kinds.values()),
        "bad_named": sum(k != "good" and n in named for n, k in kinds.items()),
        "bad_decoded_and_written": sum(k != "good" and n in written and n not in named for n, k in kinds.items()),
        "decoded_by_kind": _count(k for n, k in kinds.items() if k != "good" and n in written and n not in named),
        "bad_unaccounted": [n for n, k in kinds.items() if k != "good" and n not in named and n not in written],
        "partial_files": [p.name for p in outputs.glob(".retrogan-*")] if outputs.exists() else [],
        "causes": {},
    }
    for n, msg in named.items():
        cause = msg.split(" (")[0]
        res["causes"][cause] = res["causes"].get(cause, 0) + 1
    res["passed"] = (res["exit_code"] == 1 and not res["traceback"] and res["inputs_unchanged"]
                     and res["good_written"] == res["good_total"] and not res["bad_unaccounted"]
                     and not res["partial_files"])
    return res


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in items:
        out[k] = out.get(k, 0) + 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--good", type=int, default=20)
    ap.add_argument("--bad", type=int, default=220)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=Path(__file__).resolve().parents[1] / "benchmarks/results/robustness.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        res = run(args.good, args.bad, args.seed, Path(tmp), [sys.executable, "-m", "retrogan"])
    print(json.dumps(res, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=2) + "\n")
    sys.exit(0 if res["passed"] else 1)


if __name__ == "__main__":
    main()
