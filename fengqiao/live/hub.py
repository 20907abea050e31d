"""The hub: one per server process, on its event loop.

It holds the open streams (subscribers) by topic and is fed notes by one listener task
(PostgreSQL: ``LISTEN fengqiao_live`` on its own connection, reconnecting with backoff) or by
the in-process channel (SQLite). For each note with local subscribers it renders once per
audience class present (in a worker thread, never per page) and queues the ready-made SSE
frame on every subscriber it reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import secrets
from collections import defaultdict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.utils import translation

from fengqiao.live import channel, topics
from fengqiao.live.publishing import CHANNEL, RECHECK_TOPIC

log = logging.getLogger(__name__)

CLOSE = b""  # the queue's sentinel: end this stream
RECHECK = b"\x00recheck"  # the queue's sentinel: check this stream's access now
QUEUE_FRAMES = 200  # a stream this far behind is closed; its page catches up by one poll
# Worker threads per lane, so that rendering never queues behind streams being admitted
# or re-checked: each lane's threads hold at most one database connection each.
LANES = {
    "render": int(os.environ.get("FENGQIAO_LIVE_RENDER_THREADS", "2")),
    "admit": int(os.environ.get("FENGQIAO_LIVE_ADMIT_THREADS", "2")),
    "recheck": 1,
}
READY_WAIT_SECONDS = 5.0


def frame(event: str, data: object, event_id: str | None = None) -> bytes:
    """One server-sent event, encoded once and shared by every stream it goes to."""
    lines = []
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n\n").encode()


class Subscriber:
    """One open stream: a user, the topics they were admitted to (topic → audience class),
    the language their page is in, and the frames waiting to be written."""

    def __init__(self, user_id: int, audiences: dict[str, Hashable], language: str):
        self.user_id = user_id
        self.audiences = audiences
        self.language = language
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUE_FRAMES)
        self.overflowed = False

    def push(self, chunk: bytes) -> None:
        try:
            self.queue.put_nowait(chunk)
        except asyncio.QueueFull:
            self.overflowed = True

    def close(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(CLOSE)
        self.overflowed = True


class Hub:
    def __init__(self) -> None:
        self.by_topic: dict[str, set[Subscriber]] = defaultdict(set)
        self.by_user: dict[int, int] = defaultdict(int)
        self.count = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = asyncio.Event()
        self._listener: asyncio.Task | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()
        self._seq = itertools.count(1)
        self._token = secrets.token_hex(4)
        self._executors: dict[str, ThreadPoolExecutor] = {}

    # --- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start feeding this process's hub (idempotent): at lifespan startup, or lazily on
        the first stream when the server sends no lifespan."""
        if self.loop is not None:
            return
        self.loop = asyncio.get_running_loop()
        self.ready = asyncio.Event()
        self._executors = {
            lane: ThreadPoolExecutor(threads, thread_name_prefix=f"fengqiao-live-{lane}")
            for lane, threads in LANES.items()
        }
        if connections["default"].vendor == "postgresql":
            self._listener = asyncio.create_task(self._listen(), name="fengqiao-live-listen")
        else:
            channel.attach(self.loop, self.receive)
            self.ready.set()

    async def stop(self) -> None:
        if self.loop is None:
            return
        channel.detach()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        for subscribers in list(self.by_topic.values()):
            for subscriber in list(subscribers):
                subscriber.close()
        for executor in self._executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
        self.loop = None
        self._listener = None

    async def run_db(self, lane: str, function: Callable, *args):
        """Run ``function(*args)`` in one of the few worker threads of ``lane`` ("render",
        "admit", "recheck"), with Django's request-boundary connection handling before and
        after: a handful of database connections per process, however many streams are open."""
        executor = self._executors[lane]
        return await self.loop.run_in_executor(executor, _with_connections, function, args)

    async def _listen(self) -> None:
        delay = 1.0
        listened_before = False
        while True:
            try:
                import psycopg

                connection = await psycopg.AsyncConnection.connect(
                    **_conninfo(connections["default"].settings_dict), autocommit=True
                )
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    if listened_before:
                        self.resync_all()  # notes sent while we were away are lost
                    listened_before = True
                    self.ready.set()
                    delay = 1.0
                    async for notify in connection.notifies():
                        self.receive(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live: listener lost its connection, retrying in %.0f s", delay)
            self.ready.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    # --- subscribers ----------------------------------------------------------------------

    def add(self, subscriber: Subscriber) -> None:
        for topic in subscriber.audiences:
            self.by_topic[topic].add(subscriber)
        self.by_user[subscriber.user_id] += 1
        self.count += 1

    def remove(self, subscriber: Subscriber) -> None:
        for topic in subscriber.audiences:
            listeners = self.by_topic.get(topic)
            if listeners is not None:
                listeners.discard(subscriber)
                if not listeners:
                    del self.by_topic[topic]
        self.by_user[subscriber.user_id] -= 1
        if self.by_user[subscriber.user_id] <= 0:
            del self.by_user[subscriber.user_id]
        self.count -= 1

    def resync_all(self) -> None:
        chunk = frame("resync", {})
        for subscribers in list(self.by_topic.values()):
            for subscriber in subscribers:
                subscriber.push(chunk)

    def recheck_user(self, user_id) -> None:
        """Wake every local stream of ``user_id`` to check its access now."""
        if not self.by_user.get(user_id):
            return
        woken: set[Subscriber] = set()
        for subscribers in list(self.by_topic.values()):
            for subscriber in subscribers:
                if subscriber.user_id == user_id and subscriber not in woken:
                    woken.add(subscriber)
                    subscriber.push(RECHECK)

    def next_id(self) -> str:
        return f"{self._token}-{next(self._seq)}"

    # --- events ---------------------------------------------------------------------------

    def receive(self, text: str) -> None:
        """A note arrived (from NOTIFY or the in-process channel): deliver it if anyone here
        listens to its topic. Notes for one topic are delivered in the order they came."""
        try:
            note = json.loads(text)
            topic, event, ref = note["t"], note["e"], note.get("r") or {}
        except (ValueError, KeyError, TypeError):
            log.warning("live: ignored a malformed note")
            return
        if topic == RECHECK_TOPIC:
            self.recheck_user(ref.get("u"))
            return
        if not self.by_topic.get(topic):
            return
        task = asyncio.get_running_loop().create_task(self._deliver(topic, event, ref))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, topic: str, event: str, ref: dict) -> None:
        lock = self._locks.setdefault(topic, asyncio.Lock())
        try:
            async with lock:
                listeners = list(self.by_topic.get(topic, ()))
                if not listeners:
                    return
                present: dict[tuple[str, Hashable], set[int]] = defaultdict(set)
                for subscriber in listeners:
                    present[subscriber.language, subscriber.audiences[topic]].add(
                        subscriber.user_id
                    )
                try:
                    rendered = await self.run_db("render", _render, topic, event, ref, present)
                except Exception:
                    log.exception("live: rendering %s %s failed; pages will resync", event, topic)
                    rendered = [
                        (language, topics.Delivery(audience, {}, event="resync"))
                        for language, audience in present
                    ]
                self._fan_out(topic, event, listeners, rendered)
        finally:
            if not lock.locked() and topic not in self.by_topic:
                self._locks.pop(topic, None)

    def _fan_out(self, topic, event, listeners, rendered) -> None:
        by_class: dict[tuple[str, Hashable], list[tuple[topics.Delivery, bytes]]] = defaultdict(
            list
        )
        for language, delivery in rendered:
            chunk = frame(
                delivery.event or event, {"topic": topic, "data": delivery.data}, self.next_id()
            )
            by_class[language, delivery.audience].append((delivery, chunk))
        for subscriber in listeners:
            for delivery, chunk in by_class.get(
                (subscriber.language, subscriber.audiences.get(topic)), ()
            ):
                if delivery.reaches(subscriber.user_id):
                    subscriber.push(chunk)


def _with_connections(function: Callable, args: tuple):
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def _render(topic: str, event: str, ref: dict, present: dict) -> list:
    parsed = topics.parse(topic)
    if parsed is None:
        return []
    kind, key = parsed
    by_language: dict[str, dict[Hashable, frozenset[int]]] = defaultdict(dict)
    for (language, audience), users in present.items():
        by_language[language][audience] = frozenset(users)
    rendered = []
    for language, audiences in by_language.items():
        with translation.override(language):
            for delivery in kind.render(key, event, ref, audiences):
                rendered.append((language, delivery))
    return rendered


def _conninfo(settings_dict: dict) -> dict:
    """psycopg connection arguments from Django's database settings."""
    options = dict(settings_dict.get("OPTIONS") or {})
    for django_only in ("pool", "server_side_binding", "isolation_level", "assume_role"):
        options.pop(django_only, None)
    info = {"dbname": settings_dict["NAME"], **options}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host")):
        if settings_dict.get(key):
            info[name] = settings_dict[key]
    if settings_dict.get("PORT"):
        info["port"] = str(settings_dict["PORT"])
    return info


hub = Hub()
