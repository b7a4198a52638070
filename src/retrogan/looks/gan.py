"""A trained style folder as a Look: analyse a thumbnail, render the full image with per-pixel operations.

For the fast generator the colour part of θ becomes a numpy LUT applied by the same fast path as any LUT look;
the local grid and the film layer run in strips. The U-Net reference runs the network on the whole image.
An 8-bit photo through a style folder's fast generator needs no torch once the folder's analyser graph is cached
(``analyser.py``): the model is loaded only when torch must run (16-bit photos, video, exports, training).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..cancel import checkpoint
from ..errors import StyleError
from ..film.noise import FILM_GRAIN_COLOUR, FILM_GRAIN_ROUGHNESS
from ..imaging.photo import Photo, from_float, to_float
from .analyser import Theta
from .base import check_strength

STRIP_PIXELS = 1 << 20


@dataclass
class GanLook:
    name: str
    _model: "torch.nn.Module | None"  # None: loaded from ``folder`` when first wanted (``model``)
    arch: str
    labels: list[str]
    label: int = 0
    device: str = "cpu"  # where the full-resolution network (unet) runs; the fast generator renders on the CPU
    folder: str | None = None  # the style folder it came from, if any: where its analyser graph is keyed

    @property
    def model(self):
        if self._model is None:
            self._model = _load_model(self.folder)
        return self._model

    def on(self, device: str) -> "GanLook":
        from ..device import check_device

        return replace(self, device=check_device(device))

    def with_label(self, label: str) -> "GanLook":
        if label not in self.labels:
            raise StyleError(f"style {self.name} has no label {label!r}; it has: {', '.join(self.labels)}")
        return replace(self, label=self.labels.index(label))

    def theta(self, rgb: np.ndarray):
        """θ for an (H, W, 3) uint8/uint16 image, from its thumbnail."""
        import torch

        thumb_side = self.model.config.thumb
        x = thumbnail(rgb, thumb_side)
        with torch.no_grad():
            return self.model.analyse(x, torch.tensor([self.label]))

    def colour_table(self, rgb: np.ndarray | None = None, strength: float = 1.0) -> np.ndarray:
        """The colour LUT θ holds for ``rgb`` (or, with no image, the style's global LUT: identity + its own
        LUT + the basis at the analyser's bias weights), blended toward the identity by strength: (N, N, N, 3)."""
        import torch

        m = self.model
        with torch.no_grad():
            lut = self.theta(rgb).lut[0] if rgb is not None else m.global_lut(self.label)
        return blended_table(lut, m.identity_lut, strength)

    def apply(self, photo: Photo, *, strength: float = 1.0, seed: int = 0) -> Photo:
        check_strength(strength)
        if strength == 0.0:
            return photo.with_rgb(photo.rgb.copy())
        if self.arch != "fast":
            return photo.with_rgb(self._apply_network(photo.rgb, strength, seed))
        return photo.with_rgb(self._apply_fast(photo.rgb, strength, seed))

    def _apply_fast(self, rgb: np.ndarray, strength: float, seed: int) -> np.ndarray:
        if rgb.dtype == np.uint8:
            analyser = self._analyser()
            if analyser is not None:  # no torch
                return render_uint8(rgb, analyser(rgb, self.label), strength, seed, 0)
        return self.render_theta(rgb, self.theta(rgb), strength, seed)

    def _analyser(self):
        """The style folder's analyser graph run by onnxruntime (exported on first use), or None."""
        if self.arch != "fast" or self.folder is None:
            return None
        from .analyser import analyser_for

        return analyser_for(Path(self.folder), self._export_analyser)

    def _export_analyser(self) -> bytes:
        from ..models.analyser_graph import analyser_onnx

        return analyser_onnx(self.model)

    def render_theta(self, rgb: np.ndarray, th, strength: float, seed: int, frame_index: int = 0) -> np.ndarray:
        """Render (H, W, 3) uint8/uint16 with given render parameters θ (video holds θ steady within a shot):
        8-bit images by table lookups (colour LUT, then the local grid in numpy strips, then vignette and grain by
        the film renderer's 8-bit lane: the same operations as the float path, see tests/test_gan_fast8.py);
        16-bit in float strips."""
        if rgb.dtype == np.uint8:
            return self._render_uint8(rgb, th, strength, seed, frame_index)
        import torch

        with torch.no_grad():
            return self._render_float(rgb, th, strength, seed, frame_index)

    def _render_uint8(self, rgb: np.ndarray, th, strength: float, seed: int, frame_index: int) -> np.ndarray:
        theta = Theta(th.lut[0].detach().numpy(), th.local[0].detach().numpy(), float(th.vignette[0]),
                      float(th.grain[0]), _grain_colour(th), float(self.model.config.grain_size))
        return render_uint8(rgb, theta, strength, seed, frame_index)

    def _render_float(self, rgb: np.ndarray, th, strength: float, seed: int, frame_index: int) -> np.ndarray:
        import torch

        from ..film.fast import apply_lut_threaded
        from ..film.grain import grain
        from ..film.optics import vignette
        from ..film._util import Frame
        from ..models.fast import sample_local

        out = apply_lut_threaded(rgb, blended_table(th.lut[0], self.model.identity_lut, strength))
        out = out if out.flags.writeable else out.copy()
        local = th.local * strength
        vig, grn = float(th.vignette[0]) * strength, float(th.grain[0]) * strength
        if local.abs().max() < 1e-4 and vig < 1e-3 and grn < 2e-4:  # nothing visible beyond the colour
            return out
        h, w = out.shape[:2]
        rows = max(16, STRIP_PIXELS // w)
        for y0 in range(0, h, rows):
            checkpoint()
            strip = torch.from_numpy(to_float(out[y0:y0 + rows])).permute(2, 0, 1)[None]
            frame = Frame(h, w, top=y0)
            adj = sample_local(local, strip, frame)
            strip = (strip * (1 + adj[:, :3]) + adj[:, 3:]).clamp(0, 1)
            strip = vignette(strip, vig, frame=frame)
            strip = grain(strip, grn, self.model.config.grain_size, _grain_colour(th), seed=seed,
                          frame_index=frame_index, frame=frame, roughness=FILM_GRAIN_ROUGHNESS)
            out[y0:y0 + rows] = from_float(strip[0].permute(1, 2, 0).numpy(), 16 if out.dtype == np.uint16 else 8)
        return out

    def _apply_network(self, rgb: np.ndarray, strength: float, seed: int) -> np.ndarray:
        from contextlib import nullcontext

        import torch

        from ..device import half_is_safe

        model = _model_on(self.model, self.device)
        x = torch.from_numpy(to_float(rgb)).permute(2, 0, 1)[None].to(self.device)
        half = torch.autocast("cuda", dtype=torch.float16) if half_is_safe(self.device) else nullcontext()
        with half, torch.no_grad():
            y = model(x, torch.tensor([self.label], device=self.device), strength=strength, seed=seed)
        y = y.float().clamp(0, 1).cpu()
        return from_float(y[0].permute(1, 2, 0).numpy(), 16 if rgb.dtype == np.uint16 else 8)


_MOVED: dict = {}  # (id(model), device) -> the model's copy there


def _grain_colour(theta) -> float:
    """The grain's per-layer share: none for a monochrome look (structured models say so), else colour film's."""
    return FILM_GRAIN_COLOUR if theta.grain_colour is None else float(theta.grain_colour[0])


def _model_on(model, device: str):
    """The model on ``device`` (a copy per device, so the cached CPU model is never moved under another user)."""
    if device == "cpu":
        return model
    key = (id(model), device)
    if key not in _MOVED:
        import copy

        _MOVED[key] = copy.deepcopy(model).to(device).eval()
    return _MOVED[key]


def _bilinear_weights(n: int, cells: int) -> np.ndarray:
    """(n, cells) weights of torch's grid_sample (bilinear, align_corners=False, border padding) of a ``cells``-long
    lattice spanning n pixels: what ``models.fast.sample_local`` computes, as a matrix."""
    pos = np.clip((np.arange(n) + 0.5) / n * cells - 0.5, 0, cells - 1)
    i0 = np.minimum(np.floor(pos).astype(int), cells - 1)
    i1 = np.minimum(i0 + 1, cells - 1)
    f = (pos - i0).astype(np.float32)
    w = np.zeros((n, cells), np.float32)
    np.add.at(w, (np.arange(n), i0), 1 - f)
    np.add.at(w, (np.arange(n), i1), f)
    return w


def apply_local_uint8(rgb: np.ndarray, local: np.ndarray, strip_rows: int = 256) -> np.ndarray:
    """y * (1 + gain) + offset with the (6, G, G) lattice bilinearly spread over the frame (separable: two small
    matrix products per strip and channel), rounded back to 8 bits."""
    h, w = rgb.shape[:2]
    g = local.shape[-1]
    wy, wx = _bilinear_weights(h, g), _bilinear_weights(w, g).T.copy()
    out = np.empty((h, w, 3), np.uint8)
    for y0 in range(0, h, strip_rows):
        y1 = min(h, y0 + strip_rows)
        x = rgb[y0:y1].astype(np.float32) * (1 / 255)
        for c in range(3):
            gain = wy[y0:y1] @ local[c] @ wx
            offset = wy[y0:y1] @ local[3 + c] @ wx
            v = x[..., c]
            v *= 1 + gain
            v += offset
        np.clip(x, 0, 1, out=x)
        x *= 255
        x += 0.5
        out[y0:y1] = x.astype(np.uint8)
    return out


def render_uint8(rgb: np.ndarray, th: Theta, strength: float, seed: int, frame_index: int) -> np.ndarray:
    """An 8-bit photo through θ (numpy, no torch): the LUT and the local grid (one pass in C where it is built,
    else Pillow's LUT and numpy), then vignette and grain by the film renderer's 8-bit lane."""
    from ..film import fast8, lutlocal8
    from ..film.fast import render_array
    from ..film.fast8 import lookup
    from ..film.params import FilmParams

    table = blended_numpy(th.lut, strength)
    local = (th.local * strength).astype(np.float32)
    local = local if np.abs(local).max() >= 1e-4 else None
    vig, grn = th.vignette * strength, th.grain * strength
    film = None if vig < 1e-3 and grn < 2e-4 else FilmParams(
        vignette=vig, grain=grn, grain_size=th.grain_size, grain_colour=th.grain_colour,
        grain_roughness=FILM_GRAIN_ROUGHNESS)
    if lutlocal8.available():
        if film is not None:  # colour, vignette and grain strip by strip (one pass over the frame)
            return fast8.render_uint8(rgb, film, seed=seed, frame_index=frame_index,
                                      colour_rows=lutlocal8.rows_writer(rgb, table, local))
        out = lutlocal8.lut_local(rgb, table, local)
    else:
        out = lookup(rgb, table)
        out = apply_local_uint8(out, local) if local is not None else out
    if film is None:
        return np.ascontiguousarray(out)
    return render_array(out, film, seed=seed, frame_index=frame_index)  # RGBX memory: the 8-bit lane reads it whole


def blended_numpy(lut: np.ndarray, strength: float) -> np.ndarray:
    """``blended_table`` of a numpy (3, N, N, N) LUT: (N, N, N, 3) float32."""
    n = lut.shape[-1]
    ramp = np.linspace(0, 1, n, dtype=np.float32)
    b, g, r = np.meshgrid(ramp, ramp, ramp, indexing="ij")
    identity = np.stack([r, g, b])
    return np.ascontiguousarray(np.moveaxis(np.clip(identity + strength * (lut - identity), 0, 1), 0, -1),
                                np.float32)


def blended_table(lut, identity, strength: float) -> np.ndarray:
    """A (3, N, N, N) LUT blended toward the identity by strength, as a numpy (N, N, N, 3) table."""
    from ..film.lut import to_table

    return to_table((identity + strength * (lut - identity)).clamp(0, 1))


def thumbnail(rgb: np.ndarray, side: int):
    """(1, 3, side, side) tensor: a box-reduced copy first (never a float copy of a huge image), then area-resized."""
    import torch.nn.functional as F

    from ..film.fast_float import thumbnail_tensor

    return F.interpolate(thumbnail_tensor(rgb), size=(side, side), mode="area")


@lru_cache(maxsize=8)
def load_gan_style(folder: str) -> GanLook:
    """A style folder as a look. A fast style whose analyser graph is cached is not loaded into torch here: its
    weights are read when torch must run (``GanLook.model``), and were checked when the graph was made."""
    from .analyser import cached
    from ..train.style_info import read_style_info

    path = Path(folder)
    info = read_style_info(path)
    arch = info.get("arch")
    if arch == "fast" and cached(path):
        look = GanLook(path.name, None, arch, list(info["labels"]), folder=str(path))
    else:
        look = GanLook(path.name, _load_model(str(path)), arch, list(info["labels"]), folder=str(path))
    if isinstance(info.get("layers"), dict) and arch == "fast":  # an unpaired style's film and age layers
        from ..transfer.layers import Layers
        from .layered import LayeredLook

        try:
            layers = Layers.from_dict(info["layers"])
            return LayeredLook(path.name, look, layers, layers.params())
        except (TypeError, ValueError) as e:
            raise StyleError(f"{path / 'style.json'}: bad 'layers' ({e})") from None
    return look


@lru_cache(maxsize=8)
def _load_model(folder: str | None):
    """The folder's generator in eval mode; StyleError naming what does not fit."""
    from ..models import GENERATORS
    from ..train.checkpoint import read_style

    if folder is None:
        raise StyleError("a look without a model or a style folder")
    path = Path(folder)
    info, weights = read_style(path)
    arch = info.get("arch")
    if arch not in GENERATORS:
        raise StyleError(f"{path}: unknown architecture {arch!r} (known: {', '.join(GENERATORS)})")
    cfg_cls, model_cls = GENERATORS[arch]
    try:
        config = cfg_cls(**info["generator"])
        config.check()
    except (TypeError, ValueError) as e:
        raise StyleError(f"{path / 'style.json'}: bad generator settings ({e})") from None
    if len(info["labels"]) != config.num_styles:
        raise StyleError(f"{path / 'style.json'}: {len(info['labels'])} labels for {config.num_styles} styles")
    try:
        model = model_cls(config)
        model.load_state_dict(weights)
    except (TypeError, RuntimeError, KeyError, ValueError) as e:
        raise StyleError(f"{path}: weights do not match the saved configuration "
                         f"({' '.join(str(e).split())[:300]})") from None
    return model.eval()
