"""A hand-built set of cases whose every figure is known, written through the real services
with the clock set for each step (``Clock``), in time order.

March 2026 in township A (``MARCH``), the period every test reads:

=====  ======  ====  ===========  ==============================================================
case   grade   grid  received     what happens
=====  ======  ====  ===========  ==============================================================
c1     yellow  a1    03-02 09:00  accepted after 30 min; a settled session and an oral
                                  agreement on 03-03 (resolved); 2 return visits scheduled,
                                  the first made 03-10, the second still due
c2     blue    a1    03-05 10:00  accepted after 74 h (late: blue allows 72 h); closed 03-09
                                  (4 days, on time); the reporter rates it 2
c3     yellow  a2    03-10 11:00  accepted after 1 h; a failed session; transferred for
                                  criminal investigation (民转刑)
c11    blue    a1    03-12 08:00  accepted after 30 min; closed 03-20 (8 days: late); rated 5
c4     red     a1    03-15 08:00  nothing yet (red starts at level 2)
c5     yellow  a2    03-20 08:00  accepted after 10 min; a settled session and an oral agreement
                                  03-21; the first return visit (03-28) finds it relapsed:
                                  reopened one grade higher, the second visit cancelled
c7     blue    a1    03-31 23:30  nothing yet (the last half hour of the period)
=====  ======  ====  ===========  ==============================================================

Beside them: a hazard report in a1 on 03-16 (a report, not a case); c8 received 04-01 00:10
(after the period); c9 received 02-28 23:50 and closed 03-01 (the period before); c10
received 2025-03-10, never resolved (the same period last year); b1 in township B, received
03-06, closed 03-07 and rated 5, which officer_a must never count. Township A has 20,000
residents.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass

import pytest
from django.utils import timezone

from fengqiao.analytics import facts
from fengqiao.disputes import services as disputes
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Case
from fengqiao.intake import services as intake
from fengqiao.org.models import Person
from fengqiao.places.models import Region
from tests.conftest import staff_user

TOWNSHIP_A_POPULATION = 20_000


def at(month: int, day: int, hour: int = 0, minute: int = 0, *, year: int = 2026) -> dt.datetime:
    """A moment in the county's own time zone."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


class Clock:
    """``timezone.now`` as the test sets it: every service reads the time from there."""

    def __init__(self, monkeypatch, now: dt.datetime) -> None:
        self.now = now
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, now: dt.datetime) -> None:
        assert now >= self.now, "steps go forward in time"
        self.now = now


@dataclass
class Figures:
    cases: dict[str, Case]
    hazard: object


_TEXTS = {
    "c1": ("相邻两户因排水沟堵塞发生争执", "邻里纠纷甲", "邻里纠纷乙"),
    "c2": ("楼上晾晒衣物滴水引发口角", "滴水纠纷甲", "滴水纠纷乙"),
    "c3": ("承包土地边界发生争议", "土地纠纷甲", "土地纠纷乙"),
    "c11": ("宠物狗夜间吠叫影响休息", "吠叫纠纷甲", "吠叫纠纷乙"),
    "c4": ("工地拖欠多名工人工资", "欠薪纠纷甲", "欠薪纠纷乙"),
    "c5": ("共用楼道堆放杂物发生争吵", "堆物纠纷甲", "堆物纠纷乙"),
    "c7": ("停车位被长期占用", "车位纠纷甲", "车位纠纷乙"),
    "c8": ("空调外机噪音扰民", "外机纠纷甲", "外机纠纷乙"),
    "c9": ("院墙渗水损坏邻居家具", "渗水纠纷甲", "渗水纠纷乙"),
    "c10": ("门前道路被占用", "占道纠纷甲", "占道纠纷乙"),
    "b1": ("小区广场舞音量过大", "乙镇纠纷甲", "乙镇纠纷乙"),
}
_GRIDS = {"a1": "330699001001G01", "a2": "330699001001G02", "b1": "330699002001G01"}


def _report(name: str, risk: str, grid: str):
    text, applicant, respondent = _TEXTS[name]
    return intake.submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        level=1,
        text=text,
        grid_code=_GRIDS[grid],
        parties=[
            {"role": "applicant", "name": applicant},
            {"role": "respondent", "name": respondent},
        ],
    ).report


def _person(user) -> Person:
    return Person.objects.get(user=user)


def build(world, clock: Clock, step=nullcontext) -> Figures:
    """Write the set through the services, each ``step`` (a context: by default none; the
    facts test commits each one) at its own time."""
    officer_a, officer_b = world.officer_a, world.officer_b
    reports: dict[str, object] = {}
    cases: dict[str, Case] = {}

    def receive(name, risk, grid, when):
        clock.set(when)
        with step():
            reports[name] = _report(name, risk, grid)
        cases[name] = reports[name].case

    def move(name, when, service, **kwargs):
        clock.set(when)
        with step():
            result = service(case=Case.objects.get(pk=cases[name].pk), **kwargs)
        return result

    def session(name, when, outcome, actor=officer_a, failure_reason=""):
        return move(
            name,
            when,
            mediation.record_session,
            actor=actor,
            held_at=when - dt.timedelta(hours=1),
            place="调解室",
            mediators=[_person(actor)],
            record="双方陈述了各自理由",
            outcome=outcome,
            failure_reason=failure_reason,
        )

    def oral_agreement(name, when, actor=officer_a):
        return move(
            name,
            when,
            mediation.draft_agreement,
            actor=actor,
            terms=[{"obligation": "双方互谅互让，按约定履行"}],
            oral=True,
        )

    def visit(name, when, outcome, actor=officer_a):
        clock.set(when)
        pending = Case.objects.get(pk=cases[name].pk).return_visits.filter(
            done_at__isnull=True, cancelled_at__isnull=True
        )
        with step():
            mediation.record_return_visit(
                visit=pending.order_by("due_on").first(),
                actor=actor,
                method="phone",
                performance="已按协议履行",
                outcome=outcome,
                visited_at=when,
            )

    def rate(name, when, satisfaction):
        clock.set(when)
        with step():
            intake.record_feedback(
                tracking_code=reports[name].tracking_code,
                feedback="fixed" if satisfaction >= 4 else "partly",
                satisfaction=satisfaction,
            )

    Region.objects.filter(pk=world.township_a.pk).update(population=TOWNSHIP_A_POPULATION)

    # The same period last year, and the period before.
    receive("c10", "blue", "a1", at(3, 10, 10, year=2025))
    receive("c9", "blue", "a1", at(2, 28, 23, 50))
    move("c9", at(2, 28, 23, 55), disputes.accept_case, actor=officer_a)
    move("c9", at(3, 1, 8), disputes.close_or_verify, actor=officer_a)
    # March.
    receive("c1", "yellow", "a1", at(3, 2, 9))
    move("c1", at(3, 2, 9, 30), disputes.accept_case, actor=officer_a)
    session("c1", at(3, 3, 10), "settled")
    oral_agreement("c1", at(3, 3, 10, 30))
    receive("c2", "blue", "a1", at(3, 5, 10))
    receive("b1", "yellow", "b1", at(3, 6, 10))
    move("b1", at(3, 6, 11), disputes.accept_case, actor=officer_b)
    move("b1", at(3, 7, 10), disputes.close_or_verify, actor=officer_b)
    rate("b1", at(3, 7, 12), 5)
    move("c2", at(3, 8, 12), disputes.accept_case, actor=officer_a)
    move("c2", at(3, 9, 10), disputes.close_or_verify, actor=officer_a)
    rate("c2", at(3, 10, 9), 2)
    visit("c1", at(3, 10, 10), "settled")
    receive("c3", "yellow", "a2", at(3, 10, 11))
    move("c3", at(3, 10, 12), disputes.accept_case, actor=officer_a)
    session("c3", at(3, 11, 10), "failed", failure_reason="双方分歧过大")
    move(
        "c3",
        at(3, 11, 11),
        disputes.transfer_case,
        actor=officer_a,
        body="县公安局刑侦大队",
        reason="涉嫌故意毁坏财物",
        kind="criminal",
    )
    receive("c11", "blue", "a1", at(3, 12, 8))
    move("c11", at(3, 12, 8, 30), disputes.accept_case, actor=officer_a)
    receive("c4", "red", "a1", at(3, 15, 8))
    clock.set(at(3, 16, 9))
    with step():
        hazard = intake.submit_report(
            actor=staff_user(),
            channel="walk_in",
            kind="hazard",
            category="neighbourhood",
            risk="blue",
            text="路灯损坏，夜间通行不便",
            grid_code=_GRIDS["a1"],
        ).report
    receive("c5", "yellow", "a2", at(3, 20, 8))
    move("c5", at(3, 20, 8, 10), disputes.accept_case, actor=officer_a)
    move("c11", at(3, 20, 9), disputes.close_or_verify, actor=officer_a)
    session("c5", at(3, 21, 9), "settled")
    oral_agreement("c5", at(3, 21, 9, 30))
    rate("c11", at(3, 21, 12), 5)
    visit("c5", at(3, 28, 10), "relapsed")
    receive("c7", "blue", "a1", at(3, 31, 23, 30))
    receive("c8", "blue", "a1", at(4, 1, 0, 10))
    clock.set(at(4, 2, 12))
    return Figures(
        cases={name: Case.objects.get(pk=case.pk) for name, case in cases.items()},
        hazard=hazard,
    )


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The clock, set before the first step."""
    return Clock(monkeypatch, at(1, 1, year=2025))


@pytest.fixture
def figures(world, clock) -> Figures:
    """The set, with its facts rebuilt from scratch."""
    built = build(world, clock)
    facts.rebuild()
    return built
