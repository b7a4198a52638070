"""Make a test clip from still photos: shots that pan or zoom over each photo, hard cuts between them, a stereo AAC
sine tone and (in .mkv) a SubRip subtitle per shot.

    python scripts/make_clip.py out.mkv --size 1920x1080 --seconds 2 [photo ...]

With no photos it uses scikit-image's bundled samples. Used by the tests and benchmarks/video.py."""
from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import numpy as np


def sample_photos() -> list[np.ndarray]:
    from skimage import data

    return [data.astronaut(), data.coffee(), data.chelsea()]


def _shot(photo: np.ndarray, width: int, height: int, n: int, kind: int):
    """n frames (height, width, 3) of a slow pan (even kinds) or zoom (odd kinds) over the photo."""
    from PIL import Image

    im = Image.fromarray(photo)
    scale = max(width / im.width, height / im.height) * 1.3
    big = im.resize((int(im.width * scale) + 1, int(im.height * scale) + 1), Image.BILINEAR)
    for i in range(n):
        t = i / max(1, n - 1)
        if kind % 2 == 0:
            x0 = int((big.width - width) * (0.1 + 0.8 * t))
            y0 = (big.height - height) // 2
            yield np.asarray(big.crop((x0, y0, x0 + width, y0 + height)))
        else:
            z = 1.0 - 0.2 * t
            cw, ch = big.width * z, big.height * z
            box = ((big.width - cw) / 2, (big.height - ch) / 2, (big.width + cw) / 2, (big.height + ch) / 2)
            yield np.asarray(big.resize((width, height), Image.BILINEAR, box=box))


def make_clip(path: str | Path, photos: list[np.ndarray] | None = None, *, size=(320, 180), fps: int = 24,
              frames_per_shot: int = 12, audio: bool = True, subtitles: bool | None = None) -> Path:
    import av

    path = Path(path)
    photos = photos if photos is not None else sample_photos()
    subtitles = path.suffix == ".mkv" if subtitles is None else subtitles
    width, height = size
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "20", "preset": "veryfast"}
        sound = out.add_stream("aac", rate=44100, layout="stereo") if audio else None
        subs = out.add_mux_stream("subrip") if subtitles else None
        index = 0
        for k, photo in enumerate(photos):
            if subs is not None:
                packet = av.Packet(f"Shot {k + 1}".encode())
                packet.stream = subs
                packet.time_base = Fraction(1, 1000)
                packet.pts = packet.dts = int(index / fps * 1000)
                packet.duration = int(frames_per_shot / fps * 1000)
                out.mux(packet)
            for rgb in _shot(photo, width, height, frames_per_shot, k):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                out.mux(video.encode(frame.reformat(format="yuv420p")))
                index += 1
        out.mux(video.encode(None))
        if sound is not None:
            samples, rate = int(index / fps * 44100), 44100
            t = np.arange(samples) / rate
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            block = 1024
            for s in range(0, samples, block):
                chunk = np.stack([tone[s:s + block], tone[s:s + block]])
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = rate, s
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("photos", nargs="*")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--seconds-per-shot", type=float, default=2.0)
    a = ap.parse_args()
    from PIL import Image

    photos = [np.asarray(Image.open(p).convert("RGB")) for p in a.photos] or None
    w, h = (int(v) for v in a.size.split("x"))
    make_clip(a.output, photos, size=(w, h), fps=a.fps, frames_per_shot=int(a.seconds_per_shot * a.fps))
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
