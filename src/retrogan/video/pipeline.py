"""Stylize a video file with PyAV (optional dependency: ``pip install retrogan[video]``).

Decoding, the look and encoding overlap in three threads (PyAV and numpy release the GIL). Audio and subtitle
streams are copied packet for packet; what the output container cannot hold is reported, never silently dropped.
The output is written to a temporary file beside the destination and renamed when complete.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import VideoError
from ..imaging.pixels import rgbx_base
from .frames import FrameRenderer
from .shots import SIGNATURE_SIZE, ShotDetector, signature, tone_and_colour

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm"}


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


@dataclass
class VideoOptions:
    codec: str = "libx264"
    crf: int = 18
    preset: str = "veryfast"
    pix_fmt: str = "yuv420p"
    shot_threshold: float = 0.25
    smoothing: float = 0.15
    bframes: int | None = None  # None: the encoder's own, but none for a look that puts new grain on every frame
    partitions: str | None = None  # x264's --partitions; None: its own, but intra only under grain or paper texture


NO_B_FRAMES_NOTE = "encoded without B-frames: the look's grain is new every frame, so they have nothing to predict"
GRAIN_PARTITIONS_NOTE = ("encoded without x264's 8x8 motion partitions (partitions=i8x8,i4x4): under a look's grain "
                         "or paper texture they cost time for files within about 1% of the same size")
INTRA_PARTITIONS = "i8x8,i4x4"
PARTITIONS = {"p8x8", "p4x4", "b8x8", "i8x8", "i4x4"}


def partitions_problem(value: str) -> str | None:
    """Why ``value`` is not an x264 --partitions list (all, none, or names from PARTITIONS), or None."""
    names = value.split(",")
    if value in ("all", "none") or (value and set(names) <= PARTITIONS and len(set(names)) == len(names)):
        return None
    return f"partitions {value!r}: all, none, or a comma-separated list of {', '.join(sorted(PARTITIONS))}"


@dataclass
class VideoReport:
    source: Path
    output: Path
    frames: int = 0
    cuts: list[int] = field(default_factory=list)
    seconds: float = 0.0
    copied: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source_stats: list = field(default_factory=list)
    output_stats: list = field(default_factory=list)
    busy: dict = field(default_factory=lambda: {"decode": 0.0, "render": 0.0, "encode": 0.0})  # thread seconds

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def _colorspace(frame) -> int:
    """The YUV matrix of a frame: its tag, or ffmpeg's convention (BT.709 from 720 lines, BT.601 below)."""
    from av.video.reformatter import Colorspace

    tagged = int(frame.colorspace or 2)
    if tagged in (1, 5, 6, 9):
        return 5 if tagged == 6 else tagged
    return int(Colorspace.ITU709 if frame.height >= 720 else Colorspace.ITU601)


def _open_input(src: Path):
    import av

    if not src.exists():
        raise VideoError(src, "missing", "no such file")
    try:
        container = av.open(str(src))
    except Exception as e:  # noqa: BLE001 - PyAV raises many types for damaged files
        raise VideoError(src, "not a readable video", str(e)) from None
    if not container.streams.video:
        container.close()
        raise VideoError(src, "no video stream")
    return container


def _rotation(src: Path) -> int:
    """The display rotation of the first video frame (phone clips are stored sideways with a display matrix)."""
    import av

    try:
        with av.open(str(src)) as c:
            for frame in c.decode(video=0):
                return int(getattr(frame, "rotation", 0) or 0)
    except Exception:  # noqa: BLE001 - unreadable here means the main pass reports it
        return 0
    return 0


def _streams(inp, out, video, options: VideoOptions, report: VideoReport, rotation: int = 0):
    """The output video stream and the copied streams {input index: output stream}."""
    rate = video.average_rate or video.guessed_rate or 25
    ov = out.add_stream(options.codec, rate=rate)
    if rotation and hasattr(ov, "set_display_rotation"):  # the pixels stay as stored; the player turns them
        ov.set_display_rotation(rotation)
    ov.width, ov.height = video.codec_context.width, video.codec_context.height
    ov.pix_fmt = options.pix_fmt
    if (ov.width % 2 or ov.height % 2) and options.pix_fmt in ("yuv420p", "yuv422p", "nv12", "yuvj420p"):
        report.notes.append(f"{ov.width}x{ov.height} is odd: encoded as yuv444p instead of {options.pix_fmt}")
        ov.pix_fmt = options.pix_fmt = "yuv444p"  # subsampled chroma needs even sizes; never crop the picture
    ov.time_base = video.time_base
    if options.codec in ("libx264", "libx265"):
        ov.options = {"crf": str(options.crf), "preset": options.preset}
        params = []
        if options.bframes is not None:  # new grain on every frame: bidirectional prediction finds nothing to share
            params.append(f"bframes={int(options.bframes)}")
        if options.partitions is not None and options.codec == "libx264":
            params.append(f"partitions={options.partitions}")
        if params:
            ov.options[options.codec[3:] + "-params"] = ":".join(params)
    copies = {}
    for s in inp.streams:
        if s is video:
            continue
        desc = f"stream {s.index} ({s.type}, {getattr(s.codec_context, 'name', '?')})"
        if s.type not in ("audio", "subtitle"):
            report.dropped.append(f"{desc}: only audio and subtitle streams are copied")
            continue
        try:
            copies[s.index] = out.add_stream_from_template(s, opaque=True)
            report.copied.append(desc)
        except Exception as e:  # noqa: BLE001 - the container cannot hold this codec
            report.dropped.append(f"{desc}: the output container cannot hold it ({e})")
    return ov, copies


def stylize_video(src: str | Path, dst: str | Path, look, *, strength: float = 1.0, seed: int = 0,
                  options: VideoOptions | None = None, overwrite: bool = False,
                  on_progress: Callable[[int, int], None] | None = None) -> VideoReport:
    """Render ``look`` onto every frame of ``src`` and write ``dst``. Raises VideoError naming the file."""
    import av

    from dataclasses import replace

    src, dst, options = Path(src), Path(dst), replace(options or VideoOptions())
    if options.partitions is not None and (problem := partitions_problem(options.partitions)):
        raise VideoError(dst, "bad encoder option", problem)
    if dst.exists() and dst.resolve() == src.resolve():
        raise VideoError(dst, "refusing to overwrite the input")
    if dst.exists() and not overwrite:
        raise VideoError(dst, "exists", "pass --overwrite to replace it")
    inp = _open_input(src)
    report = VideoReport(src, dst)
    video = inp.streams.video[0]
    video.thread_type = "AUTO"
    total = video.frames
    if not total and video.duration and video.average_rate:
        total = int(float(video.duration * video.time_base * video.average_rate))
    tmp = dst.with_name(f".{dst.stem}.part-{os.getpid()}{dst.suffix}")
    try:
        out = av.open(str(tmp), "w")
    except Exception as e:  # noqa: BLE001
        inp.close()
        raise VideoError(dst, "cannot write", str(e)) from None
    start = time.perf_counter()
    try:
        fps = float(video.average_rate or video.guessed_rate or 24)
        renderer = FrameRenderer(look, strength=strength, seed=seed, smoothing=options.smoothing, fps=fps)
        grainy = renderer.new_grain_every_frame
        if options.bframes is None and grainy and options.codec in ("libx264", "libx265"):
            # measured (docs/guide.md, "Video"): on such frames B-frames cost x264 30-50% more time for 2-4% smaller files
            options.bframes = 0
            report.notes.append(NO_B_FRAMES_NOTE)
        if options.partitions is None and renderer.lays_texture and options.codec == "libx264":
            # measured (benchmarks/grain_encode.py): the 8x8 motion search costs x264 time on grain or paper
            # texture for files within about 1% and the same PSNR
            options.partitions = INTRA_PARTITIONS
            report.notes.append(GRAIN_PARTITIONS_NOTE)
        ov, copies = _streams(inp, out, video, options, report, _rotation(src))
        _run(inp, out, video, ov, copies, renderer, ShotDetector(threshold=options.shot_threshold), report, total,
             on_progress, options)
        out.close()
        inp.close()
        os.replace(tmp, dst)
    except BaseException as e:
        for c in (out, inp):
            try:
                c.close()
            except Exception:  # noqa: BLE001 - already failing; the original error is what matters
                pass
        tmp.unlink(missing_ok=True)
        if isinstance(e, (VideoError, KeyboardInterrupt)):
            raise
        raise VideoError(src, "failed", f"{type(e).__name__}: {e}") from e
    report.seconds = time.perf_counter() - start
    return report


_DONE = object()


def _run(inp, out, video, ov, copies, renderer: FrameRenderer, shots: ShotDetector, report: VideoReport,
         total: int, on_progress, options: VideoOptions) -> None:
    """Decode (this thread) -> render (a worker) -> encode and mux (a worker), in order, with bounded queues."""
    import av

    to_render: queue.Queue = queue.Queue(maxsize=4)
    to_encode: queue.Queue = queue.Queue(maxsize=4)
    errors: list[BaseException] = []
    mux_lock = threading.Lock()

    def render_worker() -> None:
        try:
            while (item := to_render.get()) is not _DONE:
                index, frame, rgb, cut = item
                t0 = time.perf_counter()
                styled = renderer.render(rgb, index, cut)
                report.output_stats.append(tone_and_colour(styled[::4, ::4]))
                report.busy["render"] += time.perf_counter() - t0
                to_encode.put((index, frame, styled))
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            errors.append(e)
            while to_render.get() is not _DONE:  # drain so the decoder is never blocked
                pass
        finally:
            to_encode.put(_DONE)

    def encode_worker() -> None:
        cs = None
        try:
            while (item := to_encode.get()) is not _DONE:
                index, frame, styled = item
                t0 = time.perf_counter()
                cs = cs or _colorspace(frame)
                base = rgbx_base(styled)
                new = (av.VideoFrame.from_ndarray(base, format="rgba") if base is not None
                       else av.VideoFrame.from_ndarray(np.ascontiguousarray(styled), format="rgb24"))
                new = new.reformat(format=options.pix_fmt, dst_colorspace=cs)
                new.pts, new.time_base = frame.pts, frame.time_base
                packets = ov.encode(new)
                with mux_lock:
                    out.mux(packets)
                report.busy["encode"] += time.perf_counter() - t0
                if on_progress:
                    on_progress(index + 1, total)
            with mux_lock:
                out.mux(ov.encode(None))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
            while to_encode.get() is not _DONE:  # drain so the renderer is never blocked
                pass

    workers = [threading.Thread(target=render_worker, daemon=True), threading.Thread(target=encode_worker,
                                                                                      daemon=True)]
    for w in workers:
        w.start()
    index = 0
    t0 = time.perf_counter()
    try:
        for packet in inp.demux():
            if errors:
                break
            if packet.stream.index in copies:
                if packet.dts is None:
                    continue
                packet.stream = copies[packet.stream.index]
                with mux_lock:
                    out.mux(packet)
                continue
            if packet.stream is not video:
                continue
            for frame in packet.decode():
                cs = _colorspace(frame)
                rgb = frame.to_ndarray(format="rgb24", src_colorspace=cs)
                thumb = frame.reformat(*SIGNATURE_SIZE, format="rgb24", src_colorspace=cs).to_ndarray()
                cut = shots.is_cut(signature(thumb))
                if cut:
                    report.cuts.append(index)
                report.source_stats.append(tone_and_colour(rgb[::4, ::4]))
                report.busy["decode"] += time.perf_counter() - t0
                to_render.put((index, frame, rgb, cut))
                t0 = time.perf_counter()
                index += 1
    finally:
        to_render.put(_DONE)
        for w in workers:
            w.join()
    if errors:
        raise errors[0]
    report.frames = index
