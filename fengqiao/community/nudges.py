"""Community pages that follow a push (``fengqiao.live``) beside the chats of push.py:
``inbox:<user id>`` (that user's @-mention inbox, no one else's), ``alert:<alert id>`` (an
alert's activity panel, for whoever may open the alert's page) and ``unread:<group id>``
(the nav's unread badge of the group's members).

What the inbox and the alert panel show depends on each viewer (their own sightings only,
unless they see all), so their events carry no content: the page asks its usual, scoped
fragment. The badge is on every page of every member, thousands per group: its event is a
"+1" the page adds to the number it shows, with no request at all (docs/live.md says why),
sent to the members who count the message: not its author; a private note to its recipient
only, as ``selectors.unread_counts`` counts.
"""

from __future__ import annotations

from fengqiao import live
from fengqiao.community import selectors
from fengqiao.community.notices import selectors as notice_selectors

# A member of more groups than this (staff in many) has a polled badge.
UNREAD_TOPICS = 4


def authorize_inbox(user, key: int) -> str | None:
    return "inbox" if key == user.pk else None


def authorize_alert(user, key: int) -> str | None:
    return "alert" if notice_selectors.alert_ids_open_to(user, [key]) else None


def authorize_unread(user, key: int) -> str | None:
    return "member" if key in selectors.unread_counts(user) else None


def render_unread(key: int, event: str, ref: dict, audiences: dict) -> list[live.Delivery]:
    message = selectors.message_unscoped_for_push(ref.get("id"))
    if message is None or message.group_id != key:
        return []
    readers = None if message.recipient_id is None else frozenset({message.recipient_id})
    author = frozenset() if message.author_id is None else frozenset({message.author_id})
    return [live.Delivery(a, {}, users=readers, exclude=author) for a in audiences]


def unread_topics_for(counts: dict[int, int]) -> list[str]:
    """The badge's topics: one per counted group; none (the badge polls) past a few groups,
    so the page's one stream keeps room for its own topics."""
    return [] if len(counts) > UNREAD_TOPICS else [f"unread:{pk}" for pk in sorted(counts)]


def register() -> None:
    live.register("inbox", authorize=authorize_inbox, render=live.nudge)
    live.register("alert", authorize=authorize_alert, render=live.nudge)
    live.register("unread", authorize=authorize_unread, render=render_unread)
