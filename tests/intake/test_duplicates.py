"""Scored duplicate candidates at intake: staff see them with the reasons and mark or merge;
the public is told at most that something similar was already received."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.early_warning import with_repeat_complaints
from fengqiao.disputes.models import Case
from fengqiao.intake import duplicates, selectors, services
from fengqiao.intake.models import Report
from tests.snapshots import case_snapshot, db_snapshot

NOISE = "楼上302每天半夜拖椅子，吵得睡不着，沟通多次没用"
NOISE_AGAIN = "302楼上半夜拖椅子很吵，睡不着，希望有人管管"
LEAK = "楼道里的水管漏水好几天了，墙都泡坏了"


def _report(world, text=NOISE, *, kind="dispute", address="甲村一网格村口小卖部旁", **extra):
    values = {
        "channel": "web",
        "kind": kind,
        "category": "neighbourhood" if kind == "dispute" else "",
        "text": text,
        "address": address,
        "grid_code": world.grid_a1.code if not address else "",
    }
    return services.submit_report(**{**values, **extra}).report


# --- the score ---------------------------------------------------------------------------


def test_the_score_adds_phone_place_text_and_names_with_reasons():
    new = duplicates.Facts(
        text=NOISE,
        address="甲村一网格村口小卖部旁",
        phone_hashes=frozenset({"h1"}),
        names=frozenset({"王芳"}),
    )
    same = duplicates.Facts(
        text=NOISE_AGAIN,
        address="甲村一网格村口小卖部旁",
        phone_hashes=frozenset({"h1"}),
        names={"王芳"},
    )
    alike = duplicates.likeness(new, same)
    assert alike.score >= 80
    assert {"同一电话", "同一地址", "同一姓名"} <= set(alike.reasons)
    assert any(reason.startswith("内容相似") for reason in alike.reasons)
    # Who reported does not count towards what the public may be told.
    assert alike.public_score == alike.score - duplicates.PHONE_POINTS - duplicates.NAME_POINTS
    same_place_only = duplicates.Facts(text=LEAK, address="甲村1号")
    assert duplicates.likeness(new, same_place_only).public_score < duplicates.PUBLIC_FROM
    other = duplicates.Facts(text=LEAK, address="乙社区5幢")
    assert duplicates.likeness(new, other).score < duplicates.SHOW_FROM


def test_text_similarity_reads_chinese_without_spaces():
    assert duplicates.text_similarity(NOISE, NOISE) == 1
    assert duplicates.text_similarity(NOISE, NOISE_AGAIN) > 0.4
    assert duplicates.text_similarity(NOISE, LEAK) < duplicates.TEXT_FLOOR
    assert duplicates.text_similarity("", NOISE) == 0
    assert duplicates.text_similarity("𠮷野家门口", "𠮷野家门口") == 1  # characters past U+FFFF


# --- staff see candidates ----------------------------------------------------------------


def test_staff_see_scored_candidates_with_reasons_on_the_report_page(client, world):
    first = _report(world, reporter_phone="13812345678", reporter_name="王芳")
    _report(world, LEAK, address="", kind="hazard")
    second = _report(world, NOISE_AGAIN, reporter_phone="138 1234 5678")
    found = selectors.duplicate_candidates(world.officer_a, second)
    assert [c.report for c in found] == [first]
    assert "同一电话" in found[0].reasons and "同一地址" in found[0].reasons
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[second.tracking_code])).content.decode()
    assert "可能重复的反映" in page and first.tracking_code in page and "相似度" in page
    assert "标记为重复" in page and "合并办理" in page


def test_candidates_stay_inside_the_officers_jurisdiction(world):
    theirs = _report(world, address="乙社区一网格5幢", reporter_phone="13812345678")
    mine = _report(world, reporter_phone="13812345678")
    assert selectors.duplicate_candidates(world.officer_a, mine) == []
    assert [c.report for c in selectors.duplicate_candidates(world.county_admin, mine)] == [theirs]


def test_the_report_page_lists_candidates_in_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(6):
        _report(world, f"{NOISE}，第{n}次", reporter_phone="13812345678", reporter_name="王芳")
    report = _report(world, NOISE_AGAIN, reporter_phone="13812345678")
    client.force_login(world.officer_a)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("intake:detail", args=[report.tracking_code]))
    assert page.content.decode().count('class="duplicate-candidate"') == 6


# --- the public ------------------------------------------------------------------------


def test_the_public_reporter_is_told_only_that_something_similar_came_in(client, world):
    first = _report(world, reporter_name="王芳", reporter_phone="13812345678")
    form = {
        "kind": "dispute",
        "text": NOISE_AGAIN,
        "address": "甲村一网格村口小卖部旁",
        "client_key": "web-dup-1",
    }
    response = client.post(reverse("intake:report"), form, follow=True)
    page = response.content.decode()
    assert "此前已有人反映过类似的情况" in page
    for secret in (first.tracking_code, "王芳", "5678", first.case.reference, "拖椅子"):
        assert secret not in page


def test_a_resident_cannot_probe_for_someone_elses_report_by_their_phone_or_name(client, world):
    _report(world, reporter_name="王芳", reporter_phone="13812345678")
    client.force_login(world.resident)
    form = {
        "kind": "suggestion",
        "text": "请问有没有人反映过什么事情",
        "address": "乙社区一网格5幢",
        "reporter_name": "王芳",
        "reporter_phone": "13812345678",
        "client_key": "web-probe-1",
    }
    page = client.post(reverse("intake:report"), form, follow=True).content.decode()
    assert "此前已有人反映过类似" not in page
    code = Report.objects.latest("created_at").tracking_code
    status = client.get(reverse("intake:status", args=[code])).content.decode()
    assert "类似的情况" not in status
    # The staff pages that list candidates are closed to a resident.
    assert client.get(reverse("intake:detail", args=[code])).status_code == 403


# --- marking and merging -------------------------------------------------------------------


def test_marking_a_duplicate_keeps_both_cases_and_notes_it_on_the_timeline(client, world):
    first = _report(world)
    second = _report(world, NOISE_AGAIN)
    client.force_login(world.officer_a)
    url = reverse("intake:mark_duplicate", args=[second.tracking_code])
    response = client.post(url, {"of": first.tracking_code, "reason": "同一户噪音"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.duplicate_of == first and second.duplicate_reason == "同一户噪音"
    assert second.case.state != "merged"
    event = second.case.events.get(kind="marked_duplicate")
    assert event.note == "同一户噪音" and event.payload == {"of": first.tracking_code}
    audit = AuditEvent.objects.get(action="intake.marked_duplicate")
    assert audit.actor == world.officer_a and audit.changes["merged"] is False
    # The original's case counts it as the same matter complained of again.
    heard = first.case.events.get(kind="duplicate_report")
    assert heard.payload == {"report": second.tracking_code}
    counted = with_repeat_complaints(Case.objects.filter(pk=first.case.pk)).get()
    assert counted.repeat_complaints == 1
    page = client.get(reverse("intake:detail", args=[second.tracking_code])).content.decode()
    assert first.tracking_code in page and "同一件事" in page


def test_merging_a_dispute_merges_its_case_into_the_originals(world):
    first = _report(world)
    second = _report(world, NOISE_AGAIN)
    disputes_before = Case.objects.count()
    services.mark_duplicate(
        report=second, actor=world.officer_a, of=first, reason="同一件事", merge=True
    )
    second.case.refresh_from_db()
    assert second.case.state == "merged" and second.case.merged_into == first.case
    counted = with_repeat_complaints(Case.objects.filter(pk=first.case.pk)).get()
    assert counted.repeat_complaints == 1  # the merge, counted once
    assert first.case.events.filter(kind="merged_in").exists()
    assert Case.objects.count() == disputes_before
    assert selectors.public_state(second) == "已与相关反映合并办理"


def test_merging_another_kind_closes_it_and_points_at_the_original(world):
    first = _report(world, LEAK, kind="hazard", address="")
    second = _report(world, LEAK + "，请尽快修", kind="hazard", address="")
    services.mark_duplicate(
        report=second, actor=world.officer_a, of=first, reason="同一处", merge=True
    )
    second.refresh_from_db()
    assert second.status == "closed" and second.closed_at is not None
    assert selectors.status_badge(second).label == "已合并"
    assert selectors.public_state(second) == "已与相关反映合并办理"


def test_a_duplicate_of_a_duplicate_points_at_the_original(world):
    first, second, third = (_report(world, f"{NOISE}{n}") for n in range(3))
    services.mark_duplicate(report=second, actor=world.officer_a, of=first, reason="同一件")
    second.refresh_from_db()
    services.mark_duplicate(report=third, actor=world.officer_a, of=second, reason="同一件")
    third.refresh_from_db()
    assert third.duplicate_of == first
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.mark_duplicate(report=first, actor=world.officer_a, of=third, reason="绕回来")
    assert "of" in error.value.message_dict
    assert db_snapshot() == before


def test_a_doubled_mark_changes_nothing_the_second_time(client, world):
    first = _report(world)
    second = _report(world, NOISE_AGAIN)
    client.force_login(world.officer_a)
    url = reverse("intake:mark_duplicate", args=[second.tracking_code])
    client.post(url, {"of": first.tracking_code, "reason": "同一户"})
    second.refresh_from_db()
    before = case_snapshot(second.case)
    response = client.post(url, {"of": first.tracking_code, "reason": "同一户"})
    assert response.status_code == 400 and "已经标记为重复" in response.content.decode()
    assert case_snapshot(second.case) == before


def test_a_reason_is_required_and_a_report_is_not_its_own_duplicate(world):
    report = _report(world)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.mark_duplicate(report=report, actor=world.officer_a, of=report, reason=" ")
    assert set(error.value.message_dict) == {"of", "reason"}
    assert db_snapshot() == before


def test_another_townships_officer_cannot_mark_or_see(client, world):
    first = _report(world)
    second = _report(world, NOISE_AGAIN)
    before = case_snapshot(second.case)
    with pytest.raises(PermissionDenied):
        services.mark_duplicate(report=second, actor=world.officer_b, of=first, reason="x")
    client.force_login(world.officer_b)
    url = reverse("intake:mark_duplicate", args=[second.tracking_code])
    assert client.post(url, {"of": first.tracking_code, "reason": "x"}).status_code == 404
    client.force_login(world.resident)
    assert client.post(url, {"of": first.tracking_code, "reason": "x"}).status_code == 403
    assert case_snapshot(second.case) == before


def test_a_forged_or_foreign_tracking_code_is_refused_without_saying_which(client, world):
    mine = _report(world)
    theirs = _report(world, address="乙社区一网格5幢")
    before = case_snapshot(mine.case)
    client.force_login(world.officer_a)
    url = reverse("intake:mark_duplicate", args=[mine.tracking_code])
    answers = []
    for code in (theirs.tracking_code, "ZZZZZZZZZZ", "' OR 1=1 --"):
        response = client.post(url, {"of": code, "reason": "试试"})
        assert response.status_code == 400
        answers.append("要对照的反映不存在或不在您的辖区" in response.content.decode())
    assert all(answers)
    with pytest.raises(ValidationError):
        services.mark_duplicate(report=mine, actor=world.officer_a, of=theirs, reason="试试")
    assert case_snapshot(mine.case) == before


def test_staff_taking_a_report_down_see_related_ones_scored_as_they_type(client, world):
    first = _report(world, reporter_phone="13812345678", reporter_name="王芳")
    client.force_login(world.officer_a)
    typed = {"text": NOISE_AGAIN, "applicant_phone": "13812345678", "address": first.address}
    panel = client.post(reverse("intake:related"), typed).content.decode()
    assert first.tracking_code in panel and "相似度" in panel and "同一电话" in panel
    related = selectors.related_reports(
        world.officer_a, phones=["13812345678"], address=first.address, text=NOISE_AGAIN
    )
    assert related[0].report == first and related[0].score >= duplicates.SHOW_FROM
