"""Anti-fraud figures on crafted records: events by kind, people reached, app installs from
events and from households visited (each household once), warnings by level, method and
outcome, payments stopped and money saved, losses, and the anti-fraud broadcasts' reach;
per month, per grid, community and township, and each reader sees only their own area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from fengqiao.community.models import Broadcast
from fengqiao.community.notices import services as notices
from fengqiao.org.models import Person
from fengqiao.outreach import fraud_rules as rules
from fengqiao.outreach import fraud_selectors as selectors
from fengqiao.outreach import fraud_services as services
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.registry import services as registry
from fengqiao.registry.address_text import parse
from tests.community.conftest import join, make_group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class Crafted:
    this_month: dt.date
    last_month: dt.date
    reach: int  # the members the anti-fraud broadcast in township A reached


def _local(day: dt.date, minutes: int = 1) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    return start + dt.timedelta(minutes=minutes)


def _house(world, text: str):
    address, _created = registry.register_address(
        actor=world.county_admin,
        grid=world.grid_a1,
        parts=parse(text),
        building=world.building_a1,
        raw_text=text,
    )
    return registry.register_house(actor=world.county_admin, address=address, use="rented")


def _visit(task, visitor, at, *, installed: bool) -> VisitRecord:
    return VisitRecord.objects.create(
        task=task, visited_at=at, visitor=visitor, outcome="met", app_installed=installed
    )


def craft(world) -> Crafted:
    """Township A: three events over two months, two households with the app found on
    visits (one seen twice), three warnings, an anti-fraud and a general broadcast.
    Township B: an event, a warning and an anti-fraud broadcast of its own."""
    today = timezone.localdate()
    this_month = rules.first_of_month(today)
    last_month = rules.add_months(this_month, -1)
    a, b = world.officer_a, world.officer_b
    services.record_event(
        actor=a, kind="talk", title="宣讲", grid=world.grid_a1, held_on=this_month,
        people_reached=80, app_installs=12, leaflets=100,
    )  # fmt: skip
    services.record_event(
        actor=a, kind="door_to_door", title="上门", grid=world.grid_a2, held_on=this_month,
        people_reached=30, app_installs=3,
    )  # fmt: skip
    services.record_event(
        actor=a, kind="stall", title="摆摊", grid=world.grid_a1,
        held_on=last_month + dt.timedelta(days=14), people_reached=50, app_installs=5,
    )  # fmt: skip
    services.record_event(
        actor=b, kind="talk", title="乙镇宣讲", grid=world.grid_b1, held_on=this_month,
        people_reached=999, app_installs=99,
    )  # fmt: skip
    services.record_warning(
        actor=a, grid=world.grid_a1, warned_at=_local(this_month), level="high",
        method="call", person_name="王阿姨", phone="13800571234", outcome="dissuaded",
        payment_stopped=True, amount_stopped="35000",
    )  # fmt: skip
    services.record_warning(
        actor=a, grid=world.grid_a2, warned_at=_local(this_month, 2), level="medium",
        method="sms", person_name="李大爷", phone="13900571234", outcome="already_lost",
        amount_lost="2000.50",
    )  # fmt: skip
    services.record_warning(
        actor=a, grid=world.grid_a1, warned_at=_local(last_month + dt.timedelta(days=3)),
        level="low", method="visit", person_name="赵姐", outcome="not_reached",
    )  # fmt: skip
    services.record_warning(
        actor=b, grid=world.grid_b1, warned_at=_local(this_month), level="high",
        method="call", person_name="乙镇群众", phone="13700571234", outcome="dissuaded",
        payment_stopped=True, amount_stopped="99999",
    )  # fmt: skip

    campaign = Campaign.objects.create(
        kind=Campaign.Kind.VISIT, name="甲镇大走访", station=world.station_a,
        starts_on=last_month, ends_on=today,
    )  # fmt: skip
    visitor = Person.objects.get(user=world.grid_worker_a1)
    first = VisitTask.objects.create(
        campaign=campaign, house=_house(world, "甲街1号"), grid=world.grid_a1
    )
    second = VisitTask.objects.create(
        campaign=campaign, house=_house(world, "甲街2号"), grid=world.grid_a1
    )
    third = VisitTask.objects.create(
        campaign=campaign, house=_house(world, "甲街3号"), grid=world.grid_a1
    )
    # The first household: the app seen twice this month, one household.
    _visit(first, visitor, _local(this_month, 5), installed=True)
    _visit(first, visitor, _local(this_month, 6), installed=True)
    # The second: first seen last month, again this month; counted last month only.
    _visit(second, visitor, _local(last_month + dt.timedelta(days=20)), installed=True)
    _visit(second, visitor, _local(this_month, 7), installed=True)
    # The third: no app.
    _visit(third, visitor, _local(this_month, 8), installed=False)

    village = make_group("甲村居民群", "community", world.community_a)
    for n in range(3):
        join(village, UserFactory(username=f"villager{n}"), name=f"村民{n}")
    village_b = make_group("乙社区居民群", "community", world.community_b)
    join(village_b, UserFactory(username="resident_b"), name="乙社区居民")
    anti_fraud = notices.send_broadcast(
        actor=a, title="谨防冒充客服", text="退款要验证码的都是诈骗", groups=[village.pk],
        topic="anti_fraud",
    )  # fmt: skip
    notices.send_broadcast(actor=a, title="停水通知", text="明天停水", groups=[village.pk])
    notices.send_broadcast(
        actor=b, title="乙社区反诈", text="谨防刷单", groups=[village_b.pk], topic="anti_fraud"
    )
    # Sent early this month, so the figures do not depend on the hour the test runs.
    Broadcast.objects.update(created_at=_local(this_month, 3))
    return Crafted(this_month=this_month, last_month=last_month, reach=anti_fraud.member_count)


@pytest.fixture
def crafted(world) -> Crafted:
    return craft(world)


def month_end(month: dt.date) -> dt.date:
    return rules.add_months(month, 1) - dt.timedelta(days=1)


def test_this_months_figures_of_township_a(world, crafted):
    figures = selectors.figures_for(
        world.officer_a, start=crafted.this_month, end=month_end(crafted.this_month)
    )
    assert (figures.events, figures.talks, figures.door_to_door, figures.stalls) == (2, 1, 1, 0)
    assert figures.people_reached == 110 and figures.leaflets == 100
    assert (figures.event_installs, figures.household_installs) == (15, 1)
    assert figures.app_installs == 16
    assert figures.warnings == 2 and (figures.high, figures.medium, figures.low) == (1, 1, 0)
    assert (figures.by_call, figures.by_sms, figures.by_visit) == (1, 1, 0)
    assert (figures.dissuaded, figures.already_lost) == (1, 1)
    assert figures.payments_stopped == 1
    assert figures.amount_stopped == Decimal("35000.00")
    assert figures.amount_lost == Decimal("2000.50")
    assert crafted.reach == 3
    assert (figures.broadcasts, figures.broadcast_reach) == (1, 3)


def test_figures_per_month_count_a_household_once_at_its_first_install(world, crafted):
    span = rules.MonthSpan(first=crafted.last_month, last=crafted.this_month)
    last, this = selectors.figures_by_month(world.officer_a, span=span)
    assert (last.month, this.month) == (crafted.last_month, crafted.this_month)
    assert (last.figures.events, last.figures.people_reached) == (1, 50)
    assert (last.figures.event_installs, last.figures.household_installs) == (5, 1)
    assert (last.figures.warnings, last.figures.not_reached, last.figures.low) == (1, 1, 1)
    assert last.figures.broadcasts == 0
    assert (this.figures.household_installs, this.figures.warnings) == (1, 2)


def test_figures_per_grid_and_per_community(world, crafted):
    start, end = crafted.last_month, month_end(crafted.this_month)
    by_grid = selectors.figures_by_area(world.officer_a, level="grid", start=start, end=end)
    labels = [row.label for row in by_grid]
    assert labels == ["甲村 · 甲村一网格", "甲村 · 甲村二网格", ""]
    a1, a2, wider = (row.figures for row in by_grid)
    assert (a1.events, a1.people_reached, a1.app_installs) == (2, 130, 19)
    assert (a1.warnings, a1.payments_stopped, a1.amount_stopped) == (2, 1, Decimal("35000"))
    assert (a2.events, a2.warnings, a2.amount_lost) == (1, 1, Decimal("2000.50"))
    # The broadcast went to the village's group: wider than any one grid.
    assert (wider.broadcasts, wider.broadcast_reach, wider.events) == (1, 3, 0)

    by_community = selectors.figures_by_area(
        world.officer_a, level="community", start=start, end=end
    )
    assert [row.area for row in by_community] == [world.community_a]
    village = by_community[0].figures
    assert (village.events, village.warnings, village.broadcasts) == (3, 3, 1)
    assert village.app_installs == 20 + 2

    by_township = selectors.figures_by_area(
        world.county_admin, level="township", start=start, end=end
    )
    assert [row.area for row in by_township] == [world.township_a, world.township_b]
    assert by_township[1].figures.people_reached == 999
    assert by_township[1].figures.amount_stopped == Decimal("99999.00")


def test_officer_b_sees_none_of_township_a(world, crafted):
    figures = selectors.figures_for(
        world.officer_b, start=crafted.last_month, end=month_end(crafted.this_month)
    )
    assert (figures.events, figures.people_reached, figures.warnings) == (1, 999, 1)
    assert figures.household_installs == 0 and figures.broadcasts == 1
    assert figures.amount_stopped == Decimal("99999.00")
    assert not selectors.events_for(world.officer_b).filter(grid=world.grid_a1).exists()
    assert not selectors.warnings_for(world.officer_b).filter(grid__in=[world.grid_a1]).exists()


def test_a_grid_worker_sees_their_grid_and_no_warnings(world, crafted):
    figures = selectors.figures_for(
        world.grid_worker_a1, start=crafted.last_month, end=month_end(crafted.this_month)
    )
    assert (figures.events, figures.people_reached) == (2, 130)
    assert figures.household_installs == 2
    assert figures.warnings is None and figures.amount_stopped == 0
    assert not selectors.warnings_for(world.grid_worker_a1).exists()
    # The village's broadcast went wider than their grid.
    assert figures.broadcasts == 0


def test_broadcast_reach_counts_only_the_topic_asked_for(world, crafted):
    from fengqiao.community import selectors as community

    end = month_end(crafted.this_month)
    rows = community.broadcast_reach(
        world.officer_a, topic="anti_fraud", start=crafted.this_month, end=end
    )
    assert rows == [
        {
            "month": crafted.this_month,
            "scope_path": world.community_a.path,
            "broadcasts": 1,
            "reach": 3,
        }
    ]
    general = community.broadcast_reach(
        world.officer_a, topic="general", start=crafted.this_month, end=end
    )
    assert [row["broadcasts"] for row in general] == [1]
    earlier = community.broadcast_reach(
        world.officer_a, topic="anti_fraud", start=crafted.last_month,
        end=month_end(crafted.last_month),
    )  # fmt: skip
    assert earlier == []


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, ("2026-12", "2026-12")),
        ("2026-09", "2026-11", ("2026-09", "2026-11")),
        ("2026-11", "2026-09", ("2026-09", "2026-11")),
        ("2027-03", None, ("2026-12", "2026-12")),
        ("2020-01", "2026-12", ("2025-01", "2026-12")),
        ("nonsense", "2026-13", ("2026-12", "2026-12")),
    ],
)
def test_month_spans_are_made_sensible(first, last, expected):
    span = rules.month_span(first, last, today=dt.date(2026, 12, 7))
    assert (span.param(span.first), span.param(span.last)) == expected
    assert span.end == month_end(span.last)


def test_amounts_show_in_yuan_with_two_decimals():
    assert rules.yuan(Decimal("35000")) == "35,000.00"
    assert rules.yuan("2000.5") == "2,000.50"
    assert rules.yuan(0) == "0.00"
