"""Exceptions that carry a file and a cause, so a batch can print one clear line per failure."""
from __future__ import annotations

from pathlib import Path


class RetroganError(Exception):
    """Base class for every error the tool reports to a user (never shown as a traceback)."""


class FileError(RetroganError):
    """A file-bound failure: ``path``, a short ``cause`` category and the ``detail``, printed as one line."""

    def __init__(self, path: str | Path, cause: str, detail: str = "") -> None:
        self.path = Path(path)
        self.cause = cause
        self.detail = detail
        super().__init__(f"{path}: {cause}" + (f" ({detail})" if detail else ""))


class ImageReadError(FileError):
    """An input image could not be read. ``cause`` is a short category, ``detail`` the specifics."""


class ImageWriteError(FileError):
    """An output image could not be written; the input is untouched and no partial file is left."""


class StyleError(RetroganError):
    """A look could not be found or loaded."""


class LutError(RetroganError):
    """A LUT file is malformed; the message names the file and the line."""


class VideoError(FileError):
    """A video could not be read or written; the input is untouched and no partial output is left."""
