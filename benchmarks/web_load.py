"""Load on the web server (not a unit test): `retrogan serve` (page and API, default limits) in a subprocess on
loopback; 50 concurrent POST /api/stylize requests with 2-megapixel photos, then a burst of 20 oversized and corrupt
uploads, then a health check and one good request. Reports latency percentiles, statuses and the server's peak RSS
(VmHWM from /proc, which includes start-up: importing Gradio and torch, rendering the gallery thumbnails).

    python benchmarks/web_load.py [--requests 50] [--look kodachrome-1950s]
"""
from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from _common import SHARED, machine, markdown_table, save
from retrogan.looks.registry import default_style_name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM", "VmRSS")):
            k, v = line.split(":")
            out[k] = int(v.split()[0]) / 2**20  # GiB
    return out


def photos_2mp(n: int) -> list[tuple[str, bytes]]:
    """Real photos from ../shared/data/photos at about 2 MP (1732x1155 or its portrait), as JPEG q92."""
    files = sorted((SHARED / "photos").glob("*.jpg"))
    out = []
    for f in files[:n]:
        im = Image.open(f).convert("RGB")
        scale = (2.0e6 / (im.width * im.height)) ** 0.5
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=92)
        out.append((f.name, buf.getvalue()))
    return out


def bad_uploads(good: bytes) -> list[tuple[str, str, bytes]]:
    """(kind, name, bytes): 7 over the upload limit, 7 corrupt or truncated, 6 decompression bombs."""
    rng = np.random.default_rng(0)
    out = [("oversized", f"big{i}.jpg", rng.bytes(60 * 2**20)) for i in range(7)]
    out += [("corrupt", f"noise{i}.jpg", rng.bytes(200_000)) for i in range(3)]
    out += [("truncated", f"cut{i}.jpg", good[: len(good) // (i + 2)]) for i in range(4)]
    bomb = io.BytesIO()
    Image.new("L", (20000, 20000)).save(bomb, "PNG")  # 400 MP of zeros: a few hundred kB
    out += [("bomb", f"bomb{i}.png", bomb.getvalue()) for i in range(6)]
    return out


def post(url: str, name: str, data: bytes, look: str | None, timeout: float = 600) -> tuple[int, float, str]:
    boundary = "retroganbench"
    fields = b""
    if look:
        fields += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"look\"\r\n\r\n{look}\r\n").encode()
    body = fields + (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url + "/api/stylize", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return r.status, time.perf_counter() - t, ""
    except urllib.error.HTTPError as e:
        return e.code, time.perf_counter() - t, e.read().decode(errors="replace")[:200]
    except OSError as e:  # the server closed a connection mid-upload (oversized body): what the client sees
        return -1, time.perf_counter() - t, f"{type(e).__name__}: {e}"


def post_expect_continue(url: str, size: int) -> tuple[int, float, str]:
    """What curl does for a large body: send the headers with ``Expect: 100-continue`` and wait for the answer."""
    host, port = url.split("//")[1].split(":")
    t = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=60) as s:
        s.sendall((f"POST /api/stylize HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                   f"Content-Length: {size}\r\nExpect: 100-continue\r\n\r\n").encode())
        head = s.recv(65536).decode(errors="replace")
    status = int(head.split()[1])
    return status, time.perf_counter() - t, head.split("\r\n\r\n", 1)[-1][:200]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--look", default=None, help="default: the default look")
    ap.add_argument("--env", nargs="*", default=[], help="NAME=VALUE for the server process")
    args = ap.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / "retrogan-web-load.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "retrogan", "serve", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, env=dict(os.environ, **dict(e.split("=", 1) for e in args.env)))
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/api/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("server exited; see the log")
                time.sleep(0.2)
        startup = time.perf_counter() - t0
        mem_idle = rss(proc.pid)
        photos = photos_2mp(10)
        sizes = [Image.open(io.BytesIO(d)).size for _, d in photos]
        print(f"server up in {startup:.1f} s, RSS {mem_idle['VmRSS']:.2f} GiB; {len(photos)} photos of "
              f"{sizes[0][0]}x{sizes[0][1]} ({sizes[0][0] * sizes[0][1] / 1e6:.1f} MP)")
        post(url, *photos[0], args.look)  # warm: tables and textures of the look are built once per process

        jobs = [photos[i % len(photos)] for i in range(args.requests)]
        t = time.perf_counter()
        with ThreadPoolExecutor(args.requests) as pool:
            results = list(pool.map(lambda p: post(url, p[0], p[1], args.look), jobs))
        wall = time.perf_counter() - t
        mem_load = rss(proc.pid)
        ok = [r for r in results if r[0] == 200]
        lat = [r[1] for r in ok]
        print(f"{len(ok)}/{len(results)} OK in {wall:.1f} s; p50 {pct(lat, 50):.2f} s p90 {pct(lat, 90):.2f} s "
              f"p99 {pct(lat, 99):.2f} s max {max(lat):.2f} s; peak RSS {mem_load['VmHWM']:.2f} GiB")

        bad = bad_uploads(photos[0][1])
        t = time.perf_counter()
        def send_bad(b):
            if b[0] == "oversized" and b[1].endswith(("0.jpg", "1.jpg", "2.jpg")):
                return ("oversized, Expect: 100-continue", *post_expect_continue(url, len(b[2])))
            return (b[0], *post(url, b[1], b[2], args.look, timeout=120))
        with ThreadPoolExecutor(len(bad)) as pool:
            burst = list(pool.map(send_bad, bad))
        burst_wall = time.perf_counter() - t
        health = urllib.request.urlopen(url + "/api/health", timeout=10).status
        after = post(url, *photos[1], args.look)
        mem_end = rss(proc.pid)
        alive = proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(30)

    by_kind: dict[str, list] = {}
    for kind, status, sec, msg in burst:
        by_kind.setdefault(kind, []).append((status, sec, msg))
    rows = [["50 concurrent 2-MP requests" if args.requests == 50 else f"{args.requests} concurrent",
             f"{len(ok)}/{len(results)} HTTP 200", f"{wall:.1f}", f"{pct(lat, 50):.2f}", f"{pct(lat, 90):.2f}",
             f"{pct(lat, 99):.2f}", f"{max(lat):.2f}"]]
    burst_rows = []
    for kind, items in by_kind.items():
        statuses = sorted({s for s, _, _ in items})
        burst_rows.append([kind, len(items), ", ".join(str(s) for s in statuses),
                           f"{statistics.median(s for _, s, _ in items):.2f}", items[0][2][:110].replace("|", "/")])
    md = ("`python benchmarks/web_load.py` — `retrogan serve` (page + API, default limits: 2 render threads, queue "
          f"64, 50 MB uploads, 50 MP) on loopback, look {args.look or 'default (' + default_style_name() + ')'}, "
          f"{sizes[0][0]}x{sizes[0][1]} JPEG q92 photos from ../shared/data/photos. Client: one thread per request "
          "on the same 2-core machine.\n\n"
          + markdown_table(["load", "completed", "wall s", "p50 s", "p90 s", "p99 s", "max s"], rows)
          + f"\n\nThroughput {len(ok) / wall:.1f} images/s. Server memory: {mem_idle['VmRSS']:.2f} GiB after start-up "
          f"({startup:.1f} s: Gradio, torch, gallery thumbnails), peak RSS (VmHWM) {mem_load['VmHWM']:.2f} GiB "
          f"during the load, {mem_end['VmHWM']:.2f} GiB at the end.\n\n"
          f"Burst of {len(bad)} bad uploads at once ({burst_wall:.1f} s):\n\n"
          + markdown_table(["kind", "n", "status", "median s", "first error message"], burst_rows)
          + f"\n\nAfter the burst: /api/health {health}, a good request {after[0]} in {after[1]:.2f} s; "
          f"server process alive: {alive}.\n")
    print(md)
    save("web_load", {"machine": machine(), "look": args.look, "startup_s": startup, "photo_size": sizes[0],
                      "requests": len(results), "ok": len(ok), "wall_s": wall, "latency_s": sorted(lat),
                      "rss_gib": {"idle": mem_idle, "load": mem_load, "end": mem_end},
                      "burst": [{"kind": k, "status": s, "seconds": sec, "message": m} for k, s, sec, m in burst],
                      "burst_wall_s": burst_wall, "health_after": health, "good_after": after[:2], "alive": alive},
         md)


if __name__ == "__main__":
    main()
