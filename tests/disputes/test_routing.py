"""Re-routing a case (改派): to another grid or building, or to another handling body, with a
reason; only by someone who may steer it, only between places in their jurisdiction.

Every refusal checks that nothing changed (``case_snapshot``: state, version, timeline,
every table's rows).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.disputes import routing, services
from fengqiao.disputes.models import Case, Notification, Party
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Team
from tests.conftest import staff_user
from tests.factories import AssignmentFactory, PersonFactory
from tests.snapshots import case_snapshot


def _case(world, *, lon=120.005) -> Case:
    return submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        level=1,
        text="邻居装修噪音，协商未果",
        lon=lon,
        lat=30.005,
        reporter_name="王某",
        reporter_phone="13900001111",
    ).report.case


@pytest.fixture
def worker_a2(world):
    person = PersonFactory(name="网格员乙", region=world.grid_a2, role_codes=["grid_worker"])
    AssignmentFactory(person=person, duty="grid_worker", region=world.grid_a2)
    return person


def test_a_case_moves_to_another_grid_with_its_parties_and_new_handlers(world, worker_a2):
    case = _case(world)
    assert case.grid == world.grid_a1
    case = routing.reassign_case(
        case=case, actor=world.officer_a, grid=world.grid_a2, reason="事发地在二网格"
    )
    case.refresh_from_db()
    assert case.grid == world.grid_a2 and case.scope_path == world.grid_a2.path
    assert case.state == "received" and case.level == 1 and case.version == 1
    assert list(case.handlers.all()) == [worker_a2]
    assert set(Party.objects.filter(case=case).values_list("scope_path", flat=True)) == {
        world.grid_a2.path
    }
    event = case.events.last()
    assert (event.kind, event.note) == ("reassign", "事发地在二网格")
    assert event.payload["grid"] == [world.grid_a1.code, world.grid_a2.code]
    told = Notification.objects.filter(case=case)
    assert {n.recipient.name for n in told} == {"网格员乙", "grid_worker_a1"}
    assert "改派给您" in told.get(recipient=worker_a2).message


def test_a_building_names_its_grid(world):
    case = _case(world, lon=120.015)  # in grid A2
    assert case.grid == world.grid_a2
    case = routing.reassign_case(
        case=case, actor=world.chief, building=world.building_a1, reason="楼栋选错"
    )
    assert (case.grid, case.building) == (world.grid_a1, world.building_a1)


def test_a_case_is_handed_to_a_team_that_serves_its_place(world):
    mediator = PersonFactory(name="调解员", unit=world.station_a, role_codes=["mediator"])
    team = Team.objects.create(name="甲镇人民调解委员会", kind="committee", region=world.township_a)
    team.members.add(mediator)
    case = routing.reassign_case(
        case=_case(world), actor=world.officer_a, team=team, reason="交调委会办理"
    )
    assert case.team == team and list(case.handlers.all()) == [mediator]
    assert list(routing.handling_teams_for(world.officer_a, case)) == [team]


def test_a_team_serving_another_township_is_refused(world):
    team = Team.objects.create(name="乙镇人民调解委员会", kind="committee", region=world.township_b)
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as refused:
        routing.reassign_case(case=case, actor=world.county_admin, team=team, reason="试试")
    assert "服务区域" in str(refused.value)
    assert case_snapshot(case) == before


def test_reassigning_into_another_township_is_refused_and_nothing_changes(world):
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied) as refused:
        routing.reassign_case(case=case, actor=world.officer_a, grid=world.grid_b1, reason="转乙")
    assert "不在您的辖区" in str(refused.value)
    with pytest.raises(PermissionDenied):
        routing.reassign_case(
            case=case, actor=world.officer_a, building=world.building_b1, reason="转乙"
        )
    assert case_snapshot(case) == before


def test_a_case_of_another_township_cannot_be_pulled_in(world):
    case = _case(world, lon=120.105)  # township B
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied):
        routing.reassign_case(case=case, actor=world.officer_a, grid=world.grid_a1, reason="拉过来")
    assert case_snapshot(case) == before


@pytest.mark.parametrize("who", ["grid_worker_a1", "resident"])
def test_a_grid_worker_or_a_resident_may_not_steer(world, worker_a2, who):
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied):
        routing.reassign_case(
            case=case, actor=getattr(world, who), grid=world.grid_a2, reason="我来改"
        )
    assert case_snapshot(case) == before


def test_a_stale_version_is_refused_as_changed(world, worker_a2):
    case = _case(world)
    stale = case.version
    services.accept_case(case=case, actor=world.grid_worker_a1)
    case.refresh_from_db()
    before = case_snapshot(case)
    with pytest.raises(services.CaseChanged):
        routing.reassign_case(
            case=case, actor=world.officer_a, grid=world.grid_a2, reason="改", version=stale
        )
    old_copy = Case.objects.get(pk=case.pk)
    old_copy.version = stale  # someone holding the case as it was before the acceptance
    with pytest.raises(services.CaseChanged):
        routing.reassign_case(case=old_copy, actor=world.officer_a, grid=world.grid_a2, reason="改")
    assert case_snapshot(case) == before


@pytest.mark.parametrize(
    ("given", "field"),
    [({"grid": "grid_a2", "reason": " "}, "reason"), ({"reason": "没改什么"}, "grid")],
)
def test_bad_input_is_named_by_field(world, worker_a2, given, field):
    case = _case(world)
    before = case_snapshot(case)
    if "grid" in given:
        given = {**given, "grid": world.grid_a2}
    with pytest.raises(ValidationError) as refused:
        routing.reassign_case(case=case, actor=world.officer_a, **given)
    assert field in refused.value.message_dict
    assert case_snapshot(case) == before


def test_the_page_reassigns_and_goes_back_to_the_case(client, world, worker_a2):
    case = _case(world)
    client.force_login(world.officer_a)
    url = reverse("disputes:reassign", args=[case.reference])
    page = client.get(url)
    assert page.status_code == 200 and "甲村二网格" in page.content.decode()
    answer = client.post(
        url, {"version": case.version, "grid": world.grid_a2.pk, "reason": "事发地在二网格"}
    )
    assert answer.status_code == 302 and answer.url == reverse(
        "disputes:case", args=[case.reference]
    )
    case.refresh_from_db()
    assert case.grid == world.grid_a2


def test_the_page_refuses_a_grid_code_of_another_township(client, world):
    case = _case(world)
    client.force_login(world.officer_a)
    before = case_snapshot(case)
    answer = client.post(
        reverse("disputes:reassign", args=[case.reference]),
        {"version": case.version, "grid_code": world.grid_b1.code, "reason": "转乙"},
    )
    assert answer.status_code == 400 and "不在您的辖区内" in answer.content.decode()
    assert case_snapshot(case) == before


def test_the_page_answers_a_stale_form_with_409(client, world, worker_a2):
    case = _case(world)
    client.force_login(world.officer_a)
    services.accept_case(case=case, actor=world.grid_worker_a1)
    before = case_snapshot(case)
    answer = client.post(
        reverse("disputes:reassign", args=[case.reference]),
        {"version": 0, "grid": world.grid_a2.pk, "reason": "改"},
    )
    assert answer.status_code == 409 and "刷新" in answer.content.decode()
    assert case_snapshot(case) == before


def test_the_page_is_refused_to_a_grid_worker(client, world):
    case = _case(world)
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("disputes:reassign", args=[case.reference])).status_code == 403


def test_the_case_page_offers_reassigning_to_who_may_steer_only(client, world):
    from django.urls import reverse

    case = _case(world)
    link = reverse("disputes:reassign", args=[case.reference])
    client.force_login(world.officer_a)
    assert link in client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    client.force_login(world.grid_worker_a1)
    assert link not in client.get(reverse("disputes:case", args=[case.reference])).content.decode()


def test_the_county_admin_finds_the_countys_settings_from_a_case(client, world):
    from django.urls import reverse

    case = _case(world)
    link = reverse("disputes:county_policy", args=[world.county.code])
    client.force_login(world.county_admin)
    assert link in client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    client.force_login(world.officer_a)
    assert link not in client.get(reverse("disputes:case", args=[case.reference])).content.decode()


def test_the_report_follows_its_case_to_the_new_place(world, worker_a2):
    from fengqiao.intake.models import Report

    case = _case(world)
    routing.reassign_case(case=case, actor=world.officer_a, grid=world.grid_a2, reason="登记错了")
    report = Report.objects.get(case=case)
    assert (report.grid, report.building, report.scope_path) == (
        world.grid_a2,
        None,
        world.grid_a2.path,
    )
