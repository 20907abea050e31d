"""The caller's full phone on the incident pages, for a stated reason, logged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.views.decorators.http import require_POST

from fengqiao.dispatch import selectors, services
from fengqiao.dispatch.models import Incident
from fengqiao.pages import reveal_phone_page
from fengqiao.registry.forms import RevealForm
from fengqiao.registry.reveals import slot


def caller_slot(user, incident: Incident) -> dict:
    """What the incident pages show of the caller's phone: masked, and a reason form for
    those who may see it in full."""
    url = reverse("dispatch:caller_reveal", args=[incident.number])
    return {
        "caller_reveal": slot(incident, "phone", url=url),
        "may_reveal_caller": services.may_reveal_caller(user, incident),
    }


def _incident_for(user, number: str) -> Incident:
    """The incident in the user's jurisdiction or sent to one of their units, else 404."""
    sent = selectors.assigned_to(user).filter(number=number).first()
    return sent if sent is not None else selectors.get_incident_for(user, number)


@login_required
@require_POST
def reveal(request, number: str):
    incident = _incident_for(request.user, number)
    context = caller_slot(request.user, incident)
    return reveal_phone_page(
        request,
        context["caller_reveal"],
        RevealForm(request.POST, prefix="phone"),
        lambda reason: services.reveal_caller(actor=request.user, incident=incident, reason=reason),
        may_reveal=context["may_reveal_caller"],
        back=reverse("dispatch:incident", args=[incident.number]),
    )
