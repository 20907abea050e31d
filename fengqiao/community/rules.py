"""Pure decisions for community groups: when a mention must be answered, how fast a member
may post. No database here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

# A staff member @-mentioned owes a first answer within two hours of daytime (08:00–20:00
# local); a mention at night waits for the morning.
MENTION_RESPONSE_DEFAULTS = {"hours": 2, "day_start": "08:00", "day_end": "20:00"}
RATE_LIMIT_DEFAULTS = {"messages": 10, "seconds": 60}


def mention_response_settings(settings) -> dict:
    """The response clock's settings: ``settings.FENGQIAO_MENTION_RESPONSE`` over the
    defaults. ``settings`` may be Django's settings object or the dict itself."""
    given = settings if isinstance(settings, Mapping) else None
    if given is None:
        given = getattr(settings, "FENGQIAO_MENTION_RESPONSE", None) or {}
    chosen = {**MENTION_RESPONSE_DEFAULTS, **given}
    if "time_zone" not in chosen:
        chosen["time_zone"] = getattr(settings, "TIME_ZONE", None) or "Asia/Shanghai"
    return chosen


def _clock(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int):
        return dt.time(value)
    hours, _, minutes = str(value).partition(":")
    return dt.time(int(hours), int(minutes or 0))


def response_due(posted_at: dt.datetime, settings=None) -> dt.datetime:
    """When a mention posted at ``posted_at`` must have its first answer: ``hours`` of
    daytime later, counting only the hours between ``day_start`` and ``day_end`` local time.

    A mention at 22:00 is due at 10:00 the next morning; at 19:00, at 09:00 the next day.
    An aware ``posted_at`` gives an aware answer in the same zone's local time.
    """
    chosen = mention_response_settings(settings or {})
    zone = ZoneInfo(chosen["time_zone"])
    start, end = _clock(chosen["day_start"]), _clock(chosen["day_end"])
    if end <= start:
        raise ValueError("day_end must be after day_start")
    remaining = dt.timedelta(hours=float(chosen["hours"]))
    aware = posted_at.tzinfo is not None
    local = posted_at.astimezone(zone).replace(tzinfo=None) if aware else posted_at
    moment = local
    while True:
        day_start = dt.datetime.combine(moment.date(), start)
        day_end = dt.datetime.combine(moment.date(), end)
        if moment < day_start:
            moment = day_start
        if moment >= day_end:
            moment = dt.datetime.combine(moment.date() + dt.timedelta(days=1), start)
            continue
        if moment + remaining <= day_end:
            due = moment + remaining
            break
        remaining -= day_end - moment
        moment = dt.datetime.combine(moment.date() + dt.timedelta(days=1), start)
    return due.replace(tzinfo=zone) if aware else due


def rate_limit(settings) -> tuple[int, int]:
    """(messages, seconds): how many messages a member may post in how many seconds."""
    given = getattr(settings, "FENGQIAO_COMMUNITY_RATE_LIMIT", None) or {}
    chosen = {**RATE_LIMIT_DEFAULTS, **given}
    return int(chosen["messages"]), int(chosen["seconds"])


def is_overdue(due_at: dt.datetime, answered_at: dt.datetime | None, now: dt.datetime) -> bool:
    return answered_at is None and due_at < now
