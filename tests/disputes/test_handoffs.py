"""Hand-offs that come back (转办) and referrals (转介): the case waits while the body
answers, the body answers on its own page, and nobody else's hand-off can be read or
answered. Every refusal checks that nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fengqiao.disputes import handoffs, services
from fengqiao.disputes.models import Case, Handoff, Notification
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Team
from tests.conftest import staff_user
from tests.factories import PersonFactory, UserFactory
from tests.snapshots import case_snapshot, db_snapshot

SOON = dt.timedelta(days=5)


def _case(world, *, lon=120.005, officer=None) -> Case:
    case = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="小区路灯坏了一个月，楼下两户为此争吵",
        lon=lon,
        lat=30.005,
        reporter_name="王小明",
        reporter_phone="13900001111",
    ).report.case
    return services.accept_case(case=case, actor=officer or world.officer_a)


def _agency(region, name: str, username: str):
    """An AGENCY team serving ``region`` with one member (role agency_staff, no posting)."""
    team = Team.objects.create(name=name, kind=Team.Kind.AGENCY, region=region)
    user = UserFactory(username=username)
    person = PersonFactory(
        user=user, name=f"{name}联络员", region=region, role_codes=["agency_staff"]
    )
    team.members.add(person)
    return team, user


@pytest.fixture
def lamps(world):
    return _agency(world.township_a, "甲镇城管中队", "lamps_a")


@pytest.fixture
def property_co(world):
    return _agency(world.township_a, "甲村物业公司", "property_a")


def _hand_off(case, actor, team=None, **kw) -> Handoff:
    fields = {
        "kind": "handoff",
        "body": "street_office",
        "request": "请修复小区3号路灯，联系人电话13900001111",
        "due_on": timezone.localdate() + SOON,
        "team": team,
    }
    return handoffs.hand_off(case=case, actor=actor, **{**fields, **kw})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_handoff_pauses_the_clock_and_the_answer_resumes_it(world, lamps):
    team, body_user = lamps
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, team)
    case.refresh_from_db()
    assert case.paused_since is not None and handoff.pending
    assert case.events.filter(kind="handoff", payload__handoff=handoff.pk).exists()

    handoffs.answer(handoff=handoff, actor=body_user, answer="路灯已于今日修复", outcome="done")

    case.refresh_from_db()
    handoff.refresh_from_db()
    assert case.paused_since is None
    assert handoff.outcome == "done" and handoff.answered_by_name.startswith("甲镇城管中队")
    resumed = case.events.filter(kind="resume").get()
    assert resumed.payload["paused_since"]
    # The handler and the sender are told once.
    assert Notification.objects.filter(case=case, key=f"handoff_answered:{handoff.pk}").exists()


def test_the_clock_waits_for_the_last_pausing_handoff(world, lamps, property_co):
    case = _case(world)
    first = _hand_off(case, world.officer_a, lamps[0])
    case.refresh_from_db()
    second = _hand_off(case, world.officer_a, property_co[0], body="property_company")
    handoffs.answer(handoff=first, actor=lamps[1], answer="已修复", outcome="done")
    case.refresh_from_db()
    assert case.paused_since is not None
    handoffs.cancel(handoff=second, actor=world.officer_a, reason="业主已自行协商")
    case.refresh_from_db()
    assert case.paused_since is None


def test_a_pause_made_by_hand_is_not_ended_by_an_answer(world, lamps):
    case = _case(world)
    services.pause_clock(case=case, actor=world.officer_a, reason="当事人外出务工")
    handoff = _hand_off(case, world.officer_a, lamps[0])
    handoffs.answer(handoff=handoff, actor=lamps[1], answer="已修复", outcome="done")
    case.refresh_from_db()
    assert case.paused_since is not None
    assert not case.events.filter(kind="resume").exists()


def test_the_officer_records_an_answer_given_by_phone(world):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, body_name="镇劳动保障所", body="labour_inspection")
    handoffs.answer(
        handoff=handoff,
        actor=world.officer_a,
        answer="已责令包工头三日内结清工资",
        outcome="partly",
        answered_by_name="劳动保障所李科长",
    )
    handoff.refresh_from_db()
    case.refresh_from_db()
    assert handoff.answered_by_name == "劳动保障所李科长" and case.paused_since is None


def test_answering_twice_is_refused_and_changes_nothing(world, lamps):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    handoffs.answer(handoff=handoff, actor=lamps[1], answer="已修复", outcome="done")
    before = case_snapshot(case)
    with pytest.raises(ValidationError):
        handoffs.answer(handoff=handoff, actor=lamps[1], answer="再答一次", outcome="declined")
    with pytest.raises(ValidationError):
        handoffs.cancel(handoff=handoff, actor=world.officer_a, reason="撤回")
    handoff.refresh_from_db()
    assert case_snapshot(case) == before and handoff.answer == "已修复"


def test_a_doubled_post_with_the_same_version_hands_off_once(world, lamps):
    case = _case(world)
    version = case.version
    _hand_off(case, world.officer_a, lamps[0], version=version)
    stale = Case.objects.get(pk=case.pk)
    stale.version = version
    before = case_snapshot(case)
    with pytest.raises(services.CaseChanged):
        _hand_off(stale, world.officer_a, lamps[0], version=version)
    assert case_snapshot(case) == before and case.handoffs.count() == 1


def test_another_township_and_other_bodies_cannot_hand_off_or_answer(world, lamps):
    case = _case(world)
    other_team, other_body = _agency(world.township_b, "乙镇城管中队", "lamps_b")
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied):
        _hand_off(case, world.officer_b, lamps[0])
    with pytest.raises(PermissionDenied):
        _hand_off(case, lamps[1], lamps[0])  # a body does not work cases
    with pytest.raises(ValidationError) as error:
        _hand_off(case, world.officer_a, other_team)  # a body that does not serve A
    assert "team" in error.value.message_dict
    assert case_snapshot(case) == before
    handoff = _hand_off(case, world.officer_a, lamps[0])
    before = case_snapshot(case)
    for stranger in (other_body, world.officer_b, world.resident):
        with pytest.raises(PermissionDenied):
            handoffs.answer(handoff=handoff, actor=stranger, answer="冒答", outcome="done")
    assert case_snapshot(case) == before
    handoff.refresh_from_db()
    assert handoff.pending


def test_bad_input_is_refused_by_field_in_chinese(world):
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        handoffs.hand_off(
            case=case,
            actor=world.officer_a,
            kind="handoff",
            body="legal_aid",
            request=" ",
            due_on=timezone.localdate(),
        )
    assert set(error.value.message_dict) >= {"body", "body_name", "request", "due_on"}
    assert "明天" in error.value.message_dict["due_on"][0]
    assert case_snapshot(case) == before


def test_an_overdue_handoff_shows_and_notifies_the_handler_once(world, lamps):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    later = timezone.localdate() + SOON + dt.timedelta(days=1)
    assert handoffs.check_overdue_handoffs(today=later) == [handoff.pk]
    handoffs.check_overdue_handoffs(today=later)
    told = Notification.objects.filter(key=f"handoff_overdue:{handoff.pk}")
    assert told.count() == told.values("recipient").distinct().count() >= 1
    assert handoffs.is_overdue(handoff, today=later)
    assert handoffs.check_overdue_handoffs() == []


def test_a_referral_does_not_pause_and_records_its_outcome(world):
    case = _case(world)
    referral = handoffs.hand_off(
        case=case,
        actor=world.officer_a,
        kind="referral",
        body="legal_aid",
        body_name="区法律援助中心",
        request="申请人经济困难，需要法律援助起诉讨薪",
        due_on=timezone.localdate() + SOON,
    )
    case.refresh_from_db()
    assert case.paused_since is None and not referral.pauses_clock
    assert case.events.filter(kind="referral").exists()
    handoffs.answer(
        handoff=referral, actor=world.officer_a, answer="已指派律师代理", outcome="done"
    )
    assert case.events.filter(kind="referral_answered").exists()
    with pytest.raises(ValidationError) as error:
        handoffs.hand_off(
            case=case,
            actor=world.officer_a,
            kind="referral",
            body="property_company",
            body_name="物业",
            request="转介",
            due_on=timezone.localdate() + SOON,
        )
    assert "body" in error.value.message_dict


def test_the_resident_reads_the_answer_without_numbers(world, lamps):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    handoffs.answer(
        handoff=handoff, actor=lamps[1], answer="已修复，有事请打13812345678", outcome="done"
    )
    (row,) = handoffs.public_answers(case)
    assert row["answered"] and row["outcome"] == "已办理"
    assert "13812345678" not in row["answer"] and "修复" in row["answer"]
    assert "联络员" not in str(row)


# --- pages -----------------------------------------------------------------------------


def test_the_agency_sees_only_its_own_handoffs_and_no_case(world, lamps, property_co):
    case = _case(world)
    mine = _hand_off(case, world.officer_a, lamps[0])
    theirs = _hand_off(case, world.officer_a, property_co[0], body="property_company")
    client = _client(lamps[1])
    inbox = client.get(reverse("disputes:agency_inbox"))
    body = inbox.content.decode()
    assert inbox.status_code == 200
    assert reverse("disputes:agency_handoff", args=[mine.pk]) in body
    assert reverse("disputes:agency_handoff", args=[theirs.pk]) not in body
    page = client.get(reverse("disputes:agency_handoff", args=[mine.pk])).content.decode()
    # The request is shown with numbers masked; the parties are not shown at all.
    assert "13900001111" not in page and "139****1111" in page and "王小明" not in page
    before = db_snapshot()
    assert client.get(reverse("disputes:agency_handoff", args=[theirs.pk])).status_code == 404
    forged = client.post(
        reverse("disputes:agency_handoff", args=[theirs.pk]), {"outcome": "done", "answer": "冒答"}
    )
    assert forged.status_code == 404
    assert client.get(reverse("disputes:case", args=[case.reference])).status_code == 403
    assert client.get(reverse("disputes:cases")).status_code == 403
    assert db_snapshot() == before


def test_the_agency_answers_on_its_page_and_the_handler_sees_it(world, lamps):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    client = _client(lamps[1])
    url = reverse("disputes:agency_handoff", args=[handoff.pk])
    assert client.post(url, {"outcome": "done", "answer": "路灯已修复"}).status_code == 302
    again = client.post(url, {"outcome": "declined", "answer": "再答"})
    assert again.status_code == 404 or "再答" not in again.content.decode()
    handoff.refresh_from_db()
    assert handoff.answer == "路灯已修复"
    officer = _client(world.officer_a)
    page = officer.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "路灯已修复" in page and "甲镇城管中队" in page


def test_the_officer_hands_off_from_the_case_page(world, lamps):
    case = _case(world)
    client = _client(world.officer_a)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "转办给责任单位" in page and "甲镇城管中队" in page
    url = reverse("disputes:handoff_new", args=[case.reference, "handoff"])
    data = {
        "handoff-version": case.version,
        "handoff-body": "street_office",
        "handoff-team": lamps[0].pk,
        "handoff-request": "修路灯",
        "handoff-due_on": (timezone.localdate() + SOON).isoformat(),
        "handoff-pauses_clock": "on",
    }
    other_team, _user = _agency(world.township_b, "乙镇城管中队", "lamps_b")
    assert client.post(url, data).status_code == 302
    before = case_snapshot(case)
    doubled = client.post(url, data)
    assert doubled.status_code == 409 and case_snapshot(case) == before
    case.refresh_from_db()
    forged = client.post(
        url, {**data, "handoff-version": case.version, "handoff-team": other_team.pk}
    )
    assert forged.status_code == 400 and case_snapshot(case) == before
    handoff = case.handoffs.get()
    act = reverse("disputes:handoff_act", args=[case.reference, handoff.pk, "answer"])
    recorded = client.post(
        act, {f"answer-{handoff.pk}-outcome": "done", f"answer-{handoff.pk}-answer": "已修"}
    )
    assert recorded.status_code == 302


def test_another_township_cannot_reach_the_case_side_pages(world, lamps):
    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    client = _client(world.officer_b)
    before = db_snapshot()
    urls = [
        reverse("disputes:handoff_new", args=[case.reference, "handoff"]),
        reverse("disputes:handoff_act", args=[case.reference, handoff.pk, "answer"]),
        reverse("disputes:handoff_act", args=[case.reference, handoff.pk, "cancel"]),
    ]
    for url in urls:
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert db_snapshot() == before
    # A hand-off of another case named under one's own case is a 404 too.
    own = _case(world, lon=120.105, officer=world.officer_b)
    forged = reverse("disputes:handoff_act", args=[own.reference, handoff.pk, "cancel"])
    assert client.post(forged, {f"cancel-{handoff.pk}-reason": "x"}).status_code == 404


def test_the_deadline_watcher_chases_overdue_handoffs(world, lamps):
    from fengqiao.disputes.deadlines import check_deadlines

    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    later = timezone.now() + SOON + dt.timedelta(days=1)
    assert check_deadlines(now=later).handoffs_overdue == [handoff.pk]
    assert Notification.objects.filter(key=f"handoff_overdue:{handoff.pk}").exists()


def test_the_reporters_status_page_shows_the_bodys_answer(client, world, lamps):
    from fengqiao.intake.models import Report

    case = _case(world)
    handoff = _hand_off(case, world.officer_a, lamps[0])
    code = Report.objects.get(case=case).tracking_code
    page = client.get(reverse("intake:status", args=[code])).content.decode()
    assert "转交相关单位办理" in page and "等待该单位答复" in page
    handoffs.answer(
        handoff=handoff, actor=lamps[1], answer="路灯已修复，电话13812345678", outcome="done"
    )
    page = client.get(reverse("intake:status", args=[code])).content.decode()
    assert "路灯已修复" in page and "13812345678" not in page
    assert "等待该单位答复" not in page
