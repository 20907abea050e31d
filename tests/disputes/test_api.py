"""The cases API: the same scope as the pages, moves through the services, one error shape.

Every refusal checks the answer and that nothing changed (state, version, timeline, audit).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.factories import PersonFactory, UserFactory
from tests.snapshots import case_snapshot

ID_NUMBER = "11010519491231002X"


def _case(*, lon=120.005, risk="yellow", text="邻居装修噪音，协商未果") -> Case:
    return submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=text,
        lon=lon,
        lat=30.005,
        parties=[
            {"role": "applicant", "name": "王某", "phone": "13900001111", "id_number": ID_NUMBER},
            {"role": "respondent", "name": "赵某"},
        ],
    ).report.case


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _move(user, case: Case, **body):
    url = reverse("api:case-transitions", args=[case.reference])
    return _api(user).post(url, body, format="json")


@pytest.fixture
def case_a(world) -> Case:
    return _case()


@pytest.fixture
def case_b(world) -> Case:
    return _case(lon=120.105, text="乙社区楼道堆物引发争吵")


# --- reading ---------------------------------------------------------------------------


def test_officer_a_lists_township_a_cases_and_not_township_b(world, case_a, case_b):
    rows = _api(world.officer_a).get(reverse("api:case-list")).json()["results"]
    assert [row["reference"] for row in rows] == [case_a.reference]
    # The report it came from, read back through the report's link to the case.
    assert rows[0]["report"] == Report.objects.get(case=case_a).tracking_code
    detail = _api(world.officer_a).get(reverse("api:case-detail", args=[case_a.reference]))
    assert detail.json()["report"] == rows[0]["report"]


def test_a_case_in_township_b_is_not_found_for_officer_a(world, case_b):
    response = _api(world.officer_a).get(reverse("api:case-detail", args=[case_b.reference]))
    assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_a_missing_case_and_one_outside_scope_look_the_same(world, case_b):
    client = _api(world.officer_a)
    outside = client.get(reverse("api:case-detail", args=[case_b.reference]))
    missing = client.get(reverse("api:case-detail", args=["330699-2000-999999"]))
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_the_detail_has_parties_handlers_and_the_timeline(world, case_a):
    body = _api(world.officer_a).get(reverse("api:case-detail", args=[case_a.reference])).json()
    assert [p["name"] for p in body["parties"]] == ["王某", "赵某"]
    assert [h["name"] for h in body["handlers"]] == ["grid_worker_a1"]
    assert [e["kind"] for e in body["events"]] == ["received"]
    assert body["version"] == 0 and body["grid"] == world.grid_a1.code
    assert "accept" in body["allowed_actions"]


def test_police_see_masked_numbers_too(world, case_a):
    # A full number is revealed on the case page, for a reason (test_party_numbers.py).
    body = _api(world.officer_a).get(reverse("api:case-detail", args=[case_a.reference])).json()
    assert body["parties"][0]["id_number"] == "110***********002X"
    assert body["parties"][0]["phone"] == "139****1111"


def test_grid_workers_see_masked_id_numbers_and_phones(world, case_a):
    client = _api(world.grid_worker_a1)
    party = client.get(reverse("api:case-detail", args=[case_a.reference])).json()["parties"][0]
    assert party["id_number"] == "110***********002X"
    assert party["phone"] == "139****1111"


def test_cases_filter_by_state_risk_level_category_grid_and_search(world, case_a):
    red = _case(risk="red", text="宅基地边界纠纷，双方已动手")
    client = _api(world.officer_a)

    def references(**query):
        rows = client.get(reverse("api:case-list"), query).json()["results"]
        return {row["reference"] for row in rows}

    assert references(risk="red") == {red.reference}
    assert references(level=2) == {red.reference}
    assert references(state="received") == {case_a.reference, red.reference}
    assert references(state="accepted") == set()
    assert references(category="neighbourhood", grid=world.grid_a1.code) == {
        case_a.reference,
        red.reference,
    }
    assert references(grid=world.grid_a2.code) == set()
    assert references(q="宅基地") == {red.reference}
    assert references(q="赵某") == {case_a.reference, red.reference}
    assert references(q=case_a.reference) == {case_a.reference}
    assert references(q="1111") == {case_a.reference, red.reference}  # a party phone tail
    assert references(state="active") == {case_a.reference, red.reference}


def test_a_grid_worker_filters_to_the_cases_he_handles(world, case_a):
    red = _case(risk="red", text="宅基地边界纠纷，双方已动手")
    officer = _api(world.officer_a).get(reverse("api:case-list"), {"mine": "true"}).json()
    assert {row["reference"] for row in officer["results"]} == {red.reference}
    worker = _api(world.grid_worker_a1).get(reverse("api:case-list"), {"mine": "true"}).json()
    assert {row["reference"] for row in worker["results"]} == {case_a.reference, red.reference}


def test_an_unknown_filter_value_is_a_field_error(world, case_a):
    response = _api(world.officer_a).get(reverse("api:case-list"), {"risk": "purple"})
    assert response.status_code == 400 and "risk" in response.json()


def test_the_case_list_does_not_grow_queries_with_cases(world, django_assert_max_num_queries):
    for _ in range(5):
        _case()
    client = _api(world.officer_a)
    with django_assert_max_num_queries(12):
        rows = client.get(reverse("api:case-list")).json()["results"]
    assert len(rows) == 5


def test_a_resident_without_a_role_may_not_list_cases(world, case_a):
    client = _api(world.resident)
    assert client.get(reverse("api:case-list")).status_code == 403
    assert client.get(reverse("api:case-detail", args=[case_a.reference])).status_code == 403


def test_the_api_needs_authentication(world, case_a):
    assert APIClient().get(reverse("api:case-list")).status_code in (401, 403)


# --- token authentication --------------------------------------------------------------


def test_a_staff_client_authenticates_with_its_token(world, case_a):
    token = Token.objects.create(user=world.officer_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    rows = client.get(reverse("api:case-list")).json()["results"]
    assert [row["reference"] for row in rows] == [case_a.reference]


def test_a_wrong_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(reverse("api:case-list"))
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate.
    assert response.status_code in (401, 403) and set(response.json()) == {"detail"}


def test_the_command_issues_one_token_per_member_of_staff(world, capsys):
    call_command("issue_api_token", "officer_a")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=world.officer_a).key == key
    call_command("issue_api_token", "officer_a")
    assert capsys.readouterr().out.strip() == key
    call_command("issue_api_token", "officer_a", "--rotate")
    rotated = capsys.readouterr().out.strip()
    assert rotated != key and Token.objects.get(user=world.officer_a).key == rotated
    assert AuditEvent.objects.filter(action="org.api_token_issued").count() == 2


@pytest.mark.parametrize("username", ["resident", "nobody"])
def test_the_command_refuses_people_who_are_not_staff(world, username):
    with pytest.raises(CommandError):
        call_command("issue_api_token", username)
    assert Token.objects.count() == 0


def test_the_command_refuses_staff_who_left(world):
    user = UserFactory(username="retired")
    PersonFactory(
        user=user, name="retired", region=world.grid_a1, active=False, role_codes=["grid_worker"]
    )
    with pytest.raises(CommandError):
        call_command("issue_api_token", "retired")
    assert Token.objects.count() == 0


# --- moves -----------------------------------------------------------------------------


def test_the_grid_worker_accepts_and_the_timeline_grows(world, case_a):
    response = _move(world.grid_worker_a1, case_a, action="accept", version=0, note="已电话联系")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "accepted" and body["version"] == 1
    assert [e["kind"] for e in body["events"]] == ["received", "accept"]
    assert body["events"][-1]["note"] == "已电话联系"
    assert Case.objects.get(pk=case_a.pk).state == "accepted"


def test_an_illegal_move_is_refused_in_chinese_and_changes_nothing(world, case_a):
    before = case_snapshot(case_a)
    response = _move(world.grid_worker_a1, case_a, action="reach_agreement", version=0)
    assert response.status_code == 400
    assert "当前状态" in response.json()["detail"]
    assert case_snapshot(case_a) == before


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, case_a):
    assert _move(world.grid_worker_a1, case_a, action="accept", version=0).status_code == 200
    before = case_snapshot(case_a)
    response = _move(world.officer_a, case_a, action="investigate", version=0)
    assert response.status_code == 409
    assert "刷新" in response.json()["detail"]
    assert case_snapshot(case_a) == before


def test_officer_b_cannot_move_a_case_in_township_a(world, case_a):
    before = case_snapshot(case_a)
    response = _move(world.officer_b, case_a, action="accept", version=0)
    assert response.status_code == 404
    assert case_snapshot(case_a) == before


def test_a_role_that_may_not_steer_gets_403_and_nothing_changes(world, case_a):
    before = case_snapshot(case_a)
    response = _move(world.grid_worker_a1, case_a, action="escalate", version=0, reason="想上报")
    assert response.status_code == 403 and set(response.json()) == {"detail"}
    assert case_snapshot(case_a) == before


def test_a_resident_may_not_move_a_case(world, case_a):
    before = case_snapshot(case_a)
    assert _move(world.resident, case_a, action="accept", version=0).status_code == 403
    assert case_snapshot(case_a) == before


def test_escalation_moves_the_case_up_with_its_reason(world, case_a):
    response = _move(world.officer_a, case_a, action="escalate", version=0, reason="多次调解无果")
    body = response.json()
    assert response.status_code == 200 and body["level"] == 2
    assert body["events"][-1]["kind"] == "escalate"
    assert body["events"][-1]["note"] == "多次调解无果"


def test_regrading_needs_the_new_grade_and_lowering_needs_a_reason(world):
    case = _case(risk="red")
    missing = _move(world.officer_a, case, action="regrade", version=0)
    assert missing.status_code == 400 and "risk" in missing.json()
    unexplained = _move(world.officer_a, case, action="regrade", version=0, risk="blue")
    assert unexplained.status_code == 400 and "reason" in unexplained.json()
    assert Case.objects.get(pk=case.pk).risk == "red"
    done = _move(world.officer_a, case, action="regrade", version=0, risk="yellow", reason="已冷静")
    assert done.status_code == 200 and done.json()["risk"] == "yellow"


def test_pause_and_resume_the_clock(world, case_a):
    paused = _move(world.grid_worker_a1, case_a, action="pause", version=0, reason="当事人外出")
    assert paused.status_code == 200 and paused.json()["paused_since"] is not None
    assert "resume" in paused.json()["allowed_actions"]
    again = _move(world.grid_worker_a1, case_a, action="pause", version=1, reason="again")
    assert again.status_code == 400 and "detail" in again.json()
    resumed = _move(world.grid_worker_a1, case_a, action="resume", version=1)
    assert resumed.status_code == 200 and resumed.json()["paused_since"] is None


def test_transfer_needs_the_receiving_body(world, case_a):
    before = case_snapshot(case_a)
    response = _move(world.officer_a, case_a, action="transfer", version=0, reason="涉嫌违法")
    assert response.status_code == 400 and "body" in response.json()
    assert case_snapshot(case_a) == before
    unknown = _move(
        world.officer_a,
        case_a,
        action="transfer",
        version=0,
        reason="涉嫌违法",
        body="刑侦大队",
        transfer_kind="prison",
    )
    assert unknown.status_code == 400 and "transfer_kind" in unknown.json()
    assert case_snapshot(case_a) == before
    done = _move(
        world.officer_a,
        case_a,
        action="transfer",
        version=0,
        reason="涉嫌违法",
        body="刑侦大队",
        transfer_kind="criminal",
    )
    assert done.status_code == 200 and done.json()["state"] == "transferred"
    event = case_a.events.get(kind="transfer")
    assert event.payload == {"body": "刑侦大队", "kind": "criminal"}


def test_a_case_merges_only_into_one_inside_the_jurisdiction(world, case_a, case_b):
    keep = _case(text="同一楼上噪音，另一位邻居反映")
    outside = _move(world.officer_a, case_a, action="merge", version=0, into=case_b.reference)
    assert outside.status_code == 400 and "into" in outside.json()
    assert Case.objects.get(pk=case_a.pk).state == "received"
    done = _move(world.officer_a, case_a, action="merge", version=0, into=keep.reference)
    assert done.status_code == 200
    assert done.json()["state"] == "merged" and done.json()["merged_into"] == keep.reference


def test_an_unknown_action_is_a_field_error(world, case_a):
    response = _move(world.officer_a, case_a, action="reopen", version=0)
    assert response.status_code == 400 and "action" in response.json()


# --- opening a case directly -----------------------------------------------------------


def _new_case(**extra) -> dict:
    return {
        "grid_code": "330699001001G01",
        "category": "neighbourhood",
        "risk": "yellow",
        "channel": "walk_in",
        "title": "楼道堆物",
        "narrative": "三楼住户长期在楼道堆放杂物，邻居多次劝说无果",
        "parties": [{"role": "applicant", "name": "钱某", "phone": "13800002222"}],
        **extra,
    }


def test_officer_a_opens_a_case_in_his_grid(world):
    response = _api(world.officer_a).post(reverse("api:case-list"), _new_case(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.grid == world.grid_a1 and case.state == "received"
    assert not Report.objects.filter(case=case).exists() and body["report"] is None
    assert body["parties"][0]["phone"] == "138****2222"
    assert [e["kind"] for e in body["events"]] == ["received"]


def test_a_case_cannot_be_opened_in_another_township(world):
    body = _new_case(grid_code=world.grid_b1.code)
    response = _api(world.officer_a).post(reverse("api:case-list"), body, format="json")
    assert response.status_code == 400 and "grid_code" in response.json()
    assert Case.objects.count() == 0


def test_a_bad_party_number_is_reported_against_that_party(world):
    body = _new_case(
        parties=[{"role": "applicant", "name": "钱某", "id_number": "110105194912310021"}]
    )
    response = _api(world.officer_a).post(reverse("api:case-list"), body, format="json")
    assert response.status_code == 400
    assert "校验位" in response.json()["parties"]["0"]["id_number"][0]
    assert Case.objects.count() == 0


def test_a_resident_may_not_open_a_case(world):
    response = _api(world.resident).post(reverse("api:case-list"), _new_case(), format="json")
    assert response.status_code == 403 and Case.objects.count() == 0
