"""Small pieces of the registry's pages that other pages reuse: the overdue-visits panel
on an officer's worklist, days overdue, a unit contact's phone."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html

from fengqiao.org.permissions import SEE_FULL_PHONE
from fengqiao.privacy import display_phone, mask_phone
from fengqiao.registry import reveals, rules, selectors

register = template.Library()

OVERDUE_SHOWN = 5
# Read at most this many rows: one query gives both the first few and the count ("50+").
OVERDUE_COUNTED = 50


@register.inclusion_tag("registry/_overdue_panel.html", takes_context=True)
def overdue_visits_panel(context) -> dict:
    """Key people whose visit is past due, for users who look after them (one query)."""
    user = context["request"].user
    if not user.has_perm("registry.view_keyperson"):
        return {"shown": False}
    today = timezone.localdate()
    overdue = list(
        selectors.overdue_visits_for(user, today=today).select_related("resident__house__address")[
            : OVERDUE_COUNTED + 1
        ]
    )
    return {
        "shown": bool(overdue),
        "people": [
            (record, rules.days_overdue(record.next_visit_due, today))
            for record in overdue[:OVERDUE_SHOWN]
        ],
        "count": min(len(overdue), OVERDUE_COUNTED),
        "more_than_counted": len(overdue) > OVERDUE_COUNTED,
    }


@register.filter
def days_overdue(record) -> int:
    return rules.days_overdue(record.next_visit_due, timezone.localdate())


@register.simple_tag(takes_context=True)
def contact_phone(context, phone: str) -> str:
    """A unit contact's phone: in full and tappable for roles that need it, else masked."""
    if phone and context["request"].user.has_perm(SEE_FULL_PHONE):
        return format_html('<a href="tel:{}">{}</a>', phone, display_phone(phone))
    return mask_phone(phone)


@register.simple_tag
def reveal_slots(record) -> list[dict]:
    """The masked ID and phone of ``record`` as reveal slots (``registry/_reveal.html``)."""
    return reveals.slots(record)
