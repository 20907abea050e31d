"""The figures of services (``services.figures``) on crafted applications: each count and
rate, the period, the groups, what is overdue now, and the wall between townships.

January 2026, township A, the residence permit (居住证, 15 days) unless said otherwise:

====  ========  =========  ===================================================  =========
app.  channel   state      what happened                                        counts as
====  ========  =========  ===================================================  =========
p1    window    completed  accepted 01-05, asked for a contract (clock stopped  on time,
                           5 days), finished 01-23: 18 days, inside 15 + 5      not 一次
p2    online    completed  accepted 01-05, finished 01-21: one day late         late, 一次
p3    window    refused    accepted 01-06, refused 01-08                        on time
p4    kiosk     cancelled  accepted 01-06, cancelled                            not 办结
p5    door      completed  ID renewal at building A1, visited, finished         on time,
                           (60 days) — rated 5                                  一次
p6    window    submitted  booked 01-20, accepted, still open                   open
====  ========  =========  ===================================================  =========

Ratings: p1 4, p2 2, p5 5 (average 3.67, 2 of 3 satisfied). Beside them: one made on
12-31 (the period before) and one in township B.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from fengqiao.services import figures, rules
from fengqiao.services.models import Application, Service

_codes = itertools.count(1)


def at(day: str, hour: int = 10) -> dt.datetime:
    """A local moment of a day (``"2026-01-05"``)."""
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def make_service(station, kind: str = "residence_permit", days: int = 15, **extra) -> Service:
    names = {"residence_permit": "居住证", "id_renewal": "居民身份证换领", "id_first": "身份证首领"}
    return Service.objects.create(
        station=station,
        kind=kind,
        name=extra.pop("name", names.get(kind, kind)),
        time_limit_days=days,
        channels=["window", "online", "kiosk", "door"],
        **extra,
    )


def make_application(
    service: Service,
    *,
    made: str,
    state: str = rules.SUBMITTED,
    channel: str = "window",
    paused_days: int = 0,
    finished: str | None = None,
    missing_requests: int = 0,
    satisfaction: int | None = None,
    building=None,
    visited: str | None = None,
) -> Application:
    """An application made on ``made`` and accepted then (unless booked), its due time
    the service's days plus the days its clock stood still, as the services set it."""
    made_at = at(made)
    submitted = None if state == rules.BOOKED else made_at
    pause = paused_days * 86400
    application = Application.objects.create(
        service=service,
        tracking_code=f"T{next(_codes):07d}",
        channel=channel,
        state=state,
        applicant_name="张三",
        submitted_at=submitted,
        due_at=rules.due_at(submitted, service.days_allowed, pause) if submitted else None,
        paused_seconds=pause,
        missing_requests=missing_requests,
        finished_at=at(finished) if finished else None,
        satisfaction=satisfaction,
        building=building,
        door_reason="elderly" if channel == "door" else "",
        visited_at=at(visited) if visited else None,
    )
    # ``created_at`` is stamped on insert: the history is set afterwards.
    Application.objects.filter(pk=application.pk).update(created_at=made_at)
    return application


def build_january(world) -> dict[str, Application]:
    """The applications of the table above, by name."""
    permit = make_service(world.station_a)
    renewal = make_service(world.station_a, "id_renewal", days=60)
    made = {
        "p1": make_application(
            permit,
            made="2026-01-05",
            state=rules.COMPLETED,
            paused_days=5,
            finished="2026-01-23",
            missing_requests=1,
            satisfaction=4,
        ),
        "p2": make_application(
            permit,
            made="2026-01-05",
            state=rules.COMPLETED,
            channel="online",
            finished="2026-01-21",
            satisfaction=2,
        ),
        "p3": make_application(
            permit, made="2026-01-06", state=rules.REFUSED, finished="2026-01-08"
        ),
        "p4": make_application(
            permit, made="2026-01-06", state=rules.CANCELLED, channel="kiosk", finished="2026-01-07"
        ),
        "p5": make_application(
            renewal,
            made="2026-01-10",
            state=rules.COMPLETED,
            channel="door",
            building=world.building_a1,
            visited="2026-01-12",
            finished="2026-01-20",
            satisfaction=5,
        ),
        "p6": make_application(permit, made="2026-01-20"),
        "before": make_application(
            permit, made="2025-12-31", state=rules.COMPLETED, finished="2026-01-02"
        ),
        "b1": make_application(
            make_service(world.station_b),
            made="2026-01-07",
            state=rules.COMPLETED,
            finished="2026-01-08",
            satisfaction=1,
        ),
    }
    return made


@pytest.fixture
def january(world):
    return build_january(world)


JANUARY = {"start": at("2026-01-01", 0), "end": at("2026-02-01", 0)}


def test_each_count_and_rate_of_january(world, january):
    found = figures.tally(figures.applications_for_figures(world.officer_a, **JANUARY))
    assert found.applications == 6
    # p1, p2, p3, p5: the cancelled p4 is no answer of the office.
    assert found.finished == 4
    assert found.open == 1
    # p1 took 18 days against 15, but 5 of them the clock stood still: on time. p2 is late.
    assert found.on_time_rate == figures.Rate(3, 4)
    assert found.on_time_rate.percent == 75.0
    # 一次办结: p2 and p5 completed at the first visit; p1 was sent away once.
    assert found.one_visit_rate == figures.Rate(2, 3)
    assert (found.rated, found.average_satisfaction) == (3, 3.67)
    assert found.satisfied_rate == figures.Rate(2, 3)
    assert found.visit_rate == figures.Rate(1, 1)


def test_a_pause_is_already_in_the_due_time(world, january):
    p1 = january["p1"]
    assert rules.on_time(p1.finished_at, p1.due_at)
    assert p1.finished_at - p1.submitted_at > dt.timedelta(days=15)
    p2 = january["p2"]
    assert not rules.on_time(p2.finished_at, p2.due_at)


def test_an_application_with_no_due_time_counts_on_time(world):
    service = make_service(world.station_a)
    made = make_application(service, made="2026-01-05", state=rules.REFUSED, finished="2026-01-09")
    Application.objects.filter(pk=made.pk).update(due_at=None)
    found = figures.tally(figures.applications_for_figures(world.officer_a, **JANUARY))
    assert found.on_time_rate == figures.Rate(1, 1)


def test_the_period_is_the_day_the_application_was_made(world, january):
    december = {"start": at("2025-12-01", 0), "end": at("2026-01-01", 0)}
    found = figures.tally(figures.applications_for_figures(world.officer_a, **december))
    assert (found.applications, found.finished, found.on_time) == (1, 1, 1)
    # The end is not in the period: 1 February would not count January's last moment twice.
    make_application(make_service(world.station_a, name="户籍证明"), made="2026-02-01")
    assert figures.applications_for_figures(world.officer_a, **JANUARY).count() == 6


def test_per_channel_per_kind_and_per_station(world, january):
    applications = figures.applications_for_figures(world.county_admin, **JANUARY)
    by_channel = figures.tally_by(applications, "channel")
    assert {code: t.applications for code, t in by_channel.items()} == {
        "window": 4,  # p1, p3, p6 and township B's
        "online": 1,
        "kiosk": 1,
        "door": 1,
    }
    assert by_channel["door"].visit_rate == figures.Rate(1, 1)
    by_kind = figures.tally_by(applications, "kind")
    assert by_kind["residence_permit"].applications == 6
    assert by_kind["id_renewal"].on_time_rate == figures.Rate(1, 1)
    by_station = figures.tally_by(applications, "station")
    assert by_station[world.station_a.pk].applications == 6
    assert by_station[world.station_b.pk].satisfied_rate == figures.Rate(0, 1)


def test_nothing_counted_gives_no_rate_never_zero(world):
    found = figures.tally(figures.applications_for_figures(world.officer_a, **JANUARY))
    assert found == figures.NO_TALLY
    assert found.on_time_rate.percent is None
    assert found.one_visit_rate.percent is None
    assert found.average_satisfaction is None


def test_overdue_now_leaves_out_a_stopped_clock_and_the_finished(world, january):
    now = at("2026-03-01")
    service = make_service(world.station_a, "residence_certificate", days=3, name="户籍证明")
    make_application(service, made="2026-02-20")  # due 02-23: overdue
    make_application(service, made="2026-02-27")  # due 03-02: not yet
    waiting = make_application(service, made="2026-02-20")
    Application.objects.filter(pk=waiting.pk).update(state=rules.MISSING)
    make_application(service, made="2026-02-20", state=rules.BOOKED)
    # January's open p6 (due 02-04) is overdue too; the finished ones are not.
    assert figures.overdue_count(world.officer_a, now=now) == 2
    assert figures.overdue_by(world.officer_a, "kind", now=now) == {
        "residence_permit": 1,
        "residence_certificate": 1,
    }
    assert figures.overdue_count(world.officer_b, now=now) == 0


def test_officer_b_counts_nothing_of_township_a(world, january):
    b = figures.tally(figures.applications_for_figures(world.officer_b, **JANUARY))
    assert (b.applications, b.rated, b.satisfaction_sum) == (1, 1, 1)
    # Naming township A's area does not open it.
    named = figures.applications_for_figures(
        world.officer_b, region_path=world.township_a.path, **JANUARY
    )
    assert figures.tally(named) == figures.NO_TALLY
    assert figures.overdue_count(world.officer_b, region_path=world.township_a.path) == 0
    assert figures.applications_for_figures(world.resident, **JANUARY).count() == 0


def test_a_region_narrows_the_figures_and_a_door_request_sits_at_its_building(world, january):
    grid = figures.applications_for_figures(
        world.county_admin, region_path=world.grid_a1.path, **JANUARY
    )
    assert list(grid) == [january["p5"]]
    township_b = figures.applications_for_figures(
        world.county_admin, region_path=world.township_b.path, **JANUARY
    )
    assert list(township_b) == [january["b1"]]


def test_each_table_is_one_query(world, january, django_assert_num_queries):
    applications = figures.applications_for_figures(world.chief, **JANUARY)
    with django_assert_num_queries(1):
        figures.tally(applications)
    for group in figures.GROUPS:
        with django_assert_num_queries(1):
            figures.tally_by(applications, group)
    with django_assert_num_queries(1):
        figures.overdue_by(world.chief, "station")
