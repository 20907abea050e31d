"""The append-only audit trail: who did what to which record, when and from where.

Each event carries the hash of the one before it (``prev_hash``) and its own ``hash`` over
its content and that link, so a changed, removed or inserted row breaks the chain
(``fengqiao.audit.chain``). Retention removes the oldest rows only through
``fengqiao.audit.retention``, which leaves an ``AuditAnchor`` where the chain now starts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.scoping import ScopedQuerySet


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    # Set by audit.services.record before hashing, so the hash covers the stored time.
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # The row never changes: a deleted account leaves its id and actor_name behind.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    region_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("内容"), default=dict, blank=True)
    origin = models.CharField(_("来源"), max_length=200, blank=True)
    prev_hash = models.CharField(_("前一条的哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    scope_region_path = "region_path"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class AuditAnchor(models.Model):
    """Where the chain starts after a retention prune: the last removed event and its hash.

    The first event kept links to ``last_hash``; ``audit.pruned`` in the chain repeats it.
    Append-only like the events (database triggers refuse updates and deletes).
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    before = models.DateTimeField(_("清理截止时间"))
    last_event_id = models.BigIntegerField(_("最后清理的事件编号"))
    last_hash = models.CharField(_("最后清理的事件哈希"), max_length=64)
    last_at = models.DateTimeField(_("最后清理的事件时间"))
    pruned = models.PositiveBigIntegerField(_("清理条数"))

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-last_event_id"]
        verbose_name = _("审计链锚点")
        verbose_name_plural = _("审计链锚点")

    def __str__(self) -> str:
        return f"{self.last_event_id} {self.last_hash[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit anchors are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit anchors are append-only")
