"""publish(): a committed change becomes a small note to every process's hub.

On PostgreSQL the note goes through ``NOTIFY fengqiao_live`` (every worker process LISTENs);
on SQLite (one server process) it is handed to this process's hub directly. Either way it is
sent only once the transaction commits, and nothing is sent on rollback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from fengqiao.live import channel

CHANNEL = "fengqiao_live"
# Not a subscribable topic (no kind matches a leading "_"): a note on it makes every process
# re-check a user's open streams at once.
RECHECK_TOPIC = "_recheck"
# NOTIFY refuses payloads of 8000 bytes or more; notes carry ids, never content.
MAX_NOTE_BYTES = 4000


def note(topic: str, event: str, ref: dict | None = None) -> str:
    """The JSON note for one event; ``ValueError`` when it is too big for NOTIFY."""
    text = json.dumps(
        {"t": topic, "e": event, "r": ref or {}}, separators=(",", ":"), ensure_ascii=False
    )
    if len(text.encode()) > MAX_NOTE_BYTES:
        raise ValueError(f"live note for {topic} is {len(text.encode())} bytes: send ids only")
    return text


def publish(topic: str, event: str, ref: dict | None = None, *, using=DEFAULT_DB_ALIAS) -> None:
    """Push ``event`` (with the small ``ref``, e.g. ``{"id": 42}``) to the subscribers of
    ``topic`` once the current transaction commits (at once outside a transaction)."""
    publish_many([(topic, event, ref)], using=using)


def publish_many(events: Iterable[tuple[str, str, dict | None]], *, using=DEFAULT_DB_ALIAS):
    """``publish`` for many events of one transaction, sent in one statement."""
    notes = [note(topic, event, ref) for topic, event, ref in events]
    if notes:
        transaction.on_commit(partial(_send, notes, using), using=using, robust=True)


def recheck(user_id: int, *, using=DEFAULT_DB_ALIAS) -> None:
    """Once the current transaction commits, re-check at once every open stream of
    ``user_id``, in every process (a membership ended, an account was switched off, a role
    taken away, a session ended): a stream the user may no longer hold ends with "denied"
    instead of running until its periodic re-check."""
    publish(RECHECK_TOPIC, "recheck", {"u": int(user_id)}, using=using)


def _send(notes: list[str], using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, n) FROM unnest(%s::text[]) AS n", [CHANNEL, notes])
    else:
        channel.hand_over(notes)
