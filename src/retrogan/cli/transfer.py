"""`retrogan transfer INPUTS --reference OLD.jpg`: the look of one or a few old photos on modern photos and video."""
from __future__ import annotations

from typing import List, Optional

import typer

from .console import esc, make_console


def transfer(
    inputs: List[str] = typer.Argument(..., help="Image or video files, folders or glob patterns."),
    reference: List[str] = typer.Option(..., "--reference", "--ref",
                                        help="A photo in the look to copy; repeat for several of the same look."),
    output: Optional[str] = typer.Option(None, "-o", "--output", help="Output file (one input) or folder."),
    fit: bool = typer.Option(False, "--fit", help="Use the older transfer model and refine its reading on these "
                             "photos first (bounded time; with --recognise, experimental: adapt the look metric to "
                             "these scenes first)."),
    fit_seconds: float = typer.Option(60.0, "--fit-seconds", min=1.0, help="Time budget of --fit."),
    recognise: bool = typer.Option(False, "--recognise", help="Use the older transfer model: recognise the look "
                                   "among those it was trained on (a mixture of catalogue looks, read on the inputs) "
                                   "and render it as a 3D LUT, instead of the look reader's reading."),
    layers: bool = typer.Option(True, "--layers/--no-layers", help="Copy the reference's film and age layers too: "
                                "grain, softness, halation, vignette, dust, and a monochrome print's toning (not with "
                                "--recognise)."),
    layer: List[str] = typer.Option([], "--layer", metavar="NAME=AMOUNT",
                                    help="Scale one estimated layer (grain, softness, halation, vignette, tone, dust); "
                                         "0 turns it off, e.g. --layer dust=0 --layer grain=0.5. Repeatable."),
    strength: float = typer.Option(1.0, "--strength", min=0.0, max=1.0),
    seed: int = typer.Option(0, "--seed"),
    model: Optional[str] = typer.Option(None, "--model", help="A folder with a look reader and/or a transfer model "
                                        "(default: the bundled one)."),
    vgg_weights: Optional[str] = typer.Option(None, "--vgg-weights", envvar="RETROGAN_VGG19_WEIGHTS",
                                              help="torchvision-format vgg19 state dict, for a model trained on VGG19 "
                                                   "features (safetensors or tensors-only .pth)."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Descend into subfolders of folder inputs."),
    quality: int = typer.Option(95, "--quality", min=1, max=100),
    max_pixels: float = typer.Option(200.0, "--max-pixels"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Read the look of the reference photo(s) and apply it to every input (the look reader; --fit and
    --recognise use the older transfer model). Goes on past bad inputs and exits 1 if any failed; a bad reference
    exits 2."""

    from ..errors import StyleError
    from ..looks.reference import reference_look
    from ..video import VideoOptions
    from .stylize import run_look

    err = make_console()
    try:
        photos = _fit_photos(inputs, recursive) if fit or recognise else None
        if fit and not quiet:
            err.print(f"fitting the look on {len(photos or [])} photo(s) for up to {fit_seconds:g} s", highlight=False)
        amounts = layer_amounts(layer)
        log = (lambda m: err.print(esc(m), highlight=False)) if not quiet else None
        look = reference_look(reference, model_dir=model, backbone_weights=vgg_weights, fit=fit, fit_photos=photos,
                              fit_seconds=fit_seconds, recognise=recognise, log=log,
                              layers=layers and not recognise, layer_amounts=amounts)
    except StyleError as e:
        err.print(f"[red]error:[/] {esc(e)}", highlight=False)
        raise typer.Exit(2)
    run_look(inputs, look, output=output, strength=strength, seed=seed, overwrite=overwrite, recursive=recursive,
             quality=quality, max_pixels=max_pixels, quiet=quiet, options=VideoOptions(), err=err)


def layer_amounts(items: list[str]) -> dict:
    """``["grain=0.5", "dust=0"]`` -> {"grain": 0.5, "dust": 0.0}; a StyleError names a bad item."""
    from ..errors import StyleError
    from ..transfer.layers import LAYER_NAMES

    out = {}
    for item in items:
        name, _, value = item.partition("=")
        name = name.strip()
        try:
            amount = float(value)
        except ValueError:
            amount = -1.0
        if name not in LAYER_NAMES or not 0 <= amount <= 4:
            raise StyleError(f"--layer {item}: expected NAME=AMOUNT with NAME one of {', '.join(LAYER_NAMES)} "
                             "and AMOUNT from 0 to 4")
        out[name] = amount
    return out


def _fit_photos(inputs: list[str], recursive: bool, limit: int = 8) -> list:
    """Up to ``limit`` readable input images (thumbnail-sized use only); unreadable ones are left to the batch."""
    from ..batch import expand_inputs
    from ..errors import RetroganError
    from ..imaging.read import read_photo

    out = []
    for path, _, problem in expand_inputs(inputs, recursive):
        if problem or len(out) >= limit:
            continue
        try:
            out.append(read_photo(path).rgb)
        except RetroganError:
            continue
    return out
