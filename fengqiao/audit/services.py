"""The one way to write the audit trail. Services call ``record`` inside their transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from fengqiao.audit import chain
from fengqiao.audit.context import current_origin
from fengqiao.audit.models import AuditEvent


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
    transaction, later writers to the trail wait until that transaction ends.
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
    with transaction.atomic(savepoint=False):
        event.prev_hash = chain.lock_and_read_head()
        # The time is taken under the lock, so id order and time order agree.
        event.at = timezone.now()
        event.hash = chain.event_hash(
            prev_hash=event.prev_hash,
            **{name: getattr(event, name) for name in chain.CONTENT_FIELDS},
        )
        event.save(force_insert=True)
    return event
