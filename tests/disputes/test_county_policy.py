"""A county's own ladder settings: stored by its administrator (checked field by field),
used by the case page's clocks, the worklists' overdue flag and the watcher, which in a
notify-only county warns once and leaves the case where it is; repeat complaints count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import early_warning, policy, selectors, services
from fengqiao.disputes.deadlines import check_deadlines
from fengqiao.disputes.models import Case, CaseLink, CountyPolicy, Notification
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.snapshots import db_snapshot


def _case(world, *, hours_ago: float = 0, risk="yellow", lon=120.005) -> Case:
    case = submit_report(
        actor=staff_user(),
        channel="phone",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        level=1 if risk != "red" else None,
        text="两户人家为排水沟的事吵了好几天",
        lon=lon,
        lat=30.005,
    ).report.case
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    case.refresh_from_db()
    return case


def _set(world, *, escalate=True, **limits):
    return policy.set_county_policy(
        actor=world.county_admin,
        county=world.county,
        escalate_on_deadline=escalate,
        time_limits=limits,
    )


# --- storing ------------------------------------------------------------------------


def test_the_county_admin_stores_limits_and_it_is_audited(world):
    stored = _set(world, escalate=False, yellow={"first_action_hours": 12})
    assert CountyPolicy.objects.get(county=world.county) == stored
    assert stored.time_limits == {"yellow": {"first_action_hours": 12}}
    event = AuditEvent.objects.get(action="disputes.county_policy_changed")
    assert event.changes["escalate_on_deadline"] == [True, False]
    settings = policy.settings_for_path(world.grid_a1.path)
    assert settings.limits("yellow").first_action == dt.timedelta(hours=12)
    assert settings.limits("red").first_action == dt.timedelta(hours=1)  # default kept


@pytest.mark.parametrize(
    ("limits", "key", "words"),
    [
        ({"red": {"first_action_hours": 0}}, "red.first_action_hours", "必须是正数"),
        ({"red": {"first_action_hours": -3}}, "red.first_action_hours", "必须是正数"),
        ({"blue": {"resolve_days": "seven"}}, "blue.resolve_days", "必须是正数"),
        ({"blue": {"return_visit_days": [0, 7]}}, "blue.return_visit_days", "正整数列表"),
        (
            {"yellow": {"escalate_after_failed_sessions": 1.5}},
            "yellow.escalate_after_failed_sessions",
            "正整数",
        ),
        ({"red": {"bedtime_hours": 2}}, "red.bedtime_hours", "未知的时限设置"),
        ({"orange": {"resolve_days": 2}}, "time_limits", "未知的风险等级"),
        ({"red": {"resolve_days": None}}, "red.resolve_days", "不能为空"),
    ],
)
def test_bad_limits_are_refused_by_field_and_nothing_is_written(world, limits, key, words):
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        policy.set_county_policy(
            actor=world.county_admin,
            county=world.county,
            escalate_on_deadline=True,
            time_limits=limits,
        )
    assert words in refused.value.message_dict[key][0]
    assert db_snapshot() == before


@pytest.mark.parametrize("who", ["officer_a", "chief", "resident", "grid_worker_a1"])
def test_only_an_administrator_of_the_county_may_change_it(world, who):
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        policy.set_county_policy(
            actor=getattr(world, who),
            county=world.county,
            escalate_on_deadline=False,
            time_limits={},
        )
    assert db_snapshot() == before


def test_a_township_is_not_a_county(world):
    with pytest.raises(PermissionDenied):
        policy.set_county_policy(
            actor=world.county_admin,
            county=world.township_a,
            escalate_on_deadline=True,
            time_limits={},
        )


def test_a_row_written_around_the_service_falls_back_to_the_defaults(world):
    CountyPolicy.objects.create(
        county=world.county, time_limits={"red": {"first_action_hours": -1}}
    )
    assert policy.settings_for_path(world.grid_a1.path).limits("red").first_action == dt.timedelta(
        hours=1
    )


# --- the page ---------------------------------------------------------------------


def test_the_settings_page_saves_and_names_a_bad_box(client, world):
    client.force_login(world.county_admin)
    url = reverse("disputes:county_policy", args=[world.county.code])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"red__first_action_hours": "0"})
    assert bad.status_code == 400 and "必须是正数" in bad.content.decode()
    assert not CountyPolicy.objects.exists()
    good = client.post(url, {"red__first_action_hours": "2", "blue__return_visit_days": "14，60"})
    assert good.status_code == 302
    stored = CountyPolicy.objects.get()
    assert stored.escalate_on_deadline is False  # the box was not ticked
    assert stored.time_limits == {
        "red": {"first_action_hours": 2},
        "blue": {"return_visit_days": [14, 60]},
    }


def test_the_settings_page_is_closed_to_police(client, world):
    client.force_login(world.officer_a)
    assert (
        client.get(reverse("disputes:county_policy", args=[world.county.code])).status_code == 403
    )


# --- used ---------------------------------------------------------------------------


def test_the_case_page_clocks_and_the_overdue_flag_follow_the_county(world):
    case = _case(world, hours_ago=13)  # yellow: 24 h by default
    assert not selectors.clocks_of(case, [])["first_action"].overdue
    assert not selectors.cases_for(world.officer_a).get(pk=case.pk).is_overdue
    _set(world, yellow={"first_action_hours": 12})
    assert selectors.clocks_of(case, [])["first_action"].overdue
    assert selectors.cases_for(world.officer_a).get(pk=case.pk).is_overdue


def test_the_watcher_flags_by_the_countys_limit(world):
    case = _case(world, hours_ago=13)
    assert check_deadlines().flagged == []
    _set(world, yellow={"first_action_hours": 12})
    assert check_deadlines().flagged == [(case.reference, "first_action")]


def test_a_notify_only_county_warns_once_and_keeps_the_case(world):
    _set(world, escalate=False)
    case = _case(world, hours_ago=26, risk="red")
    assert case.level == 2
    report = check_deadlines()
    assert report.escalated == [] and report.warned == [(case.reference, "red_no_progress")]
    case.refresh_from_db()
    assert case.level == 2 and case.events.filter(kind="escalation_due").count() == 1
    told = Notification.objects.filter(case=case, key="escalation_due:red_no_progress")
    assert told.exists() and "请研判是否上报" in told.first().message
    assert AuditEvent.objects.filter(action="disputes.escalation_due").count() == 1
    assert check_deadlines().warned == []
    assert case.events.filter(kind="escalation_due").count() == 1


def test_an_escalating_county_still_moves_the_case(world):
    _set(world, escalate=True)
    case = _case(world, hours_ago=26, risk="red")
    assert check_deadlines().escalated == [(case.reference, "red_no_progress")]


# --- repeat complaints ----------------------------------------------------------------


def test_repeat_complaints_are_counted_and_escalate_a_blue_case(world):
    case = _case(world, risk="blue")
    accepted = services.accept_case(case=case, actor=world.grid_worker_a1)
    assert early_warning.repeat_complaints(accepted) == 0
    again = _case(world, risk="blue")
    services.merge_case(case=again, actor=world.officer_a, into=accepted, reason="同一件事")
    duplicate = _case(world, risk="blue")
    services.link_cases(
        case=duplicate, actor=world.officer_a, other=accepted, kind=CaseLink.Kind.DUPLICATE
    )
    # Merged and also linked as a duplicate: one complaint, not two.
    CaseLink.objects.create(from_case=again, to_case=accepted, kind=CaseLink.Kind.DUPLICATE)
    assert early_warning.repeat_complaints(accepted) == 2
    report = check_deadlines()
    assert (accepted.reference, "blue_repeat_complaints") in report.escalated
    accepted.refresh_from_db()
    assert accepted.level == 2


def test_return_visits_follow_the_countys_schedule(world):
    from fengqiao.disputes.mediation import services as mediation
    from tests.disputes.test_mediation import _case as accepted_case
    from tests.disputes.test_mediation import _session

    _set(world, yellow={"return_visit_days": [2, 5, 60]})
    case = accepted_case(world)
    _session(world, case)
    agreement = mediation.draft_agreement(
        case=case, actor=world.grid_worker_a1, oral=True, terms=[{"obligation": "当面道歉"}]
    )
    due = sorted(case.return_visits.values_list("due_on", flat=True))
    start = agreement.effective_on
    assert due == [start + dt.timedelta(days=d) for d in (2, 5, 60)]
