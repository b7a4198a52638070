"""Cooperative cancellation: work whose result nobody waits for any more (a web client gone or timed out) stops at
its next checkpoint instead of running to the end. Python cannot stop a thread from outside, so long loops call
``checkpoint()`` between stages and strips; outside a ``cancellable`` block it costs one attribute lookup."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from .errors import RetroganError


class Cancelled(RetroganError):
    """Raised at a checkpoint once the work's event is set."""


_local = threading.local()


@contextmanager
def cancellable(event: threading.Event):
    """Within this block (in this thread), ``checkpoint()`` raises ``Cancelled`` once ``event`` is set."""
    previous = getattr(_local, "event", None)
    _local.event = event
    try:
        yield
    finally:
        _local.event = previous


def checkpoint() -> None:
    event = getattr(_local, "event", None)
    if event is not None and event.is_set():
        raise Cancelled("cancelled: nobody waits for this result any more")
