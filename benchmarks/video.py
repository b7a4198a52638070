"""Video end to end: a 1080p H.264 clip (three 2-second shots that pan and zoom over real photos, AAC audio) through
``stylize_video``: frames per second, CPU per frame, where the time goes, and the flicker measure.

Where the time goes: busy seconds per frame of the three threads (decode + RGB conversion + shot signature;
render; RGB->YUV + H.264 encode + mux), and the same clip with strength 0 (no look: the pipeline's own cost).
Flicker: the mean frame-to-frame change of mean tone and colour within shots (video/shots.py), output against
source; the target is output <= 1.1 x source (an era preset's own exposure flicker and breath are turned off for
it: they are deliberate, issue #31).

Every era preset and a film stock (issue #31: every era preset at >= 0.5x the pipeline's own rate, a stock at
>= 0.8x), runs interleaved (pipeline, look, look, ..., then again) and the medians of ``--repeats`` reported, each
look with the defaults a user gets (cadence included: a preset at 16 or 18 fps renders fewer frames).

    .venv/bin/python benchmarks/video.py [--seconds-per-shot 2] [--repeats 3] [--looks a,b]   # about 15 minutes
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

PIPELINE = "(strength 0: pipeline only)"
PIPELINE_INTRA = "(strength 0, partitions=i8x8,i4x4)"  # the yardstick with the encoder setting of textured looks
STOCK = "portra-400vc"


def clip_photos() -> list[np.ndarray] | None:
    files = sorted((SHARED / "photos").glob("*.jpg"))[:3]
    return [np.asarray(Image.open(f).convert("RGB")) for f in files] or None


def benchmark_clip(seconds_per_shot: float = 2.0) -> Path:
    """The 1080p clip (three shots over real photos, AAC audio) in results/tmp, made if missing."""
    tmp = RESULTS / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    return make_clip(tmp / "clip_1080p.mp4", clip_photos(), size=(1920, 1080), fps=24,
                     frames_per_shot=int(seconds_per_shot * 24))


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_once(src: Path, out: Path, name: str, preset: str) -> dict:
    from dataclasses import replace

    from retrogan.looks.base import FilmLook

    plain = name in (PIPELINE, PIPELINE_INTRA)
    strength = 0.0 if plain else 1.0
    look = resolve_style("kodachrome-1950s" if plain else name)
    options = VideoOptions(preset=preset, partitions="i8x8,i4x4" if name == PIPELINE_INTRA else None)
    c0, t0 = cpu_seconds(), time.perf_counter()
    r = stylize_video(src, out, look, strength=strength, overwrite=True, options=options)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    row = {"fps": r.frames / wall, "cpu_ms_per_frame": cpu / r.frames * 1e3, "frames": r.frames, "cuts": r.cuts,
           **{f"{k}_ms": v / r.frames * 1e3 for k, v in r.busy.items()}, "output_mb": out.stat().st_size / 1e6}
    if isinstance(look, FilmLook) and (look.params.flicker or look.params.breath):  # flicker the renderer adds
        steady = FilmLook(look.name, replace(look.params, flicker=0.0, breath=0.0))
        r = stylize_video(src, out, steady, strength=strength, overwrite=True, options=VideoOptions(preset=preset))
    f_src, f_out = flicker(r.source_stats, r.cuts), flicker(r.output_stats, r.cuts)
    return {**row, "flicker_source": f_src, "flicker_output": f_out, "flicker_ratio": f_out / f_src if f_src else None}


def main() -> None:
    from retrogan.film.presets import PRESETS

    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds-per-shot", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--preset", default="veryfast", help="x264 preset")
    ap.add_argument("--looks", default="", help="comma-separated (default: every era preset and a film stock)")
    a = ap.parse_args()
    tmp = RESULTS / "tmp"
    src = benchmark_clip(a.seconds_per_shot)
    names = [PIPELINE, PIPELINE_INTRA] + ([n for n in a.looks.split(",") if n] or [*PRESETS, STOCK])
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for rep in range(a.repeats):
        for name in names:
            r = run_once(src, tmp / "clip_1080p.retro.mp4", name, a.preset)
            runs[name].append(r)
            print(f"[{rep + 1}/{a.repeats}] {name:28s} {r['fps']:5.1f} fps  cpu {r['cpu_ms_per_frame']:5.0f} ms/frame  "
                  f"render {r['render_ms']:4.0f}  encode {r['encode_ms']:4.0f} ms  flicker x{r['flicker_ratio']:.2f}",
                  flush=True)
    med = {n: {k: float(np.median([r[k] for r in rs])) for k in rs[0] if isinstance(rs[0][k], (int, float))}
           for n, rs in runs.items()}
    base, base_intra = med[PIPELINE]["fps"], med[PIPELINE_INTRA]["fps"]
    rows = []
    for n in names:
        m = med[n]
        target = "" if n in (PIPELINE, PIPELINE_INTRA) else (0.8 if n == STOCK else 0.5)
        rows.append([n, f"{m['fps']:.1f}", f"{m['fps'] / base:.2f}", f"{target}", f"{m['fps'] / base_intra:.2f}",
                     f"{m['cpu_ms_per_frame']:.0f}",
                     f"{m['decode_ms']:.0f}", f"{m['render_ms']:.0f}", f"{m['encode_ms']:.0f}",
                     f"{m['flicker_ratio']:.2f}", f"{m['output_mb']:.1f}"])
    under = [r[0] for r in rows[2:] if float(r[2]) < float(r[3])]
    frames = runs[PIPELINE][0]["frames"]
    md = [f"1080p H.264 (yuv420p, crf 18, x264 {a.preset}) in and out, 24 fps, {frames} frames, AAC audio copied; "
          f"2 cores. Medians of {a.repeats} interleaved runs. Rate: the look's frames per second over the pipeline's "
          "own (decode + encode, strength 0, x264's own settings). A look with grain or paper texture is encoded "
          "without 8x8 motion partitions (`partitions=i8x8,i4x4`; [grain_encode.md](grain_encode.md)), one with "
          "new grain every frame also without B-frames; \"same-setting rate\" divides by the clip with no look "
          "encoded with those partitions too (they save x264 time on this clip as well). Thread columns: busy ms per frame "
          "of each pipeline thread (they overlap). Flicker: with the preset's deliberate flicker and breath off.", "",
          f"Under target: {len(under)} of {len(rows) - 2}" + (f" ({', '.join(under)})" if under else "") + ".", "",
          markdown_table(["look", "fps", "rate", "target", "same-setting rate", "CPU ms/frame", "decode ms",
                          "render ms", "encode ms", "flicker out / source", "output MB"], rows),
          "", f"Shot cuts found: {runs[PIPELINE][0]['cuts']} (the clip has cuts at 0, {frames // 3}, "
              f"{2 * frames // 3})."]
    save("video", {"machine": machine(), "args": vars(a), "runs": runs, "medians": med}, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
