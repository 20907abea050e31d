"""The one way to write the audit trail. Services call ``record`` inside their transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone

from fengqiao.audit import chain
from fengqiao.audit.context import current_origin
from fengqiao.audit.models import AuditEvent
from fengqiao.inserts import Read


class _Batch:
    """What ``batched`` holds: the events ``record`` collected, and the chain's head if a
    statement of the service already took the append lock and read it (``head_reads``)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.head: str | None = None
        self.savepoints = _savepoints()

    def head_found(self, value: str | None) -> None:
        self.head = value or ""


# The batch ``record`` collects into inside ``batched`` (None outside one): a context
# variable, so each request thread or task has its own.
_pending: ContextVar[_Batch | None] = ContextVar("fengqiao_audit_pending", default=None)


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
        pending.events.append(event)
        return event
    _append([event])
    return event


def head_reads() -> list[Read]:
    """Inside ``batched``, on PostgreSQL: the read that takes the chain's append lock and
    reads its head, for a service to run within a statement it sends anyway
    (``inserts.insert_together(..., reads=...)``), so that writing the batch needs no read
    of its own. The lock is then held from that statement until the transaction ends, as
    it would be from the batch's own read: nothing else appends meanwhile, and this
    transaction's events all wait in the batch, so the head read stays the head.

    None elsewhere, once read, or inside a savepoint opened since the batch began: rolling
    it back would give the lock back while the batch kept the head."""
    batch = _pending.get()
    if (
        batch is None
        or batch.head is not None
        or connection.vendor != "postgresql"
        or _savepoints() != batch.savepoints
    ):
        return []
    return [Read("audit_chain_head(%s)", [chain.CHAIN_LOCK_KEY], batch.head_found)]


def _savepoints() -> int:
    return sum(1 for sid in connection.savepoint_ids if sid is not None)


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
    token = _pending.set(_Batch())
    try:
        yield
        batch = _pending.get()
    finally:
        _pending.reset(token)
    if batch.events:
        _append(batch.events, head=batch.head)


def _append(events: list[AuditEvent], *, head: str | None = None) -> None:
    """Link ``events`` to the chain's head (``head`` if the caller holds the lock and has
    read it), in order, and insert them."""
    with transaction.atomic(savepoint=False):
        prev_hash = chain.lock_and_read_head() if head is None else head
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
