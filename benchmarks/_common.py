"""Shared by the benchmarks: machine description, timing, result files."""
from __future__ import annotations

import io
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def machine() -> dict:
    import numpy
    import PIL
    import torch

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        commit = "unknown"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "numpy": numpy.__version__,
            "pillow": PIL.__version__, "platform": platform.platform(), "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def median_time(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def jpeg_bytes(rgb, quality: int = 95) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def decode_encode(data: bytes, quality: int = 95):
    """JPEG decode + encode of the same file, the yardstick every speed result is divided by."""
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    im.load()
    im.save(io.BytesIO(), "JPEG", quality=quality)


def markdown_table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def save(name: str, payload: dict, markdown: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    m = payload["machine"]
    header = (f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, torch "
              f"{m['torch']} ({m['torch_threads']} threads), Pillow {m['pillow']}; commit {m['commit']}; {m['date']}\n\n")
    (RESULTS / f"{name}.md").write_text(header + markdown + "\n")
    print(f"wrote {RESULTS / name}.json and .md")
