"""A look read from reference photos: ``reference_look(paths)`` checks the references and, by default, reads them with
the look reader (``transfer.reader``: colour statistics -> the structured colour model, one 3D LUT; a ``ReadLook``),
or a monochrome print's toning where the layer estimator finds one (``transfer.layers``), with the reference's film
and age layers on request (``LayeredLook``). On 156 scenes no model saw it scores 6.14 ΔE2000 over six film stocks
from one reference (doing nothing 7.02) and 6.59 over six old-process looks (14.80):
benchmarks/results/reader.md, docs/reader.md.

The older transfer model (ST-GAN: style encoder + the fast generator's style-modulated layer) remains for ``fit``
(its style code refined on the photos to transform) and ``recognise`` (the look recognised among its catalogue's
looks by the learned look metric on the photos to transform, rendered as that mixture's 3D LUT); a model folder
without a reader uses it too."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import StyleError
from ..transfer.layers import LAYER_NAMES
from ..transfer.model import bundled_model_dir  # noqa: F401 (the API's name for it)
from ..transfer.reader import has_reader, read_look
from ..transfer.references import LAYER_SIDE, MIN_SIDE, REF_SIDE, load_reference  # noqa: F401 (API names)
from .base import LutLook
from .gan import GanLook
from .layered import LayeredLook
from .read import ReadLook

# One or a few references of scenes the metric never saw read noisily, so the mixture is soft (the unpaired prior's
# default too). Chosen on references held out of a scratch metric's training (DEVELOPERS.md, "Seen scenes"): tau 2
# 7.91, 4 6.62, 8 6.41. With black and white read from the pixels (transfer.recognise.allowed) 4 6.44, 8 5.76, but
# 8 is nearly the plain mean of the colour candidates: it washes out strong looks (a sepia reference 6.86 -> 11.92;
# DEVELOPERS.md, "Black and white").
RECOGNISE_TAU = 4.0


class CodedGenerator(nn.Module):
    """The transfer model's fast generator with its style code fixed: what GanLook renders with."""

    def __init__(self, generator: nn.Module, code: torch.Tensor) -> None:
        super().__init__()
        self.g = generator
        self.register_buffer("code", code.detach().clone())

    @property
    def config(self):
        return self.g.config

    @property
    def identity_lut(self):
        return self.g.identity_lut

    def analyse(self, thumb: torch.Tensor, label: torch.Tensor, style: torch.Tensor | None = None):
        return self.g.analyse(thumb, torch.zeros_like(label), style=self.code.expand(thumb.shape[0], -1))

    def render(self, *args, **kwargs):
        return self.g.render(*args, **kwargs)


@lru_cache(maxsize=2)
def _loaded(folder: str, backbone_weights: str | None):
    """The transfer model, read once per process (a server reads many references with it)."""
    from ..transfer.model import load_model

    return load_model(Path(folder), backbone_weights)


def _square(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x[None], size=(REF_SIDE, REF_SIDE), mode="area")[0]


def reference_look(refs: list[str | Path], *, model_dir: str | Path | None = None, backbone_weights=None,
                   fit: bool = False, fit_photos: list[np.ndarray] | None = None, fit_seconds: float = 60.0,
                   recognise: bool = False, log=None, layers: bool = False,
                   layer_amounts: dict | None = None) -> ReadLook | GanLook | LutLook | LayeredLook:
    """The look of ``refs`` (one or several photos of one look). By default the look reader reads them (several
    references as one pool of pixels) into one LUT of the structured colour model (a ``ReadLook``); a model folder
    without a reader, ``fit`` and ``recognise`` use the older transfer model (its style codes are averaged).
    ``fit``: refine the code on thumbnails of ``fit_photos`` (the photos to be transformed; default: the references themselves).
    ``recognise``: recognise the look on ``fit_photos`` (required) among the catalogue's looks (a LutLook); with
    ``fit``, the look metric is first adapted to those photos for ``fit_seconds`` (``recognise.adapted_metric``).
    ``layers``: the film and age layers of the references too (grain, softness, halation, vignette, dust, and a
    monochrome print's toning: ``transfer.layers``), each scaled by ``layer_amounts`` (0 turns one off); the
    reader's look under them (``LayeredLook``; not with ``recognise``)."""
    if not refs:
        raise StyleError("give at least one --reference photo")
    if recognise and not fit_photos:
        raise StyleError("recognising the look needs the photos to transform (at least one readable image)")
    folder = Path(model_dir) if model_dir else bundled_model_dir()
    if not (folder / "transfer.json").exists() and not has_reader(folder):
        raise StyleError(f"{folder}: no look reader (reader.json) or transfer model (transfer.json) there")
    if (fit or recognise) and not (folder / "transfer.json").exists():
        raise StyleError(f"{folder}: --fit and --recognise need a transfer model (transfer.json) there")
    images = [load_reference(r) for r in refs]
    name = "+".join(Path(r).stem for r in refs)[:60]
    if not (fit or recognise) and has_reader(folder):
        table, mono = read_look(images, folder)
        if log:
            log(f"read look: {'monochrome' if mono >= 0.5 else 'colour'} (the look reader, {len(images)} "
                f"reference{'s' if len(images) > 1 else ''})")
        look = ReadLook(f"reference:{name}", table, mono)
        if layers:
            return layered(look, refs, layer_amounts, log)
        # the colour only; a monochrome print's colour is its toning, and the layer estimator's print detector
        # (tuned on real old prints: benchmarks/layer_recovery.py) catches scans with stray colour the reader misses
        return layered(look, refs, {k: 0.0 for k in LAYER_NAMES if k != "tone"}, log, colour_only=True)
    model = _loaded(str(folder.resolve()), str(backbone_weights) if backbone_weights else None)
    if recognise:
        return _recognised(folder, model, images, fit_photos, name, log, fit_seconds if fit else None)
    batch = torch.stack([_square(x) for x in images])
    with torch.no_grad():
        code = model.code(batch)
    if fit:
        from ..transfer.fit import FitConfig, fit_code
        from .gan import thumbnail

        side = FitConfig.side
        photos = torch.cat([thumbnail(p, side) for p in fit_photos]) if fit_photos else batch
        code, _ = fit_code(model, batch, photos, FitConfig(seconds=fit_seconds), log=log)
    look = GanLook(f"reference:{name}", CodedGenerator(model.generator, code).eval(), "fast", ["reference"])
    if not layers:
        return look
    return layered(look, refs, layer_amounts, log)


def layered(look: GanLook | ReadLook, refs: list, amounts: dict | None = None, log=None,
            colour_only: bool = False) -> LayeredLook | ReadLook:
    """``look`` under the film and age layers read from the reference files ``refs``. ``colour_only``: ``look``
    itself unless the references are a monochrome print (then its toning, with no other layer)."""
    from ..transfer.layers import estimate_layers

    pixels = [load_reference(r, LAYER_SIDE, short=True).permute(1, 2, 0).numpy() for r in refs]
    found = estimate_layers(pixels)
    if colour_only:
        if not found.monochrome:
            return look
        if log:
            log("a monochrome print: its toning, " + found.describe().split("print: ", 1)[-1])
    elif log:
        log(f"layers: {found.describe()}")
    try:
        params = found.params(amounts)
    except ValueError as e:
        raise StyleError(str(e)) from None
    return LayeredLook(look.name, look, found, params)


def _recognised(folder: Path, model, refs: list[torch.Tensor], photos: list[np.ndarray], name: str, log,
                adapt_seconds: float | None = None) -> LutLook:
    from ..film import lut as L
    from ..transfer.metric import AdaptConfig
    from ..transfer.recognise import BANK, load_recogniser, recognise_look
    from .gan import thumbnail

    if not (folder / BANK).exists():
        raise StyleError(f"{folder}: no look catalogue ({BANK}) beside the transfer model: recognition needs one")
    names, luts, metric = load_recogniser(folder)
    sources = [thumbnail(p, REF_SIDE)[0] for p in photos]
    adapt = AdaptConfig(seconds=adapt_seconds) if adapt_seconds else None
    found = recognise_look(model.encoder, names, luts, sources, refs, tau=RECOGNISE_TAU, metric=metric, adapt=adapt,
                           log=log)
    if log:
        log(f"recognised look: {found.summary()}")
    return LutLook(f"reference:{name}", L.to_table(found.lut))
