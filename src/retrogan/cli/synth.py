from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .console import esc, make_console


def synth(
    input_dir: str = typer.Argument(..., help="Folder of photos."),
    style: str = typer.Option(..., "--style", "-s", help="Era preset, bundled film stock or FilmParams .json."),
    output: Path = typer.Option(..., "-o", "--output", help="Writes OUTPUT/inputs, OUTPUT/targets, OUTPUT/pairs.json."),
    variants: int = typer.Option(1, "--variants", min=1, help="Renders per photo; more than one jitters the look."),
    gamut: int = typer.Option(0, "--gamut", min=0, help="Per photo, this many more pairs from saturated, hue-rotated, "
                              "white-balance shifted, neon or dark versions of it, and as many colour-chart pairs in "
                              "all: the trained look then holds on colours ordinary photos lack."),
    seed: int = typer.Option(0, "--seed"),
    max_side: Optional[int] = typer.Option(None, "--max-side", help="Downscale so the long side is at most this."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Make training pairs: each photo (inputs/) and its render through a look (targets/), matching stems."""

    from ..batch import expand_inputs
    from ..errors import StyleError
    from ..synth import film_params_for, synthesise
    from .progress import batch_progress

    err = make_console()
    try:
        film_params_for(style)  # a bad --style is said before any progress bar
        with batch_progress(quiet, err, "synth") as (on_start, on_done):
            on_start(len(expand_inputs([input_dir])))
            report = synthesise(input_dir, style, output, variants=variants, seed=seed, max_side=max_side,
                                overwrite=overwrite, gamut=gamut, on_done=lambda src: on_done(None, None))
    except StyleError as e:
        err.print(f"[red]error:[/] {esc(e)}", highlight=False)
        raise typer.Exit(2)
    for note in report.notes:
        err.print(f"[yellow]note:[/] {esc(note)}")
    typer.echo(f"wrote {report.pairs} pairs to {output}")
    for msg in report.failed:
        err.print(f"[red]failed:[/] {esc(msg)}", highlight=False)
    if report.failed:
        raise typer.Exit(1)
