"""The topic registry: each app says, per kind of topic, who may listen (and as which audience
class) and how one event becomes the payloads those audiences receive."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

TOPIC = re.compile(r"^([a-z][a-z_]{0,30}):([1-9][0-9]{0,17})$")  # one spelling per id


@dataclass(frozen=True)
class Delivery:
    """One rendered payload for the subscribers of ``audience``: all of them, or only the
    user ids in ``users`` when that is set; never those in ``exclude``.

    ``data`` is any JSON-serialisable value (usually ``{"id": ..., "html": ...}``); ``event``
    overrides the SSE event name (default: the published event's)."""

    audience: Hashable
    data: object
    users: frozenset[int] | None = None
    exclude: frozenset[int] = field(default_factory=frozenset)
    event: str | None = None

    def reaches(self, user_id: int) -> bool:
        if user_id in self.exclude:
            return False
        return self.users is None or user_id in self.users


# authorize(user, key) -> the viewer's audience class (any hashable) or None to refuse.
Authorize = Callable[[object, int], Hashable | None]
# render(key, event, ref, audiences) -> deliveries; audiences maps each audience class present
# among this process's subscribers to their user ids.
Render = Callable[[int, str, dict, dict[Hashable, frozenset[int]]], Iterable[Delivery]]


@dataclass(frozen=True)
class TopicKind:
    name: str
    authorize: Authorize
    render: Render


_kinds: dict[str, TopicKind] = {}


def register(kind: str, *, authorize: Authorize, render: Render) -> None:
    """Make topics ``"<kind>:<id>"`` subscribable. ``authorize`` runs when a stream subscribes
    and again every FENGQIAO_LIVE_RECHECK_SECONDS; ``render`` runs once per event per process
    with every audience class present there, in a worker thread (the ORM may be used)."""
    if not re.fullmatch(r"[a-z][a-z_]{0,30}", kind):
        raise ValueError(f"topic kind {kind!r}: lowercase letters and _ only")
    _kinds[kind] = TopicKind(kind, authorize, render)


def parse(topic: str) -> tuple[TopicKind, int] | None:
    """The registered kind and the key of ``"<kind>:<id>"``, or None when unknown/malformed."""
    match = TOPIC.match(topic or "")
    if not match or match.group(1) not in _kinds:
        return None
    return _kinds[match.group(1)], int(match.group(2))


def nudge(key: int, event: str, ref: dict, audiences: dict) -> list[Delivery]:
    """A ``render`` for topics whose pages refetch their own fragment on an event: every
    audience gets the event with no content (the page's usual poll, scoped as ever, brings
    what changed), so nothing a viewer may not read is in the stream."""
    return [Delivery(audience, {}) for audience in audiences]


def kind_of(name: str) -> TopicKind | None:
    return _kinds.get(name)
