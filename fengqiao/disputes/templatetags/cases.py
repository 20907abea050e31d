"""Labels and small pieces of the case pages: badges, clocks, parties' masked numbers."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao import taxonomy
from fengqiao.disputes.clocks import ClockState
from fengqiao.disputes.forms import EVENT_LABELS
from fengqiao.registry import reveals

register = template.Library()

LEVEL_SHORT = {1: gettext_lazy("一级"), 2: gettext_lazy("二级"), 3: gettext_lazy("三级")}
CLOCK_NAMES = {
    "first_action": gettext_lazy("首次处置"),
    "resolve": gettext_lazy("化解时限"),
    "mediation_month": gettext_lazy("一个月调解期限"),
}


@register.filter
def state_label(code: str) -> str:
    return taxonomy.label("case_state", code) if code else ""


@register.filter
def risk_label(code: str) -> str:
    return taxonomy.label("risk", code)


@register.filter
def category_label(code: str) -> str:
    return taxonomy.label("category", code)


@register.filter
def level_short(level: int) -> str:
    return str(LEVEL_SHORT.get(level, level))


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


@register.filter
def clock_name(key: str) -> str:
    return str(CLOCK_NAMES.get(key, key))


def duration(span: dt.timedelta) -> str:
    """A span as people say it, to the minute: 2天3小时, 5小时20分钟, 12分钟."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d天%(hours)d小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d小时%(minutes)d分钟") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d分钟") % {"minutes": minutes}


@register.simple_tag
def case_due(case, today: dt.date | None = None) -> str:
    """A worklist card's deadline as a badge, from the row's ``due_at`` and ``is_overdue``
    (``selectors.cases_for``: the overdue flag's own rule): 已超时 2 天, 今天到期 or 时限 12月9日;
    nothing for a case that has ended or is resolved."""
    due_at = getattr(case, "due_at", None)
    if due_at is None:
        return ""
    today = today or timezone.localdate()
    day = timezone.localdate(due_at)
    if getattr(case, "is_overdue", False):
        late = (today - day).days
        if late < 1:
            return format_html('<span class="badge danger case-due">{}</span>', _("今天已超时"))
        number = format_html('<span class="num">{}</span>', late)
        return format_html(
            '<span class="badge danger case-due">{}</span>',
            format_html(_("已超时 {days} 天"), days=number),
        )
    if day <= today:
        return format_html('<span class="badge warn case-due">{}</span>', _("今天到期"))
    shape = _("n月j日") if day.year == today.year else _("Y年n月j日")
    number = format_html(
        '<time class="num" datetime="{}">{}</time>', day.isoformat(), dateformat.format(day, shape)
    )
    return format_html(
        '<span class="badge case-due">{}</span>', format_html(_("时限 {date}"), date=number)
    )


@register.simple_tag
def clock_status(clock: ClockState) -> str:
    """A clock as a badge: met on time or late, paused, overdue, or the time left."""
    if clock.stopped:
        if clock.overdue:
            return format_html('<span class="badge warn">{}</span>', _("超时完成"))
        return format_html('<span class="badge ok">{}</span>', _("按时完成"))
    if clock.paused:
        return format_html(
            '<span class="badge warn">{}</span>',
            _("已暂停，剩余 %(left)s") % {"left": duration(clock.remaining)},
        )
    if clock.overdue:
        return format_html(
            '<span class="badge danger">{}</span>',
            _("已超时 %(late)s") % {"late": duration(clock.remaining)},
        )
    return format_html(
        '<span class="badge">{}</span>', _("剩余 %(left)s") % {"left": duration(clock.remaining)}
    )


@register.simple_tag
def party_reveals(party, reference: str) -> list[dict]:
    """The party's masked phone and ID number as reveal slots (``registry/_reveal.html``),
    each asking the case's reveal page; a number the party did not give has no slot."""
    return [
        reveals.slot(
            party,
            field,
            url=reverse("disputes:party_reveal", args=[reference, party.pk, field]),
        )
        for field in reveals.LABELS
        if reveals.masked(party, field)
    ]
