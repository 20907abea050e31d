"""Moderation: staff hide a message (kept in the audit log), members report abuse, staff
work through the reported messages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.community import announce
from fengqiao.community.models import AbuseReport, Group, Member, Message
from fengqiao.org.scope import in_scope


def may_moderate(user, group: Group) -> bool:
    return user.has_perm("community.change_message") and in_scope(user, group)


def hide_message(*, actor, message: Message, reason: str) -> Message:
    """Staff hide a message from residents; its text stays for staff and the audit log."""
    if not may_moderate(actor, message.group):
        raise PermissionDenied(_("只有辖区民警可以隐藏消息"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写隐藏原因")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("隐藏原因请控制在 200 字以内")})
    now = timezone.now()
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, hidden_at__isnull=True).update(
            hidden_at=now, hidden_by=actor, hidden_reason=reason
        )
        if not changed:
            raise ValidationError(_("这条消息已经被隐藏了"))
        AbuseReport.objects.filter(message=message, handled_at__isnull=True).update(handled_at=now)
        message.refresh_from_db()
        audit.record(
            actor=actor,
            action="community.message_hidden",
            obj=message,
            changes={"reason": reason, "text": message.text, "author": message.author_name},
        )
        announce.message_event(message, "changed")
    return message


def report_abuse(*, actor, message: Message, reason: str) -> AbuseReport:
    """A member flags a message for staff; one report per member and message."""
    if not Member.objects.filter(
        group_id=message.group_id, user=actor, removed_at__isnull=True
    ).exists():
        raise PermissionDenied(_("您不是这个群的成员"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明举报理由")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("举报理由请控制在 200 字以内")})
    already = _("您已经举报过这条消息，工作人员会处理")
    if AbuseReport.objects.filter(message=message, reporter=actor).exists():
        raise ValidationError(already)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = AbuseReport.objects.create(message=message, reporter=actor, reason=reason)
        except IntegrityError:
            raise ValidationError(already) from None  # the same report sent twice at once
        audit.record(
            actor=actor,
            action="community.abuse_reported",
            obj=message,
            changes={"reason": reason},
        )
    return report


def dismiss_abuse_reports(*, actor, message: Message, note: str = "") -> int:
    """Staff looked at the reports on ``message`` and keep it shown; returns how many."""
    if not may_moderate(actor, message.group):
        raise PermissionDenied(_("只有辖区民警可以处理举报"))
    with transaction.atomic():
        handled = AbuseReport.objects.filter(message=message, handled_at__isnull=True).update(
            handled_at=timezone.now()
        )
        if handled:
            audit.record(
                actor=actor,
                action="community.abuse_dismissed",
                obj=message,
                changes={"reports": handled, "note": (note or "").strip()[:200]},
            )
    return handled
