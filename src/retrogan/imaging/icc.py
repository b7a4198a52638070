"""ICC profiles: convert pixels to sRGB.

8-bit images go through LittleCMS (Pillow's ImageCms). LittleCMS in Pillow only handles 8-bit modes, so 16-bit
images with a matrix/TRC profile (Adobe RGB, ProPhoto, Display P3, camera RGB: the common case) are converted in
float here from the profile's own colorants and tone curves; other 16-bit profiles fall back to a LittleCMS-sampled
3D LUT, which is exact at the grid points and smooth between them (about 8-bit accuracy).
"""
from __future__ import annotations

import io
import struct
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def srgb_profile_bytes() -> bytes:
    """The sRGB profile written into every output, the same bytes in every process: LittleCMS stamps a profile with
    the time it was made, which made two runs (or two workers of one run) write different files; the header's
    creation date is fixed and its optional profile ID (an MD5 over the header) is left zero, "not computed"."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    icc[84:100] = bytes(16)
    return bytes(icc)


def profile_description(icc: bytes) -> str:
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except (OSError, ImageCms.PyCMSError, TypeError):
        return ""


def is_srgb(icc: bytes | None) -> bool:
    """True when no conversion is needed (no profile, or a profile that describes sRGB)."""
    if not icc:
        return True
    return "srgb" in profile_description(icc).lower().replace(" ", "")


def convert_pillow_to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """L, RGB or CMYK Pillow image with profile ``icc`` -> RGB in sRGB (relative colorimetric)."""
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    dst = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ImageCms.profileToProfile(
        im, src, dst, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB"
    )


# --- matrix/TRC profiles, parsed here for 16-bit data ------------------------------------------------------------

def _tags(icc: bytes) -> dict[bytes, bytes]:
    count = struct.unpack(">I", icc[128:132])[0]
    tags = {}
    for i in range(count):
        sig, off, size = struct.unpack(">4sII", icc[132 + 12 * i: 144 + 12 * i])
        tags[sig] = icc[off: off + size]
    return tags


def _xyz(tag: bytes) -> np.ndarray:
    if tag[:4] != b"XYZ ":
        raise ValueError("colorant tag is not XYZType")
    return np.array(struct.unpack(">3i", tag[8:20]), dtype=np.float64) / 65536.0


def _curve(tag: bytes):
    """Return a function encoded value in [0,1] -> linear, from a 'curv' or 'para' tag."""
    kind = tag[:4]
    if kind == b"curv":
        n = struct.unpack(">I", tag[8:12])[0]
        if n == 0:
            return lambda v: v
        if n == 1:
            gamma = struct.unpack(">H", tag[12:14])[0] / 256.0
            return lambda v: np.power(v, gamma)
        table = np.array(struct.unpack(f">{n}H", tag[12: 12 + 2 * n]), dtype=np.float32) / 65535.0
        xs = np.linspace(0.0, 1.0, n, dtype=np.float32)
        return lambda v: np.interp(v, xs, table).astype(np.float32)
    if kind == b"para":
        ftype = struct.unpack(">H", tag[8:10])[0]
        nparams = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[ftype]
        g, *q = [x / 65536.0 for x in struct.unpack(f">{nparams}i", tag[12: 12 + 4 * nparams])]
        if ftype == 0:
            return lambda v: np.power(v, g)
        # ICC parametric types 1-4 are one formula: (a*v + b)^g + e above the break d, c*v + f below it.
        q = q + [0.0] * (6 - len(q))
        a, b = q[0], q[1]
        c, d, e, f = {1: (0.0, -b / a, 0.0, 0.0), 2: (0.0, -b / a, q[2], q[2]),
                      3: (q[2], q[3], 0.0, 0.0), 4: (q[2], q[3], q[4], q[5])}[ftype]
        return lambda v: np.where(v >= d, np.power(np.maximum(a * v + b, 0.0), g) + e, c * v + f)
    raise ValueError(f"unsupported curve type {kind!r}")


def matrix_trc(icc: bytes):
    """(3x3 RGB->XYZ(D50) matrix, [3 curve functions]) or None if the profile is not matrix/TRC RGB."""
    try:
        if icc[16:20] != b"RGB ":
            return None
        t = _tags(icc)
        if not all(k in t for k in (b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC")):
            return None
        m = np.stack([_xyz(t[b"rXYZ"]), _xyz(t[b"gXYZ"]), _xyz(t[b"bXYZ"])], axis=1)
        return m, [_curve(t[b"rTRC"]), _curve(t[b"gTRC"]), _curve(t[b"bTRC"])]
    except (ValueError, KeyError, struct.error, IndexError, ZeroDivisionError):
        return None


def _srgb_encode(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055).astype(np.float32)


def convert_float_to_srgb(rgb: np.ndarray, icc: bytes) -> np.ndarray:
    """(H, W, 3) float32 in [0,1] encoded with ``icc`` -> sRGB float32 in [0,1]; out-of-gamut colours are clipped."""
    src = matrix_trc(icc)
    if src is None:
        return _convert_via_sampled_lut(rgb, icc)
    m_src, curves = src
    m_srgb, _ = matrix_trc(srgb_profile_bytes())
    m = (np.linalg.inv(m_srgb) @ m_src).astype(np.float32)
    out = np.empty_like(rgb, dtype=np.float32)
    rows = max(1, 4_000_000 // max(1, rgb.shape[1]))  # bounded temporaries on huge images
    for y in range(0, rgb.shape[0], rows):
        block = rgb[y: y + rows]
        lin = np.stack([curves[c](block[..., c]) for c in range(3)], axis=-1).astype(np.float32)
        out[y: y + rows] = _srgb_encode(lin @ m.T)
    return out


def _convert_via_sampled_lut(rgb: np.ndarray, icc: bytes) -> np.ndarray:
    from ..luts.apply import apply_lut_float

    n = 52  # 255 / 51 = 5: every grid point is an exact 8-bit code, so LittleCMS sees the true input
    grid = np.arange(n, dtype=np.uint8) * 5
    b, g, r = np.meshgrid(grid, grid, grid, indexing="ij")
    im = Image.fromarray(np.stack([r, g, b], -1).reshape(n * n, n, 3), "RGB")
    out = np.asarray(convert_pillow_to_srgb(im, icc), dtype=np.float32).reshape(n, n, n, 3) / 255.0
    return apply_lut_float(rgb, out)
