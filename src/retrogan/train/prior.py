"""The look prior for unpaired training: the look read in the style folder renders the modern photos into
pseudo-pairs before any adversarial step, so the GAN starts from the right look instead of chasing the style
folder's scenes. ``read`` (the default, prior "reader"): the look reader reads the style photos as one pool
(``transfer.reader``); ``recognise`` (prior "recognise"): the older route, a mixture of catalogue looks recognised by
the transfer model (``transfer.recognise``)."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import StyleError
from ..film import lut as L
from ..transfer.recognise import BANK, Recognised, load_recogniser, recognise_look
from .data import Pair


def recogniser_dir(path: str = "") -> Path:
    from ..transfer.model import bundled_model_dir

    return Path(path) if path else bundled_model_dir()


def read(style: list[torch.Tensor], model_dir: str = "") -> Recognised:
    """The style photos' look as the look reader reads them (all of them as one pool of pixels)."""
    from ..transfer.reader import has_reader, read_look

    folder = recogniser_dir(model_dir)
    if not has_reader(folder):
        raise StyleError(f"{folder}: no look reader (reader.json) there; train with --prior recognise or none, "
                         f"or name a folder that has one")
    table, _ = read_look([x.float() for x in style], folder)  # monochrome or not: the trainer decides from the data
    return Recognised(L.from_table(table), [(f"the look reader's reading of {len(style)} style photos", 1.0)])


def recognise(sources: list[torch.Tensor], style: list[torch.Tensor], tau: float = 1.0,
              model_dir: str = "") -> Recognised:
    from ..transfer.model import load_model

    folder = recogniser_dir(model_dir)
    if not (folder / BANK).exists() or not (folder / "transfer.json").exists():
        raise StyleError(f"{folder}: no transfer model with a look catalogue ({BANK}) there; "
                         f"train without the prior (--prior none) or name a folder that has one")
    names, luts, metric = load_recogniser(folder)
    encoder = load_model(folder).encoder
    return recognise_look(encoder, names, luts, sources, style, tau=tau, metric=metric)


@torch.no_grad()
def prior_pairs(found: Recognised, sources: list[torch.Tensor], label: int = 0) -> list[Pair]:
    """Each modern photo and its render through the recognised look."""
    return [Pair(f"prior{i}", s, L.trilinear(s[None], found.lut.to(s.device))[0].clamp(0, 1), label)
            for i, s in enumerate(sources)]


@torch.no_grad()
def start_from(G: torch.nn.Module, lut: torch.Tensor, label: int = 0) -> bool:
    """Set a fast generator's style LUT for ``label`` to ``lut`` (resampled to its size): training starts at the
    recognised look and refines it. False for generators without a style LUT (unet)."""
    table = getattr(G, "style_lut", None)
    if table is None:
        return False
    n = table.shape[-1]
    ident = L.identity(n).to(table)
    grid = ident.reshape(1, 3, 1, -1)
    resampled = L.trilinear(grid, lut.to(table)).reshape(3, n, n, n)
    colour = getattr(G, "colour", None)
    if colour is not None and float(colour.mono[label]) == 1.0:
        # a monochrome model keeps only the brightness of its residual: the look's toning goes into its curves,
        # read along the grey axis of the recognised LUT
        k = colour.steps.shape[-1] + 1
        grey = torch.linspace(0, 1, k).to(table).view(1, 1, 1, k).expand(1, 3, 1, k)
        knots = L.trilinear(grey, lut.to(table)).reshape(3, k)
        rise = knots.diff(dim=-1).clamp(min=1e-4)
        colour.black[label] = knots[:, 0]
        colour.steps[label] = torch.log(torch.expm1(rise))
    base = ident if colour is None else G.colour_lut(torch.zeros_like(table[label:label + 1]), torch.tensor([label]))[0]
    table[label] = resampled - base
    return True
