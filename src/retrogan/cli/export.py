from __future__ import annotations

from typing import Optional

import typer

from .console import esc, make_console


def export(
    style: str = typer.Argument(..., help="Bundled look name, style folder (DIR or DIR:label), .cube or HaldCLUT."),
    cube: Optional[str] = typer.Option(None, "--cube", help="Write the look's colour transform as a .cube 3D LUT."),
    size: int = typer.Option(33, "--size", help="LUT points per axis (33 or 65 are usual)."),
    strength: float = typer.Option(1.0, "--strength", min=0.0, max=1.0, help="0 = identity, 1 = full look."),
    for_image: Optional[str] = typer.Option(
        None, "--for", help="Image-adaptive looks: the LUT the look uses for this photo (or a frame of this shot)."),
    onnx: Optional[str] = typer.Option(None, "--onnx", help="Write the analyse-and-render model (trained fast style)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
) -> None:
    """Export a look: its colour transform as a .cube LUT (for Resolve, Premiere, ffmpeg's lut3d) and/or a trained
    style as an ONNX model."""
    from pathlib import Path


    from ..errors import RetroganError
    from ..looks.registry import resolve_style

    err = make_console()

    def fail(msg: str, code: int = 2):
        err.print(f"[red]error:[/] {esc(msg)}", highlight=False)
        raise typer.Exit(code)

    if not cube and not onnx:
        fail("nothing to export: give --cube FILE and/or --onnx FILE")
    inputs = {Path(p).resolve() for p in (style.rpartition(":")[0] or style, style, for_image) if p}
    for out in (cube, onnx):
        if out and Path(out).resolve() in inputs:
            fail(f"{out}: refusing to overwrite an input")
        if out and Path(out).exists() and not overwrite:
            fail(f"{out} exists (use --overwrite to replace it)")
    if cube and not 2 <= size <= 256:
        fail(f"--size must be 2..256, got {size}")
    try:
        look = resolve_style(style)
        if cube:
            from ..export.colour import colour_lut
            from ..luts.cube import CubeLut, write_cube

            rgb = None
            if for_image:
                from ..imaging.read import read_photo

                rgb = read_photo(for_image).rgb
            table = colour_lut(look, size, strength, rgb)
            comments = [f"retrogan look {look.name}, strength {strength:g}"
                        + (f", for {Path(for_image).name}" if for_image else "")]
            if _is_film_stock(style):
                comments.append("Derived from the RawTherapee Film Simulation collection (CC BY-SA 4.0)")
            write_cube(CubeLut(table, title=look.name, comments=comments), cube)
            typer.echo(f"wrote {cube}")
        if onnx:
            from ..export.onnx import export_onnx

            export_onnx(look, onnx)
            typer.echo(f"wrote {onnx}")
    except (RetroganError, OSError, ValueError) as e:
        fail(str(e), 1)


def _is_film_stock(style: str) -> bool:
    from ..looks.registry import STYLES

    entry = STYLES.get(style)
    return bool(entry and "RawTherapee" in entry.source)
