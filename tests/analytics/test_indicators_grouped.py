"""The indicators' grouped reads give what the plain ones give: the first-response
statistics computed by the database (PostgreSQL's ``percentile_cont``) equal ``percentile``
over the fetched minutes, and the twelve-month trend, read in one grouped query over the
facts and one over the responses, equals ``values_for`` month by month. On SQLite both
sides are Python; the suite's PostgreSQL run checks the database's arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import Period, Responses
from fengqiao.disputes.models import Case
from fengqiao.org.models import Person
from tests.analytics import indicator_cases
from tests.analytics.indicator_cases import at

clock, figures = indicator_cases.clock, indicator_cases.figures

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# Seconds to the first action with odd fractions, so any rounding of the database's
# arithmetic would show: seven cases, an even count's median and an interpolated p90.
AWKWARD_SECONDS = {
    "c1": 1234.567891,
    "c2": 266_400.000001,
    "c3": 59.999999,
    "c11": 1800.5,
    "c4": 7.123457,
    "c5": 600.25,
    "c7": 0.000001,
}


def _python(user, target, period) -> Responses:
    return Responses.of(indicators.response_minutes(user, target, period))


def _targets(world):
    worker = Person.objects.get(user=world.grid_worker_a1)
    return [
        (world.officer_a, indicators.target_for(world.officer_a)),
        (world.chief, indicators.target_for(world.chief, unit="U33069901")),
        (world.officer_a, indicators.target_for(world.officer_a, person=worker.pk)),
    ]


def test_the_statistics_in_the_database_equal_python_on_the_same_rows(world, figures):
    for name, seconds in AWKWARD_SECONDS.items():
        case = figures.cases[name]
        Case.objects.filter(pk=case.pk).update(
            first_action_at=case.received_at + dt.timedelta(seconds=seconds)
        )
    for user, target in _targets(world):
        assert indicators.responses(user, target, MARCH) == _python(user, target, MARCH)
    township = indicators.target_for(world.officer_a)
    answer = indicators.responses(world.officer_a, township, MARCH)
    assert answer.count == 7
    minutes = sorted(s / 60 for s in AWKWARD_SECONDS.values())
    assert answer.statistics == {"median": minutes[3], "p90": indicators.percentile(minutes, 0.9)}


def test_no_first_response_gives_no_statistic(world, figures):
    empty = Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    township = indicators.target_for(world.officer_a)
    assert indicators.responses(world.officer_a, township, empty) == Responses(
        0, {"median": None, "p90": None}
    )


@pytest.mark.parametrize("codes", [None, ["first_response_p90", "reports_per_10k"]])
def test_the_trend_equals_each_months_values(world, figures, clock, codes):
    clock.set(at(4, 15))
    for user, target in _targets(world):
        trend = indicators.trend(user, target, 14, codes=codes)
        assert [period for period, _values in trend] == [
            Period.month(2025 + (m + 2) // 12, (m + 2) % 12 + 1) for m in range(14)
        ]
        for period, values in trend:
            assert values == indicators.values_for(user, target, period, codes), period
    # The months hold the set: March 2025's c10, March 2026's seven cases.
    township = dict(indicators.trend(world.officer_a, indicators.target_for(world.officer_a), 14))
    assert township[Period.month(2025, 3)]["cases_received"].value == 1
    assert township[MARCH]["cases_received"].value == 7
    assert township[MARCH]["first_response_median"].value == 30.0


def test_the_trend_reads_a_fixed_number_of_queries(
    world, figures, clock, django_assert_max_num_queries
):
    clock.set(at(4, 15))
    target = indicators.target_for(world.officer_a)
    # The facts grouped by month, the responses grouped by month, the population.
    with django_assert_max_num_queries(3):
        indicators.trend(world.officer_a, target, 12)
