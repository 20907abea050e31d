"""Triage at the door: intake grades what the caller left out, keeps the prediction, learns
from corrections, raises red at once, and never loses a report when triage fails."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from fengqiao import triage
from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Notification
from fengqiao.intake import services
from fengqiao.intake.models import Report, TriageFeedback
from fengqiao.triage import corpus
from tests.conftest import staff_user

RED_TEXT = "报警：邻居喝醉了现在拿着菜刀在楼道里，喊着要砍死我们全家，快来人！"


def _submit(actor=None, **extra):
    values = {
        "channel": "phone",
        "kind": "dispute",
        "text": "楼上邻居每天半夜拖椅子，噪音很大，沟通了几次都不理",
        "lon": 120.005,
        "lat": 30.005,
        "actor": actor or staff_user("officer_a"),
    }
    return services.submit_report(**{**values, **extra}).report


def test_what_the_caller_leaves_out_is_graded_by_triage_and_the_prediction_is_kept(world):
    report = _submit()
    assert report.triage["category"] == report.category
    assert report.triage["risk"] == report.risk
    assert report.case.category == report.category and report.case.risk == report.risk
    assert report.needs_grading is False
    assert set(report.triage) >= {"category", "risk", "dispatch", "level", "signals"}


def test_a_red_report_opens_a_red_case_with_the_police_and_warns_the_beat_officer(world):
    report = _submit(text=RED_TEXT)
    case = report.case
    assert report.risk == case.risk == "red"
    assert report.dispatch is True
    assert case.level >= 2
    signals = {s["name"]: s for s in report.triage["signals"]}
    assert "weapon" in signals and any("菜刀" in w for w in signals["weapon"]["words"])
    warned = Notification.objects.filter(case=case, key="red:received")
    assert "officer_a" in {n.recipient.name for n in warned}


def test_staff_who_grade_differently_leave_a_correction(world):
    report = _submit(actor=world.officer_a, risk="yellow", category="property_management")
    feedback = TriageFeedback.objects.get(report=report)
    assert feedback.predicted["risk"] == report.triage["risk"]
    assert feedback.final["category"] == "property_management"
    assert feedback.final["risk"] == "yellow"
    assert feedback.by == world.officer_a


def test_agreeing_with_triage_or_a_resident_choosing_leaves_no_correction(world):
    agreed = _submit(actor=world.officer_a)
    assert not TriageFeedback.objects.filter(report=agreed).exists()
    resident = _submit(actor=world.resident, category="property_management", channel="web")
    assert not TriageFeedback.objects.filter(report=resident).exists()


def test_when_triage_fails_the_report_is_kept_for_manual_grading(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr(triage, "classify", broken)
    report = _submit()
    assert Report.objects.filter(pk=report.pk).exists()
    assert report.needs_grading is True and report.triage is None
    assert report.category == "other" and report.risk == "blue"
    assert report.case is not None


def test_corrections_export_as_corpus_lines(world, tmp_path):
    _submit(actor=world.officer_a, risk="yellow", category="property_management")
    out = io.StringIO()
    call_command("export_triage_feedback", stdout=out, stderr=io.StringIO())
    (line,) = out.getvalue().splitlines()
    example = corpus.parse(line, "export")
    assert example.category == "property_management" and example.risk == "yellow"
    assert example.source == "feedback:phone"
    assert AuditEvent.objects.filter(action="intake.triage_feedback_exported").exists()
    target = tmp_path / "feedback.jsonl"
    call_command("export_triage_feedback", output=str(target), stderr=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8").splitlines()[0])["id"].startswith("fb-")


def test_an_unwritable_export_file_is_a_clear_error(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="无法写入"):
        call_command("export_triage_feedback", output=str(tmp_path / "no" / "such" / "dir.jsonl"))


def test_the_officer_sees_what_triage_read_on_the_report_and_the_case(client, world):
    report = _submit(text=RED_TEXT)
    client.force_login(world.officer_a)
    for url in (
        reverse("intake:detail", args=[report.tracking_code]),
        reverse("disputes:case", args=[report.case.reference]),
    ):
        page = client.get(url).content.decode()
        assert "智能研判" in page and "建议立即出警" in page
        assert "持有或使用凶器" in page and "菜刀" in page


def test_a_report_triage_could_not_read_asks_for_manual_grading(client, world, monkeypatch):
    monkeypatch.setattr(triage, "classify", lambda *a, **k: 1 / 0)
    report = _submit()
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "系统未能自动研判" in page


def test_the_staff_form_suggests_a_grading_while_the_text_is_typed(client, world):
    client.force_login(world.officer_a)
    suggestion = client.post(reverse("intake:suggest"), {"text": RED_TEXT}).content.decode()
    assert "系统研判建议" in suggestion and "建议立即出警" in suggestion and "菜刀" in suggestion
    assert client.post(reverse("intake:suggest"), {"text": "吵"}).content.decode().strip() == ""
    form = client.get(reverse("intake:new")).content.decode()
    assert 'id="triage-suggestion"' in form and "由系统研判" in form


def test_residents_cannot_ask_for_suggestions(client, world):
    client.force_login(world.resident)
    assert client.post(reverse("intake:suggest"), {"text": RED_TEXT}).status_code == 403
