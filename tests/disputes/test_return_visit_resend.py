"""A return visit sent twice (a form queued without a signal and sent again) is recorded
once: the second send answers as the first did. Someone else, or a different record, is
still told that the visit was already recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.services import CaseChanged
from tests.disputes.test_mediation import _in_follow_up

pytestmark = pytest.mark.django_db


def _post(case, visit, **changes):
    prefix = f"visit-{visit.pk}"
    data = {
        "target": str(visit.pk),
        f"{prefix}-method": "phone",
        f"{prefix}-performance": "已赔偿，夜间不再施工",
        f"{prefix}-outcome": "partly",
        f"{prefix}-attitude": "",
        f"{prefix}-notes": "",
    }
    for name, value in changes.items():
        data[f"{prefix}-{name}"] = value
    return reverse("disputes:mediation", args=[case.reference, "visit"]), data


def test_the_same_return_visit_sent_twice_is_recorded_once(world):
    case = _in_follow_up(world)
    visit = case.return_visits.order_by("due_on").first()
    client = Client()
    client.force_login(world.grid_worker_a1)
    url, data = _post(case, visit)
    first = client.post(url, data)
    events = case.events.filter(kind="return_visit").count()
    pending = case.return_visits.filter(done_at__isnull=True).count()
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert case.events.filter(kind="return_visit").count() == events == 1
    assert case.return_visits.filter(done_at__isnull=True).count() == pending


def test_a_different_record_or_another_person_is_told_it_was_recorded(world):
    case = _in_follow_up(world)
    visit = case.return_visits.order_by("due_on").first()
    values = {"method": "phone", "performance": "已赔偿", "outcome": "partly"}
    mediation.record_return_visit(visit=visit, actor=world.grid_worker_a1, **values)
    visit.refresh_from_db()
    again = mediation.record_return_visit(visit=visit, actor=world.grid_worker_a1, **values)
    assert again.pk == visit.pk
    with pytest.raises((CaseChanged, ValidationError), match="已经登记"):
        mediation.record_return_visit(
            visit=visit, actor=world.grid_worker_a1, **(values | {"outcome": "settled"})
        )
    with pytest.raises((CaseChanged, ValidationError), match="已经登记"):
        mediation.record_return_visit(visit=visit, actor=world.officer_a, **values)
    assert case.events.filter(kind="return_visit").count() == 1
