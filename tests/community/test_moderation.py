"""Moderation and safety: staff hide messages (kept for audit), members report abuse,
numbers are masked for residents. A refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.community import moderation, services
from fengqiao.community.masking import mask_numbers
from fengqiao.community.models import AbuseReport


@pytest.fixture
def spam(world, groups):
    return services.post_message(actor=groups.neighbour, group=groups.village_a, text="加微信卖货")


def test_staff_hide_a_message_and_the_text_stays_in_the_audit_log(world, spam):
    moderation.hide_message(actor=world.officer_a, message=spam, reason="广告")
    spam.refresh_from_db()
    assert spam.hidden_at is not None and spam.hidden_by == world.officer_a
    event = AuditEvent.objects.get(action="community.message_hidden")
    assert event.changes["text"] == "加微信卖货"
    assert event.changes["reason"] == "广告"


def test_hiding_needs_a_reason_and_happens_once(world, spam):
    with pytest.raises(ValidationError):
        moderation.hide_message(actor=world.officer_a, message=spam, reason=" ")
    moderation.hide_message(actor=world.officer_a, message=spam, reason="广告")
    with pytest.raises(ValidationError):
        moderation.hide_message(actor=world.officer_a, message=spam, reason="广告")
    assert AuditEvent.objects.filter(action="community.message_hidden").count() == 1


@pytest.mark.parametrize("who", ["resident", "grid_worker_a1", "officer_b"])
def test_residents_grid_workers_and_other_townships_cannot_hide(world, spam, who):
    with pytest.raises(PermissionDenied):
        moderation.hide_message(actor=getattr(world, who), message=spam, reason="广告")
    spam.refresh_from_db()
    assert spam.hidden_at is None
    assert not AuditEvent.objects.filter(action="community.message_hidden").exists()


def test_a_member_reports_abuse_once(world, spam):
    moderation.report_abuse(actor=world.resident, message=spam, reason="骚扰")
    with pytest.raises(ValidationError):
        moderation.report_abuse(actor=world.resident, message=spam, reason="骚扰")
    assert AbuseReport.objects.count() == 1


def test_someone_outside_the_group_cannot_report(world, spam):
    with pytest.raises(PermissionDenied):
        moderation.report_abuse(actor=world.officer_b, message=spam, reason="骚扰")
    assert not AbuseReport.objects.exists()


def test_hiding_settles_the_open_abuse_reports(world, spam):
    moderation.report_abuse(actor=world.resident, message=spam, reason="广告")
    moderation.hide_message(actor=world.officer_a, message=spam, reason="广告")
    assert AbuseReport.objects.get().handled_at is not None


def test_a_hidden_message_reads_as_hidden_to_residents_and_in_full_to_staff(
    world, groups, spam, client
):
    from django.urls import reverse

    moderation.hide_message(actor=world.officer_a, message=spam, reason="广告")
    url = reverse("community:group", args=[groups.village_a.pk])
    client.force_login(world.resident)
    page = client.get(url).content.decode()
    assert "加微信卖货" not in page and "该消息已被工作人员隐藏" in page
    client.force_login(world.officer_a)
    assert "加微信卖货" in client.get(url).content.decode()


def test_the_hide_and_report_pages_post_and_return(world, groups, spam, client):
    from django.urls import reverse

    client.force_login(world.resident)
    response = client.post(reverse("community:report_abuse", args=[spam.pk]), {"reason": "广告"})
    assert response.status_code == 302 and AbuseReport.objects.count() == 1
    response = client.post(reverse("community:hide", args=[spam.pk]), {"reason": "广告"})
    assert response.status_code == 403
    client.force_login(world.officer_a)
    client.post(reverse("community:hide", args=[spam.pk]), {"reason": "广告"})
    spam.refresh_from_db()
    assert spam.hidden_at is not None


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话13812345678", "电话138****5678"),
        ("电话 138 1234 5678", "电话 138****5678"),
        ("+8613812345678", "138****5678"),
        ("身份证330699199001010014", "身份证330***********0014"),
        ("身份证33069919900101001x", "身份证330***********001X"),
        ("座机0571-87654321", "座机0571****4321"),
        ("3号楼502室，20人", "3号楼502室，20人"),
    ],
)
def test_numbers_are_masked(typed, shown):
    assert mask_numbers(typed) == shown
