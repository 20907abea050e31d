"""Reads of the audit trail that other modules may make (audit's public surface)."""

from __future__ import annotations

from django.db.models import Model, QuerySet

from fengqiao.audit.models import AuditEvent


def events_about(obj: Model, *, actions) -> QuerySet[AuditEvent]:
    """The audit events with one of ``actions`` recorded about ``obj``, oldest first.

    Unscoped: the caller has already decided the user may see ``obj``."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action__in=list(actions)
    ).order_by("at", "id")
