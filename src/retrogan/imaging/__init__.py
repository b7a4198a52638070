"""Image files in and out: a photographer's files survive the trip (bit depth, alpha, EXIF, ICC)."""
from .photo import Photo, from_float, to_float
from .read import DEFAULT_MAX_PIXELS, read_photo
from .write import WRITE_FORMATS, write_photo

__all__ = ["Photo", "read_photo", "write_photo", "to_float", "from_float", "DEFAULT_MAX_PIXELS", "WRITE_FORMATS"]
