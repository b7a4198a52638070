"""Write a :class:`Photo` atomically: format from the extension, sRGB ICC profile and EXIF kept, 16-bit where the
format holds it (PNG via imagecodecs, TIFF via tifffile), never over an input or, without ``overwrite``, any file."""
from __future__ import annotations

import io
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import ImageWriteError
from .icc import srgb_profile_bytes
from .photo import Photo, from_float, to_float
from .pixels import to_pillow

WRITE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}
SIXTEEN_BIT_FORMATS = {"PNG", "TIFF"}
ALPHA_FORMATS = {"PNG", "TIFF", "WEBP"}


def format_for(path: Path) -> str:
    try:
        return WRITE_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ImageWriteError(path, "unsupported output format",
                              f"extension {path.suffix or '(none)'}; use " + ", ".join(sorted(WRITE_FORMATS))) from None


def encode_photo(photo: Photo, fmt: str, *, quality: int = 95) -> bytes:
    """The file's bytes. 16-bit data stays 16-bit in PNG/TIFF and is rounded to 8 bits for JPEG/WebP."""
    if photo.alpha is not None and fmt not in ALPHA_FORMATS:
        raise ValueError(f"{fmt} cannot store the alpha channel; write .png, .tif or .webp")
    icc = srgb_profile_bytes()
    if photo.bit_depth == 16 and fmt == "PNG":
        return _png16(photo, icc)
    if photo.bit_depth == 16 and fmt == "TIFF":
        return _tiff16(photo, icc)
    rgb = photo.rgb if photo.bit_depth == 8 else from_float(to_float(photo.rgb), 8)
    alpha = photo.alpha if photo.alpha is None or photo.alpha.dtype == np.uint8 else (photo.alpha >> 8).astype(np.uint8)
    im = to_pillow(rgb, rgbx=fmt == "JPEG" and alpha is None)
    if alpha is not None:
        im.putalpha(Image.fromarray(alpha, "L"))
    kw: dict = {"icc_profile": icc}
    if photo.exif:
        kw["exif"] = photo.exif
    if fmt == "JPEG":
        kw.update(quality=quality, subsampling=0 if quality >= 90 else 2)  # optimize=True: +2x time, -2% size
    elif fmt == "WEBP":
        kw.update(quality=quality, lossless=quality >= 100, method=4)
    elif fmt == "TIFF":
        kw.update(compression="tiff_deflate")
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png16(photo: Photo, icc: bytes) -> bytes:
    import imagecodecs

    a = photo.rgb if photo.alpha is None else np.dstack([photo.rgb, photo.alpha.astype(np.uint16)])
    png = imagecodecs.png_encode(np.ascontiguousarray(a), level=6)
    # imagecodecs writes pixels only: splice the colour profile and EXIF in right after IHDR (8 + 25 bytes).
    extra = _chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc))
    if photo.exif:
        exif = photo.exif[6:] if photo.exif.startswith(b"Exif\x00\x00") else photo.exif
        extra += _chunk(b"eXIf", exif)
    return png[:33] + extra + png[33:]


def _tiff16(photo: Photo, icc: bytes) -> bytes:
    import tifffile

    a = photo.rgb if photo.alpha is None else np.dstack([photo.rgb, photo.alpha.astype(np.uint16)])
    extratags = _exif_as_tiff_tags(photo.exif)
    buf = io.BytesIO()
    tifffile.imwrite(buf, a, photometric="rgb", compression="zlib", iccprofile=icc,
                     extrasamples=["unassalpha"] if photo.alpha is not None else None,
                     extratags=extratags, software=False, metadata=None)
    return buf.getvalue()


def _exif_as_tiff_tags(exif: bytes | None) -> list:
    """Descriptive EXIF tags (camera, date, author) as baseline TIFF tags; tifffile cannot write an EXIF sub-IFD."""
    if not exif:
        return []
    e = Image.Exif()
    e.load(exif)
    tags = []
    for code in (0x010E, 0x010F, 0x0110, 0x0132, 0x013B, 0x8298):
        value = e.get(code)
        if isinstance(value, str) and value:
            tags.append((code, "s", 0, value, True))
    return tags


TEMP_PREFIX = ".retrogan-"  # + "<pid>-" + random + TEMP_SUFFIX: a rerun removes those of processes that are gone
TEMP_SUFFIX = ".tmp"


def process_umask() -> int:
    """The process umask, read without changing it (``os.umask`` can only be read by setting it, which races with
    other threads creating files). Linux exposes it in /proc; elsewhere fall back to set-and-restore."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def user_mode(fd: int) -> None:
    """Give a file made by ``mkstemp`` (always 0600) the mode any tool would give it: 0666 less the umask."""
    os.fchmod(fd, 0o666 & ~process_umask())


def temp_file(folder: Path, suffix: str = TEMP_SUFFIX) -> tuple[int, str]:
    """A new temporary file in ``folder`` named for this process (so a later run can tell a dead run's leftovers
    from a live run's work), with the user's umask applied."""
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    user_mode(fd)
    return fd, tmp


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the ``.retrogan-<pid>-*.tmp`` and ``.<stem>.part-<pid>.<ext>`` files in ``folder`` whose process is
    gone (a run killed with SIGKILL cannot clean up after itself); returns what was deleted."""
    import re

    gone = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return gone
    for e in entries:
        m = (re.fullmatch(re.escape(TEMP_PREFIX) + r"(\d+)-.*" + re.escape(TEMP_SUFFIX), e.name)
             or re.fullmatch(r"\..+\.part-(\d+)(\.[A-Za-z0-9]+)?", e.name))
        if not m or not e.is_file(follow_symlinks=False) or _alive(int(m.group(1))):
            continue
        try:
            os.unlink(e.path)
            gone.append(Path(e.path))
        except OSError:
            pass
    return gone


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or not a pid we can ask about): leave its file alone
    return True


def atomic_write_bytes(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write through a temporary file in the same folder, then link/rename it into place.

    Without ``overwrite`` the final step is a hard link, which fails if the name exists: no race can clobber a file.
    A killed run leaves at most a ``.retrogan-<pid>-*.tmp`` file, never a partial output, and the next run removes
    it (``remove_stale_temps``). The file gets the user's umask (0644 under umask 022), like any tool's output.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = temp_file(folder)
    except OSError as e:
        raise ImageWriteError(path, "output not writable", e.strerror or str(e)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise ImageWriteError(path, "output exists", "pass --overwrite to replace it") from None
            except OSError:  # filesystems without hard links: check-then-rename is the best we can do
                if path.exists():
                    raise ImageWriteError(path, "output exists", "pass --overwrite to replace it") from None
                os.replace(tmp, path)
    except OSError as e:
        raise ImageWriteError(path, "output not writable", e.strerror or str(e)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_photo(photo: Photo, path: str | Path, *, quality: int = 95, overwrite: bool = False,
                protect: tuple[Path, ...] = ()) -> Path:
    """Encode and write. ``protect``: input files that must never be replaced, even with ``overwrite``."""
    path = Path(path)
    fmt = format_for(path)
    for p in protect:
        if path.exists() and p.exists() and os.path.samefile(path, p):
            raise ImageWriteError(path, "would overwrite an input", "choose another output name")
    if path.exists() and not overwrite:
        raise ImageWriteError(path, "output exists", "pass --overwrite to replace it")
    try:
        data = encode_photo(photo, fmt, quality=quality)
    except (ValueError, RuntimeError, OSError, struct.error) as e:
        if not photo.exif:
            raise ImageWriteError(path, "cannot encode", f"{type(e).__name__}: {e}") from None
        # a damaged input's EXIF can hold tags the encoder refuses: the picture matters more than its metadata
        from dataclasses import replace

        try:
            data = encode_photo(replace(photo, exif=None), fmt, quality=quality)
        except (ValueError, RuntimeError, OSError, struct.error) as e2:
            raise ImageWriteError(path, "cannot encode", f"{type(e2).__name__}: {e2}") from None
        photo.warnings.append(f"its EXIF could not be written ({type(e).__name__}: {e}); written without it")
    atomic_write_bytes(path, data, overwrite=overwrite)
    return path
