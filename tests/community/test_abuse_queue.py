"""The staff's moderation queue: reported messages in the jurisdiction, hidden or kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.community import moderation, services
from fengqiao.community.models import AbuseReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(world, groups):
    message = services.post_message(
        actor=groups.neighbour, group=groups.village_a, text="某某是骗子，大家别信他"
    )
    moderation.report_abuse(actor=world.resident, message=message, reason="造谣")
    return message


def test_a_reported_message_waits_in_the_officers_queue_and_not_elsewhere(client, world, reported):
    client.force_login(world.officer_a)
    page = client.get(reverse("community:abuse")).content.decode()
    assert "某某是骗子" in page and "1 人举报" in page
    client.force_login(world.officer_b)
    assert "某某是骗子" not in client.get(reverse("community:abuse")).content.decode()
    client.force_login(world.resident)
    assert client.get(reverse("community:abuse")).status_code == 403


def test_keeping_a_message_closes_its_reports_with_an_audit_entry(client, world, reported):
    client.force_login(world.officer_a)
    answer = client.post(reverse("community:abuse-keep", args=[reported.pk]))
    assert answer.status_code == 302
    assert not AbuseReport.objects.filter(handled_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="community.abuse_dismissed").count() == 1
    assert "某某是骗子" not in client.get(reverse("community:abuse")).content.decode()


def test_hiding_from_the_queue_returns_to_the_queue_and_closes_the_reports(client, world, reported):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("community:hide", args=[reported.pk]),
        {"reason": "不实信息", "next": reverse("community:abuse")},
    )
    assert answer["Location"] == reverse("community:abuse")
    reported.refresh_from_db()
    assert reported.hidden_at is not None
    assert not AbuseReport.objects.filter(handled_at__isnull=True).exists()


def test_a_grid_worker_cannot_keep_a_reported_message(client, world, reported):
    client.force_login(world.grid_worker_a1)
    answer = client.post(reverse("community:abuse-keep", args=[reported.pk]))
    assert answer.status_code == 403
    assert AbuseReport.objects.filter(handled_at__isnull=True).count() == 1
