"""The case page's hand-off and typical-case panels read their own data here, so the case
view (``disputes.views``) need not know them: ``{% handoffs_panel as panel %}``."""

from __future__ import annotations

from django import template

from fengqiao.disputes import handoffs, typical
from fengqiao.disputes.handoff_forms import AnswerForm, CancelForm, HandoffForm
from fengqiao.disputes.models import Handoff

register = template.Library()


@register.simple_tag(takes_context=True)
def handoffs_panel(context) -> dict:
    """The case's hand-offs and referrals, each pending one with the forms to record its
    answer or recall it, and the forms to send a new one, for a reader who may."""
    case, user = context["case"], context["request"].user
    may = handoffs.may_hand_off(user, case)
    rows = []
    for handoff in handoffs.handoffs_of(case):
        pending = may and handoff.pending
        rows.append(
            {
                "handoff": handoff,
                "overdue": handoffs.is_overdue(handoff),
                "answer_form": AnswerForm(prefix=f"answer-{handoff.pk}") if pending else None,
                "cancel_form": CancelForm(prefix=f"cancel-{handoff.pk}") if pending else None,
            }
        )
    forms = []
    if may and case.is_open:
        forms = [
            (kind, label, HandoffForm(case=case, kind=kind)) for kind, label in Handoff.Kind.choices
        ]
    return {"rows": rows, "forms": forms}


@register.simple_tag(takes_context=True)
def typical_panel(context) -> dict:
    """Typical cases like this one from the county's library, and whether the reader may
    choose this (closed) case for it."""
    case, user = context["case"], context["request"].user
    if not user.has_perm(typical.VIEW_TYPICAL):
        return {"similar": [], "may_choose": False}
    return {
        "similar": typical.similar_to(user, case),
        "may_choose": typical.may_choose(user, case),
        "entry": typical.entry_of(case),
    }
