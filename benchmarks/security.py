"""The hostile-user and careless-user campaign, repeatable: damaged images, hostile style folders / LUTs /
checkpoints, SIGKILL at random moments (images, video, training) followed by a rerun, and the web attacks.

Counts what a user must never see: tracebacks, "internal error" for a fault the user or a file caused, partial or
leftover files after a rerun, outputs not 0644 under umask 022, a web error off the guide ({"error": ...} with the
documented status), and any page function that reads a path the client names.

    .venv/bin/python benchmarks/security.py                 # the whole campaign (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/security.py --quick         # a smaller one (about 3 minutes)

Results: benchmarks/results/security.json and security.md. No ../shared needed (scikit-image's sample photos).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RETROGAN = [sys.executable, "-m", "retrogan"]
IMAGES = 48  # photos (2400x2400) in each batch that the kills interrupt
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))


def cli(*args, umask: int = 0o022, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*RETROGAN, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=lambda: os.umask(umask))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".retrogan-") or ".part" in p.name)


def modes(folder: Path) -> list[str]:
    """Output files whose mode is not 0644 (the campaign runs everything under umask 022)."""
    return sorted(f"{p.name}:{oct(p.stat().st_mode & 0o777)}" for p in folder.rglob("*")
                  if p.is_file() and p.stat().st_mode & 0o777 != 0o644)


def noise_pairs(folder: Path, n: int, side: int) -> Path:
    """``n`` before/after pairs of seeded noise (the same picture both sides): enough for training to run."""
    from PIL import Image

    for sub in ("inputs", "targets"):
        (folder / sub).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(np.random.default_rng(i).integers(0, 255, (side, side, 3), dtype=np.uint8)).save(
                folder / sub / f"p{i}.png")
    return folder


# ----------------------------------------------------------------------------------------------------------- images
def damaged_images(batches: int, bad: int, work: Path) -> dict:
    import robustness

    runs = []
    for b in range(batches):
        folder = work / f"batch{b}"
        res = robustness.run(8, bad, seed=100 + b, workdir=folder, retrogan=RETROGAN)
        extra = robustness_extra(folder / "in", b)
        r = cli("stylize", folder / "in", "-o", folder / "out", "--quiet", "--max-pixels", "100")  # the rerun
        res["rerun_exit"] = r.returncode
        res["rerun_traceback"] = "Traceback" in r.stderr
        res["internal_errors"] = r.stderr.count("internal error")
        res["modes_not_0644"] = modes(folder / "out")
        res["leftovers"] = leftovers(folder / "out")
        res["extra_files"] = extra
        runs.append(res)
        shutil.rmtree(folder)
    return {"batches": len(runs), "bad_files": sum(r["bad_total"] + r["extra_files"] for r in runs),
            "good_files": sum(r["good_total"] for r in runs),
            "tracebacks": sum(r["traceback"] or r["rerun_traceback"] for r in runs),
            "internal_errors": sum(r["internal_errors"] for r in runs),
            "inputs_changed": sum(not r["inputs_unchanged"] for r in runs),
            "good_not_written": sum(r["good_total"] - r["good_written"] for r in runs),
            "bad_unaccounted": sum(len(r["bad_unaccounted"]) for r in runs),
            "leftovers": sum(len(r["leftovers"]) + len(r["partial_files"]) for r in runs),
            "modes_not_0644": sum(len(r["modes_not_0644"]) for r in runs),
            "rerun_exit_codes": sorted({r["rerun_exit"] for r in runs}),
            "causes": _merge(r["causes"] for r in runs),
            "decoded_by_kind": _merge(r["decoded_by_kind"] for r in runs)}


def robustness_extra(folder: Path, seed: int) -> int:
    """Damage the robustness corpus lacks: multipage TIFFs with flipped bytes, tiny JPEGs declaring huge pictures,
    float TIFFs, names and contents holding rich markup."""
    import io
    import struct

    import tifffile
    from PIL import Image

    rng = random.Random(seed)
    n = 0
    pages = [np.random.default_rng(i).integers(0, 255, (30, 40, 3), dtype=np.uint8) for i in range(3)]
    buf = io.BytesIO()
    with tifffile.TiffWriter(buf) as tw:
        for i, p in enumerate(pages):
            tw.write(p, photometric="rgb", compression="zlib" if i else None)
    base = buf.getvalue()
    for i in range(20):
        b = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        (folder / f"multipage_{i}.tif").write_bytes(bytes(b))
        n += 1
    small = io.BytesIO()
    Image.fromarray(pages[0]).save(small, "JPEG")
    for i, side in enumerate((14000, 9000, 30000)):
        b = bytearray(small.getvalue())
        struct.pack_into(">HH", b, b.find(b"\xff\xc0") + 5, side, side)
        (folder / f"claims_{side}.jpg").write_bytes(bytes(b))
        n += 1
    tifffile.imwrite(folder / "float.tif", np.random.default_rng(seed).random((20, 30, 3)).astype(np.float32) * 1.1,
                     photometric="rgb")
    (folder / "[bold red]x.jpg").write_bytes(b"[/] root:x:0 :x: [link=file:///etc/passwd]y[/link]")
    return n + 2


def _merge(dicts) -> dict:
    out: dict = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------------- hostile files
def hostile_files(work: Path) -> dict:
    """Every hostile style folder, checkpoint, .cube and HaldCLUT through the CLI: a one-line error, exit 2."""
    import test_hostile_files as T
    from PIL import Image

    photo = work / "p.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(photo)
    pairs = noise_pairs(work / "pairs", 2, 64)
    style = work / "style"
    r = cli("train", "paired", "--inputs", pairs / "inputs", "--targets", pairs / "targets", "-o", style,
            "--steps", "2", "--batch", "2", "-q")
    assert r.returncode == 0, r.stderr
    cases = []

    def check(kind: str, name: str, r: subprocess.CompletedProcess, out: Path | None = None) -> None:
        lines = r.stderr.strip().splitlines()
        cases.append({"kind": kind, "case": name, "exit": r.returncode, "traceback": "Traceback" in r.stderr,
                      "internal_error": "internal error" in r.stderr, "one_line": len(lines) == 1,
                      "named": "hostile" in r.stderr, "wrote": bool(out and out.exists()),
                      "message": lines[-1][:160] if lines else ""})

    for name, damage in T.HOSTILE_STYLES.items():
        s = work / "hostile"
        shutil.rmtree(s, ignore_errors=True)
        shutil.copytree(style, s)
        damage(s)
        check("style folder", name, cli("stylize", photo, "-o", work / "o.jpg", "--style", s), work / "o.jpg")
    for name, damage in T.HOSTILE_STATES.items():
        s = work / "hostile"
        shutil.rmtree(s, ignore_errors=True)
        shutil.copytree(style, s)
        damage(s / "training")
        check("checkpoint", name, cli("train", "paired", "--inputs", pairs / "inputs", "--targets",
                                      pairs / "targets", "-o", s, "--resume", "--steps", "4", "-q"))
    cubes = {"nan": "nan 0 0", "inf": "inf 0 0", "-inf": "0 -inf 0", "1e999": "1e999 0 0", "1e9": "1e9 0 0",
             "two numbers": "0 0", "four numbers": "0 0 0 0", "text": "a b c", "hex": "0x1 0 0"}
    (work / "hostile").mkdir(exist_ok=True)
    for name, entry in cubes.items():
        p = work / "hostile" / "look.cube"
        p.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7 + entry + "\n")
        check(".cube", f"entry {name}", cli("stylize", photo, "-o", work / "o.jpg", "--style", p), work / "o.jpg")
    headers = {"size 1": "LUT_3D_SIZE 1\n0 0 0\n", "size 0": "LUT_3D_SIZE 0\n", "size -3": "LUT_3D_SIZE -3\n",
               "size 1e9": "LUT_3D_SIZE 1000000000\n0 0 0\n", "no size": "0 0 0\n", "both sizes":
               "LUT_3D_SIZE 2\nLUT_1D_SIZE 2\n", "domain nan": "DOMAIN_MIN nan 0 0\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 8,
               "domain reversed": "DOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 8,
               "binary": "\x00\xff\xfe" * 100, "empty": ""}
    for name, text in headers.items():
        p = work / "hostile" / "look.cube"
        p.write_text(text)
        check(".cube", name, cli("stylize", photo, "-o", work / "o.jpg", "--style", p), work / "o.jpg")
    halds = {"1x1": (1, 1), "2x2": (2, 2), "not square": (64, 65), "not a cube side": (100, 100)}
    for name, (w, h) in halds.items():
        p = work / "hostile" / "hald.png"
        Image.new("RGB", (w, h)).save(p)
        check("HaldCLUT", name, cli("stylize", photo, "-o", work / "o.jpg", "--style", p), work / "o.jpg")
    bad = [c for c in cases if c["exit"] != 2 or c["traceback"] or c["internal_error"] or not c["one_line"]
           or not c["named"] or c["wrote"]]
    return {"cases": len(cases), "failing": len(bad), "tracebacks": sum(c["traceback"] for c in cases),
            "internal_errors": sum(c["internal_error"] for c in cases), "details": cases}


# ------------------------------------------------------------------------------------------------------------ kills
def kills(n_images: int, n_video: int, n_train: int, work: Path, seed: int = 0) -> dict:
    """SIGKILL a run at a random moment, then rerun it: every file once, nothing partial, nothing left over."""
    from PIL import Image

    rng = random.Random(seed)
    src = work / "photos"
    src.mkdir()
    from skimage import data

    base = np.asarray(Image.fromarray(data.astronaut()).resize((2400, 2400)))
    for i in range(IMAGES):
        Image.fromarray(np.roll(base, 97 * i, axis=1)).save(src / f"p{i:02d}.jpg", quality=90)
    runs = []

    def killed(args, after: float) -> None:
        p = subprocess.Popen([*RETROGAN, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=lambda: os.umask(0o022))
        time.sleep(after)
        p.send_signal(signal.SIGKILL)
        p.wait()

    for k in range(n_images):
        out = work / f"img{k}"
        # start-up ~2 s, the batch ~15 s: the kill lands mid-batch
        killed(["stylize", src, "-o", out, "--style", "kodachrome-1950s", "-q"], rng.uniform(2.0, 9.0))
        left_before = leftovers(out) if out.exists() else []
        done_before = sum(1 for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else 0
        r = cli("stylize", src, "-o", out, "--style", "kodachrome-1950s", "-q")
        names = sorted(p.name for p in out.iterdir())
        runs.append({"kind": "images", "exit": r.returncode, "traceback": "Traceback" in r.stderr,
                     "done_at_kill": done_before,
                     "leftovers_after_kill": len(left_before), "leftovers_after_rerun": len(leftovers(out)),
                     "complete": names == sorted(p.name for p in src.iterdir()), "modes": len(modes(out)),
                     "skipped": r.stderr.split("skipped ")[1].split(" ")[0] if "skipped " in r.stderr else "0"})
        shutil.rmtree(out)
    if n_video:
        import av

        clip = work / "clip.mp4"
        with av.open(str(clip), "w") as c:
            s = c.add_stream("libx264", rate=24)
            s.width, s.height, s.pix_fmt = 640, 360, "yuv420p"
            for i in range(96):
                frame = np.random.default_rng(i).integers(0, 255, (360, 640, 3), dtype=np.uint8)
                for pkt in s.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    c.mux(pkt)
            for pkt in s.encode():
                c.mux(pkt)
    for k in range(n_video):
        out = work / f"vid{k}"
        out.mkdir()
        killed(["stylize", clip, "-o", out / "clip.mp4", "--style", "super8-1970s", "-q"], rng.uniform(2.5, 6.0))
        left_before = leftovers(out)
        r = cli("stylize", clip, "-o", out / "clip.mp4", "--style", "super8-1970s", "-q")
        ok = False
        if (out / "clip.mp4").exists():
            import av

            with av.open(str(out / "clip.mp4")) as c:
                ok = sum(1 for _ in c.decode(video=0)) == 96
        runs.append({"kind": "video", "exit": r.returncode, "traceback": "Traceback" in r.stderr,
                     "leftovers_after_kill": len(left_before), "leftovers_after_rerun": len(leftovers(out)),
                     "complete": ok, "modes": len(modes(out))})
        shutil.rmtree(out)
    pairs = noise_pairs(work / "pairs", 3, 96)
    for k in range(n_train):
        out = work / f"train{k}"
        args = ["train", "paired", "--inputs", pairs / "inputs", "--targets", pairs / "targets", "-o", out,
                "--steps", "40", "--batch", "2", "-q"]
        killed(args, rng.uniform(6.0, 14.0))
        resumable = (out / "training" / "state.json").exists()
        r = cli(*args, "--resume") if resumable else cli(*args, "--overwrite")
        runs.append({"kind": "training", "exit": r.returncode, "traceback": "Traceback" in r.stderr,
                     "resumed": resumable, "leftovers_after_rerun": len(leftovers(out)),
                     "complete": (out / "generator.safetensors").exists(), "modes": len(modes(out))})
        shutil.rmtree(out, ignore_errors=True)
    bad = [r for r in runs if r["exit"] != 0 or r["traceback"] or r["leftovers_after_rerun"] or not r["complete"]
           or r["modes"]]
    return {"kills": len(runs), "failing": len(bad), "details": runs}


# -------------------------------------------------------------------------------------------------------------- web
def web(work: Path) -> dict:
    """The page's functions with server paths, climbs, symlinks and URLs; Gradio's file routes; API error shapes."""
    from fastapi.testclient import TestClient
    from PIL import Image

    import test_web_security as W
    from retrogan.web.app import create_app
    from retrogan.web.limits import Limits

    photo = work / "secret.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(photo)
    attempts, leaks = 0, []
    app = create_app(Limits(max_upload_mb=2, max_megapixels=1, preview_side=48, timeout_s=60))
    with TestClient(app) as c:
        server = app.state.server
        link = server.uploads / "innocent" / "photo.jpg"
        link.parent.mkdir()
        os.symlink(photo, link)
        targets = ["/etc/passwd", str(photo), f"{server.uploads}/../../../..{photo}", str(link),
                   "http://127.0.0.1:1/x.jpg", "https://example.com/x.jpg", "file:///etc/passwd",
                   str(ROOT / "README.md")]
        for gradio_rule in (False, True):  # as served; with Gradio's own check (off when mounted) in front too
            server.ui.has_launched = gradio_rule
            for i, inputs, types, defaults in W.file_inputs(c):
                for n, path in enumerate(targets):
                    msg = W.attack(c, i, inputs, types, defaults, path, f"s{gradio_rule}{i}-{n}")
                    attempts += 1
                    text = json.dumps(msg)
                    refused = (not msg["success"]) or "not a file uploaded to this server" in text
                    if W.produced_files(msg) or "root:x" in text or not refused:
                        leaks.append({"fn": i, "path": path, "answer": text[:200]})
        server.ui.has_launched = False
        routes = {}
        for target in ["/etc/passwd", str(photo), str(ROOT / "README.md"), "https://example.com/x.jpg"]:
            routes[f"file={target}"] = c.get(f"/gradio_api/file={target}").status_code
        routes["proxy"] = c.get("/gradio_api/proxy=https://example.com/x").status_code

        def chunks():
            yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
            for _ in range(50):
                yield b"x" * 65536
            yield b"\r\n--B--\r\n"

        mp = {"Content-Type": "multipart/form-data; boundary=B"}
        api = {"chunked over limit": c.post("/api/stylize", content=chunks(), headers=mp),
               "malformed multipart": c.post("/api/stylize", content=b"--B\r\nnope", headers=mp),
               "unknown route": c.get("/api/nope"),
               "declared over limit": c.post("/api/stylize", content=b"x" * 10, headers={
                   **mp, "Content-Length": str(10 ** 8)})}
        api = {k: {"status": r.status_code, "body_keys": sorted(r.json()) if r.headers.get(
            "content-type", "").startswith("application/json") else None} for k, r in api.items()}
    expected = {"chunked over limit": (413,), "malformed multipart": (400, 422), "unknown route": (404,),
                "declared over limit": (413,)}  # a multipart body with no parts is a request missing its file: 422
    api_ok = all(api[k]["status"] in s and api[k]["body_keys"] == ["error"] for k, s in expected.items())
    return {"page_attacks": attempts, "page_leaks": len(leaks), "leaks": leaks, "gradio_routes": routes,
            "gradio_routes_refused": all(s == 403 for s in routes.values()), "api_errors": api,
            "api_errors_as_readme": api_ok}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    os.umask(0o022)
    sizes = dict(batches=2, bad=120, images=4, video=1, train=1) if args.quick else \
        dict(batches=9, bad=225, images=12, video=4, train=5)
    t0 = time.perf_counter()
    res = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "date": time.strftime("%Y-%m-%d"), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="retrogan-security-") as tmp:
        tmp = Path(tmp)
        for name, fn in (("web", lambda: web(tmp / "web")),
                         ("hostile_files", lambda: hostile_files(tmp / "hostile")),
                         ("kills", lambda: kills(sizes["images"], sizes["video"], sizes["train"], tmp / "kills")),
                         ("damaged_images", lambda: damaged_images(sizes["batches"], sizes["bad"], tmp / "images"))):
            (tmp / name.split("_")[0]).mkdir(exist_ok=True)
            t = time.perf_counter()
            res[name] = fn()
            res[name]["seconds"] = round(time.perf_counter() - t, 1)
            print(name, {k: v for k, v in res[name].items() if k not in ("details", "leaks")}, flush=True)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    d, h, k, w = res["damaged_images"], res["hostile_files"], res["kills"], res["web"]
    res["passed"] = (d["tracebacks"] == 0 and d["internal_errors"] == 0 and d["leftovers"] == 0
                     and d["modes_not_0644"] == 0 and d["inputs_changed"] == 0 and d["good_not_written"] == 0
                     and h["failing"] == 0 and k["failing"] == 0 and w["page_leaks"] == 0
                     and w["gradio_routes_refused"] and w["api_errors_as_readme"])
    args.out.mkdir(parents=True, exist_ok=True)
    name = "security_quick" if args.quick else "security"
    (args.out / f"{name}.json").write_text(json.dumps(res, indent=1) + "\n")
    (args.out / f"{name}.md").write_text(report(res))
    print(report(res))
    sys.exit(0 if res["passed"] else 1)


def report(res: dict) -> str:
    d, h, k, w = res["damaged_images"], res["hostile_files"], res["kills"], res["web"]
    rows = [
        ("damaged images", f"{d['bad_files']} bad + {d['good_files']} good in {d['batches']} batches, each rerun",
         f"tracebacks {d['tracebacks']}, internal errors {d['internal_errors']}, inputs changed {d['inputs_changed']}, "
         f"good not written {d['good_not_written']}, unaccounted {d['bad_unaccounted']}, leftovers {d['leftovers']}, "
         f"not 0644 {d['modes_not_0644']}, rerun exit codes {d['rerun_exit_codes']}"),
        ("hostile files", f"{h['cases']} style folders, checkpoints, .cube and HaldCLUT files",
         f"failing {h['failing']} (each must: exit 2, one line naming the file, no traceback, nothing written)"),
        ("kills", f"{k['kills']} SIGKILLs (images, video, training), each followed by a rerun",
         f"failing {k['failing']} (each rerun: exit 0, every file once, no partial or leftover file, 0644); "
         f"image runs killed with {sorted(r['done_at_kill'] for r in k['details'] if r['kind'] == 'images')} of "
         f"{IMAGES} done, leftovers found after the kills "
         f"{sum(r.get('leftovers_after_kill', 0) for r in k['details'])}"),
        ("web: page functions", f"{w['page_attacks']} calls naming server paths, climbs, symlinks, URLs",
         f"leaks {w['page_leaks']}"),
        ("web: Gradio file routes", ", ".join(w["gradio_routes"]), f"all 403: {w['gradio_routes_refused']}"),
        ("web: API errors", ", ".join(f"{k} {v['status']}" for k, v in w["api_errors"].items()),
         f'all {{"error"}} with the README status: {w["api_errors_as_readme"]}'),
    ]
    out = [f"# Security and robustness campaign ({'quick' if res['quick'] else 'full'})", "",
           f"`benchmarks/security.py{' --quick' if res['quick'] else ''}` on {res['machine']}, {res['date']}, "
           f"{res['seconds']:.0f} s. Passed: **{res['passed']}**.", "",
           "| what | how much | result |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    out += ["", f"Causes named for damaged images: {', '.join(f'{c} {n}' for c, n in d['causes'].items())}.",
            f"Damaged files that still decoded and were written (JPEG has no checksum): "
            f"{', '.join(f'{c} {n}' for c, n in d['decoded_by_kind'].items()) or 'none'}.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
