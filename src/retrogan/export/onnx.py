"""ONNX export of a fast style: the whole analyse-and-render model in one graph.

Input ``image`` (1, 3, H, W) float sRGB in [0, 1], any H and W (the thumbnail is taken inside the graph), and
``strength`` (1,); output the stylised image. The graph holds the analyser, the predicted LUT (applied by gather
arithmetic: trilinear, the same maths as training), the local grid and the vignette. Grain is left out: its seeded
texture is a product of the renderer, not of the model (add it in the host application, or use `retrogan stylize`).
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..film._util import linear_to_srgb, srgb_to_linear


def trilinear_gather(x: torch.Tensor, lut: torch.Tensor) -> torch.Tensor:
    """(1, 3, H, W) in [0, 1] through lut (3, N, N, N) indexed [c, b, g, r], with gathers only (exportable)."""
    n = lut.shape[-1]
    h, w = x.shape[-2], x.shape[-1]
    p = x.reshape(3, -1).clamp(0, 1) * (n - 1)
    i0 = p.floor().clamp(max=n - 2)
    f = p - i0
    i0 = i0.long()
    flat = lut.reshape(3, -1)
    out = torch.zeros_like(p)
    for db in (0, 1):
        for dg in (0, 1):
            for dr in (0, 1):
                wgt = ((f[2] if db else 1 - f[2]) * (f[1] if dg else 1 - f[1]) * (f[0] if dr else 1 - f[0]))
                idx = (i0[2] + db) * (n * n) + (i0[1] + dg) * n + (i0[0] + dr)
                out = out + wgt * flat[:, idx]
    return out.reshape(1, 3, h, w)


def area_matrix(n: int, size, dtype) -> torch.Tensor:
    """(n, size) averaging weights with adaptive average pooling's bins (start floor(i*size/n), end
    ceil((i+1)*size/n)): thumbnail = A_h @ image @ A_w^T, exportable with dynamic sizes."""
    i = torch.arange(n, dtype=torch.float64).view(-1, 1)
    j = torch.arange(size, dtype=torch.float64).view(1, -1)
    size_f = torch.tensor(size, dtype=torch.float64) if not isinstance(size, torch.Tensor) else size.double()
    start = torch.floor(i * size_f / n)
    end = torch.ceil((i + 1) * size_f / n)
    inside = ((j >= start) & (j < end)).to(dtype)
    return inside / inside.sum(1, keepdim=True)


class AnalyseRender(nn.Module):
    """A fast generator fixed to one style label, as a single image -> image function (no grain)."""

    def __init__(self, generator: nn.Module, label: int) -> None:
        super().__init__()
        self.g = generator
        self.register_buffer("label", torch.tensor([label]), persistent=False)

    def forward(self, image: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        g, t = self.g, self.g.config.thumb
        h, w = image.shape[-2], image.shape[-1]
        thumb = area_matrix(t, h, image.dtype) @ image @ area_matrix(t, w, image.dtype).T
        theta = g.analyse(thumb, self.label)
        s = strength.reshape(1)
        ident = g.identity_lut
        lut = ident + s.view(1, 1, 1, 1) * (theta.lut[0] - ident)
        y = trilinear_gather(image, lut)
        ys = (torch.arange(h, dtype=image.dtype) + 0.5) / h * 2 - 1
        xs = (torch.arange(w, dtype=image.dtype) + 0.5) / w * 2 - 1
        grid = torch.stack([xs.view(1, -1).expand(h, w), ys.view(-1, 1).expand(h, w)], -1).unsqueeze(0)
        local = F.grid_sample(theta.local, grid, mode="bilinear", padding_mode="border", align_corners=False) * s
        y = (y * (1 + local[:, :3]) + local[:, 3:]).clamp(0, 1)
        # vignette in linear light: gain 1 - amount * r^2, r = distance from the centre over the half-diagonal
        hf, wf = torch.tensor(h, dtype=image.dtype), torch.tensor(w, dtype=image.dtype)
        half_diag = torch.sqrt(hf * hf + wf * wf) / 2
        r2 = ((ys.view(-1, 1) * hf / 2) ** 2 + (xs.view(1, -1) * wf / 2) ** 2) / half_diag ** 2
        gain = 1 - theta.vignette[0] * s * r2.clamp(0, 1)
        return linear_to_srgb(srgb_to_linear(y) * gain)


def export_onnx(look, path: str | Path, example_size: tuple[int, int] = (256, 384)) -> Path:
    """Write the look's analyse-and-render graph to ``path`` (one file, weights inside); dynamic H and W."""
    from ..errors import StyleError
    from ..imaging.write import atomic_write_bytes

    if getattr(look, "arch", None) != "fast":
        raise StyleError(f"{getattr(look, 'name', look)}: only a trained fast style exports to ONNX")
    module = AnalyseRender(look.model, look.label).eval()
    image = torch.rand(1, 3, *example_size, generator=torch.Generator().manual_seed(0))
    strength = torch.ones(1)
    h, w = torch.export.Dim("height", min=16, max=32768), torch.export.Dim("width", min=16, max=32768)
    program = torch.onnx.export(module, (image, strength), dynamo=True, external_data=False,
                                dynamic_shapes={"image": {2: h, 3: w}, "strength": None},
                                input_names=["image", "strength"], output_names=["output"])
    import io

    buf = io.BytesIO()
    program.save(buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue(), overwrite=True)
    return path
