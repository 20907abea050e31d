"""The caller's phone: masked on every incident page, in full only for a stated reason, to
police who may reveal numbers and to the unit sent while the incident is open; logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import services

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _incident(world):
    return services.raise_alarm(
        actor=None,
        sender="session:caller",
        client_key="caller-key-0001",
        lon=120.005,
        lat=30.005,
        caller_phone=PHONE,
        note="有人砸门",
    )


def _reveal(client, incident, reason="回拨报警人核实地点", *, htmx=False):
    url = reverse("dispatch:caller_reveal", args=[incident.number])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"phone-reason": reason}, **headers)


def test_pages_show_the_phone_masked(client, world, units):
    incident = _incident(world)
    client.force_login(world.chief)
    page = client.get(reverse("dispatch:incident", args=[incident.number])).content.decode()
    assert "139****5678" in page and PHONE not in page


def test_the_unit_sent_sees_it_in_full_for_a_reason_and_it_is_logged(client, world, units):
    incident = _incident(world)
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    client.force_login(units.patrol_a)  # auxiliary police: no general reveal right
    refused = _reveal(client, incident, reason="")
    assert refused.status_code == 400 and PHONE not in refused.content.decode()
    shown = _reveal(client, incident, htmx=True)  # in place on the page
    assert shown.status_code == 200 and "139 1234 5678" in shown.content.decode()
    event = AuditEvent.objects.get(action="dispatch.caller_revealed")
    assert event.actor == units.patrol_a and event.changes["reason"] == "回拨报警人核实地点"


def test_others_are_refused(client, world, units):
    incident = _incident(world)
    client.force_login(units.patrol_a)  # not sent: in the station, but no reveal right
    assert _reveal(client, incident).status_code == 403
    client.force_login(world.officer_b)  # another township: no such incident for them
    assert _reveal(client, incident).status_code == 404
    assert not AuditEvent.objects.filter(action="dispatch.caller_revealed").exists()
