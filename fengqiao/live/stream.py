"""``GET /live/stream?topic=group:12[&topic=...]``: a raw ASGI app, not a Django view.

Under Django's ASGI handler every request holds a thread and a database connection until its
response ends; a stream is open for hours, so 5,000 pages would hold 5,000 threads and
connections. This app does its database work (session → user, each topic's ``authorize``) in
the hub's few worker threads and then only waits on its queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from http.cookies import SimpleCookie
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.utils import translation

from fengqiao.live import topics
from fengqiao.live.hub import CLOSE, READY_WAIT_SECONDS, RECHECK, Subscriber, frame, hub

log = logging.getLogger(__name__)

PATH = "/live/stream"
MAX_TOPICS = 8
HEARTBEAT_SECONDS = float(os.environ.get("FENGQIAO_LIVE_HEARTBEAT_SECONDS", "20"))
# Each re-check is one authorization (a few queries): 5,000 pages every 60 s kept a core of
# this 2-core machine busy (bench/live.py), so every 5 minutes, in one thread of its own.
RECHECK_SECONDS = float(os.environ.get("FENGQIAO_LIVE_RECHECK_SECONDS", "300"))
# A re-check that fails on a transient database error (SQLite busy past its timeout, a lost
# PostgreSQL connection) is tried again after these waits (the last one repeats until it
# succeeds): it decides nothing, so the stream neither ends nor waits for its next period.
RECHECK_RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0)
STREAMS_PER_USER = int(os.environ.get("FENGQIAO_LIVE_STREAMS_PER_USER", "12"))
MAX_STREAMS = int(os.environ.get("FENGQIAO_LIVE_MAX_STREAMS", "20000"))
RETRY_MS = 5000
PING = b"event: ping\ndata: {}\n\n"

STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
    (b"x-content-type-options", b"nosniff"),
]


async def stream_app(scope, receive, send) -> None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if scope["method"] != "GET":
        await _refuse(send, 405, [(b"allow", b"GET")])
        return
    if not _same_origin(headers):
        await _refuse(send, 403)
        return
    wanted = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("topic", [])
    if not wanted or len(wanted) > MAX_TOPICS or len(set(wanted)) != len(wanted):
        await _refuse(send, 400)
        return
    await hub.start()
    admitted = await hub.run_db("admit", _admit, _session_key(headers), headers, wanted)
    if admitted is None:
        await _refuse(send, 403)
        return
    user_id, audiences, language = admitted
    if hub.count >= MAX_STREAMS:
        await _refuse(send, 503, [(b"retry-after", b"30")])
        return
    if hub.by_user.get(user_id, 0) >= STREAMS_PER_USER:
        await _refuse(send, 429)
        return
    subscriber = Subscriber(user_id, audiences, language)
    hub.add(subscriber)
    try:
        await _serve(subscriber, headers, wanted, receive, send)
    finally:
        hub.remove(subscriber)


async def _serve(subscriber: Subscriber, headers: dict, wanted, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(READY_WAIT_SECONDS):
            await hub.ready.wait()
    opening = f"retry: {RETRY_MS}\n\n".encode()
    if headers.get("last-event-id"):
        # No replay log: a page that lost its stream fetches what it missed by one poll.
        opening += frame("resync", {})
    opening += frame("ready", {"topics": wanted})
    await send({"type": "http.response.body", "body": opening, "more_body": True})

    async def watch_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        subscriber.close()

    watcher = asyncio.create_task(watch_disconnect())
    next_check = time.monotonic() + RECHECK_SECONDS * (0.5 + random.random())  # noqa: S311
    next_ping = time.monotonic() + HEARTBEAT_SECONDS
    failures = 0  # re-checks failed in a row on a transient database error
    try:
        while True:
            timeout = max(0.0, min(next_ping, next_check) - time.monotonic())
            chunk = None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    chunk = await subscriber.queue.get()
            if chunk == CLOSE or watcher.done():
                break
            if chunk == RECHECK:
                next_check, chunk = 0.0, None  # access changed somewhere: check it now
            if subscriber.overflowed:
                await _send(send, frame("resync", {}))
                break
            if chunk:
                await _send(send, chunk)
                next_ping = time.monotonic() + HEARTBEAT_SECONDS
            elif time.monotonic() >= next_check:
                try:
                    still = await hub.run_db(
                        "recheck", _admit, _session_key(headers), headers, wanted
                    )
                except (OperationalError, InterfaceError) as error:
                    delay = RECHECK_RETRY_SECONDS[min(failures, len(RECHECK_RETRY_SECONDS) - 1)]
                    failures += 1
                    log.warning(
                        "live: re-checking a stream of user %s failed (%s: %s); "
                        "trying again in %.0f s",
                        subscriber.user_id,
                        type(error).__name__,
                        error,
                        delay,
                    )
                    next_check = time.monotonic() + delay
                    continue
                failures = 0
                next_check = time.monotonic() + RECHECK_SECONDS
                if still is None or still[0] != subscriber.user_id:
                    await _send(send, frame("denied", {}))
                    break
                _, subscriber.audiences, _ = still
            elif time.monotonic() >= next_ping:
                await _send(send, PING)  # an event, not a comment: the page sees it
                next_ping = time.monotonic() + HEARTBEAT_SECONDS
    finally:
        watcher.cancel()
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _send(send, chunk: bytes) -> None:
    await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _refuse(send, status: int, extra: list | None = None) -> None:
    """A refusal says nothing about why (which topic, whether it exists)."""
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"0")]
    headers += [(b"cache-control", b"no-store"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _same_origin(headers: dict) -> bool:
    host = headers.get("host", "")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    site = headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    return not origin or urlsplit(origin).netloc == host


def _session_key(headers: dict) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = cookie.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel else None


def _admit(session_key: str | None, headers: dict, wanted: list[str]):
    """(user id, topic → audience class, language) when the session's user may listen to
    every topic in ``wanted``; None otherwise (one refused topic refuses the stream)."""
    from django.contrib.auth import get_user

    if not session_key:
        return None
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request.COOKIES = {
        settings.LANGUAGE_COOKIE_NAME: _cookie(headers, settings.LANGUAGE_COOKIE_NAME) or ""
    }
    if "accept-language" in headers:
        request.META["HTTP_ACCEPT_LANGUAGE"] = headers["accept-language"]
    user = get_user(request)
    if not user.is_authenticated or not user.is_active:
        return None
    audiences = {}
    for topic in wanted:
        parsed = topics.parse(topic)
        if parsed is None:
            return None
        kind, key = parsed
        audience = kind.authorize(user, key)
        if audience is None:
            return None
        audiences[topic] = audience
    language = translation.get_language_from_request(request)
    return user.pk, audiences, language


def _cookie(headers: dict, name: str) -> str | None:
    cookie = SimpleCookie()
    with contextlib.suppress(Exception):
        cookie.load(headers.get("cookie", ""))
    morsel = cookie.get(name)
    return morsel.value if morsel else None
