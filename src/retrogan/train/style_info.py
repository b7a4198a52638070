"""A style folder's description (style.json), read and checked without torch: what a learned look needs to name
its labels before its weights are wanted (``looks/gan.py`` loads them only when torch must run)."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import StyleError

STYLE_FILE = "style.json"
WEIGHTS_FILE = "generator.safetensors"


def read_style_info(folder: Path) -> dict:
    """style.json's contents. Raises StyleError naming what is missing or wrong: a style folder may come from anyone,
    so its JSON is checked for shape."""
    info_path, weights_path = folder / STYLE_FILE, folder / WEIGHTS_FILE
    if not info_path.exists() or not weights_path.exists():
        raise StyleError(f"{folder}: not a style folder (needs {STYLE_FILE} and {WEIGHTS_FILE})")
    try:
        info = json.loads(info_path.read_text())
    except (ValueError, OSError) as e:
        raise StyleError(f"{folder}: unreadable style ({e})") from None
    if not isinstance(info, dict):
        raise StyleError(f"{info_path}: not a style description (a JSON object), found a {type(info).__name__}")
    if info.get("format") != "retrogan-style/1":
        raise StyleError(f"{info_path}: unknown format {info.get('format')!r}")
    labels = info.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x for x in labels):
        raise StyleError(f"{info_path}: 'labels' must be a list of look names")
    if not isinstance(info.get("generator"), dict):
        raise StyleError(f"{info_path}: 'generator' must be a JSON object of settings")
    return info
