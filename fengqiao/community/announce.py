"""Publish points of the group chats: the services call these inside their transaction, and
``fengqiao.live`` pushes them once it commits (push.py renders what each page receives)."""

from __future__ import annotations

from collections.abc import Iterable

from fengqiao import live
from fengqiao.community.models import Message


def message_event(message: Message, event: str = "message") -> None:
    """Publish ``event`` ("message": new; "changed": hidden or otherwise changed) for
    ``message`` to its group's page and, when in a thread (or a thread's first message that
    changed), to that thread's page."""
    events = [(f"group:{message.group_id}", event, {"id": message.pk})]
    if event == "message":
        events.append((f"unread:{message.group_id}", event, {"id": message.pk}))
    if message.thread_id or event != "message":
        root = message.thread_id or message.pk
        events.append((f"thread:{root}", event, {"id": message.pk}))
    live.publish_many(events)


def messages_posted(messages: Iterable[Message]) -> None:
    """New messages in many groups at once (a broadcast or alert into each chosen group)."""
    live.publish_many(
        [
            (f"{kind}:{m.group_id}", "message", {"id": m.pk})
            for m in messages
            for kind in ("group", "unread")
        ]
    )


def inbox_changed(user_ids: Iterable[int]) -> None:
    """Someone was @-mentioned, or answered their mentions: their inbox pages refetch."""
    live.publish_many([(f"inbox:{pk}", "changed", None) for pk in sorted(set(user_ids))])


def alert_changed(alert_id: int) -> None:
    """An alert was acknowledged, got or confirmed a sighting, or ended: its open pages
    refetch their activity panel (each viewer's own, scoped as ever)."""
    live.publish(f"alert:{alert_id}", "changed")
