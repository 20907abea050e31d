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
    if message.thread_id or event != "message":
        root = message.thread_id or message.pk
        events.append((f"thread:{root}", event, {"id": message.pk}))
    live.publish_many(events)


def messages_posted(messages: Iterable[Message]) -> None:
    """New messages in many groups at once (a broadcast or alert into each chosen group)."""
    live.publish_many([(f"group:{m.group_id}", "message", {"id": m.pk}) for m in messages])
