"""Where the page's files may come from: uploads to this server, nothing else.

The page's functions receive file *paths* from Gradio, and a client chooses what those paths are (a call to the
queue API can name ``/etc/passwd`` or an ``http://`` URL instead of a file it uploaded). Gradio only enforces its
upload-folder rule for apps started with ``launch()``, not for apps mounted in FastAPI as ours is (and where it does,
each refusal prints a traceback to the server's log), so we enforce the rule ourselves (``refusal``), at two places:
the input components refuse to take any path that is not inside this server's upload folder (before Gradio copies or
downloads it), and every page function checks its paths again before reading a byte.
The upload folder is made empty by this server when it starts (``Server.uploads``) and deleted when it stops.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from .service import WebError

log = logging.getLogger("retrogan.web")


def inside(path: str | os.PathLike, folder: Path) -> bool:
    """True when ``path``, with every symlink and ``..`` resolved, is a file strictly inside ``folder``."""
    real = os.path.realpath(os.fspath(path))
    root = os.path.realpath(folder)
    return real.startswith(root + os.sep) and os.path.isfile(real)


def refusal(path: str, folder: Path) -> str | None:
    """Why ``path`` may not be read (a URL, or not a file uploaded into ``folder``), or None when it may."""
    if path and "://" not in path and inside(path, folder):
        return None
    return f"{Path(path).name or 'file'}: not a file uploaded to this server"


def uploaded(paths, folder: Path) -> list[Path]:
    """The paths as they are when every one is an upload to this server, else WebError (403) naming the first that
    is not. A URL or any other path is refused without being opened, so nothing about it is revealed."""
    out = []
    for p in paths or []:
        s = os.fspath(p) if isinstance(p, (str, os.PathLike)) else ""
        if why := refusal(s, folder):
            raise WebError(why, 403)
        out.append(Path(s))
    return out


def upload_only(component, folder: Path):
    """Make a ``gr.File`` input take uploads to this server only. Gradio hands a client's path to the component's
    ``async_move_resource_to_block_cache`` before any of our code runs (and would copy a server file or download a
    URL into its cache); on this instance it first refuses anything but a file already in ``folder``. (Not a
    subclass: Gradio writes a .pyi stub beside the module of every component subclass, which fails in a read-only
    install.)"""
    import gradio as gr

    def check(path):
        if path is None:
            return None
        s = os.fspath(path)
        if why := refusal(s, folder):
            log.warning("refused a page request: %s", why)
            # gr.Error reaches the client as the call's error; print_exception=False: one log line, no traceback
            raise gr.Error(why, print_exception=False)
        return s

    move_async, move = component.async_move_resource_to_block_cache, component.move_resource_to_block_cache

    async def checked_async(url_or_file_path):
        return await move_async(check(url_or_file_path))

    component.async_move_resource_to_block_cache = checked_async
    component.move_resource_to_block_cache = lambda url_or_file_path: move(check(url_or_file_path))
    return component
