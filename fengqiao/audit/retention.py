"""Retention: the one way old audit events leave the database, without breaking the chain.

Network logs are kept at least six months (PRC Cybersecurity Law art. 21), so a prune never
reaches into the last six months. The database refuses every other delete: its triggers let
a DELETE through only while this module's permit is held inside the pruning transaction
(PostgreSQL: the transaction-local setting ``fengqiao.audit_prune``; SQLite: a row in the
``audit_delete_permit`` table, removed before the transaction ends).
"""

from __future__ import annotations

import calendar
import datetime as dt
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import chain
from fengqiao.audit.models import AuditAnchor, AuditEvent

RETENTION_MONTHS = 6


class RetentionError(ValueError):
    """A prune that would remove events still within the retention period."""


def latest_allowed_cutoff(today: dt.date | None = None) -> dt.date:
    """The latest date a prune may cut at: six calendar months before today."""
    today = today or timezone.localdate()
    month_index = today.year * 12 + today.month - 1 - RETENTION_MONTHS
    year, month = divmod(month_index, 12)
    month += 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def prune_before(*, before: dt.date, actor=None) -> AuditAnchor | None:
    """Remove the events recorded before ``before`` (local midnight), leaving an anchor.

    In one transaction: take the chain's append lock, find the cut (the last event of the
    leading run of events older than ``before``, so nothing newer is ever removed), record
    an ``AuditAnchor`` and an ``audit.pruned`` event carrying the cut's id and hash, then
    delete up to the cut under the permit. Returns the anchor, or None when nothing is old
    enough. Raises RetentionError for a date within the last six months.
    """
    latest = latest_allowed_cutoff()
    if before > latest:
        raise RetentionError(
            _("审计日志至少保留六个月，清理截止日期不得晚于 %(date)s")
            % {"date": latest.isoformat()}
        )
    cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
    from fengqiao.audit import services as audit

    with transaction.atomic():
        chain.lock_and_read_head()
        first_kept = (
            AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        ).first()
        old = AuditEvent.objects.all()
        if first_kept is not None:
            old = old.filter(id__lt=first_kept)
        last = old.order_by("-id").first()
        if last is None:
            return None
        count = old.count()
        anchor = AuditAnchor.objects.create(
            before=cutoff, last_event_id=last.pk, last_hash=last.hash, last_at=last.at, pruned=count
        )
        audit.record(
            actor=actor,
            action="audit.pruned",
            obj=anchor,
            changes={
                "before": before.isoformat(),
                "last_event_id": last.pk,
                "last_hash": last.hash,
                "pruned": count,
            },
        )
        with _deletes_permitted():
            AuditEvent._base_manager.filter(id__lte=last.pk).delete()
    return anchor


@contextmanager
def _deletes_permitted():
    """Let the audit tables' delete triggers pass, for this transaction only.

    A savepoint holds the permit: if anything inside fails, rolling it back withdraws the
    permit too. Tests use this to empty the trail before the test runner's flush.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("a delete permit only exists inside a transaction")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL fengqiao.audit_prune = 'on'")
        else:
            cursor.execute("INSERT INTO audit_delete_permit (granted) VALUES (1)")
        yield
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL fengqiao.audit_prune = 'off'")
        else:
            cursor.execute("DELETE FROM audit_delete_permit")
