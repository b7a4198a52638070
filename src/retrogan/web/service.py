"""What the server does, without HTTP: uploaded bytes in, rendered bytes out, every failure a ``WebError`` with an
HTTP status and a message that names the upload. Client file names are only ever used to name the download; the
server chooses every path, inside a temporary folder that is deleted when the call returns."""
from __future__ import annotations

import re
import tempfile
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

from ..cancel import checkpoint
from ..errors import RetroganError, StyleError
from ..imaging.photo import Photo
from .limits import Limits

OUT_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "TIFF": ("tif", "image/tiff"),
               "WEBP": ("webp", "image/webp")}


class WebError(RetroganError):
    """A request the server refuses or cannot complete; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class LookRequest:
    look: str | None = None
    strength: float = 1.0
    seed: int = 0
    knobs: dict = field(default_factory=dict)
    no_damage: bool = False  # every kind of damage off (looks.knobs.look_with)
    no_border: bool = False


@dataclass
class Rendered:
    data: bytes
    filename: str
    media_type: str
    width: int
    height: int
    warnings: list[str] = field(default_factory=list)
    layers: str = ""  # a reference transfer: the film and age layers read from the references, in words


def safe_stem(filename: str | None) -> str:
    """A download name's stem from a client file name: letters, digits, ``._-`` only, never a path."""
    stem = Path((filename or "").replace("\\", "/")).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80]
    return stem or "photo"


class LookBook:
    """Bundled looks plus the looks trained on this server (name -> style folder), resolved with knobs."""

    def __init__(self) -> None:
        self.trained: dict[str, Path] = {}
        self.reserved: set[str] = set()  # names of looks being trained: two jobs never get the same one
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        from ..looks.registry import STYLES

        return list(STYLES) + list(self.trained)

    def reserve(self, wanted: str | None) -> str:
        """A free look name from the client's wish (made safe, numbered if taken), held until ``release``."""
        from .train import look_name

        with self._lock:
            name = look_name(wanted, self.names() + sorted(self.reserved))
            self.reserved.add(name)
            return name

    def release(self, name: str) -> None:
        with self._lock:
            self.reserved.discard(name)

    def resolve(self, req: LookRequest):
        from ..looks.knobs import look_with
        from ..looks.registry import STYLES, default_style_name

        if not 0.0 <= req.strength <= 1.0:
            raise WebError(f"strength must be in [0, 1], got {req.strength}", 422)
        name = req.look or default_style_name()
        try:
            if name in self.trained:
                if any(v is not None for v in req.knobs.values()):
                    raise WebError(f"look {name!r} is a trained look: it has no film/age knobs", 422)
                from ..looks.registry import resolve_style

                return resolve_style(str(self.trained[name]))
            if name not in STYLES:
                raise WebError(f"unknown look {name!r}; GET /api/looks lists them", 422)
            return look_with(name, req.knobs, no_damage=req.no_damage, no_border=req.no_border)
        except StyleError as e:
            raise WebError(str(e), 422) from None


def read_upload(data: bytes, filename: str | None, limits: Limits) -> Photo:
    """Decode an uploaded image (by content, not by its name) or raise WebError naming it."""
    from ..imaging.read import read_photo

    label = safe_stem(filename) + (Path(filename or "").suffix[:8] if filename else "")
    if len(data) > limits.max_upload_bytes:
        raise WebError(f"{label}: {len(data) / 2**20:.1f} MB is more than the {limits.max_upload_mb:g} MB limit", 413)
    with tempfile.TemporaryDirectory(prefix="retrogan-up-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        try:
            photo = read_photo(path, max_pixels=limits.max_pixels)
        except RetroganError as e:
            cause = getattr(e, "cause", "unreadable")
            detail = getattr(e, "detail", "")
            status = 413 if cause == "decompression bomb" else 400
            detail = detail.replace("--max-pixels", "the server's pixel limit")
            raise WebError(f"{label}: {cause}" + (f" ({detail})" if detail else ""), status) from None
    photo.path = None
    return photo


def shrink(photo: Photo, side: int) -> Photo:
    """The photo with its long side at most ``side`` (8-bit, for previews)."""
    from PIL import Image

    from ..imaging.photo import from_float, to_float

    w, h = photo.size
    rgb = photo.rgb if photo.bit_depth == 8 else from_float(to_float(photo.rgb), 8)
    alpha = None if photo.alpha is None else (photo.alpha if photo.bit_depth == 8 else (photo.alpha >> 8).astype("uint8"))
    if max(w, h) > side:
        scale = side / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        import numpy as np

        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS, reducing_gap=3.0))
        alpha = None if alpha is None else np.asarray(Image.fromarray(alpha).resize(size, Image.LANCZOS))
    return Photo(rgb=rgb, alpha=alpha, format=photo.format)


def render_photo(photo: Photo, look, req: LookRequest, stem: str, *, preview_side: int | None = None,
                 quality: int = 95) -> Rendered:
    """Apply the look; full resolution in the input's format (16-bit stays 16-bit in PNG/TIFF), or a JPEG/PNG
    preview with its long side at most ``preview_side``."""
    from ..imaging.write import encode_photo

    if preview_side:
        photo = shrink(photo, preview_side)
    checkpoint()  # decoded: is anyone still waiting?
    try:
        out = look.apply(photo, strength=req.strength, seed=req.seed)
    except (ValueError, RetroganError) as e:
        raise WebError(f"{stem}: {e}", 422) from None
    fmt = photo.format if photo.format in OUT_FORMATS else "PNG"
    if preview_side:
        fmt = "PNG" if out.alpha is not None else "JPEG"
    if fmt == "JPEG" and out.alpha is not None:
        fmt = "PNG"
    ext, media = OUT_FORMATS[fmt]
    checkpoint()  # rendered: encoding a 50 MP result takes seconds too
    data = encode_photo(out, fmt, quality=90 if preview_side else quality)
    w, h = out.size
    suffix = ".preview" if preview_side else ".retro"
    return Rendered(data, f"{stem}{suffix}.{ext}", media, w, h, list(out.warnings))


def stylize_upload(data: bytes, filename: str | None, req: LookRequest, looks: LookBook, limits: Limits,
                   preview: bool = False) -> Rendered:
    look = looks.resolve(req)
    photo = read_upload(data, filename, limits)
    return render_photo(photo, look, req, safe_stem(filename), preview_side=limits.preview_side if preview else None)


def stylize_video_file(src: Path, dst_dir: Path, stem: str, req: LookRequest, looks: LookBook,
                       on_progress: Callable[[int, int], None] | None = None) -> Path:
    """Render a video the server holds (an upload it saved) into ``dst_dir``; audio and subtitles kept."""
    from ..errors import VideoError
    from ..video import stylize_video

    look = looks.resolve(req)
    dst = dst_dir / f"{stem}.retro.mp4"
    try:
        stylize_video(src, dst, look, strength=req.strength, seed=req.seed, on_progress=on_progress)
    except VideoError as e:
        raise WebError(f"{stem}: {e.cause}" + (f" ({e.detail})" if e.detail else ""), 400) from None
    return dst


@lru_cache(maxsize=64)
def look_thumbnail(name: str) -> bytes:
    """The bundled sample photo (CC0, see CREDITS.md) through a bundled look, as a JPEG."""
    from ..imaging.read import read_photo
    from ..imaging.write import encode_photo
    from ..looks.registry import STYLES, resolve_style

    if name not in STYLES:
        raise WebError(f"unknown look {name!r}", 404)
    with resources.as_file(resources.files("retrogan.data") / "sample_thumb.jpg") as p:
        photo = read_photo(p)
    out = resolve_style(name).apply(photo, strength=1.0, seed=0)
    return encode_photo(shrink(out, 320), "JPEG", quality=88)


_REFERENCE_LOOKS: dict[str, object] = {}


def reference_upload_look(refs: list[tuple[str | None, bytes]], limits: Limits, *, fit_photo: Photo | None = None,
                          fit_seconds: float = 0.0, recognise: bool = False, layers: dict | None = None):
    """The look of uploaded reference photos (ST-GAN). Each reference is checked and named on failure; the look of
    the same references is reused (a few are cached), except when fitted to or recognised on a photo. ``layers``:
    the references' film and age layers too, each scaled by its amount (``transfer.layers.LAYER_NAMES``; None: the
    colour only)."""
    import hashlib

    from ..looks.reference import reference_look

    if not refs:
        raise WebError("give at least one reference photo", 422)
    key = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for _, d in refs)).hexdigest()
    key += repr(sorted(layers.items())) if layers is not None else ""
    per_photo = bool(fit_seconds) or recognise
    if not per_photo and key in _REFERENCE_LOOKS:
        return _REFERENCE_LOOKS[key]
    for name, data in refs:
        read_upload(data, name, limits)  # size, pixel and format checks with the upload's name
    with tempfile.TemporaryDirectory(prefix="retrogan-ref-") as tmp:
        paths = []
        for i, (name, data) in enumerate(refs):  # one folder each: the client's names may repeat
            (Path(tmp) / str(i)).mkdir()
            p = Path(tmp) / str(i) / f"{safe_stem(name)}{Path(name or '').suffix[:8]}"
            p.write_bytes(data)
            paths.append(p)
        try:
            look = reference_look(paths, fit=bool(fit_seconds), fit_seconds=fit_seconds or 60.0, recognise=recognise,
                                  fit_photos=[shrink(fit_photo, 256).rgb] if fit_photo is not None else None,
                                  layers=layers is not None and not recognise, layer_amounts=layers)
        except RetroganError as e:
            raise WebError(re.sub(re.escape(tmp) + r"/\d+/", "", str(e)), 400) from None
    if not per_photo:
        if len(_REFERENCE_LOOKS) >= 8:
            _REFERENCE_LOOKS.pop(next(iter(_REFERENCE_LOOKS)))
        _REFERENCE_LOOKS[key] = look
    return look


def transfer_upload(data: bytes, filename: str | None, refs: list[tuple[str | None, bytes]], req: LookRequest,
                    limits: Limits, preview: bool = False, fit_seconds: float = 0.0, recognise: bool = False,
                    layers: dict | None = None) -> Rendered:
    photo = read_upload(data, filename, limits)
    look = reference_upload_look(refs, limits, fit_photo=photo if fit_seconds or recognise else None,
                                 fit_seconds=fit_seconds, recognise=recognise, layers=layers)
    out = render_photo(photo, look, req, safe_stem(filename), preview_side=limits.preview_side if preview else None)
    found = getattr(look, "layers", None)
    return replace(out, layers=found.describe()) if found is not None else out
