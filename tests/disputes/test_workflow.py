"""A case moves only by legal moves, made by people who may, inside their jurisdiction.

Every refusal checks that nothing changed: state, version, timeline and audit trail.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.disputes import services
from fengqiao.disputes.models import Case, CaseEvent, CaseSequence, Notification
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.factories import PersonFactory, UserFactory
from tests.snapshots import case_snapshot


def _case(world, *, risk="yellow", lon=120.005, text="邻居装修噪音，协商未果") -> Case:
    return submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=text,
        lon=lon,
        lat=30.005,
        reporter_name="王某",
        reporter_phone="13900001111",
    ).report.case


def test_references_count_up_per_county_and_year(world):
    first, second = _case(world), _case(world)
    year = first.received_at.year
    assert first.reference == f"330699-{year}-000001"
    assert second.reference == f"330699-{year}-000002"


def test_a_reference_past_the_millionth_keeps_every_digit_as_stored(world):
    """The number is written inside the case's own statement on PostgreSQL: what the
    database formats and what the service returns must be the same text."""
    year = timezone.localtime().year
    CaseSequence.objects.create(county_code="330699", year=year, last=999_999)
    case = _case(world)
    assert case.reference == f"330699-{year}-1000000"
    assert Case.objects.get(pk=case.pk).reference == case.reference


def test_a_red_case_notice_names_the_reference_as_stored(world):
    case = _case(world, risk="red", text="两家为宅基地打起来了，有人拿刀")
    notices = Notification.objects.filter(case=case, key="red:received")
    assert notices.exists()
    for notice in notices:
        assert notice.message.startswith(f"红色预警：{case.reference} ")
        assert notice.message.endswith("请立即处置") and len(notice.message) <= 200


def test_the_grid_worker_accepts_and_the_timeline_says_so(world):
    case = services.accept_case(case=_case(world), actor=world.grid_worker_a1, note="已电话联系")
    assert case.state == "accepted" and case.first_action_at is not None
    event = case.events.last()
    assert (event.kind, event.from_state, event.to_state) == ("accept", "received", "accepted")
    assert event.actor_name == "grid_worker_a1" and event.note == "已电话联系"


def test_an_illegal_move_is_refused_in_chinese_and_changes_nothing(world):
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        services.transition(case=case, actor=world.grid_worker_a1, action="reach_agreement")
    assert "当前状态" in error.value.messages[0]
    assert case_snapshot(case) == before


def test_someone_outside_the_jurisdiction_is_refused_and_nothing_changes(world):
    case = _case(world)
    before = case_snapshot(case)
    for outsider in (world.officer_b, world.resident):
        with pytest.raises(PermissionDenied):
            services.accept_case(case=case, actor=outsider)
    assert case_snapshot(case) == before


def test_two_people_acting_on_the_same_version_cannot_both_win(world):
    case = _case(world)
    stale = Case.objects.get(pk=case.pk)
    services.accept_case(case=case, actor=world.grid_worker_a1)
    with pytest.raises(services.CaseChanged):
        services.transition(case=stale, actor=world.officer_a, action="accept")


def test_escalation_goes_up_one_level_and_hands_over_to_that_level(world):
    case = services.accept_case(case=_case(world), actor=world.grid_worker_a1)
    case = services.escalate_case(case=case, actor=world.officer_a, reason="双方情绪激烈")
    assert case.level == 2
    assert {p.name for p in case.handlers.all()} == {"officer_a", "grid_worker_a1"}
    mediator = PersonFactory(unit=world.station_a, role_codes=["mediator"])
    from fengqiao.org.models import Team

    team = Team.objects.create(name="甲镇调解队", kind="mediation", region=world.township_a)
    team.members.add(mediator)
    case = services.escalate_case(case=case, actor=world.officer_a, reason="需要专业调解")
    assert case.level == 3 and case.team == team
    assert list(case.handlers.all()) == [mediator]
    with pytest.raises(ValidationError):
        services.escalate_case(case=case, actor=world.officer_a, reason="再上报")


def test_a_grid_worker_may_not_steer_a_case_between_levels(world):
    case = services.accept_case(case=_case(world), actor=world.grid_worker_a1)
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied):
        services.escalate_case(case=case, actor=world.grid_worker_a1, reason="想上报")
    assert case_snapshot(case) == before


def test_lowering_risk_or_level_needs_a_reason(world):
    case = _case(world, risk="red")
    with pytest.raises(ValidationError):
        services.regrade_case(case=case, actor=world.officer_a, risk="blue", reason=" ")
    with pytest.raises(ValidationError):
        services.de_escalate_case(case=case, actor=world.officer_a, reason="")
    case = services.regrade_case(
        case=case, actor=world.officer_a, risk="yellow", reason="双方已冷静"
    )
    assert case.risk == "yellow"


def test_the_clock_pauses_while_waiting_on_a_party_and_resumes(world):
    case = services.accept_case(case=_case(world), actor=world.grid_worker_a1)
    case = services.pause_clock(case=case, actor=world.grid_worker_a1, reason="当事人外出务工")
    assert case.paused_since is not None
    with pytest.raises(ValidationError):
        services.pause_clock(case=case, actor=world.grid_worker_a1, reason="again")
    case = services.resume_clock(case=case, actor=world.grid_worker_a1)
    assert case.paused_since is None
    assert [e.kind for e in case.events.all()][-2:] == ["pause", "resume"]


def test_transfer_withdraw_and_merge_end_a_case(world):
    transferred = services.transfer_case(
        case=_case(world), actor=world.officer_a, body="县人民法院", reason="当事人已起诉"
    )
    assert transferred.state == "transferred" and transferred.closed_at is not None
    withdrawn = services.withdraw_case(
        case=_case(world), actor=world.grid_worker_a1, reason="当事人撤回"
    )
    assert withdrawn.state == "withdrawn"
    keep, duplicate = _case(world), _case(world)
    merged = services.merge_case(case=duplicate, actor=world.officer_a, into=keep)
    assert merged.state == "merged" and merged.merged_into == keep
    assert keep.events.last().kind == "merged_in"


def test_a_case_cannot_be_merged_into_one_outside_the_jurisdiction(world):
    mine, theirs = _case(world), _case(world, lon=120.105)
    before = case_snapshot(mine)
    with pytest.raises(ValidationError):
        services.merge_case(case=mine, actor=world.officer_a, into=theirs)
    assert case_snapshot(mine) == before


def test_parties_id_numbers_are_checked(world):
    case = _case(world)
    with pytest.raises(ValidationError) as error:
        services.add_party(
            case=case,
            actor=world.officer_a,
            role="respondent",
            name="张三",
            id_number="110105194912310021",
        )
    assert "校验位" in error.value.messages[0]
    party = services.add_party(
        case=case,
        actor=world.officer_a,
        role="respondent",
        name="张三",
        id_number="11010519491231002x",
    )
    assert party.id_number == "11010519491231002X"


def test_the_timeline_is_append_only(world):
    event = _case(world).events.first()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        CaseEvent.objects.filter(pk=event.pk).delete()


def test_a_user_without_the_change_permission_cannot_act(world):
    watcher = UserFactory(username="watcher")
    PersonFactory(user=watcher, unit=world.station_a, role_codes=["analyst"])
    case = _case(world)
    with pytest.raises(PermissionDenied):
        services.accept_case(case=case, actor=watcher)
