from __future__ import annotations

from typing import List, Optional

import typer


def stylize(
    inputs: List[str] = typer.Argument(..., help="Image files, folders or glob patterns."),
    output: Optional[str] = typer.Option(None, "-o", "--output",
                                         help="Output file (one input) or folder. Default: <stem>.retro.<ext> beside each input."),
    style: Optional[str] = typer.Option(None, "--style", "-s",
                                        help="Bundled look name (see `retrogan styles`), .cube file or HaldCLUT .png."),
    strength: float = typer.Option(1.0, "--strength", min=0.0, max=1.0, help="0 = unchanged, 1 = full look."),
    seed: int = typer.Option(0, "--seed", help="Seed for grain and other random film effects."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files (never an input)."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into subfolders of folder inputs."),
    quality: int = typer.Option(95, "--quality", min=1, max=100, help="JPEG/WebP quality (100 = lossless WebP)."),
    max_pixels: float = typer.Option(200.0, "--max-pixels", help="Refuse images larger than this many megapixels."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; errors and the summary only."),
) -> None:
    """Apply a retro look to images. A batch goes on past bad files and exits 1 if any failed."""
    from rich.console import Console

    from ..batch import stylize_files
    from ..errors import StyleError
    from ..looks.registry import resolve_style
    from .progress import batch_progress

    err = Console(stderr=True, soft_wrap=True)
    try:
        look = resolve_style(style)
    except StyleError as e:
        err.print(f"[red]error:[/] {e}", highlight=False)
        raise typer.Exit(2)
    with batch_progress(quiet, err) as (on_start, on_done):
        report = stylize_files(inputs, look, out=output, strength=strength, seed=seed, overwrite=overwrite,
                               quality=quality, recursive=recursive, max_pixels=int(max_pixels * 1e6),
                               on_start=on_start, on_done=on_done)
    for src, w in report.warnings:
        err.print(f"[yellow]warning:[/] {src}: {w}", highlight=False)
    if len(report.written) == 1 and not report.failed:
        typer.echo(f"wrote {report.written[0][1]}")
    else:
        err.print(f"{len(report.written)} written, {len(report.failed)} failed", highlight=False)
        if report.written and not quiet:
            typer.echo(f"outputs: {report.written[0][1].parent}" if output else "outputs: beside each input")
    if report.failed:
        err.print("[red]failed:[/]", highlight=False)
        for _, msg in report.failed:
            err.print(f"  {msg}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
