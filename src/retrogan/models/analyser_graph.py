"""A fast generator's analyser (thumbnail and style label -> θ) as an ONNX graph: what ``looks/analyser.py`` runs
with onnxruntime, so that a batch through a learned look need not import torch (issue #31).

Inputs ``thumb`` (1, 3, t, t) float sRGB in [0, 1] (the generator's own thumbnail size) and ``label`` (1,) int64;
outputs ``lut`` (3, N, N, N) indexed [c, b, g, r], ``local`` (6, G, G) and ``film`` (4,): vignette, grain amount,
grain colour share and grain size, the numbers ``looks.gan`` renders with."""
from __future__ import annotations

import contextlib
import io
import logging
import warnings

import torch
from torch import nn

from ..film.noise import FILM_GRAIN_COLOUR


class ThetaGraph(nn.Module):
    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.g = generator

    def forward(self, thumb: torch.Tensor, label: torch.Tensor):
        th = self.g.analyse(thumb, label)
        colour = th.grain_colour if th.grain_colour is not None else torch.full_like(th.vignette, FILM_GRAIN_COLOUR)
        size = torch.full_like(th.vignette, float(self.g.config.grain_size))
        return th.lut[0], th.local[0], torch.stack([th.vignette[0], th.grain[0], colour[0], size[0]])


def analyser_onnx(generator: nn.Module) -> bytes:
    """The serialised graph (weights inside). Quiet: the exporter's notes are not the user's business."""
    module = ThetaGraph(generator).eval()
    t = generator.config.thumb
    args = (torch.rand(1, 3, t, t, generator=torch.Generator().manual_seed(0)), torch.zeros(1, dtype=torch.long))
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript", "onnx_ir")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(module, args, dynamo=True, external_data=False,
                                        input_names=["thumb", "label"], output_names=["lut", "local", "film"])
            buf = io.BytesIO()
            program.save(buf)
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
    return buf.getvalue()
