"""The deadline watcher: overdue clocks flagged and announced once; rules escalate once."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from fengqiao.disputes import services
from fengqiao.disputes.deadlines import check_deadlines
from fengqiao.disputes.models import Case, Notification
from fengqiao.disputes.tasks import watch_deadlines
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Team
from tests.conftest import staff_user
from tests.factories import PersonFactory


def _case_received(world, *, hours_ago: float, risk="yellow") -> Case:
    case = submit_report(
        actor=staff_user(),
        channel="phone",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        level=1 if risk != "red" else None,  # the clocks, not triage's level, are under test
        text="两户人家为排水沟的事吵了好几天",
        lon=120.005,
        lat=30.005,
    ).report.case
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    case.refresh_from_db()
    return case


def test_an_overdue_first_action_is_flagged_and_announced_once(world):
    case = _case_received(world, hours_ago=30)  # yellow: first action within 24 h
    report = check_deadlines()
    assert (case.reference, "first_action") in report.flagged
    assert case.events.filter(kind="overdue").count() == 1
    notes = Notification.objects.filter(case=case)
    assert [n.recipient.name for n in notes] == ["grid_worker_a1"]
    assert "首次处置" in notes.get().message
    check_deadlines()
    assert case.events.filter(kind="overdue").count() == 1 and notes.count() == 1


def test_a_case_acted_on_in_time_is_not_flagged(world):
    case = _case_received(world, hours_ago=2)
    services.accept_case(case=case, actor=world.grid_worker_a1)
    assert check_deadlines().flagged == []


def test_a_red_case_without_progress_escalates_to_the_professional_team(world):
    mediator = PersonFactory(unit=world.station_a, role_codes=["mediator"])
    team = Team.objects.create(name="甲镇调解队", kind="mediation", region=world.township_a)
    team.members.add(mediator)
    case = _case_received(world, hours_ago=26, risk="red")
    assert case.level == 2
    report = check_deadlines()
    case.refresh_from_db()
    assert report.escalated == [(case.reference, "red_no_progress")]
    assert case.level == 3 and list(case.handlers.all()) == [mediator]
    assert Notification.objects.filter(case=case, recipient=mediator).exists()
    check_deadlines()
    case.refresh_from_db()
    assert case.level == 3 and case.events.filter(kind="auto_escalate").count() == 1


def test_time_spent_waiting_on_a_party_does_not_count(world):
    case = _case_received(world, hours_ago=10)
    services.accept_case(case=case, actor=world.grid_worker_a1)
    case = services.pause_clock(case=case, actor=world.grid_worker_a1, reason="当事人住院")
    Case.objects.filter(pk=case.pk).update(
        received_at=timezone.now() - dt.timedelta(days=20),
        paused_since=timezone.now() - dt.timedelta(days=19),
    )
    assert all(clock != "resolve" for _ref, clock in check_deadlines().flagged)


def test_the_task_and_the_command_run_the_same_watcher(world, capsys):
    _case_received(world, hours_ago=30)
    assert watch_deadlines.call() == {
        "flagged": 1,
        "escalated": 0,
        "warned": 0,
        "handoffs_overdue": 0,
    }
    call_command("check_deadlines")
    assert "flagged 0" in capsys.readouterr().out


def test_reminders_show_on_the_worklist_until_the_case_is_opened(client, world):
    from django.urls import reverse

    case = _case_received(world, hours_ago=30)
    check_deadlines()
    client.force_login(world.grid_worker_a1)
    worklist = client.get(reverse("disputes:cases")).content.decode()
    assert "我的提醒" in worklist and case.reference in worklist
    client.get(reverse("disputes:case", args=[case.reference]))
    assert Notification.objects.get(case=case).read_at is not None
    assert "我的提醒" not in client.get(reverse("disputes:cases")).content.decode()
