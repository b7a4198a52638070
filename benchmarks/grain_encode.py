"""What x264's analysis buys on frames under a look's texture (grain new every frame, or paper): CPU, file size and
PSNR of the same rendered frames encoded with and without a setting, for every era preset with grain or paper and
for the clean clip.

Each look's frames (the 1080p benchmark clip of benchmarks/video.py, the first ``--frames``, motion and cadence as
a user gets them) are rendered once and converted to yuv420p once; then each encoder setting encodes the same YUV
frames (crf 18, x264 veryfast, and the B-frames the pipeline gives the look: none under new grain, else x264's
own three), and the output is decoded
and compared with its input. A picture (``grain_encode_crop.png``): one frame at 200%, rendered and encoded both
ways (PSNR over Y, U and V together, mean over frames). CPU: the process's user + system
seconds over the encode only (x264's threads included), per frame; medians of ``--repeats`` interleaved runs.

The clean clip (no look) is there to show what a setting does where there is no texture: the pipeline keeps x264's
own settings for it, and the video benchmark's yardstick is that clip.

    .venv/bin/python benchmarks/grain_encode.py [--frames 72] [--repeats 2] [--looks a,b]   # about 10 minutes
"""
from __future__ import annotations

import argparse
import io
import resource
import statistics
from pathlib import Path

import numpy as np

from _common import RESULTS, machine, markdown_table, save
from video import benchmark_clip

SETTINGS = {  # name: x264-params added to crf 18, preset veryfast and the look's B-frames (``base``)
    "veryfast": "",
    "+ partitions=i8x8,i4x4 (the pipeline's)": "partitions=i8x8,i4x4",
    "+ me=dia, subme=1": "partitions=i8x8,i4x4:me=dia:subme=1",
}


def base(name: str) -> str:
    """The B-frames the pipeline gives the look: none under new grain, else x264's own (veryfast: 3)."""
    from retrogan.looks.registry import resolve_style
    from retrogan.video.frames import FrameRenderer

    grainy = name != CLEAN and FrameRenderer(resolve_style(name)).new_grain_every_frame
    return "bframes=0" if grainy else "bframes=3"


def params(b_frames: str, setting: str) -> str:
    """x264-params for a look whose ``base`` is b_frames, with ``setting``."""
    return ":".join(p for p in (b_frames, SETTINGS[setting]) if p)
CLEAN = "(clean clip, no look)"
CROP_LOOK = "kodachrome-1950s"


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def yuv_frames(src: Path, name: str, count: int) -> list[np.ndarray]:
    """The look's first ``count`` frames of the clip as yuv420p arrays (as the pipeline converts them, BT.709)."""
    import av

    from retrogan.looks.registry import resolve_style
    from retrogan.video.frames import FrameRenderer
    from retrogan.video.shots import ShotDetector, signature, SIGNATURE_SIZE

    renderer = None if name == CLEAN else FrameRenderer(resolve_style(name), seed=0, fps=24)
    shots, out = ShotDetector(), []
    with av.open(str(src)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i == count:
                break
            rgb = frame.to_ndarray(format="rgb24", src_colorspace=1)
            cut = shots.is_cut(signature(frame.reformat(*SIGNATURE_SIZE, format="rgb24").to_ndarray()))
            styled = rgb if renderer is None else np.ascontiguousarray(renderer.render(rgb, i, cut))
            yuv = av.VideoFrame.from_ndarray(styled, format="rgb24").reformat(format="yuv420p", dst_colorspace=1)
            out.append(yuv.to_ndarray())
    return out


def encode(frames: list[np.ndarray], params: str, keep: int | None = None) -> dict:
    import av

    h, w = frames[0].shape[0] * 2 // 3, frames[0].shape[1]
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast", "x264-params": params}
        c0 = cpu_seconds()
        for i, a in enumerate(frames):
            f = av.VideoFrame.from_ndarray(a, format="yuv420p")
            f.pts = i
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
        cpu = cpu_seconds() - c0
    size = buf.tell()
    buf.seek(0)
    psnr, kept = [], None
    with av.open(buf) as c:
        for i, (f, want) in enumerate(zip(c.decode(video=0), frames)):
            d = f.to_ndarray().astype(np.float64) - want
            psnr.append(10 * np.log10(255.0 ** 2 / max(float((d * d).mean()), 1e-12)))
            if i == keep:
                kept = f.to_ndarray(format="rgb24", dst_colorspace=1)
    out = {"cpu_ms_per_frame": cpu / len(frames) * 1e3, "mb": size / 1e6, "psnr": float(np.mean(psnr))}
    return out if keep is None else {**out, "frame": kept}


def crop_picture(src: Path, look: str, index: int = 25) -> Path:
    """200% crops of one frame: as rendered, then encoded with each of the first two settings (the one before and
    the pipeline's)."""
    import av
    from PIL import Image

    frames = yuv_frames(src, look, index + 1)
    rendered = av.VideoFrame.from_ndarray(frames[index], format="yuv420p").to_ndarray(format="rgb24",
                                                                                       dst_colorspace=1)
    b_frames = base(look)
    shots = [rendered] + [encode(frames, params(b_frames, k), keep=index)["frame"] for k in list(SETTINGS)[:2]]
    y, x, h, w = 420, 820, 180, 240
    crops = [Image.fromarray(np.ascontiguousarray(a[y:y + h, x:x + w])).resize((2 * w, 2 * h), Image.NEAREST)
             for a in shots]
    sheet = Image.new("RGB", (3 * 2 * w + 2 * 8, 2 * h), "white")
    for i, c in enumerate(crops):
        sheet.paste(c, (i * (2 * w + 8), 0))
    path = RESULTS / "grain_encode_crop.png"
    sheet.save(path)
    return path


def main() -> None:
    from retrogan.film.presets import PRESETS

    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=72)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--looks", default="", help="comma-separated (default: every era preset with grain or paper)")
    ap.add_argument("--crop-only", action="store_true", help="only the picture (grain_encode_crop.png)")
    a = ap.parse_args()
    src = benchmark_clip()
    print("picture:", crop_picture(src, CROP_LOOK))
    if a.crop_only:
        return
    textured = [n for n, p in PRESETS.items() if p.params.grain > 0 or p.params.paper > 0]
    names = [CLEAN] + ([n for n in a.looks.split(",") if n] or textured)
    rows, runs, bases = [], {}, {n: base(n) for n in names}
    for name in names:
        frames = yuv_frames(src, name, a.frames)
        results = {s: [] for s in SETTINGS}
        for _ in range(a.repeats):
            for s in SETTINGS:
                results[s].append(encode(frames, params(bases[name], s)))
        runs[name] = results
        med = {s: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for s, rs in results.items()}
        first = med[next(iter(SETTINGS))]
        for s, m in med.items():
            rows.append([name, f"{s} ({bases[name]})", f"{m['cpu_ms_per_frame']:.1f}",
                         f"{m['cpu_ms_per_frame'] / first['cpu_ms_per_frame']:.2f}",
                         f"{m['mb']:.2f}", f"{m['mb'] / first['mb']:.3f}", f"{m['psnr']:.2f}",
                         f"{m['psnr'] - first['psnr']:+.2f}"])
            print(" | ".join(rows[-1]), flush=True)
    md = [f"1080p benchmark clip, first {a.frames} frames of each look rendered once, encoded by x264 (crf 18, "
          "veryfast, the look's B-frames as the pipeline sets them: in brackets) with each setting; medians of "
          f"{a.repeats} interleaved runs. CPU: user + system ms per frame of the encode (x264's threads included). PSNR: decoded output against the yuv420p frames encoded (Y, U, "
          "V together), mean over frames. Ratios and differences against the first setting of the same look.", "",
          markdown_table(["look", "x264 setting", "CPU ms/frame", "CPU ratio", "MB", "size ratio", "PSNR dB",
                          "PSNR diff"], rows), "",
          f"![200% crops](grain_encode_crop.png) 200% crops of frame 25 of {CROP_LOOK}: as rendered, encoded "
          "before (with 8x8 motion partitions), encoded as the pipeline now does (without)."]
    save("grain_encode", {"machine": machine(), "args": vars(a), "settings": SETTINGS,
                          "base": bases, "runs": runs}, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
