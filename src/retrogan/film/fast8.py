"""The 8-bit fast lane of the film renderer: every full-resolution step is an integer table lookup.

For 8-bit pixels every per-pixel operation of a look is a function of a handful of small integers, so it is a
table, and a table lookup (numpy ``take``) costs a few nanoseconds a pixel:

1. colour: the baked colour LUT expanded to all 2^24 colours (exact for 8-bit input, no interpolation at render
   time), looked up by the packed RGB value;
2. light: vignette, edge burn, glows (halation, bloom) and light leaks are, in linear light, ``lin * G + A`` with
   smooth per-channel maps G and A computed on a thumbnail grid. Their values are quantised into a few dozen levels
   over the range the look's parameters allow, and a table ``[G level, A level, value]`` (one per look) holds the
   answer. A pixel reads the map cell picked by a fixed random
   jitter (stochastic bilinear interpolation: on average it is the bilinear sample, the residue is far below grain);
3. grain: the same seeded periodic grain field as the reference renderer, quantised into 64 levels; a table
   ``[grain level, value]`` adds it with the density weighting of each dye layer;
4. dust, hairs and scratches are drawn by the reference code only inside their bounding boxes.

Strips run in two threads (numpy's ``take`` releases the GIL). Everything depends on the pixel's frame position,
never on the strip, so tiles agree with a one-piece render exactly. Looks that need a neighbourhood (softness,
chromatic aberration) take the float path in ``fast_float`` for those steps.

Without torch (the grain textures, the light maps and the marks are numpy; a look's colour table is baked once and
kept on disk, ``tables``): an era preset or a film stock renders a batch without torch's second of start-up
(issue #31).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Callable

import numpy as np

from ..imaging.pixels import rgbx_base
from ..luts.apply import apply_lut_uint8
from . import lutlocal8
from .cstrips import c_source, strip_pool
from .frame import Frame
from .light import LEAK_COLOUR, HALATION_COLOUR, light_maps, linear_to_srgb, srgb_to_linear, thumbnail8
from .marks import Mark, make_marks
from .noise import TEXTURE_POOL, _hash, density_weight, grain_offsets, texture, texture_period
from .params import FilmParams
from .tables import cached_array, store_array, stored_array

UNSUPPORTED = ("softness", "chromatic_aberration")
try:  # the fused per-pixel loop in C, built at install time when a compiler is present (setup.py)
    from . import _fastpath
except ImportError:  # pragma: no cover - depends on the installation
    _fastpath = None
try:
    from . import _marks
except ImportError:  # pragma: no cover - depends on the installation
    _marks = None
try:
    from . import _light
except ImportError:  # pragma: no cover - depends on the installation
    _light = None
USE_C = _fastpath is not None and not os.environ.get("RETROGAN_NO_C")
STRIP_ROWS_PIXELS = 1 << 19
G_LEVELS, A_LEVELS, GRAIN_LEVELS, GRAIN_RANGE = 32, 48, 64, 4.5
JITTER_PERIOD = 256
BUILDING = threading.RLock()  # the one-off tables and textures: built once when a batch renders two images at once
MAP_SHORT_SIDE = 240  # the light maps' grid: glows are blurs of at least 0.4% of the short side, i.e. >= 1 cell


def supports(p: FilmParams) -> bool:
    return all(getattr(p, k) == 0 for k in UNSUPPORTED)


# -- 1. colour ---------------------------------------------------------------------------------------------------

def _pack(a: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> uint32 R | G << 8 | B << 16 (the little-endian RGBX word)."""
    i = a[..., 2].astype(np.uint32)
    i <<= 8
    i |= a[..., 1]
    i <<= 8
    i |= a[..., 0]
    return i


BUILD_AFTER_PIXELS = 24_000_000  # a colour table is expanded to all 2^24 colours once it has served this many
_FULL: dict[bytes, np.ndarray] = {}
_USAGE: dict[bytes, tuple[int, int]] = {}  # per table: pixels and pictures served
_KEYS: dict[int, tuple] = {}


def _words(rgb: np.ndarray) -> np.ndarray | None:
    """The (H, W) uint32 RGBX words under an RGBX-laid-out (H, W, 3) view, or None."""
    base = rgbx_base(rgb)
    return None if base is None else base.view(np.uint32)[..., 0]


def _colour_index(rgb: np.ndarray, words: np.ndarray | None, y0: int, y1: int) -> np.ndarray:
    """Rows y0..y1 as packed R | G << 8 | B << 16 (one mask when the pixels are RGBX words already)."""
    return _pack(rgb[y0:y1]) if words is None else np.bitwise_and(words[y0:y1], 0xFFFFFF)


def _table_key(table: np.ndarray) -> bytes:
    """A content hash of a LUT, remembered per array object (hashing 3 MB every video frame would show)."""
    import hashlib
    import weakref

    hit = _KEYS.get(id(table))
    if hit is not None and hit[0]() is table:
        return hit[1]
    key = hashlib.blake2b(np.ascontiguousarray(table, np.float32).tobytes(), digest_size=16).digest()
    try:
        _KEYS[id(table)] = (weakref.ref(table), key)
    except TypeError:
        pass
    return key


def full_table(table: np.ndarray) -> np.ndarray:
    """(2^24,) uint32: the packed output colour for every packed 8-bit input colour (``interpolate``'s trilinear
    lookup, so that a frame looks the same before and after the table is built; in 1M-colour blocks on two threads:
    about 0.1 s with the C lane, 0.6 s with Pillow's; 64 MB)."""
    with BUILDING:
        return _full_table(table)


def _looked_up(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Packed colours (a multiple of 4096, uint32) -> the packed colours ``interpolate`` gives them."""
    rgbx = ids.view(np.uint8).reshape(-1, 4096, 4)
    if lutlocal8.available():
        looked = lutlocal8.lut_local(rgbx[..., :3], table, None, workers=1)
        return np.bitwise_and(rgbx_base(looked).view(np.uint32).reshape(-1), 0xFFFFFF)
    return _pack(apply_lut_uint8(np.ascontiguousarray(rgbx[..., :3]), table)).reshape(-1)


def _full_table(table: np.ndarray) -> np.ndarray:
    key = _table_key(table)
    if key in _FULL:
        return _FULL[key]
    out = np.empty(1 << 24, np.uint32)

    def block(i: int) -> None:
        out[i << 20: (i + 1) << 20] = _looked_up(np.arange(i << 20, (i + 1) << 20, dtype=np.uint32), table)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(block, range(16)))
    _keep(key, out)
    return out


MAX_FULL_FILES = 4  # on disk: 64 MB each
_CHECK = np.random.default_rng(0).integers(0, 1 << 24, 4096, dtype=np.uint32)  # colours a stored table is checked on
_MISSING: set[bytes] = set()
_STORED: set[bytes] = set()


def _keep(key: bytes, full: np.ndarray) -> None:
    if len(_FULL) >= 3:
        _FULL.pop(next(iter(_FULL)))
    _FULL[key] = full


def _stored_full(key: bytes, table: np.ndarray) -> np.ndarray | None:
    """The full table from the disk cache, mapped (a photo pages in the part it reads: about 10 ms at 4K against
    0.1-0.25 s to build it), after a check of 4096 colours against the lookup that built it; else None."""
    if key in _MISSING:
        return None

    def valid(a: np.ndarray) -> bool:
        return a.dtype == np.uint32 and a.shape == (1 << 24,) and np.array_equal(a[_CHECK], _looked_up(_CHECK, table))

    stored = stored_array("colours", ("full-table", key), valid, mmap=True)
    if stored is None:
        if len(_MISSING) > 4096:  # a server's learned looks: one table per picture
            _MISSING.clear()
        _MISSING.add(key)
    return stored


def packed_or_none(table: np.ndarray, pixels: int) -> np.ndarray | None:
    """The full table if it is built, kept on disk, or has earned its build cost (``BUILD_AFTER_PIXELS`` served: a
    batch, a clip, a very large photo); None: look up with ``interpolate``, which costs nothing to set up."""
    with BUILDING:
        key = _table_key(table)
        if len(_USAGE) > 4096 and key not in _USAGE:  # a server's learned looks: one table per picture
            _USAGE.clear()
        served, renders = _USAGE.get(key, (0, 0))
        served, renders = served + pixels, renders + 1
        _USAGE[key] = (served, renders)
        if key in _FULL:
            full = _FULL[key]
        else:
            full = _stored_full(key, table)
            if full is not None:
                _keep(key, full)
    if full is None and served >= BUILD_AFTER_PIXELS:
        full = full_table(table)
    if full is not None and renders >= 2 and not isinstance(full, np.memmap):
        # a table that serves more than one picture (not a learned look's own): kept for later runs, once
        with BUILDING:
            first = key not in _STORED
            _STORED.add(key)
        if first:
            store_array("colours", ("full-table", key), full, MAX_FULL_FILES)
    return full


def through_tables(rgb: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 with each channel through its own (256,) table of the (3, 256) ``tables`` (a new, read-only
    array: Pillow's per-band lookup, a third of the time of three strided numpy takes on a 1080p frame)."""
    from ..imaging.pixels import to_pillow

    return np.asarray(to_pillow(rgb).point(np.asarray(tables, np.uint8).reshape(-1).tolist()))


def lookup(rgb: np.ndarray, table: np.ndarray, workers: int = 2) -> np.ndarray:
    """(H, W, 3) uint8 through a colour LUT; the result may be a view of RGBX memory."""
    packed = packed_or_none(table, rgb.shape[0] * rgb.shape[1])
    if packed is None:
        return interpolate(rgb, table, workers)
    return lookup_packed(rgb, packed, workers)


def lookup_packed(rgb: np.ndarray, packed: np.ndarray, workers: int = 2,
                  exposure: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 through a full packed table (``packed_or_none``), after ``exposure``; a view of RGBX."""
    h, w = rgb.shape[:2]
    rows = max(8, STRIP_ROWS_PIXELS // w)
    if USE_C:  # exposure and colour in one C pass, into RGBX words
        src, src_px = c_source(rgb)
        pre = None if exposure is None else np.ascontiguousarray(exposure, np.uint8)
        out4 = np.empty((h, w, 4), np.uint8)
        list(strip_pool(max(1, workers)).map(
            lambda y0: _fastpath.render_strip(src, src_px, y0, min(h, y0 + rows), w, out4, packed, None, None, None,
                                              [], pre), range(0, h, rows)))
        return out4[..., :3]
    if exposure is not None:
        rgb = through_tables(rgb, exposure)
    words = _words(rgb)
    out = np.empty((h, w), np.uint32)

    def strip(y0: int) -> None:
        y1 = min(h, y0 + rows)
        idx = _colour_index(rgb, words, y0, y1)
        packed.take(idx, out=out[y0:y1], mode="clip")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(strip, range(0, h, rows)))
    return out.view(np.uint8).reshape(h, w, 4)[..., :3]


def interpolate(rgb: np.ndarray, table: np.ndarray, workers: int = 2) -> np.ndarray:
    """(H, W, 3) uint8 through a colour LUT by trilinear interpolation, with no set-up: in C where it is built
    (``lutlocal8``; the result is then a view of RGBX memory), else Pillow's lookup."""
    if lutlocal8.available():
        return lutlocal8.lut_local(rgb, table, None, workers)
    from .fast import apply_lut_threaded

    return apply_lut_threaded(rgb, table, workers)


# -- 2. light: lin * G + A ---------------------------------------------------------------------------------------

_V = np.arange(256, dtype=np.float64) / 255.0


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def _lin8_f32() -> np.ndarray:
    """float32[256]: ``srgb_to_linear`` of each 8-bit value as a float32 thumbnail holds it (v / 255 in float32)."""
    return srgb_to_linear(np.arange(256, dtype=np.float32) / np.float32(255))


def _srgb8_table() -> np.ndarray:
    """Linear light on a 2^16 grid -> 8-bit sRGB (the grid is finer than an 8-bit step everywhere but in the
    deepest shadows, where it still rounds within one level)."""
    return np.round(linear_to_srgb(np.linspace(0, 1, 1 << 16)) * 255).astype(np.uint8)


def _srgb8(x: np.ndarray) -> np.ndarray:
    return _srgb8_table().take(np.rint(np.clip(x, 0, 1) * 65535).astype(np.intp))


def light_ranges(p: FilmParams) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per channel, the lowest gain and the highest additive light the look can produce anywhere in any image
    (from its parameters alone): the level grids, and so the tables, belong to the look, not to the image."""
    vig, burn, leak = (float(np.max(getattr(p, k))) for k in ("vignette", "edge_burn", "light_leak"))
    g_lo = tuple(max(0.0, (1 - vig) * (1 - burn) * (1 - min(1.0, leak * c))) for c in LEAK_COLOUR)
    # light added beyond 1 saturates whatever the pixel: the grid stops there
    a_hi = tuple(min(1.0, float(p.halation) * h + float(p.bloom) + leak * c) for h, c in zip(HALATION_COLOUR, LEAK_COLOUR))
    return g_lo, a_hi


def _levels(lo: float, hi: float, n: int, sqrt: bool) -> np.ndarray:
    if hi - lo < 1e-6:
        return np.array([lo])
    t = np.linspace(0.0, 1.0, n)
    return lo + (hi - lo) * (t * t if sqrt else t)


@lru_cache(maxsize=8)
def light_table(g_lo: tuple, a_hi: tuple) -> np.ndarray:
    """Per channel c, [G level, A level, value] -> sRGB8 of lin(value) * G + A, concatenated (uint8)."""
    lin = srgb_to_linear(_V)
    tables = [_srgb8(lin[None, None, :] * _levels(g, 1.0, G_LEVELS, False)[:, None, None]
                     + _levels(0.0, a, A_LEVELS, True)[None, :, None]).reshape(-1) for g, a in zip(g_lo, a_hi)]
    return np.concatenate(tables)


def light_offsets(gain: np.ndarray, add: np.ndarray, g_lo: tuple, a_hi: tuple) -> np.ndarray:
    """(h*w, 4) uint32: where each map cell's channel row starts in ``light_table`` (nearest levels; the X byte
    reads channel 0). In place on float32 copies, with no int64 temporaries (a video frame's glow maps each frame)."""
    out = np.empty((gain[0].size, 4), np.uint32)
    start = 0
    for c in range(3):
        ng = 1 if 1.0 - g_lo[c] < 1e-6 else G_LEVELS
        na = 1 if a_hi[c] < 1e-6 else A_LEVELS
        g = gain[c].ravel() - np.float32(g_lo[c])
        g /= np.float32(max(1.0 - g_lo[c], 1e-6))
        g *= ng - 1
        np.clip(np.rint(g, out=g), 0, ng - 1, out=g)
        a = add[c].ravel() / np.float32(max(a_hi[c], 1e-6))
        np.sqrt(np.clip(a, 0, 1, out=a), out=a)
        a *= na - 1
        np.clip(np.rint(a, out=a), 0, na - 1, out=a)
        cell = g.astype(np.uint32)
        cell *= na
        cell += a.astype(np.uint32)
        cell *= 256
        cell += start
        out[:, c] = cell
        start += ng * na * 256
    out[:, 3] = out[:, 0]
    return out


@lru_cache(maxsize=4)
def _jitter(width: int) -> np.ndarray:
    """(2, P, width) fixed uniform jitter in [0, 1), periodic in P: the stochastic-bilinear choice of map cell by
    frame position."""
    jit = np.random.default_rng(20261124).random((2, JITTER_PERIOD, JITTER_PERIOD), dtype=np.float32)
    return np.tile(jit, (1, 1, -(-width // JITTER_PERIOD)))[:, :, :width].copy()


def _axis(n: int, cells: int, start: int = 0, stop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For pixels start..stop of an axis of n pixels sampling a map of ``cells``: the cell below the sample point and
    the jitter threshold at and above which the pixel takes the next cell (2 where there is none)."""
    u = (np.arange(start, n if stop is None else stop) + 0.5) * (cells / n) - 0.5
    base = np.floor(u)
    thr = (1 - (u - base)).astype(np.float32)
    thr[(base < 0) | (base >= cells - 1)] = 2.0
    return np.clip(base, 0, cells - 1).astype(np.int32), thr


@lru_cache(maxsize=1)
def _frame_cells(height: int, width: int, mh: int, mw: int) -> np.ndarray:
    if _light is not None and USE_C:
        return cell_index(0, height, height, width, mh, mw)
    return np.concatenate([cell_index(y, min(height, y + 512), height, width, mh, mw).astype(np.int32)
                           for y in range(0, height, 512)])


def cells_for(y0: int, y1: int, height: int, width: int, mh: int, mw: int) -> np.ndarray:
    """``cell_index`` rows y0..y1; for frames up to 40 MP the whole frame's map is kept for the next image or video
    frame of the same size (4 bytes a pixel)."""
    if height * width <= 40_000_000:
        return _frame_cells(height, width, mh, mw)[y0:y1]
    return cell_index(y0, y1, height, width, mh, mw)


def cell_index(y0: int, y1: int, height: int, width: int, mh: int, mw: int) -> np.ndarray:
    """(y1 - y0, width) int32 index of the map cell each pixel reads: the bilinear neighbours, each with its
    bilinear weight as probability."""
    jit = _jitter(width)
    by, ty = _axis(height, mh, y0, y1)
    bx, tx = _axis(width, mw)
    if _light is not None and USE_C:  # the same sums in one pass
        out = np.empty((y1 - y0, width), np.int32)
        _light.cells(by, ty, bx, tx, jit, JITTER_PERIOD, mw, y0, out)
        return out
    rows = np.arange(y0, y1) % JITTER_PERIOD
    cell = np.add.outer((by * mw).astype(np.intp), bx)
    cell += np.greater_equal(jit[0][rows], ty[:, None]).view(np.int8) * np.int32(mw)
    cell += np.greater_equal(jit[1][rows], tx[None, :])
    return cell


# -- 3. grain ----------------------------------------------------------------------------------------------------

def grain_levels(seed: int, variant: int, height: int, width: int, size: float, colour: tuple,
                 roughness: float = 0.0) -> np.ndarray:
    """``_grain_levels``, made once when two images of a batch ask at the same time (``BUILDING``)."""
    with BUILDING:
        return _grain_levels(seed, variant, height, width, size, colour, roughness)


@lru_cache(maxsize=5)  # a clip's 4 texture variants + 1; each up to 12 MB (P = 2048): bounded for servers and batches
def _grain_levels(seed: int, variant: int, height: int, width: int, size: float, colour: tuple,
                  roughness: float = 0.0) -> np.ndarray:
    """(P, P, 3) uint8 quantised grain field per dye layer (``grain.grain_field``), periodic in P both ways: the
    C loop reads it at (y + oy, x + ox) modulo P and indexes a [level << 8 | value] table."""
    v = variant % 8
    if v in (1, 2, 3) and len(set(colour)) == 1:  # a mirror image of variant 0 (see noise.texture): no FFT
        base = grain_levels(seed, 0, height, width, size, colour, roughness)
        out = np.roll(base, v % 3, axis=-1)
        out = out[:, ::-1] if v & 1 else out
        return np.ascontiguousarray(out[::-1] if v & 2 else out)
    frame = Frame(height, width)
    key = ("grain-levels", seed, v, frame.short, texture_period(frame), size, colour, roughness)
    return cached_array("textures", key, lambda: _levels8(seed, v, height, width, size, colour, roughness),
                        _levels_valid, MAX_TEXTURES)


MAX_TEXTURES = 8  # on disk: 12 MB each at 4K (P = 2048)


def _levels_valid(a: np.ndarray) -> bool:
    return (a.dtype == np.uint8 and a.ndim == 3 and a.shape[0] == a.shape[1] and a.shape[2] == 3
            and 64 <= a.shape[0] <= 2048 and int(a.max()) < GRAIN_LEVELS)


def _levels8(seed: int, variant: int, height: int, width: int, size: float, colour: tuple,
             roughness: float) -> np.ndarray:
    """(P, P, 3) uint8: each dye layer's grain field (``noise.texture``) quantised to one of GRAIN_LEVELS levels."""
    mono = not any(colour)
    tex = texture(seed, variant, height, width, size, roughness, 1 if mono else 4)
    period = tex.shape[-1]
    out = np.empty((period, period, 3), np.uint8)
    c = np.clip(np.asarray(colour, np.float32), 0, 1)
    scale = np.float32(0.5 / GRAIN_RANGE * (GRAIN_LEVELS - 1))
    for ch in range(3):
        n = tex[0] if mono else np.sqrt(1 - c[ch]) * tex[0] + np.sqrt(c[ch]) * tex[1 + ch]
        q = n * scale
        q += np.float32(0.5 * (GRAIN_LEVELS - 1))
        np.rint(q, out=q)
        np.clip(q, 0, GRAIN_LEVELS - 1, out=q)
        out[..., ch] = q
    return out


def _texture_rows(levels: np.ndarray, start: int, count: int, ox: int, width: int) -> np.ndarray:
    """(count, width, 3) uint16: ``level << 8`` of a texture periodic in P both ways, rows start.., columns ox..
    (modulo P): what the C loop reads, for the numpy lane."""
    period = levels.shape[0]
    rows = levels[np.arange(start, start + count) % period]
    cols = (ox + np.arange(width)) % period
    return rows[:, cols].astype(np.uint16) << 8


def _level_values() -> np.ndarray:
    return (np.arange(GRAIN_LEVELS) / (GRAIN_LEVELS - 1) * 2 - 1) * GRAIN_RANGE


def paper_table(amount: float) -> np.ndarray:
    """[texture level, value] -> value * (1 + 0.1 amount n value), uint8 (as ``damage.paper_texture``)."""
    out = _V[None, :] * (1 + 0.1 * amount * _level_values()[:, None] * _V[None, :])
    return np.round(np.clip(out, 0, 1) * 255).astype(np.uint8).reshape(-1)


def grain_table(amount: float) -> np.ndarray:
    """[grain level, value] -> value + amount * density weight * grain, uint8 (as ``grain.grain`` per channel)."""
    level = _level_values()
    weight = density_weight(_V)
    out = _V[None, :] + amount * weight[None, :] * level[:, None]
    return np.round(np.clip(out, 0, 1) * 255).astype(np.uint8).reshape(-1)


_STILL_LIGHT: dict[tuple, tuple] = {}


def _still_light(p: FilmParams, seed: int, h: int, w: int) -> tuple:
    """Light maps that do not read the picture (vignette, edge burn, a leak: no halation or bloom) as
    ``render_uint8`` uses them, made once per look, seed and frame size (a clip's frames share them)."""
    key = (p, seed, h, w)
    hit = _STILL_LIGHT.get(key)
    if hit is None:
        k = max(1, min(h, w) // MAP_SHORT_SIDE)  # the thumbnail's size, as ``thumbnail`` reduces
        gain, add = light_maps(np.zeros((-(-h // k), -(-w // k), 3), np.float32), p, seed)
        g_lo, a_hi = light_ranges(p)
        hit = (light_offsets(gain, add, g_lo, a_hi), light_table(g_lo, a_hi), gain.shape[1], gain.shape[2])
        cells_for(0, 1, h, w, hit[2], hit[3])  # build (or reuse) the frame's cell map
        with BUILDING:
            if len(_STILL_LIGHT) >= 8:
                _STILL_LIGHT.pop(next(iter(_STILL_LIGHT)))
            _STILL_LIGHT[key] = hit
    return hit


# -- the render --------------------------------------------------------------------------------------------------

def render_uint8(rgb: np.ndarray, p: FilmParams, *, seed: int = 0, frame_index: int = 0,
                 workers: int = 2, colour_rows: Callable[[np.ndarray, int, int], None] | None = None,
                 exposure: np.ndarray | None = None, in_place: bool = False) -> np.ndarray:
    """(H, W, 3) uint8 -> the look (no border; ``fast.render_array`` adds it). p: already scaled by strength and
    ``supports(p)``. colour_rows(out, y0, y1): a colour of the caller's that writes rows y0..y1 of the (H, W, 4) RGBX
    frame from ``rgb`` in place of p's (a learned look's LUT); each strip then gets its colour and its light and
    grain in turn, while it is in cache. p's light must then not depend on the picture (no halation or bloom).
    exposure: (3, 256) uint8 per-channel tables applied to ``rgb`` before the look (a video frame's flicker and
    breath), in the colour pass where it is in C, else as a pass of its own first.
    in_place: ``rgb`` is an RGBX view of memory the caller made and gives up (a softened frame), and p's colour is
    the identity: the light, grain and marks are rendered into it, not into a copy (else the flag is ignored)."""
    from .fast import colour_is_identity, colour_table

    h, w = rgb.shape[:2]
    identity = colour_is_identity(p)
    base = rgbx_base(rgb) if in_place else None
    in_place = (base is not None and base.flags.writeable and identity and exposure is None and colour_rows is None)
    if colour_rows is not None and (not identity or p.halation or p.bloom):
        raise ValueError("colour_rows replaces p's colour, and p's light must not depend on the picture")
    table = None if identity else colour_table(p)
    packed = None if table is None else packed_or_none(table, h * w)
    pre = None if exposure is None else np.ascontiguousarray(exposure, np.uint8)
    if pre is not None and not (USE_C and colour_rows is None and (packed is not None or table is None)):
        rgb, pre = through_tables(rgb, pre), None  # no fused lane for it: a pass of its own
    words = _words(rgb)
    out = base if in_place else np.empty((h, w, 4), np.uint8)  # RGBX: whole 4-byte pixels, contiguous
    rows = max(8, STRIP_ROWS_PIXELS // w)
    starts = range(0, h, rows)
    light_wanted = bool(p.vignette or p.edge_burn or p.light_leak or p.halation or p.bloom)

    def prepare_light():
        """The light maps, on the colour-graded thumbnail (as the float path computes them on the graded image)."""
        if not (p.halation or p.bloom):  # maps that do not read the picture: the same for every frame of a clip
            return _still_light(p, seed, h, w)
        t8 = thumbnail8(rgb, MAP_SHORT_SIDE)
        if pre is not None:  # the exposure on the thumbnail's 8-bit values
            t8 = through_tables(t8, pre)
        if table is not None:
            if packed is not None:  # the frame's own colours (Pillow's LUT object costs a 3 MB hash a call)
                t8 = np.asarray(packed)[_pack(t8)].view(np.uint8).reshape(*t8.shape[:2], 4)[..., :3]
            else:  # the lookup the full table is made of, so a first picture glows as later ones do
                t8 = interpolate(np.ascontiguousarray(t8), table, workers=1)  # one thread: this runs on the pool
        thumb = t8.astype(np.float32) / np.float32(255)
        lin = np.ascontiguousarray(_lin8_f32().take(t8).transpose(2, 0, 1))
        gain, add = light_maps(thumb, p, seed, lin)
        g_lo, a_hi = light_ranges(p)
        offsets = light_offsets(gain, add, g_lo, a_hi)
        cells_for(0, 1, h, w, gain.shape[1], gain.shape[2])  # build (or reuse) the frame's cell map
        return offsets, light_table(g_lo, a_hi), gain.shape[1], gain.shape[2]

    src, src_px = (rgbx_base(rgb), 4) if words is not None else (rgb, 3)
    interpolated = table is not None and packed is None and lutlocal8.available()
    interpolate_rows = lutlocal8.rows_writer(rgb, table, None) if interpolated and colour_rows is None else None
    if USE_C and (packed is not None or pre is not None) and not src.flags.c_contiguous:
        src = np.ascontiguousarray(src)

    def colour_strip(y0: int) -> None:
        y1 = min(h, y0 + rows)
        dst = out[y0:y1]
        if colour_rows is not None:
            colour_rows(out, y0, y1)
        elif USE_C and (packed is not None or pre is not None):
            _fastpath.render_strip(src, src_px, y0, y1, w, out, packed, None, None, None, [], pre)
        elif packed is not None:
            idx = _colour_index(rgb, words, y0, y1)
            packed.take(idx, out=dst.view(np.uint32)[..., 0], mode="clip")
        elif interpolate_rows is not None:  # trilinear in C until the full table pays for itself
            interpolate_rows(out, y0, y1)
        elif table is not None:  # Pillow's lookup, where the C lanes are not built
            dst[..., :3] = apply_lut_uint8(np.ascontiguousarray(rgb[y0:y1]), table)
        elif words is not None:  # RGBX in: whole words
            out.view(np.uint32)[y0:y1, :, 0] = words[y0:y1]
        else:
            dst[..., :3] = rgb[y0:y1]

    def finish_strip(y0: int, light) -> None:
        y1 = min(h, y0 + rows)
        dst = out[y0:y1]
        if USE_C:  # light and noise fused, in place, bit for bit the numpy code below
            cells = offsets = ltab = None
            if light is not None:
                offsets, ltab, mh, mw = light
                cells = np.ascontiguousarray(cells_for(y0, y1, h, w, mh, mw), np.int32)
            _fastpath.render_strip(out, 4, y0, y1, w, out, None, cells, offsets, ltab,
                                   [(lv, tb, oy, ox, period) for lv, tb, (oy, ox), period in noise])
            return
        if light is not None:
            offsets, ltab, mh, mw = light
            idx = offsets.take(cells_for(y0, y1, h, w, mh, mw), axis=0)
            idx += dst
            ltab.take(idx, out=dst, mode="clip")
        for levels, noise_table, (oy, ox), period in noise:
            idx = _texture_rows(levels, y0 + oy, y1 - y0, ox, w)
            idx |= dst[..., :3]
            noise_table.take(idx, out=dst[..., :3], mode="clip")

    pool = strip_pool(max(1, workers))  # the tasks below wait on nothing they put on it
    # the grain textures (a first image's FFTs), the light maps and the marks are made while the colour strips run
    noise_pending = pool.submit(noise_stages, p, h, w, seed, frame_index)
    pending = pool.submit(prepare_light) if light_wanted else None
    marks = pool.submit(make_marks, Frame(h, w), seed, frame_index, p.dust, p.hairs, p.scratches, p.cracks,
                        p.creases, p.light_dust)
    if colour_rows is not None:  # colour, light and grain strip by strip
        noise = noise_pending.result()
        light = pending.result() if pending is not None else None

        def strip(y0: int) -> None:
            colour_strip(y0)
            if light is not None or noise:
                finish_strip(y0, light)

        list(pool.map(strip, starts))
    else:
        if not in_place:  # in place, the frame is its own colour (the identity)
            list(pool.map(colour_strip, starts))
        noise = noise_pending.result()
        light = pending.result() if pending is not None else None
        if light is not None or noise:
            list(pool.map(lambda y0: finish_strip(y0, light), starts))
    result = out[..., :3]
    if marks.result():
        draw_marks(result, marks.result(), pool)
    return result


def noise_stages(p: FilmParams, h: int, w: int, seed: int, frame_index: int) -> list:
    """(levels, table, offsets, period) for grain then paper, in the reference renderer's order."""
    period = texture_period(Frame(h, w))
    stages = []
    table = grain_table(float(p.grain)) if p.grain else None
    if table is not None and not _is_identity(table):  # grain far under a code value rounds away: no stage
        colour = tuple(float(v) for v in np.broadcast_to(np.asarray(p.grain_colour, np.float64), (3,)))
        levels = grain_levels(int(seed), int(frame_index) % TEXTURE_POOL, h, w, float(p.grain_size), colour,
                              float(p.grain_roughness))
        stages.append((levels, table, grain_offsets(int(seed), int(frame_index), period), period))
    table = paper_table(float(p.paper)) if p.paper else None
    if table is not None and not _is_identity(table):
        paper_seed = _hash("paper", seed) % (2 ** 31)
        levels = grain_levels(paper_seed, 0, h, w, 0.004, (0.0, 0.0, 0.0))
        stages.append((levels, table, grain_offsets(paper_seed, 0, period), period))
    return stages


def _is_identity(table: np.ndarray) -> bool:
    """Whether a [level, value] table gives every value back at every level (the stage would change no pixel)."""
    return bool(np.array_equal(table.reshape(-1, 256), np.broadcast_to(np.arange(256, dtype=table.dtype),
                                                                        (table.size // 256, 256))))


def draw_marks(a: np.ndarray, marks: list, pool: ThreadPoolExecutor | None = None) -> None:
    """Composite marks into a uint8 (H, W, 3) array in place, touching only the boxes the marks cover (disjoint
    boxes, so a pool may draw them in parallel). The same coverage as ``damage.rasterise``, in numpy (a speck is a
    few hundred pixels: torch's per-call cost would dominate)."""
    h, w = a.shape[:2]
    frame = Frame(h, w)
    short = np.float32(frame.short)
    px = np.float32(1.0) / short
    boxes = [mark_box(m, frame) for m in marks]

    def draw(box) -> None:
        y0, y1, x0, x1 = box
        dark = np.zeros((y1 - y0, x1 - x0), np.float32)
        light = np.zeros_like(dark)
        for m, b in zip(marks, boxes):
            by0, by1, bx0, bx1 = max(b[0], y0), min(b[1], y1), max(b[2], x0), min(b[3], x1)
            if by0 >= by1 or bx0 >= bx1:
                continue
            target = light if m.light else dark
            for sy0, sy1, sx0, sx1, points in _pieces(m, frame, (by0, by1, bx0, bx1)):
                pu = ((np.arange(sx0, sx1, dtype=np.float32) + 0.5) / short)[None, :]
                pv = ((np.arange(sy0, sy1, dtype=np.float32) + 0.5) / short)[:, None]
                d = _distance(points, pu, pv)
                cover = np.float32(m.opacity) * np.clip((np.float32(m.radius) + px / 2 - d) / px, 0, 1)
                sub = target[sy0 - y0: sy1 - y0, sx0 - x0: sx1 - x0]
                np.maximum(sub, cover, out=sub)
        touched = np.nonzero((dark > 0) | (light > 0))  # a line across the frame covers a sliver of its box
        view = a[y0:y1, x0:x1]
        x = view[touched].astype(np.float32) / np.float32(255)
        y = x * (1 - dark[touched][:, None])
        y += light[touched][:, None] * (1 - y)
        view[touched] = (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)

    merged = merged_boxes(boxes, h, w)
    base = rgbx_base(a)
    frame_buf, channels = (base, 4) if base is not None else (a, 3)
    if USE_C and _marks is not None and frame_buf.flags.c_contiguous:  # the same coverage in C, bit for bit
        tables = _piece_tables(marks, boxes, frame, merged)
        jobs = [(np.asarray(box, np.int32), t) for box, t in zip(merged, tables) if len(t)]

        def composite(job) -> None:
            _marks.composite(frame_buf, channels, h, w, job[0], job[1], float(frame.short))

        list(pool.map(composite, jobs) if pool is not None else map(composite, jobs))
        return
    list(pool.map(draw, merged) if pool is not None else map(draw, merged))


def _piece_tables(marks: list, boxes: list, frame: Frame, merged: list) -> list[np.ndarray]:
    """Per merged box, (n, 13) float32: the pieces of the marks inside it as ``_marks.composite`` reads them (each
    mark's clipped box lies in exactly one merged box)."""
    h, w = frame.height, frame.width
    corners = np.asarray(merged, np.int64).reshape(-1, 4)
    rows: list[list] = [[] for _ in merged]
    if not marks:
        return [np.zeros((0, 13), np.float32) for _ in merged]
    clips = np.asarray(boxes, np.int64).reshape(-1, 4).copy()
    clips[:, 0] = np.maximum(clips[:, 0], 0)
    clips[:, 1] = np.minimum(clips[:, 1], h)
    clips[:, 2] = np.maximum(clips[:, 2], 0)
    clips[:, 3] = np.minimum(clips[:, 3], w)
    inside = ((corners[None, :, 0] <= clips[:, None, 0]) & (corners[None, :, 1] >= clips[:, None, 1])
              & (corners[None, :, 2] <= clips[:, None, 2]) & (corners[None, :, 3] >= clips[:, None, 3]))
    owner = inside.argmax(axis=1)  # the first merged box that holds the mark's clipped box
    for m, clip, k in zip(marks, clips.tolist(), owner.tolist()):
        if clip[0] >= clip[1] or clip[2] >= clip[3]:
            continue
        if len(m.points) == 1:  # a speck is one piece, its own box (``_pieces``)
            (au, av), = m.points
            rows[k].append((*clip, au, av, 0.0, 0.0, 1e-12, m.radius, m.opacity, 1.0 if m.light else 0.0, 1.0))
            continue
        for sy0, sy1, sx0, sx1, points in _pieces(m, frame, tuple(clip)):
            (au, av), (bu, bv) = points[0], points[-1]
            du, dv = bu - au, bv - av  # in double precision, as _distance
            rows[k].append((sy0, sy1, sx0, sx1, au, av, du, dv, max(du * du + dv * dv, 1e-12), m.radius, m.opacity,
                            1.0 if m.light else 0.0, 1.0 if len(points) == 1 else 0.0))
    return [np.asarray(r, np.float32).reshape(-1, 13) for r in rows]


def _pieces(m, frame: Frame, clip: tuple[int, int, int, int]):
    """(y0, y1, x0, x1, points) per piece of a mark within ``clip``: a speck whole, a polyline segment by segment,
    each in its own box (the coverage of a line is the largest of its segments'). A crease or scratch across the
    frame then costs its length, not its bounding box times its segments (issue #31: 56 ms of an 80 ms 1080p frame
    of faded-print-1970s)."""
    pieces = [m.points] if len(m.points) == 1 else list(zip(m.points, m.points[1:]))
    for points in pieces:
        y0, y1, x0, x1 = mark_box(Mark(points, m.radius, m.opacity, m.light), frame)
        y0, y1, x0, x1 = max(y0, clip[0]), min(y1, clip[1]), max(x0, clip[2]), min(x1, clip[3])
        if y0 < y1 and x0 < x1:
            yield y0, y1, x0, x1, points


def _distance(points, pu: np.ndarray, pv: np.ndarray) -> np.ndarray:
    """Distance from pixel centres to a speck (one point) or a polyline, in frame units (as ``damage``)."""
    if len(points) == 1:
        return np.hypot(pu - np.float32(points[0][0]), pv - np.float32(points[0][1]))
    best = None
    for (au, av), (bu, bv) in zip(points, points[1:]):
        du, dv = bu - au, bv - av
        t = np.clip(((pu - np.float32(au)) * np.float32(du) + (pv - np.float32(av)) * np.float32(dv))
                    / np.float32(max(du * du + dv * dv, 1e-12)), 0, 1)
        d = np.hypot(pu - (np.float32(au) + t * np.float32(du)), pv - (np.float32(av) + t * np.float32(dv)))
        best = d if best is None else np.minimum(best, d)
    return best


def mark_box(m, frame: Frame) -> tuple[int, int, int, int]:
    """The pixel box (y0, y1, x0, x1) ``rasterise`` can touch for one mark (same padding)."""
    import math

    pad = m.radius + 2 / frame.short
    us, vs = [q[0] for q in m.points], [q[1] for q in m.points]
    return (int(math.floor((min(vs) - pad) * frame.short)), int(math.ceil((max(vs) + pad) * frame.short)),
            int(math.floor((min(us) - pad) * frame.short)), int(math.ceil((max(us) + pad) * frame.short)))


def merged_boxes(boxes, h: int, w: int) -> list[tuple[int, int, int, int]]:
    """Clip to the frame and merge overlapping boxes until none overlap (so no pixel is composited twice)."""
    todo = [(max(0, a), min(h, b), max(0, c), min(w, d)) for a, b, c, d in boxes]
    todo = [b for b in todo if b[0] < b[1] and b[2] < b[3]]
    done: list[tuple[int, int, int, int]] = []
    while todo:
        box = todo.pop()
        for i, o in enumerate(done):
            if box[0] < o[1] and o[0] < box[1] and box[2] < o[3] and o[2] < box[3]:
                done.pop(i)
                todo.append((min(box[0], o[0]), max(box[1], o[1]), min(box[2], o[2]), max(box[3], o[3])))
                break
        else:
            done.append(box)
    return done
