"""The demo's partner bodies: the ``agency`` login answers the hand-offs addressed to the
showcase town's bodies on its own page, and sees no case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.demo.staff import DEMO_PASSWORD
from fengqiao.disputes.models import Handoff

pytestmark = pytest.mark.usefixtures("demo_county")


def test_the_agency_login_sees_its_handoffs_and_no_case(client, db):
    assert client.login(username="agency", password=DEMO_PASSWORD)
    inbox = client.get(reverse("disputes:agency_inbox"))
    assert inbox.status_code == 200
    pending = Handoff.objects.unscoped_for_jobs().filter(answered_at__isnull=True)
    answered = Handoff.objects.unscoped_for_jobs().filter(answered_at__isnull=False)
    assert pending.exists() and answered.exists()
    for handoff in pending:
        assert reverse("disputes:agency_handoff", args=[handoff.pk]) in inbox.content.decode()
    assert client.get(reverse("disputes:cases")).status_code == 403
    case = pending.first().case
    assert client.get(reverse("disputes:case", args=[case.reference])).status_code == 403
