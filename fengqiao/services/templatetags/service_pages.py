"""What the service pages say about an application, in plain words."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def public_step(event) -> str:
    """One step of the timeline as the applicant reads it (no staff names, no notes)."""
    payload = event.payload or {}
    words = {
        "booked": _("已收到您的申请"),
        "submitted": _("派出所已受理，开始计算办理时限"),
        "missing": _("需要补正材料：%(items)s")
        % {"items": "、".join(payload.get("materials") or [])},
        "supplied": _("材料已补齐，继续办理"),
        "routed": _("已转给您所在社区的民警，民警会电话联系您上门办理")
        if payload.get("assignee")
        else _("已转给派出所，将安排民警上门"),
        "visited": _("民警已上门服务"),
        "completed": _("已办结"),
        "refused": _("不予办理：%(reason)s") % {"reason": payload.get("reason", "")},
        "cancelled": _("已取消"),
        "rated": _("已评价"),
    }
    return words.get(event.type, event.get_type_display())


@register.filter
def is_overdue(app) -> bool:
    return bool(app.state == "submitted" and app.due_at and app.due_at < timezone.now())


@register.filter
def stars(score) -> str:
    try:
        return "★" * int(score)
    except (TypeError, ValueError):
        return ""
