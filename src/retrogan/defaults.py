"""Light facts the CLI's help names without importing the image stack (numpy, Pillow, torch)."""
from __future__ import annotations

# The look used when none is named. It must read as retro at once on any photo, render fast, and hold on any
# colour: the faded 1970s colour print (magenta-red cast of a faded cyan dye, milky blacks, grain, a yellowed
# border) does; the zoo's learned film stocks are subtler and read as a modern photo at first sight (issue #31).
DEFAULT_LOOK = "faded-print-1970s"


def default_look() -> str:
    """The look used when none is named."""
    return DEFAULT_LOOK
