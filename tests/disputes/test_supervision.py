"""Supervision (督办) with cards and points, answered by the handler and closed by the
supervisor; the case leader (包案领导); the case page and the chief's board show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.disputes import services, supervision, views
from fengqiao.disputes.models import Case, Supervision
from tests.conftest import _staff
from tests.disputes.ladder_cases import case_at
from tests.snapshots import case_snapshot, db_snapshot


def _case(world, *, level: int = 2) -> Case:
    return services.accept_case(case=case_at(level), actor=world.officer_a)


def _due(days: int = 3) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_chief_issues_a_yellow_card_held_against_the_handler_and_their_unit(world):
    case = _case(world)
    order = supervision.issue_supervision(
        case=case, actor=world.chief, reason="超期未化解", due_on=_due(), card="yellow"
    )
    assert (order.card, order.points) == ("yellow", 1)
    assert order.person == world.officer_a.person and order.unit == world.station_a
    assert order.issued_by.user == world.chief
    event = _fresh(case).events.last()
    assert event.kind == "supervise" and event.payload["card"] == "yellow"
    assert case.handlers.first().notifications.filter(key=f"supervised:{order.pk}").exists()


def test_the_handler_answers_and_the_chief_closes(world):
    case = _case(world)
    order = supervision.issue_supervision(
        case=case, actor=world.chief, reason="红色案件督办", due_on=_due(), card="red"
    )
    assert "answer_supervision" in views.actions_for(world.officer_a, _fresh(case))
    with pytest.raises(ValidationError):
        supervision.close_supervision(order=order, actor=world.chief)  # not answered yet
    supervision.answer_supervision(order=order, actor=world.officer_a, answer="已组织双方调解")
    with pytest.raises(services.CaseChanged):
        supervision.answer_supervision(order=order, actor=world.officer_a, answer="再次反馈")
    assert "close_supervision" in views.actions_for(world.chief, _fresh(case))
    order = supervision.close_supervision(order=order, actor=world.chief, note="同意办结")
    assert order.closed_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["supervision_answered", "supervision_closed"]


def test_points_add_up_per_unit_and_per_person(world):
    first, second = _case(world), _case(world)
    for case, card in ((first, "yellow"), (second, "red"), (second, "none")):
        supervision.issue_supervision(
            case=case, actor=world.chief, reason="督办", due_on=_due(), card=card
        )
    assert supervision.points_of(person=world.officer_a.person) == 4
    assert supervision.points_of(unit=world.station_a) == 4
    board = supervision.board_for(world.chief)
    assert board.open_total == 3
    assert [(r.name, r.orders, r.yellow, r.red, r.points) for r in board.units] == [
        (world.station_a.name, 3, 1, 1, 4)
    ]
    assert [(r.name, r.points) for r in board.people] == [("officer_a", 4)]
    # Township B's chief sees none of it.
    chief_b, _ = _staff(
        "chief_b", ["station_chief"], unit=world.station_b, grant_unit=world.station_b
    )
    assert supervision.board_for(chief_b).open_total == 0
    assert supervision.board_for(chief_b).units == []


def test_a_supervised_case_is_verified_before_it_closes(world):
    case = _case(world, level=1)
    supervision.issue_supervision(case=case, actor=world.chief, reason="重复纠纷", due_on=_due())
    case = services.close_or_verify(case=_fresh(case), actor=world.grid_worker_a1)
    assert case.state == "verifying"


@pytest.mark.parametrize("who", ["grid_worker", "resident", "chief_b", "officer", "mediator"])
def test_those_who_may_not_supervise_change_nothing(world, who):
    chief_b, _ = _staff(
        "chief_b", ["station_chief"], unit=world.station_b, grant_unit=world.station_b
    )
    mediator, _ = _staff(
        "mediator_a", ["mediator"], region=world.township_a, grant_region=world.township_a
    )
    actor = {
        "grid_worker": world.grid_worker_a1,
        "resident": world.resident,
        "chief_b": chief_b,
        "officer": world.officer_a,
        "mediator": mediator,
    }[who]
    case = _case(world)
    before = case_snapshot(case)
    assert "supervise" not in views.actions_for(actor, _fresh(case))
    with pytest.raises(PermissionDenied):
        supervision.issue_supervision(
            case=_fresh(case), actor=actor, reason="督办", due_on=_due(), card="red"
        )
    with pytest.raises(PermissionDenied):
        supervision.name_leader(case=_fresh(case), actor=actor, leader=world.chief.person)
    assert case_snapshot(case) == before
    assert not Supervision.objects.exists()


def test_bad_input_is_refused_by_field_and_writes_nothing(world):
    case = _case(world)
    officer_b_person = world.officer_b.person
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        supervision.issue_supervision(
            case=case,
            actor=world.chief,
            reason=" ",
            due_on=timezone.localdate() - dt.timedelta(days=1),
            card="purple",
            person=officer_b_person,  # a forged id from another township
        )
    assert set(refused.value.error_dict) == {"reason", "due_on", "card", "person"}
    assert db_snapshot() == before


def test_only_the_held_person_or_the_cases_workers_answer(world):
    case = _case(world)
    order = supervision.issue_supervision(
        case=case, actor=world.chief, reason="督办", due_on=_due()
    )
    for outsider in (world.officer_b, world.resident):
        with pytest.raises(PermissionDenied):
            supervision.answer_supervision(order=order, actor=outsider, answer="假反馈")
    order.refresh_from_db()
    assert order.answered_at is None


def test_the_chief_names_a_case_leader_shown_on_the_page(world, client):
    case = _case(world)
    case = supervision.name_leader(
        case=case, actor=world.chief, leader=world.chief.person, reason="重大纠纷"
    )
    assert case.leader == world.chief.person
    with pytest.raises(ValidationError):
        supervision.name_leader(case=case, actor=world.chief, leader=world.officer_b.person)
    client.force_login(world.officer_a)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "包案领导" in page and "chief" in page


def test_the_page_supervises_answers_and_closes(world, client):
    case = _case(world)
    client.force_login(world.chief)
    answer = client.post(
        f"/cases/{case.reference}/act/supervise/",
        {
            "supervise-version": case.version,
            "supervise-reason": "超期督办",
            "supervise-due_on": _due().isoformat(),
            "supervise-card": "yellow",
        },
    )
    assert answer.status_code == 302
    order = Supervision.objects.get()
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "超期督办" in page and "黄牌" in page and "待反馈" in page
    client.force_login(world.officer_a)
    case = _fresh(case)
    answer = client.post(
        f"/cases/{case.reference}/act/answer_supervision/",
        {
            "answer_supervision-version": case.version,
            "answer_supervision-supervision": order.pk,
            "answer_supervision-answer": "已上门调解",
        },
    )
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.answer == "已上门调解"
    client.force_login(world.chief)
    board = client.get("/cases/board/").content.decode()
    assert "督办与亮牌" in board and world.station_a.name in board


def test_a_forged_order_id_from_another_case_is_refused(world, client):
    case, other = _case(world), _case(world)
    foreign = supervision.issue_supervision(
        case=other, actor=world.chief, reason="督办", due_on=_due()
    )
    client.force_login(world.officer_a)
    answer = client.post(
        f"/cases/{case.reference}/act/answer_supervision/",
        {
            "answer_supervision-version": case.version,
            "answer_supervision-supervision": foreign.pk,
            "answer_supervision-answer": "伪造",
        },
    )
    assert answer.status_code in (400, 403)
    foreign.refresh_from_db()
    assert foreign.answered_at is None


def test_the_case_page_shows_the_residents_rating_and_links_the_report(world, client):
    from fengqiao.intake.models import Report
    from fengqiao.intake.services import submit_report
    from tests.conftest import staff_user

    report = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
        reporter_phone="13900001111",
    ).report
    Report.objects.filter(pk=report.pk).update(satisfaction=4, feedback="fixed")
    client.force_login(world.officer_a)
    page = client.get(f"/cases/{report.case.reference}/").content.decode()
    assert "★★★★☆" in page and "已解决" in page
    assert f"/report/r/{report.tracking_code}/" in page


def test_a_mediator_without_a_police_unit_docks_no_police_station(world):
    from tests.factories import PersonFactory

    case = _case(world)
    mediator = PersonFactory(name="钱调解", region=world.township_a, role_codes=["mediator"])
    order = supervision.issue_supervision(
        case=case,
        actor=world.chief,
        reason="逾期未结",
        due_on=timezone.localdate(),
        card="yellow",
        person=mediator,
    )
    assert (order.person, order.unit, order.points) == (mediator, None, 1)
