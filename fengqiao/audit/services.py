"""The one way to write the audit trail. Services call ``record`` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone

from fengqiao.audit import chain
from fengqiao.audit.context import current_origin
from fengqiao.audit.models import AuditEvent

# The events ``record`` collects inside ``batched`` (None outside one): a context variable,
# so each request thread or task has its own.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("fengqiao_audit_pending", default=None)


def _region_path_of(obj: Model | None) -> str:
    """The record's place in the region tree, so audit reads can be scoped like the record."""
    if obj is None:
        return ""
    lookup = getattr(type(obj), "scope_region_path", None)
    if not lookup:
        return ""
    value = obj
    for part in lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value if isinstance(value, str) else ""


def record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    changes: dict | None = None,
    origin: str | None = None,
) -> AuditEvent:
    """Append one audit event: ``actor`` did ``action`` to ``obj`` with ``changes``.

    ``origin`` defaults to the current request's address and path (or the running command).
    The event links to the one before it by hash (``audit.chain``); inside the caller's
    transaction, later writers to the trail wait until that transaction ends. Inside
    ``batched`` the event is written when the block ends.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=user,
        actor_name=(user.get_full_name() or user.get_username()) if user else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        region_path=_region_path_of(obj),
        changes=chain.as_stored(changes or {}),
        origin=origin if origin is not None else current_origin(),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
        return event
    _append([event])
    return event


@contextmanager
def batched() -> Iterator[None]:
    """Inside this block ``record`` collects its events and writes them all when the block
    ends, in the order recorded, with one read of the chain's head and one insert: for a
    service that records several events in one transaction (use it inside that
    transaction). Until then the events ``record`` returned have no id. An error inside
    the block writes nothing. Nested blocks write with the outermost one.
    """
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
        events = _pending.get()
    finally:
        _pending.reset(token)
    if events:
        _append(events)


def _append(events: list[AuditEvent]) -> None:
    """Link ``events`` to the chain's head, in order, and insert them."""
    with transaction.atomic(savepoint=False):
        prev_hash = chain.lock_and_read_head()
        for event in events:
            event.prev_hash = prev_hash
            # The time is taken under the lock, so id order and time order agree.
            event.at = timezone.now()
            event.hash = chain.event_hash(
                prev_hash=event.prev_hash,
                **{name: getattr(event, name) for name in chain.CONTENT_FIELDS},
            )
            prev_hash = event.hash
        if len(events) == 1:
            events[0].save(force_insert=True)
            return
        AuditEvent.objects.bulk_create(events)
        # bulk_create sends no post_save: send it, so listeners hear every event either way.
        for event in events:
            post_save.send(
                sender=AuditEvent,
                instance=event,
                created=True,
                update_fields=None,
                raw=False,
                using=event._state.db,
            )
