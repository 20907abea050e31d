"""The overdue-mentions panel that the case worklist and the station chief's board show."""

from __future__ import annotations

from django import template

from fengqiao.community import selectors

register = template.Library()

SHOWN = 5
COUNTED = 50


@register.inclusion_tag("community/_overdue_mentions_panel.html", takes_context=True)
def overdue_mentions_panel(context, everyone: bool = False) -> dict:
    """Mentions past their response time: the user's own, or (``everyone``, on the board)
    every staff member's in the user's jurisdiction. One query."""
    user = context["request"].user
    overdue = list(selectors.overdue_mentions_for(user, everyone_in_scope=everyone)[: COUNTED + 1])
    return {
        "shown": bool(overdue),
        "mentions": overdue[:SHOWN],
        "count": min(len(overdue), COUNTED),
        "more_than_counted": len(overdue) > COUNTED,
        "everyone": everyone,
    }
