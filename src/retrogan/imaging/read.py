"""Read an image file into a :class:`Photo`, or raise :class:`ImageReadError` naming the file and the cause.

Pillow identifies the file by its content (not its extension) and reads the metadata. It decodes 8-bit data;
16-bit PNG goes through imagecodecs and TIFF with more than 8 bits through tifffile, because Pillow silently
truncates 16-bit RGB to 8 bits.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import ImageReadError
from . import icc as iccmod
from .photo import EXIF_ORIENTATION, Photo, apply_orientation, from_float, to_float
from .pixels import rgb_view, single_block

DEFAULT_MAX_PIXELS = 200_000_000
READ_FORMATS = {"JPEG", "MPO", "PNG", "TIFF", "WEBP", "BMP", "GIF"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".mpo"}  # what a folder offers


def read_photo(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    path = Path(path)
    _check_file(path)
    # We enforce our own (per-call) pixel limit below; Pillow's process-wide one must not fire first. It is only ever
    # raised, never lowered: a server with a small limit must not break other Pillow users in the process.
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as e:  # Pillow's own message names its internal limit, not ours
        raise ImageReadError(path, "decompression bomb", f"{_pillow_size(e)}more than --max-pixels "
                                                         f"{max_pixels / 1e6:.3g} MP; raise it to allow this") from None
    except UnidentifiedImageError:
        if _starts(path) in (b"II*\x00", b"MM\x00*"):  # a TIFF Pillow cannot open (float samples): tifffile can
            return _read_tiff_only(path, max_pixels)
        raise ImageReadError(path, "not an image", f"unrecognised content, starts with {_head(path)}") from None
    except PermissionError:
        raise ImageReadError(path, "not readable", "permission denied") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageReadError(path, "corrupt", f"header: {e}") from None
    with im:
        fmt = im.format or "?"
        if fmt not in READ_FORMATS:
            raise ImageReadError(path, "unsupported format", f"{fmt}; use JPEG, PNG, TIFF or WebP")
        w, h = im.size
        _check_pixels(path, w, h, max_pixels)
        if w == 0 or h == 0:
            raise ImageReadError(path, "corrupt", f"declares an empty {w}x{h} image")
        if fmt in ("JPEG", "MPO"):
            _check_jpeg_size(path, w, h)
        try:
            exif = im.getexif()  # may read to the end of the file (PNG eXIf after IDAT): inside the guard
            icc = im.info.get("icc_profile") or None
            with single_block(4 * w * h + (1 << 20)):
                rgb, alpha, converted, notes = _decode(path, im, fmt, icc)
        except ImageReadError:
            raise
        except Exception as e:  # decoders raise many types on damaged data; each is reported, never hidden
            cause = "truncated" if "truncat" in str(e).lower() or isinstance(e, EOFError) else "corrupt"
            raise ImageReadError(path, cause, f"{type(e).__name__}: {e}") from None
    photo = Photo(rgb=rgb, alpha=alpha, source_icc=icc, format=fmt, path=path, warnings=notes)
    if icc and not converted:
        photo = _to_srgb(photo, icc)
    orientation = int(exif.get(EXIF_ORIENTATION, 1) or 1)
    if orientation != 1:
        photo.rgb = apply_orientation(photo.rgb, orientation)
        photo.alpha = None if photo.alpha is None else apply_orientation(photo.alpha, orientation)
    photo.exif = _exif_bytes(exif, fmt)
    return photo


def _check_jpeg_size(path: Path, w: int, h: int) -> None:
    """Refuse a Huffman-coded JPEG too small to hold the picture its header declares, before decoding it.

    libjpeg decodes a JPEG whose entropy data ends early without an error: the missing part comes out grey. So a
    1.6 KB file that declares 14000x14000 would cost minutes and gigabytes to give a grey picture. Every 8x8 block
    of the luma plane costs at least one bit in any Huffman-coded JPEG (its DC difference, even in a progressive
    file whose AC scans skip it), so fewer than blocks/8 bytes cannot be a whole image. Arithmetic-coded JPEGs
    (SOF9-15, rare) can go below that and are not checked; a file above the bound that is cut short still decodes
    with a grey remainder, as before."""
    size = path.stat().st_size
    need = ((w + 7) // 8) * ((h + 7) // 8) // 8
    if size >= need or _jpeg_is_arithmetic(path):
        return
    raise ImageReadError(path, "truncated", f"{size} bytes cannot hold the {w}x{h} picture its header declares "
                                            f"(a whole one needs at least {need} bytes); refused before decoding")


def _jpeg_is_arithmetic(path: Path) -> bool:
    """Whether the first frame header (SOFn) of a JPEG is an arithmetic-coding one (SOF9-SOF15)."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return False
        marker = data[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return marker >= 0xC9
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return False


def _check_pixels(path: Path, w: int, h: int, max_pixels: int) -> None:
    if w * h > max_pixels:
        raise ImageReadError(path, "decompression bomb",
                             f"{w}x{h} = {w * h / 1e6:.3g} MP is more than --max-pixels {max_pixels / 1e6:.3g} MP")


def _pillow_size(e: Exception) -> str:
    import re

    m = re.search(r"\((\d+) pixels\)", str(e))
    return f"{int(m.group(1)) / 1e6:.3g} MP is " if m else ""


def _read_tiff_only(path: Path, max_pixels: int) -> Photo:
    """A TIFF that only tifffile reads (32-bit float samples): checked for size, read, as a 16-bit photo."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tf:
            shape = tf.pages[0].shape
    except Exception as e:  # noqa: BLE001 - a damaged TIFF: named with its cause, never hidden
        raise ImageReadError(path, "corrupt", f"TIFF: {type(e).__name__}: {e}") from None
    h, w = (shape[1], shape[2]) if len(shape) == 3 and shape[0] in (1, 3, 4) and shape[-1] not in (1, 3, 4) \
        else shape[:2]
    _check_pixels(path, w, h, max_pixels)
    try:
        with single_block(16 * w * h + (1 << 20)):
            rgb, alpha, notes = _read_tiff(path)
    except ImageReadError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ImageReadError(path, "corrupt", f"TIFF: {type(e).__name__}: {e}") from None
    return Photo(rgb=rgb, alpha=alpha, format="TIFF", path=path, warnings=notes)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImageReadError(path, "missing", "no such file")
    if not path.is_file():
        raise ImageReadError(path, "not a file", "is a directory or special file")
    if path.stat().st_size == 0:
        raise ImageReadError(path, "zero bytes", "the file is empty")


def _starts(path: Path, n: int = 4) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _head(path: Path) -> str:
    return repr(_starts(path, 8))


def _decode(path: Path, im: Image.Image, fmt: str, icc: bytes | None):
    """-> (rgb, alpha, icc_already_applied, warnings)."""
    if fmt == "PNG" and _png_bit_depth(path) == 16 and im.mode in ("RGB", "RGBA", "LA"):
        import imagecodecs

        return (*_split_channels(path, imagecodecs.png_decode(path.read_bytes())), False, [])
    if fmt == "TIFF" and _tiff_needs_tifffile(im):
        rgb, alpha, notes = _read_tiff(path)
        return rgb, alpha, False, notes
    im.load()
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        a = np.asarray(im)
        if a.max(initial=0) > 65535 or a.min(initial=0) < 0:
            raise ImageReadError(path, "unsupported mode", f"{mode} with values outside 16-bit range")
        return (*_split_channels(path, a.astype(np.uint16)), False, [])
    if mode in ("P", "PA"):
        im = im.convert("RGBA" if "transparency" in im.info or mode == "PA" else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode in ("YCbCr", "RGBX"):
        im = im.convert("RGB")
    alpha = None
    if im.mode in ("RGBA", "LA"):
        alpha = np.asarray(im.getchannel("A")).copy()
        im = im.convert("RGB" if im.mode == "RGBA" else "L")
    if im.mode not in ("RGB", "L", "CMYK"):
        raise ImageReadError(path, "unsupported mode", f"{im.mode}")
    converted, notes = False, []
    if icc and not iccmod.is_srgb(icc):
        try:
            im = iccmod.convert_pillow_to_srgb(im, icc)
            converted = True
        except Exception as e:  # a broken profile must not cost the user the photo: say so, assume sRGB
            converted = True
            im = im.convert("RGB")
            notes.append(f"embedded ICC profile could not be used ({e}); assumed sRGB")
    if im.mode != "RGB":
        im = im.convert("RGB")  # L -> gray RGB; CMYK without profile -> Pillow's naive conversion
    view = rgb_view(im)
    return (np.asarray(im).copy() if view is None else view), alpha, True, notes


def _split_channels(path: Path, a: np.ndarray):
    if a.ndim == 2:
        return np.repeat(a[..., None], 3, axis=2), None
    if a.ndim == 3 and a.shape[2] in (1, 2):
        rgb = np.repeat(a[..., :1], 3, axis=2)
        return rgb, (a[..., 1].copy() if a.shape[2] == 2 else None)
    if a.ndim == 3 and a.shape[2] in (3, 4):
        return np.ascontiguousarray(a[..., :3]), (a[..., 3].copy() if a.shape[2] == 4 else None)
    raise ImageReadError(path, "unsupported mode", f"pixel array of shape {a.shape}")


def _png_bit_depth(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(26)
    return head[24] if len(head) == 26 and head[12:16] == b"IHDR" else 8


def _tiff_needs_tifffile(im: Image.Image) -> bool:
    bits = im.tag_v2.get(258, (8,))  # BitsPerSample
    bits = bits if isinstance(bits, tuple) else (bits,)
    return max(bits) > 8 and im.mode not in ("I;16", "I;16B", "I;16L")


def _read_tiff(path: Path):
    """-> (rgb, alpha, notes): 8- or 16-bit samples as they are, 32-bit float ones as 16-bit (with a note)."""
    import tifffile

    with tifffile.TiffFile(path) as tf:
        page = tf.pages[0]
        a = page.asarray()
        if page.axes.startswith("S") and a.ndim == 3:  # planar: (S, Y, X)
            a = np.moveaxis(a, 0, -1)
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise ImageReadError(path, "unsupported mode", "float TIFF holding NaN or infinity")
        outside = float(np.mean((a < 0) | (a > 1)))
        a = (np.clip(a, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
        note = "32-bit float TIFF read as display-referred 0..1 into 16 bits" + \
            (f" ({outside:.1%} of values outside 0..1 clipped)" if outside else "")
        return (*_split_channels(path, a), [note])
    if a.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(path, "unsupported mode", f"TIFF sample type {a.dtype}; use 8- or 16-bit integer")
    return (*_split_channels(path, a), [])


def _to_srgb(photo: Photo, icc: bytes) -> Photo:
    if iccmod.is_srgb(icc):
        return photo
    try:
        out = iccmod.convert_float_to_srgb(to_float(photo.rgb), icc)
    except Exception as e:  # a broken profile: keep the pixels, tell the user
        photo.warnings.append(f"embedded ICC profile could not be used ({e}); assumed sRGB")
        return photo
    photo.rgb = from_float(out, photo.bit_depth)
    return photo


def _exif_bytes(exif: Image.Exif, fmt: str) -> bytes | None:
    if not len(exif):
        return None
    if fmt == "TIFF":  # IFD0 of a TIFF holds the image structure too: keep only descriptive tags
        keep = {0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298, 0x011A, 0x011B, 0x0128}
        clean = Image.Exif()
        for tag in keep & set(exif):
            clean[tag] = exif[tag]
        exif = clean
        if not len(exif):
            return None
    if EXIF_ORIENTATION in exif:
        exif[EXIF_ORIENTATION] = 1
    return exif.tobytes()
