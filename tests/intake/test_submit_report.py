"""submit_report: one door for every channel — validated, located, routed, idempotent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case
from fengqiao.intake import services
from fengqiao.intake.models import Report
from tests.conftest import staff_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _dispute(**extra):
    values = {
        "actor": staff_user(),
        "channel": "web",
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "blue",
        "level": 1,  # graded by hand: routing, not triage, is under test here
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": "138 1234 5678",
    }
    return services.submit_report(**{**values, **extra})


def test_a_dispute_from_the_web_is_located_routed_and_opens_a_case(world):
    submission = _dispute()
    report = submission.report
    assert submission.created and report.grid == world.grid_a1
    assert len(report.tracking_code) == 10
    assert {p.name for p in report.assignees.all()} >= {"grid_worker_a1", "officer_a"}
    case = report.case
    assert case.state == "received" and case.level == 1 and case.reference.startswith("330699-")
    assert [p.name for p in case.handlers.all()] == ["grid_worker_a1"]
    assert case.parties.get().phone == "+8613812345678"
    assert AuditEvent.objects.filter(action="intake.report_submitted").count() == 1


def test_a_red_dispute_starts_with_the_community_police(world):
    case = _dispute(risk="red").report.case
    assert case.level == 2
    assert {p.name for p in case.handlers.all()} == {"officer_a", "grid_worker_a1"}


def test_the_same_client_key_never_makes_a_second_report(world):
    first = _dispute(client_key="phone-7f3a9c21")
    again = _dispute(client_key="phone-7f3a9c21", text="完全不同的内容也不会再建一条")
    assert again.report.pk == first.report.pk and not again.created
    assert Report.objects.count() == 1 and Case.objects.count() == 1


def test_every_problem_is_reported_at_once_and_nothing_is_stored(world):
    with pytest.raises(ValidationError) as error:
        services.submit_report(
            channel="pigeon",
            kind="dispute",
            category="bogus",
            text="吵",
            reporter_phone="12",
            lon=120.005,
            lat=30.005,
        )
    assert set(error.value.message_dict) >= {"channel", "category", "text", "reporter_phone"}
    assert Report.objects.count() == 0 and Case.objects.count() == 0


def test_a_point_outside_every_grid_asks_for_another_location(world):
    with pytest.raises(ValidationError) as error:
        _dispute(lon=100.0, lat=10.0)
    assert "lon" in error.value.message_dict
    assert Report.objects.count() == 0


def test_an_address_naming_a_grid_locates_the_report(world):
    report = _dispute(lon=None, lat=None, address="甲村二网格村口小卖部旁").report
    assert report.grid == world.grid_a2


def test_a_hazard_is_kept_as_a_typed_report_without_a_case(world):
    report = services.submit_report(
        actor=staff_user(),
        channel="grid_report",
        kind="hazard",
        category="public_safety_hazard",
        text="3号楼楼道里有电动车充电，飞线",
        grid_code=world.grid_a1.code,
    ).report
    assert report.status == "open" and not Case.objects.exists()


def test_photos_are_checked_by_content_not_by_name(world):
    fake = SimpleUploadedFile("photo.jpg", b"not really an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        _dispute(photos=[fake])
    assert "photos" in error.value.message_dict
    real = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    report = _dispute(photos=[real]).report
    assert report.photos.get().content_type == "image/png"


def test_a_case_failure_rolls_the_whole_report_back(world, monkeypatch):
    from fengqiao.disputes import services as disputes

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(disputes, "open_case_for_report", broken)
    with pytest.raises(RuntimeError):
        _dispute()
    assert Report.objects.count() == 0


def test_feedback_and_reopen_follow_the_case(world):
    from fengqiao.disputes import services as disputes

    report = _dispute().report
    case = report.case
    with pytest.raises(ValidationError):
        services.record_feedback(
            tracking_code=report.tracking_code, feedback="fixed", satisfaction=5
        )
    case = disputes.accept_case(case=case, actor=world.grid_worker_a1)
    case = disputes.transition(case=case, actor=world.grid_worker_a1, action="close")
    services.record_feedback(
        tracking_code=report.tracking_code.lower(), feedback="partly", satisfaction=3
    )
    reopened = services.reopen_report(tracking_code=report.tracking_code, reason="又开始吵了")
    assert reopened.reopened == 1
    case.refresh_from_db()
    assert case.state == "accepted" and case.closed_at is None
