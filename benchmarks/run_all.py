"""The whole comparison in one command (``make bench``): fidelity.py (four tasks), speed.py, then report.py writes
docs/results.md. Each result file records how long its part took; that page says the total.

    .venv/bin/python benchmarks/run_all.py [--minutes 2]        # about 2 hours on 2 cores
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=2.0, help="training budget per trained system and stock")
    args = ap.parse_args()
    steps = [("fidelity", ["fidelity.py", "--minutes", f"{args.minutes:g}"]), ("speed", ["speed.py"])]
    took = {}
    for name, cmd in steps:
        t = time.perf_counter()
        subprocess.run([sys.executable, *cmd], cwd=HERE, check=True)
        took[name] = round((time.perf_counter() - t) / 60, 1)
        print(f"{name}: {took[name]} min", flush=True)
    took["total"] = round(sum(took.values()), 1)
    subprocess.run([sys.executable, "report.py"], cwd=HERE, check=True)
    print(f"the whole benchmark took {took['total']} min")


if __name__ == "__main__":
    main()
