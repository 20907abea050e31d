"""The case page's party forms, built where the parties are listed
(``disputes/_case_parties.html``), for a reader who may change them."""

from __future__ import annotations

from django import template
from django.core.exceptions import PermissionDenied

from fengqiao.disputes import parties, services
from fengqiao.disputes.party_forms import PartyCorrectionForm, PartyForm, PartyRemovalForm

register = template.Library()


@register.simple_tag
def may_change_parties(user, case) -> bool:
    """Whether ``user`` may add and correct the case's parties (the service's own check)."""
    try:
        services.ensure_may(user, case, parties.WORKS_THE_CASE)
    except PermissionDenied:
        return False
    return True


@register.simple_tag
def new_party_form() -> PartyForm:
    return PartyForm(prefix="party")


@register.simple_tag
def correction_form(party) -> PartyCorrectionForm:
    return PartyCorrectionForm(prefix=f"party-{party.pk}", party=party)


@register.simple_tag
def removal_form(party) -> PartyRemovalForm:
    return PartyRemovalForm(prefix=f"remove-{party.pk}")
