"""Zero-copy hand-over of 8-bit RGB pixels between Pillow and numpy.

Pillow keeps an RGB image as 4-byte RGBX pixels. ``np.asarray(image)`` copies them out through Pillow's raw encoder
(about as long as decoding a JPEG at 4K), and ``Image.fromarray`` copies them back. Here the decoded image's own
memory is viewed as an (H, W, 3) array with a 4-byte pixel stride (through Pillow's Arrow export, which needs the
image in one memory block), and an array with that layout goes back to Pillow with ``frombuffer`` and no copy.
Everything falls back to the copying calls when a Pillow version or an image does not allow this.
"""
from __future__ import annotations

import ctypes
from contextlib import contextmanager

import numpy as np
from PIL import Image


class _ArrowSchema(ctypes.Structure):
    pass


_ArrowSchema._fields_ = [("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
                         ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
                         ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))),
                         ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                         ("private_data", ctypes.c_void_p)]


class _ArrowArray(ctypes.Structure):
    pass


_ArrowArray._fields_ = [("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
                        ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64),
                        ("buffers", ctypes.POINTER(ctypes.c_void_p)),
                        ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
                        ("dictionary", ctypes.c_void_p), ("release", ctypes.c_void_p),
                        ("private_data", ctypes.c_void_p)]

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


class _Memory:
    """Keeps the Pillow image and its Arrow capsules alive for as long as a numpy view of its pixels exists."""

    def __init__(self, address: int, shape: tuple, keep: tuple):
        self.keep = keep
        self.__array_interface__ = {"data": (address, True), "shape": shape, "typestr": "|u1", "version": 3}


@contextmanager
def single_block(nbytes: int):
    """Make Pillow allocate images of up to ``nbytes`` in one block (so they can be viewed without a copy)."""
    try:
        old = Image.core.get_block_size()
        Image.core.set_block_size(max(old, min(nbytes, 1 << 31)))
    except (AttributeError, ValueError, OverflowError):
        yield
        return
    try:
        yield
    finally:
        Image.core.set_block_size(old)


def rgb_view(im: Image.Image) -> np.ndarray | None:
    """A read-only (H, W, 3) uint8 view of an RGB image's own memory, or None where that is not possible."""
    if im.mode != "RGB":
        return None
    try:
        schema_capsule, array_capsule = im.__arrow_c_array__()
        schema = _ArrowSchema.from_address(_get_pointer(schema_capsule, b"arrow_schema"))
        array = _ArrowArray.from_address(_get_pointer(array_capsule, b"arrow_array"))
        if schema.format != b"+w:4" or schema.n_children != 1 or array.n_children != 1:
            return None
        child = array.children[0].contents
        w, h = im.size
        if schema.children[0].contents.format != b"C" or child.length != 4 * w * h or child.n_buffers != 2:
            return None
        address = child.buffers[1] + child.offset
    except (AttributeError, ValueError, TypeError):
        return None
    return np.asarray(_Memory(address, (h, w, 4), (im, im.im, schema_capsule, array_capsule)))[..., :3]


def rgbx_base(rgb: np.ndarray) -> np.ndarray | None:
    """The contiguous (H, W, 4) array that ``rgb`` is the first three channels of, or None."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        return None
    h, w = rgb.shape[:2]
    if rgb.strides != (4 * w, 4, 1):
        return None
    base = rgb.base
    while base is not None:
        if isinstance(base, np.ndarray) and base.flags.c_contiguous and base.nbytes == 4 * h * w \
                and base.__array_interface__["data"][0] == rgb.__array_interface__["data"][0]:
            return base.reshape(-1).view(np.uint8).reshape(h, w, 4)
        base = getattr(base, "base", None)
    return None


def to_pillow(rgb: np.ndarray, rgbx: bool = False) -> Image.Image:
    """A Pillow image of an (H, W, 3) uint8 array: RGB, or with ``rgbx`` an RGBX image sharing the array's memory
    where it is RGBX-laid-out (JPEG saves RGBX as RGB; reductions and resizes work on it)."""
    full = rgbx_base(rgb) if rgbx else None
    if full is not None:
        h, w = rgb.shape[:2]
        return Image.frombuffer("RGBX", (w, h), full, "raw", "RGBX", 0, 1)
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
