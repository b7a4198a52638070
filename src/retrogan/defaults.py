"""Light facts the CLI's help names without importing the image stack (numpy, Pillow, torch)."""
from __future__ import annotations

FALLBACK_LOOK = "kodachrome-1950s"  # the default when the bundled zoo is missing (a source tree without data/zoo)


def default_look() -> str:
    """The look used when none is named: the bundled zoo's signature look (``data/zoo/zoo.json``)."""
    import json
    from importlib import resources

    try:
        meta = json.loads((resources.files("retrogan.data") / "zoo" / "zoo.json").read_text())
        return str(meta.get("signature") or FALLBACK_LOOK)
    except (OSError, ValueError, AttributeError):
        return FALLBACK_LOOK
