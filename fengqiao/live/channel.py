"""The in-process channel (SQLite: one server process): a view's worker thread hands notes
to the hub's event loop, if this process runs one. Under WSGI (``fengqiao demo``) there is
no hub and the notes are dropped: those pages poll."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

_lock = threading.Lock()
_receiver: tuple[asyncio.AbstractEventLoop, Callable[[str], None]] | None = None


def attach(loop: asyncio.AbstractEventLoop, receive: Callable[[str], None]) -> None:
    global _receiver
    with _lock:
        _receiver = (loop, receive)


def detach() -> None:
    global _receiver
    with _lock:
        _receiver = None


def hand_over(notes: list[str]) -> None:
    with _lock:
        receiver = _receiver
    if receiver is None:
        return
    loop, receive = receiver
    try:
        for text in notes:
            loop.call_soon_threadsafe(receive, text)
    except RuntimeError:
        pass  # the loop closed while shutting down: nobody is listening any more
