"""What the reporter is told: an acknowledgement for each kind and state, and staff's replies
(from a template or written out) on the public status page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.disputes import services as disputes
from fengqiao.intake import replies, services
from fengqiao.intake.models import Report, ReportReply
from tests.snapshots import db_snapshot


def _report(world, kind="dispute", **extra):
    values = {
        "channel": "web",
        "kind": kind,
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "grid_code": world.grid_a1.code,
    }
    return services.submit_report(**{**values, **extra}).report


@pytest.mark.parametrize("kind", [k for k, _label in Report.Kind.choices])
def test_every_kind_is_acknowledged_on_receipt_with_its_tracking_code(client, world, kind):
    # An alarm arrives only by an alarm's own channel.
    channel = {"alarm": "one_click_alarm"}.get(kind, "web")
    report = _report(world, kind=kind, channel=channel)
    page = client.get(reverse("intake:thanks", args=[report.tracking_code])).content.decode()
    expected = replies.received_text(kind, code=report.tracking_code, grid=world.grid_a1.name)
    assert expected in page and report.tracking_code in expected
    if "%(grid)s" in str(replies.RECEIVED[kind]):
        assert world.grid_a1.name in expected


def test_the_status_page_says_what_the_state_means_for_the_reporter(client, world):
    report = _report(world)
    url = reverse("intake:status", args=[report.tracking_code])
    assert replies.state_text(report.case.state) in client.get(url).content.decode()
    disputes.accept_case(case=report.case, actor=world.grid_worker_a1)
    assert replies.state_text("accepted") in client.get(url).content.decode()


def test_every_template_fits_some_kind_and_every_kind_has_templates():
    for kind, _label in Report.Kind.choices:
        assert replies.templates_for(kind)
    assert all(replies.template_named(t.code) is t for t in replies.TEMPLATES)


def test_an_officer_answers_from_a_template_and_the_reporter_sees_it(client, world):
    report = _report(world)
    client.force_login(world.officer_a)
    detail = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "答复反映人" in detail and 'value="mediation_scheduled"' in detail
    response = client.post(
        reverse("intake:reply", args=[report.tracking_code]), {"template": "mediation_scheduled"}
    )
    assert response.status_code == 302
    reply = ReportReply.objects.get()
    assert reply.text == str(replies.template_named("mediation_scheduled").text)
    assert reply.template == "mediation_scheduled" and reply.by == world.officer_a
    client.logout()
    public = client.get(reverse("intake:status", args=[report.tracking_code])).content.decode()
    assert "工作人员答复：" + reply.text in public and "officer_a" not in public
    event = report.case.events.get(kind="reporter_replied")
    assert event.note == reply.text and event.actor == world.officer_a


def test_an_edited_reply_is_sent_as_written(world):
    report = _report(world, kind="hazard")
    reply = services.reply_to_reporter(
        report=report, actor=world.officer_a, text="  明天上午上门查看  ", template="visiting"
    )
    assert reply.text == "明天上午上门查看"
    assert report.case is None


def test_a_doubled_reply_is_stored_once(world):
    report = _report(world)
    first = services.reply_to_reporter(report=report, actor=world.officer_a, text="已联系您")
    second = services.reply_to_reporter(report=report, actor=world.officer_a, text="已联系您")
    assert first.pk == second.pk and ReportReply.objects.count() == 1
    assert report.case.events.filter(kind="reporter_replied").count() == 1


def test_an_empty_reply_or_an_unknown_template_is_refused_by_field(client, world):
    report = _report(world)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.reply_to_reporter(report=report, actor=world.officer_a, text=" ", template="x")
    assert set(error.value.message_dict) == {"text", "template"}
    client.force_login(world.officer_a)
    response = client.post(reverse("intake:reply", args=[report.tracking_code]), {"text": ""})
    assert response.status_code == 400 and "请填写答复内容" in response.content.decode()
    assert db_snapshot() == before


def test_no_one_outside_the_jurisdiction_or_without_the_right_may_reply(client, world):
    report = _report(world)
    before = db_snapshot()
    for outsider in (world.officer_b, world.resident, None):
        with pytest.raises(PermissionDenied):
            services.reply_to_reporter(report=report, actor=outsider, text="你好")
    url = reverse("intake:reply", args=[report.tracking_code])
    client.force_login(world.officer_b)
    assert client.post(url, {"text": "你好"}).status_code == 404
    client.force_login(world.resident)
    assert client.post(url, {"text": "你好"}).status_code == 403
    assert db_snapshot() == before
