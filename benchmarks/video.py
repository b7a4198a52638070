"""Video end to end: a 1080p H.264 clip (three 2-second shots that pan and zoom over real photos, AAC audio) through
``stylize_video``: frames per second, CPU per frame, where the time goes, and the flicker measure.

Where the time goes: busy seconds per frame of the three threads (decode + RGB conversion + shot signature;
render; RGB->YUV + H.264 encode + mux), and the same clip with strength 0 (no look: the pipeline's own cost).
Flicker: the mean frame-to-frame change of mean tone and colour within shots (video/shots.py), output against
source; the target is output <= 1.1 x source.

    .venv/bin/python benchmarks/video.py [--seconds-per-shot 2]          # about 4 minutes
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import RESULTS, SHARED, machine, markdown_table, save
from retrogan.looks.registry import resolve_style
from retrogan.video import VideoOptions, stylize_video
from retrogan.video.shots import flicker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_clip import make_clip  # noqa: E402

RUNS = [("kodachrome-1950s", "veryfast", 1.0), ("kodachrome-1950s", "ultrafast", 1.0),
        ("portra-400vc", "veryfast", 1.0), ("kodachrome-1950s", "veryfast", 0.0)]


def clip_photos() -> list[np.ndarray] | None:
    files = sorted((SHARED / "photos").glob("*.jpg"))[:3]
    return [np.asarray(Image.open(f).convert("RGB")) for f in files] or None


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds-per-shot", type=float, default=2.0)
    a = ap.parse_args()
    tmp = RESULTS / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    src = make_clip(tmp / "clip_1080p.mp4", clip_photos(), size=(1920, 1080), fps=24,
                    frames_per_shot=int(a.seconds_per_shot * 24))
    rows = []
    for name, preset, strength in RUNS:
        look = resolve_style(name)
        c0, t0 = cpu_seconds(), time.perf_counter()
        r = stylize_video(src, tmp / "clip_1080p.retro.mp4", look, strength=strength, overwrite=True,
                          options=VideoOptions(preset=preset))
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        f_src, f_out = flicker(r.source_stats, r.cuts), flicker(r.output_stats, r.cuts)
        row = {"look": name if strength else "(strength 0: pipeline only)", "preset": preset, "frames": r.frames,
               "fps": r.frames / wall, "cpu_ms_per_frame": cpu / r.frames * 1e3,
               **{f"{k}_ms": v / r.frames * 1e3 for k, v in r.busy.items()}, "cuts": r.cuts,
               "flicker_source": f_src, "flicker_output": f_out, "flicker_ratio": f_out / f_src if f_src else None,
               "copied": r.copied, "output_mb": (tmp / "clip_1080p.retro.mp4").stat().st_size / 1e6}
        rows.append(row)
        print(f"{row['look']:28s} {preset:9s} {row['fps']:5.1f} fps  cpu {row['cpu_ms_per_frame']:5.0f} ms/frame  "
              f"decode {row['decode_ms']:4.0f}  render {row['render_ms']:4.0f}  encode {row['encode_ms']:4.0f} ms  "
              f"flicker {f_out:.5f} vs source {f_src:.5f} (x{row['flicker_ratio']:.2f})  cuts {r.cuts}", flush=True)
    md = ["1080p H.264 (yuv420p, crf 18) in and out, 24 fps, %d frames, AAC audio copied; 2 cores." % rows[0]["frames"],
          "Thread columns: busy ms per frame of each pipeline thread (they overlap; CPU ms counts all cores).", "",
          markdown_table(["look", "x264 preset", "fps", "CPU ms/frame", "decode ms", "render ms", "encode ms",
                          "flicker out", "flicker source", "out / source", "output MB"],
                         [[r["look"], r["preset"], f"{r['fps']:.1f}", f"{r['cpu_ms_per_frame']:.0f}",
                           f"{r['decode_ms']:.0f}", f"{r['render_ms']:.0f}", f"{r['encode_ms']:.0f}",
                           f"{r['flicker_output']:.5f}", f"{r['flicker_source']:.5f}",
                           f"{r['flicker_ratio']:.2f}", f"{r['output_mb']:.1f}"] for r in rows]),
          "", f"Shot cuts found: {rows[0]['cuts']} (the clip has cuts at 0, {rows[0]['frames'] // 3}, "
              f"{2 * rows[0]['frames'] // 3})."]
    save("video", {"machine": machine(), "runs": rows}, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
