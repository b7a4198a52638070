from __future__ import annotations

from typing import List, Optional

import typer

from ..defaults import default_look

from .console import esc, make_console


def _knob(name: str, what: str):
    from ..looks.knobs import KNOBS

    k = KNOBS[name.replace("-", "_")]
    return typer.Option(None, f"--{name}", min=0.0, max=k.maximum, metavar=f"0..{k.maximum:g}",
                        help=f"{what}.", rich_help_panel="Film and age")


def _partitions(value: Optional[str]) -> Optional[str]:
    from ..video.pipeline import partitions_problem

    if value is not None and (problem := partitions_problem(value)):
        raise typer.BadParameter(problem)
    return value


def stylize(
    inputs: List[str] = typer.Argument(..., help="Image or video files (.mp4 .mov .mkv .m4v "
                                                                       ".avi .webm), folders or glob patterns."),
    output: Optional[str] = typer.Option(None, "-o", "--output", metavar="PATH",
                                         help="Output file (one input) or folder. Default: <stem>.retro.<ext> beside "
                                              "each input."),
    style: Optional[str] = typer.Option(None, "--style", "-s", metavar="LOOK",
                                        help="Bundled look name (see `retrogan styles`), .cube file, HaldCLUT .png or "
                                             f"trained style folder.  [default: {default_look()}]"),
    strength: float = typer.Option(1.0, "--strength", min=0.0, max=1.0, metavar="0..1",
                                   help="0 = unchanged, 1 = full look."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed for grain and other random film effects."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files (never an input)."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into subfolders of folder inputs."),
    quality: int = typer.Option(95, "--quality", min=1, max=100, metavar="1..100",
                                help="JPEG/WebP quality (100 = lossless WebP)."),
    max_pixels: float = typer.Option(200.0, "--max-pixels", metavar="MP",
                                     help="Refuse images larger than this many megapixels."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; errors and the summary only."),
    codec: str = typer.Option("libx264", "--codec", metavar="NAME",
                              help="Video: encoder (libx264, libx265, mpeg4, ...)."),
    crf: int = typer.Option(18, "--crf", min=0, max=51, metavar="0..51",
                            help="Video: x264/x265 quality (lower = better, larger)."),
    preset: str = typer.Option("veryfast", "--preset", metavar="NAME", help="Video: x264/x265 speed preset."),
    pix_fmt: str = typer.Option("yuv420p", "--pix-fmt", metavar="FMT", help="Video: output pixel format."),
    bframes: Optional[int] = typer.Option(None, "--bframes", min=0, max=16, metavar="0..16",
                                          help="Video: x264/x265 B-frames (default: the preset's; none for a look "
                                               "with moving grain, which they cannot predict)."),
    partitions: Optional[str] = typer.Option(None, "--partitions", metavar="LIST", callback=_partitions,
                                             help="Video: x264 partitions (all, none, or e.g. p8x8,i8x8,i4x4; "
                                                  "default: the preset's; i8x8,i4x4 for a look with moving grain)."),
    device: str = typer.Option("cpu", "--device", metavar="DEV",
                               help="cpu, cuda, cuda:N or mps: where a trained full-resolution (unet) style runs; fp16 "
                                    "on CUDA. Other looks use the CPU."),
    ray: bool = typer.Option(False, "--ray", help="Run the batch on Ray: a local cluster of --workers processes, "
                                                   "or the cluster at --ray-address."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", metavar="ADDRESS",
                                              help="A running Ray cluster: auto, or ray://HOST:PORT (implies --ray)."),
    workers: int = typer.Option(2, "--workers", min=1, metavar="N", help="Ray: renders at once (one CPU each)."),
    no_damage: bool = typer.Option(False, "--no-damage", help="No dust, hairs, scratches, cracks or creases.",
                                   rich_help_panel="Film and age"),
    no_border: bool = typer.Option(False, "--no-border", help="No print or instant-film border.",
                                   rich_help_panel="Film and age"),
    variant: Optional[str] = typer.Option(None, "--variant", metavar="light|standard|strong",
                                          help="An era look clean and well kept, as made, or old, worn and faded.",
                                          rich_help_panel="Film and age"),
    grain: Optional[float] = _knob("grain", "Grain amount"),
    grain_size: Optional[float] = _knob("grain-size", "Grain size, a fraction of the frame's short side "
                                                      "(35 mm about 0.0008, 16 mm 0.0012, 8 mm 0.0018)"),
    grain_colour: Optional[float] = _knob("grain-colour", "Grain colour: 0 black-and-white film, colour film "
                                                          "about 0.15, 1 digital noise"),
    grain_roughness: Optional[float] = _knob("grain-roughness", "Grain clumping (0 smooth noise)"),
    fade: Optional[float] = _knob("fade", "Milky blacks"),
    vignette: Optional[float] = _knob("vignette", "Vignette"),
    dust: Optional[float] = _knob("dust", "Dust"),
    hairs: Optional[float] = _knob("hairs", "Hairs"),
    scratches: Optional[float] = _knob("scratches", "Scratches"),
    cracks: Optional[float] = _knob("cracks", "Cracks"),
    creases: Optional[float] = _knob("creases", "Creases"),
    light_leak: Optional[float] = _knob("light-leak", "Light leak"),
    yellowing: Optional[float] = _knob("yellowing", "Yellowed paper"),
    weave: Optional[float] = _knob("weave", "Video: gate weave"),
    flicker: Optional[float] = _knob("flicker", "Video: exposure flicker"),
    breath: Optional[float] = _knob("breath", "Video: film breath (the dye layers' density wandering)"),
    cadence: Optional[float] = _knob("cadence", "Video: a film camera's frame rate, frames held to it (0: off)"),
) -> None:
    """Apply a retro look to images and videos. A batch goes on past bad files and exits 1 if any failed.
    Videos keep their audio and subtitle streams; the look holds steady within each shot and the grain moves.
    The film and age options set absolute amounts on a bundled look (`retrogan styles --knobs LOOK` shows its own)."""

    from ..errors import StyleError
    from ..looks.knobs import look_with

    err = make_console()
    amounts = dict(grain=grain, grain_size=grain_size, grain_colour=grain_colour, grain_roughness=grain_roughness,
                   fade=fade, vignette=vignette, dust=dust, hairs=hairs, scratches=scratches, cracks=cracks,
                   creases=creases, light_leak=light_leak, yellowing=yellowing, weave=weave, flicker=flicker,
                   breath=breath, cadence=cadence)
    knobs = dict(knobs={k: v for k, v in amounts.items() if v is not None}, no_damage=no_damage,
                 no_border=no_border)
    if variant is not None:
        from ..looks.knobs import VARIANT_NAMES

        if variant not in VARIANT_NAMES:
            err.print(f"[red]error:[/] --variant must be one of {', '.join(VARIANT_NAMES)}, not {esc(variant)!r}")
            raise typer.Exit(2)
        knobs["knobs"]["variant"] = float(VARIANT_NAMES.index(variant))
    try:
        look = look_with(style, **knobs)
        if device != "cpu":
            from ..device import check_device

            check_device(device)
            look = look.on(device) if hasattr(look, "on") else look
    except StyleError as e:
        err.print(f"[red]error:[/] {esc(e)}", highlight=False)
        raise typer.Exit(2)
    from ..video import VideoOptions

    options = VideoOptions(codec=codec, crf=crf, preset=preset, pix_fmt=pix_fmt, bframes=bframes,
                           partitions=partitions)
    if ray or ray_address:
        if device != "cpu":
            err.print("[red]error:[/] --device is not available with --ray (each worker renders on its CPU)")
            raise typer.Exit(2)
        run_ray(inputs, style or default_look(), address=ray_address, workers=workers, output=output,
                strength=strength, seed=seed, overwrite=overwrite, recursive=recursive, quality=quality,
                max_pixels=max_pixels, quiet=quiet, options=options, err=err, knobs=knobs)
        return
    run_look(inputs, look, output=output, strength=strength, seed=seed, overwrite=overwrite, recursive=recursive,
             quality=quality, max_pixels=max_pixels, quiet=quiet, options=options, err=err)


def run_ray(inputs, style: str, *, address, workers, output, strength, seed, overwrite, recursive, quality,
            max_pixels, quiet, options, err, knobs=None) -> None:
    """The batch on Ray (``retrogan.distributed``): the same plan, names, errors and summary as ``run_look``."""
    from importlib.util import find_spec

    if find_spec("ray") is None:
        err.print("[red]error:[/] --ray needs Ray: pip install 'retrogan[ray]'")
        raise typer.Exit(2)
    from ..distributed import RaySettings, stylize_files_ray
    from .progress import batch_progress

    if not quiet:
        err.print(f"starting Ray ({'a local cluster of ' + str(workers) + ' workers' if not address else address})...")
    with batch_progress(quiet, err, "stylize (ray)") as (on_start, on_done):
        report = stylize_files_ray(inputs, style, out=output, strength=strength, seed=seed, overwrite=overwrite,
                                   quality=quality, recursive=recursive, max_pixels=int(max_pixels * 1e6),
                                   video_options=options, settings=RaySettings(address=address, workers=workers),
                                   knobs=knobs,
                                   on_start=on_start, on_done=on_done)
    summarise(report, output, quiet, err)


def run_look(inputs, look, *, output, strength, seed, overwrite, recursive, quality, max_pixels, quiet, options,
             err) -> None:
    """Images and videos through one look, a summary, exit code 1 if any failed (shared with ``transfer``)."""
    from pathlib import Path

    from ..batch import BatchReport, stylize_files
    from ..video import is_video
    from .progress import batch_progress
    from .video import run_videos

    videos = [Path(i) for i in inputs if is_video(i) and Path(i).is_file()]
    images = [i for i in inputs if not (is_video(i) and Path(i).is_file())]
    v_skipped: list = []
    v_written, v_failed = run_videos(videos, look, output=output, strength=strength, seed=seed, overwrite=overwrite,
                                     options=options, quiet=quiet, console=err,
                                     skipped=v_skipped) if videos else ([], [])
    report = BatchReport()
    if images:
        with batch_progress(quiet, err) as (on_start, on_done):
            report = stylize_files(images, look, out=output, strength=strength, seed=seed, overwrite=overwrite,
                                   quality=quality, recursive=recursive, max_pixels=int(max_pixels * 1e6),
                                   on_start=on_start, on_done=on_done)
    report.written += v_written
    report.skipped += v_skipped
    report.failed += [(None, msg) for msg in v_failed]
    summarise(report, output, quiet, err)


def summarise(report, output, quiet, err) -> None:
    """Notes, warnings, what was skipped and written, every failure on one line; exit code 1 if any failed."""
    for note in report.notes:
        err.print(f"[yellow]note:[/] {esc(note)}")
    for src, w in report.warnings:
        err.print(f"[yellow]warning:[/] {esc(src)}: {esc(w)}")
    if report.skipped:
        names = ", ".join(str(d) for _, d in report.skipped[:3]) + (" ..." if len(report.skipped) > 3 else "")
        err.print(f"skipped {len(report.skipped)} already done (output exists: {esc(names)}); "
                  "pass --overwrite to redo them")
    if len(report.written) == 1 and not report.failed and not report.skipped:
        if not quiet:
            typer.echo(f"wrote {report.written[0][1]}")
    elif report.written or report.failed:
        err.print(f"{len(report.written)} written, {len(report.failed)} failed")
        if report.written and not quiet:
            typer.echo(f"outputs: {output}" if output else "outputs: beside each input")
    if report.failed:
        err.print("[red]failed:[/]")
        for _, msg in report.failed:
            err.print(f"  {esc(msg)}")
        raise typer.Exit(1)
