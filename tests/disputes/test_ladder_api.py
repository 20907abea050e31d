"""The ladder through the cases API: verification (verify, 回退), supervision (issue, answer,
close) and the case leader as moves of the transitions endpoint; the detail shows orders,
leader and hand-offs without numbers. Every refusal checks that nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import handoffs, services, supervision
from fengqiao.disputes.models import Case, Supervision
from tests.conftest import _staff
from tests.disputes.ladder_cases import case_at
from tests.disputes.test_api import _api
from tests.snapshots import case_snapshot


def _due(days: int = 3) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _move(user, case: Case, action: str, **body):
    """POST the move with the version as stored now (a fresh read, as a client would)."""
    body = {"action": action, "version": _fresh(case).version, **body}
    url = reverse("api:case-transitions", args=[case.reference])
    return _api(user).post(url, body, format="json")


def _detail(user, case: Case):
    return _api(user).get(reverse("api:case-detail", args=[case.reference]))


@pytest.fixture
def accepted(world) -> Case:
    """A level-2 case handled by officer A: closing it waits for verification."""
    return services.accept_case(case=case_at(2), actor=world.officer_a)


@pytest.fixture
def verifying(world, accepted) -> Case:
    return services.close_or_verify(case=accepted, actor=world.officer_a, note="双方已和解")


@pytest.fixture
def chief_b(world):
    return _staff("chief_b", ["station_chief"], unit=world.station_b, grant_unit=world.station_b)[0]


# --- verification ----------------------------------------------------------------------


def test_the_chief_verifies_through_the_api_and_the_case_closes(world, verifying):
    assert "verify" in _detail(world.chief, verifying).json()["allowed_actions"]
    answer = _move(world.chief, verifying, "verify", note="电话回访属实")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "closed" and body["closed_at"]
    assert body["events"][-1]["kind"] == "verify"
    assert AuditEvent.objects.filter(action="disputes.verify").exists()


def test_a_rejected_verification_needs_a_reason_and_goes_back(world, verifying):
    before = case_snapshot(verifying)
    refused = _move(world.chief, verifying, "reject_verification", reason=" ")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert case_snapshot(verifying) == before
    answer = _move(world.chief, verifying, "reject_verification", reason="当事人表示未解决")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "accepted"
    assert answer.json()["events"][-1]["note"] == "当事人表示未解决"


def test_the_handler_may_not_verify_their_own_case(world, verifying):
    assert "verify" not in _detail(world.officer_a, verifying).json()["allowed_actions"]
    before = case_snapshot(verifying)
    for action, extra in (("verify", {}), ("reject_verification", {"reason": "不实"})):
        answer = _move(world.officer_a, verifying, action, **extra)
        assert answer.status_code == 403, answer.content
        assert set(answer.json()) == {"detail"}
    assert case_snapshot(verifying) == before


def test_another_townships_chief_does_not_find_the_case(world, verifying, chief_b):
    before = case_snapshot(verifying)
    assert _move(chief_b, verifying, "verify").status_code == 404
    assert _move(chief_b, verifying, "supervise", reason="督办", due_on=_due()).status_code == 404
    assert case_snapshot(verifying) == before


def test_a_stale_version_is_a_conflict_and_verifies_nothing(world, verifying):
    before = case_snapshot(verifying)
    url = reverse("api:case-transitions", args=[verifying.reference])
    answer = _api(world.chief).post(
        url, {"action": "verify", "version": verifying.version - 1}, format="json"
    )
    assert answer.status_code == 409
    assert case_snapshot(verifying) == before


def test_a_doubled_verification_is_refused_the_second_time(world, verifying):
    version = _fresh(verifying).version
    url = reverse("api:case-transitions", args=[verifying.reference])
    first = _api(world.chief).post(url, {"action": "verify", "version": version}, format="json")
    assert first.status_code == 200
    before = case_snapshot(verifying)
    again = _api(world.chief).post(url, {"action": "verify", "version": version}, format="json")
    assert again.status_code == 409
    assert case_snapshot(verifying) == before


# --- supervision -----------------------------------------------------------------------


def test_the_chief_supervises_with_a_yellow_card_and_the_detail_shows_it(world, accepted):
    assert "supervise" in _detail(world.chief, accepted).json()["allowed_actions"]
    answer = _move(
        world.chief,
        accepted,
        "supervise",
        reason="超期未化解，联系人13900001111",
        due_on=_due(),
        card="yellow",
    )
    assert answer.status_code == 200, answer.content
    [order] = answer.json()["supervisions"]
    assert (order["card"], order["points"], order["due_on"]) == ("yellow", 1, _due())
    assert order["person"] == world.officer_a.person.name
    assert order["unit"] == world.station_a.name
    assert order["answered_at"] is None and order["closed_at"] is None
    # A number typed into the reason is masked, as everywhere in the API.
    assert "13900001111" not in order["reason"] and "139****1111" in order["reason"]
    assert Supervision.objects.get().points == 1


def test_the_handler_answers_and_the_chief_closes_the_order(world, accepted):
    order = supervision.issue_supervision(
        case=accepted, actor=world.chief, reason="红色督办", due_on=timezone.localdate(), card="red"
    )
    assert "answer_supervision" in _detail(world.officer_a, accepted).json()["allowed_actions"]
    assert "close_supervision" not in _detail(world.chief, accepted).json()["allowed_actions"]
    answered = _move(
        world.officer_a,
        accepted,
        "answer_supervision",
        supervision=order.pk,
        answer="已组织双方调解",
    )
    assert answered.status_code == 200, answered.content
    shown = answered.json()["supervisions"][0]
    assert shown["answer"] == "已组织双方调解" and shown["answered_by"] == "officer_a"
    assert "close_supervision" in _detail(world.chief, accepted).json()["allowed_actions"]
    closed = _move(world.chief, accepted, "close_supervision", supervision=order.pk, note="同意")
    assert closed.status_code == 200, closed.content
    assert closed.json()["supervisions"][0]["closed_at"]
    kinds = [event["kind"] for event in closed.json()["events"]]
    assert kinds[-2:] == ["supervision_answered", "supervision_closed"]


def test_a_doubled_answer_is_a_conflict(world, accepted):
    order = supervision.issue_supervision(
        case=accepted, actor=world.chief, reason="督办", due_on=timezone.localdate()
    )
    first = _move(world.officer_a, accepted, "answer_supervision", supervision=order.pk, answer="a")
    assert first.status_code == 200
    before = case_snapshot(accepted)
    again = _move(world.officer_a, accepted, "answer_supervision", supervision=order.pk, answer="b")
    assert again.status_code == 409
    assert case_snapshot(accepted) == before


def test_closing_an_order_not_yet_answered_is_refused(world, accepted):
    order = supervision.issue_supervision(
        case=accepted, actor=world.chief, reason="督办", due_on=timezone.localdate()
    )
    before = case_snapshot(accepted)
    answer = _move(world.chief, accepted, "close_supervision", supervision=order.pk)
    assert answer.status_code == 400 and "supervision" in answer.json()
    assert case_snapshot(accepted) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("card", "purple"), ("due_on", "2001-01-01"), ("due_on", None), ("reason", " ")],
)
def test_bad_supervision_input_is_a_field_error_and_writes_nothing(world, accepted, field, value):
    before = case_snapshot(accepted)
    body = {"reason": "超期未化解", "due_on": _due(), "card": "red", field: value}
    answer = _move(world.chief, accepted, "supervise", **body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert case_snapshot(accepted) == before


def test_a_forged_person_unit_or_order_id_is_refused(world, accepted):
    other = case_at(2, title="另一件纠纷")
    foreign_order = supervision.issue_supervision(
        case=other, actor=world.chief, reason="督办", due_on=timezone.localdate()
    )
    before = case_snapshot(accepted)
    forged = [
        ("supervise", {"person": world.officer_b.person.pk}, "person"),  # township B
        ("supervise", {"person": world.chief.person.pk}, "person"),  # not on this case
        ("supervise", {"unit": world.station_b.pk}, "unit"),
        ("supervise", {"person": 999999}, "person"),
        ("answer_supervision", {"supervision": foreign_order.pk, "answer": "x"}, "supervision"),
        ("close_supervision", {"supervision": 999999}, "supervision"),
        ("close_supervision", {"supervision": 2**70}, "supervision"),  # past any column
        ("supervise", {"unit": 2**70}, "unit"),
        ("answer_supervision", {"answer": "x"}, "supervision"),
    ]
    for action, extra, field in forged:
        body = {"reason": "督办", "due_on": _due(), **extra}
        answer = _move(world.chief, accepted, action, **body)
        assert answer.status_code == 400, (action, extra, answer.content)
        assert field in answer.json(), (action, extra)
    assert case_snapshot(accepted) == before


@pytest.mark.parametrize("who", ["officer", "grid_worker", "resident"])
def test_those_who_may_not_supervise_get_403_and_nothing_changes(world, accepted, who):
    user = {
        "officer": world.officer_a,
        "grid_worker": world.grid_worker_a1,
        "resident": world.resident,
    }[who]
    before = case_snapshot(accepted)
    for action, extra in (
        # A forged id behind a refusal: the refusal answers first, no lookup.
        ("supervise", {"reason": "督办", "due_on": _due(), "person": 999999}),
        ("name_leader", {"leader": world.chief.person.pk}),
    ):
        answer = _move(user, accepted, action, **extra)
        assert answer.status_code == 403, (action, answer.content)
    assert case_snapshot(accepted) == before
    assert not Supervision.objects.exists()


# --- the case leader -------------------------------------------------------------------


def test_a_leader_id_past_any_column_is_a_field_error(world, accepted):
    before = case_snapshot(accepted)
    answer = _move(world.chief, accepted, "name_leader", leader=2**70)
    assert answer.status_code == 400 and "leader" in answer.json()
    assert case_snapshot(accepted) == before


def test_the_chief_names_and_releases_the_case_leader(world, accepted):
    leader = world.chief.person
    named = _move(world.chief, accepted, "name_leader", leader=leader.pk, reason="重大纠纷")
    assert named.status_code == 200, named.content
    assert named.json()["leader"] == {"id": leader.pk, "name": leader.name}
    assert _fresh(accepted).leader_id == leader.pk
    released = _move(world.chief, accepted, "name_leader", leader=None)
    assert released.status_code == 200, released.content
    assert released.json()["leader"] is None


def test_a_leader_must_be_named_and_be_a_chief_in_reach(world, accepted, chief_b):
    before = case_snapshot(accepted)
    for extra in ({}, {"leader": chief_b.person.pk}, {"leader": world.officer_a.person.pk}):
        answer = _move(world.chief, accepted, "name_leader", **extra)
        assert answer.status_code == 400, (extra, answer.content)
        assert "leader" in answer.json()
    assert case_snapshot(accepted) == before


# --- what the detail shows -------------------------------------------------------------


def test_the_detail_shows_handoffs_without_numbers(world, accepted):
    handoff = handoffs.hand_off(
        case=accepted,
        actor=world.officer_a,
        kind="handoff",
        body="street_office",
        body_name="甲镇城管中队",
        request="请修复小区3号路灯，联系人电话13900001111",
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )
    handoffs.answer(
        handoff=handoff,
        actor=world.officer_a,
        answer="已修复，回电13900001111",
        outcome="done",
        answered_by_name="城管张某",
    )
    [shown] = _detail(world.officer_a, accepted).json()["handoffs"]
    assert (shown["kind"], shown["body"], shown["outcome"]) == ("handoff", "street_office", "done")
    assert shown["due_on"] == handoff.due_on.isoformat() and shown["answered_at"]
    assert shown["answered_by_name"] == "城管张某"
    assert "13900001111" not in str(shown)
    assert "139****1111" in shown["request"]


def test_the_detail_reads_the_ladder_in_a_fixed_number_of_queries(
    world, accepted, django_assert_max_num_queries
):
    for days in (1, 2, 3):
        supervision.issue_supervision(
            case=_fresh(accepted),
            actor=world.chief,
            reason="督办",
            due_on=timezone.localdate() + dt.timedelta(days=days),
            card="yellow",
        )
    client = _api(world.chief)
    url = reverse("api:case-detail", args=[accepted.reference])
    client.get(url)  # warm the permission caches
    with django_assert_max_num_queries(40) as counted:
        client.get(url)
    once = len(counted.captured_queries)
    supervision.issue_supervision(
        case=_fresh(accepted), actor=world.chief, reason="督办", due_on=timezone.localdate()
    )
    with django_assert_max_num_queries(once):
        client.get(url)


# --- the clock resumed by a body's answer ----------------------------------------------


def test_a_bodys_answer_resumes_the_clock_through_the_one_resume(world, accepted):
    """The partner body's staff may not work the case, yet their answer ends the wait: the
    same resume (conditional update, timeline, audit) as the officer's, marked by whom."""
    from fengqiao.org.models import Team
    from tests.factories import PersonFactory, UserFactory

    team = Team.objects.create(name="甲镇城管中队", kind=Team.Kind.AGENCY, region=world.township_a)
    body_user = UserFactory(username="lamps_a")
    team.members.add(
        PersonFactory(
            user=body_user, name="城管联络员", region=world.township_a, role_codes=["agency_staff"]
        )
    )
    handoff = handoffs.hand_off(
        case=accepted,
        actor=world.officer_a,
        kind="handoff",
        body="street_office",
        team=team,
        request="请修复路灯",
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )
    paused = _fresh(accepted)
    assert paused.paused_since is not None
    assert _detail(body_user, accepted).status_code == 403  # the body does not read the case
    handoffs.answer(handoff=handoff, actor=body_user, answer="已修复", outcome="done")
    case = _fresh(accepted)
    assert case.paused_since is None and case.version == paused.version + 1
    resumed = case.events.get(kind="resume")
    assert resumed.payload["paused_since"] and resumed.actor == body_user
    audit = AuditEvent.objects.filter(action="disputes.resume").get()
    assert audit.changes["by"] == "handoff_answer"
    assert case.first_action_at == paused.first_action_at
