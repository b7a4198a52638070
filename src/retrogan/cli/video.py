"""The video half of ``retrogan stylize``: one progress bar per clip, failures reported, the batch goes on."""
from __future__ import annotations

from pathlib import Path

from ..batch import already_done, video_output
from .console import esc


def run_videos(videos: list[Path], look, *, output: str | None, strength: float, seed: int, overwrite: bool,
               options, quiet: bool, console, skipped: list | None = None) -> tuple[list[tuple[Path, Path]], list[str]]:
    from ..errors import RetroganError
    from ..imaging.write import remove_stale_temps
    from ..video import stylize_video
    from .progress import video_progress

    written, failed = [], []
    for src in videos:
        dst = video_output(src, output, single=len(videos) == 1)
        remove_stale_temps(dst.parent)  # a killed run's .part file
        if not overwrite and skipped is not None and already_done(dst, (src,)):
            skipped.append((src, dst))  # finished by an earlier run (videos are renamed into place when complete)
            continue
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            with video_progress(quiet, console, src.name) as on_progress:
                report = stylize_video(src, dst, look, strength=strength, seed=seed, options=options,
                                       overwrite=overwrite, on_progress=on_progress)
        except RetroganError as e:
            failed.append(str(e))
            continue
        except ImportError:
            failed.append(f"{src}: video needs PyAV: pip install 'retrogan[video]'")
            continue
        written.append((src, dst))
        for d in report.dropped:
            console.print(f"[yellow]warning:[/] {esc(src)}: not copied: {esc(d)}", highlight=False)
        for n in report.notes:
            console.print(f"[yellow]note:[/] {esc(src)}: {esc(n)}", highlight=False)
        if not quiet:
            console.print(f"{esc(src.name)}: {report.frames} frames, {len(report.cuts)} shots, {report.fps:.1f} fps; "
                          f"copied {len(report.copied)} other stream(s)", highlight=False)
    return written, failed
