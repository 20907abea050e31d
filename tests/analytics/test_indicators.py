"""Each indicator's arithmetic on a hand-built set of cases (``indicator_cases``): numerator,
denominator and value; the periods (boundaries, 环比, 同比, no value for a zero
denominator); scope; the facts kept by the signals against a rebuild from scratch; the
drill-down lists exactly the cases behind a figure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404

from fengqiao.analytics import facts, indicators
from fengqiao.analytics.indicators import DEFINITIONS, Period, Target
from fengqiao.analytics.models import MEASURES, DailyFact
from fengqiao.analytics.tasks import rebuild_recent_facts
from fengqiao.disputes import clocks
from fengqiao.disputes.mediation import services as mediation
from fengqiao.org.models import Person
from tests.analytics import indicator_cases
from tests.analytics.indicator_cases import at, build

# The set's fixtures.
clock, figures = indicator_cases.clock, indicator_cases.figures

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))

# code -> (numerator, denominator, value) for township A in March 2026, counted by hand
# from the table in indicator_cases.
EXPECTED = {
    # accepted within the first-action limit: c1, c3, c11, c5 (c2 took 74 h of 72) / 7
    "acceptance_on_time": (4, 7, 57.14),
    # resolved now: c1 (agreement), c2, c11 (closed); c5 relapsed, c3 transferred
    "resolution_rate": (3, 7, 42.86),
    # mediated c1, c3, c5; an agreement in c1 and c5
    "mediation_success_rate": (2, 3, 66.67),
    "resolved_level_1": (3, 3, 100.0),
    "resolved_level_2": (0, 3, 0.0),
    "resolved_level_3": (0, 3, 0.0),
    # first actions: c1, c2, c3, c11, c5; c2's was late
    "first_action_on_time": (4, 5, 80.0),
    # c11 took 8 days of blue's 7
    "resolve_on_time": (2, 3, 66.67),
    # c1's two visits (one made), c5's first (made; the second cancelled by the relapse)
    "return_visit_completion": (2, 3, 66.67),
    # c5 reopened / ever resolved: the three resolved now and c5, open again
    "relapse_rate": (1, 4, 25.0),
    # c2 rated 2, c11 rated 5
    "satisfaction_rate": (1, 2, 50.0),
    "civil_to_criminal": (1, None, 1),
    # seven dispute reports and the hazard, 20,000 residents
    "reports_per_10k": (8, 20_000, 4.0),
    "cases_received": (7, None, 7),
    # minutes to the first action: 10, 30, 30, 60, 4440
    "first_response_median": (None, 5, 30.0),
    "first_response_p90": (None, 5, 2688.0),
}


def _answer(user, target: Target, period: Period = MARCH) -> dict:
    return {r.definition.code: r for r in indicators.compute(user, target, period)}


def _refs(figures, *names) -> set[str]:
    return {figures.cases[name].reference for name in names}


def _drilled(user, code, part="numerator", target=None, period=MARCH) -> set[str]:
    target = target or indicators.target_for(user)
    return {r.reference for r in indicators.drill_down(user, target, period, code, part=part)}


# --- arithmetic ----------------------------------------------------------------------


def test_every_indicator_is_defined_and_counted_by_hand():
    assert set(EXPECTED) == set(DEFINITIONS)


def test_each_indicator_is_its_numerator_over_its_denominator(world, figures):
    results = _answer(world.officer_a, indicators.target_for(world.officer_a))
    found = {
        code: (r.current.numerator, r.current.denominator, r.current.value)
        for code, r in results.items()
    }
    assert found == EXPECTED


def test_the_default_target_of_an_officer_is_their_township(world, figures):
    target = indicators.target_for(world.officer_a)
    assert target.region == world.township_a
    assert target.as_dict() == {"kind": "region", "code": "330699001", "name": "甲镇"}


# --- periods -------------------------------------------------------------------------


def test_the_period_is_whole_local_days_from_first_to_last(world, figures):
    received = _drilled(world.officer_a, "cases_received")
    # 23:30 on the last day is in; ten past midnight after it and ten to midnight before
    # the first day are not.
    assert figures.cases["c7"].reference in received
    assert not received & _refs(figures, "c8", "c9", "c10")
    assert received == _refs(figures, "c1", "c2", "c3", "c11", "c4", "c5", "c7")


def test_month_on_month_compares_with_the_month_before(world, figures):
    assert MARCH.previous() == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    results = _answer(world.officer_a, indicators.target_for(world.officer_a))
    # February: c9 alone, received, accepted in 5 minutes and closed the next morning.
    resolution = results["resolution_rate"]
    assert (resolution.previous.numerator, resolution.previous.denominator) == (1, 1)
    assert resolution.previous.value == 100.0
    assert resolution.mom == round((42.86 - 100.0) / 100.0 * 100, 1) == -57.1
    assert results["cases_received"].mom == 600.0  # 7 against 1
    assert results["first_response_median"].previous.value == 5.0


def test_year_on_year_compares_with_the_same_days_a_year_before(world, figures):
    assert MARCH.last_year() == Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    results = _answer(world.officer_a, indicators.target_for(world.officer_a))
    # March 2025: c10 alone, never touched.
    resolution = results["resolution_rate"]
    assert (resolution.last_year.numerator, resolution.last_year.denominator) == (1 - 1, 1)
    assert resolution.last_year.value == 0.0
    # A change on nothing is no change: 同比 of a rate that was 0 is no value, not infinite.
    assert resolution.yoy is None
    assert results["cases_received"].yoy == 600.0
    assert results["reports_per_10k"].last_year.value == 0.5


def test_a_zero_denominator_gives_no_value_never_zero(world, figures):
    april = Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    results = _answer(world.officer_a, indicators.target_for(world.officer_a), april)
    # April: c8 alone, untouched.
    assert results["mediation_success_rate"].current.denominator == 0
    assert results["mediation_success_rate"].current.value is None
    assert results["satisfaction_rate"].current.value is None
    assert results["first_response_median"].current.value is None
    assert results["resolution_rate"].current.value == 0.0  # 0 of 1 is a value
    assert results["relapse_rate"].mom is None  # no value now: no change


def test_the_period_before_a_span_of_days_is_as_many_days_just_before():
    assert Period(dt.date(2026, 3, 10), dt.date(2026, 3, 19)).previous() == Period(
        dt.date(2026, 2, 28), dt.date(2026, 3, 9)
    )
    quarter = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter.previous() == Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert year.previous() == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    leap = Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert leap.last_year() == Period(dt.date(2023, 2, 1), dt.date(2023, 2, 28))


@pytest.mark.parametrize(
    "start, end, field",
    [
        ("2026-3-1", "2026-03-31", "from"),
        ("2026-03-01", "31/03/2026", "to"),
        ("20260301", "", "from"),
        ("2026-02-30", "", "from"),
        ("0001-01-01", "", "from"),
        ("2026-03-01", "9999-12-31", "to"),
        ("2026-04-01", "2026-03-31", "to"),
        ("2020-01-01", "2026-03-31", "to"),  # longer than five years
    ],
)
def test_a_bad_period_names_the_field_that_is_wrong(start, end, field):
    with pytest.raises(ValidationError) as error:
        Period.parse(start, end)
    assert list(error.value.message_dict) == [field]


def test_a_period_defaults_to_this_year_until_today(clock):
    clock.set(at(3, 15, 10))
    assert Period.parse(None, "") == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 15))


# --- scope ---------------------------------------------------------------------------


def test_township_b_is_never_counted_for_officer_a(world, figures):
    mine = _answer(world.officer_a, indicators.target_for(world.officer_a))
    county = _answer(world.county_admin, Target(region=world.county))
    # b1 (received, resolved, rated 5) counts for the county and not for township A.
    assert county["cases_received"].current.value == 7 + 1
    assert county["satisfaction_rate"].current.numerator == 1 + 1
    assert mine["cases_received"].current.value == 7
    assert mine["satisfaction_rate"].current.numerator == 1
    assert figures.cases["b1"].reference not in _drilled(world.officer_a, "cases_received")


@pytest.mark.parametrize(
    "named",
    [
        {"region": "330699002"},  # township B
        {"region": "330699002001G01"},  # a grid of township B
        {"region": "330699"},  # the county over both
        {"unit": "U33069902"},  # station B
        {"region": "nowhere"},
    ],
)
def test_a_target_outside_the_officers_jurisdiction_is_not_found(world, figures, named):
    with pytest.raises(Http404):
        indicators.target_for(world.officer_a, **named)


def test_a_person_outside_the_jurisdiction_is_not_found(world, figures):
    officer_b = Person.objects.get(user=world.officer_b)
    with pytest.raises(Http404):
        indicators.target_for(world.officer_a, person=officer_b.pk)


def test_a_unit_counts_its_jurisdiction(world, figures):
    station = _answer(world.chief, indicators.target_for(world.chief, unit="U33069901"))
    township = _answer(world.chief, indicators.target_for(world.chief, region="330699001"))
    assert {c: r.as_dict() for c, r in station.items()} == {
        c: r.as_dict() for c, r in township.items()
    }
    assert station["reports_per_10k"].current.value == 4.0


def test_a_person_counts_the_cases_they_handle(world, figures):
    worker = Person.objects.get(user=world.grid_worker_a1)
    target = indicators.target_for(world.officer_a, person=worker.pk)
    results = _answer(world.officer_a, target)
    # The grid worker of a1 handles a1's cases (c1, c2, c11, c7) and stays on red c4.
    assert _drilled(world.officer_a, "cases_received", target=target) == _refs(
        figures, "c1", "c2", "c11", "c4", "c7"
    )
    assert results["resolution_rate"].current.value == 60.0
    assert results["reports_per_10k"].current.value is None  # a person has no population


# --- the facts -----------------------------------------------------------------------


def _all_facts() -> list[dict]:
    rows = DailyFact.objects.order_by("day", "grid_id", "category", "level")
    return [model_to_dict(row, exclude=["id", "updated_at"]) for row in rows]


def test_the_facts_kept_by_the_signals_equal_a_rebuild_from_scratch(
    world, clock, django_capture_on_commit_callbacks
):
    # Each step commits on its own, as every request does, and refreshes its keys.
    build(world, clock, step=lambda: django_capture_on_commit_callbacks(execute=True))
    kept = _all_facts()
    assert kept, "the signals wrote facts"
    facts.rebuild()
    assert _all_facts() == kept
    rows = DailyFact.objects.all()
    assert sum(rows.values_list("received", flat=True)) == 11
    assert sum(rows.values_list("satisfied", flat=True)) == 2  # c11 and b1


def test_the_nightly_task_heals_the_last_days_and_older_cases_touched_since(world, figures, clock):
    # c1's last visit closes it on 2 April: written without the commit that would refresh
    # its row (received 2 March), as if the signal had been missed.
    clock.set(at(4, 2, 15))
    visit = figures.cases["c1"].return_visits.get(done_at=None, cancelled_at=None)
    mediation.record_return_visit(
        visit=visit,
        actor=world.officer_a,
        method="home",
        performance="已全部履行",
        outcome="settled",
        visited_at=clock.now,
    )
    DailyFact.objects.filter(day=dt.date(2026, 4, 1)).delete()  # a day lost
    stale = _all_facts()
    outcome = rebuild_recent_facts.call()
    assert outcome["from"] == "2026-04-01" and outcome["to"] == "2026-04-02"
    healed = _all_facts()
    facts.rebuild()
    assert healed == _all_facts() != stale


# --- drill-down ----------------------------------------------------------------------


# (code, part) -> the cases listed, by name in indicator_cases
BEHIND = {
    ("resolution_rate", "numerator"): {"c1", "c2", "c11"},
    ("resolution_rate", "denominator"): {"c1", "c2", "c3", "c11", "c4", "c5", "c7"},
    ("acceptance_on_time", "numerator"): {"c1", "c3", "c11", "c5"},
    ("mediation_success_rate", "numerator"): {"c1", "c5"},
    ("mediation_success_rate", "denominator"): {"c1", "c3", "c5"},
    ("resolve_on_time", "numerator"): {"c1", "c2"},
    ("relapse_rate", "numerator"): {"c5"},
    ("relapse_rate", "denominator"): {"c1", "c2", "c11", "c5"},
    ("satisfaction_rate", "numerator"): {"c11"},
    ("satisfaction_rate", "denominator"): {"c2", "c11"},
    ("civil_to_criminal", "numerator"): {"c3"},
    # a statistic lists the cases whose minutes it reads, for either part
    ("first_response_median", "numerator"): {"c1", "c2", "c3", "c11", "c5"},
    ("first_response_p90", "denominator"): {"c1", "c2", "c3", "c11", "c5"},
    # the cases with a return visit due (one row per case, however many visits)
    ("return_visit_completion", "denominator"): {"c1", "c5"},
}


def test_the_drill_down_lists_exactly_the_cases_behind_the_figure(world, figures):
    names = {case.reference: name for name, case in figures.cases.items()}
    listed = {
        (code, part): {names[ref] for ref in _drilled(world.officer_a, code, part)}
        for code, part in BEHIND
    }
    assert listed == BEHIND


def test_a_drill_down_counts_what_the_figure_counts(world, figures):
    target = indicators.target_for(world.officer_a)
    counted_per_case = {m for m in MEASURES if not m.startswith(("visits", "agreements"))}
    for result in indicators.compute(world.officer_a, target, MARCH):
        d = result.definition
        for part, measure, count in (
            ("numerator", d.numerator, result.current.numerator),
            ("denominator", d.denominator, result.current.denominator),
        ):
            if measure in counted_per_case and measure != "reports":
                listed = indicators.drill_down(world.officer_a, target, MARCH, d.code, part=part)
                assert len(listed) == count, (d.code, part)


def test_a_drill_down_lists_newest_first(world, figures):
    target = indicators.target_for(world.officer_a)
    listed = indicators.drill_down(world.officer_a, target, MARCH, "cases_received")
    assert [r.reference for r in listed][:2] == [
        figures.cases["c7"].reference,
        figures.cases["c5"].reference,
    ]


def test_reports_per_10k_has_no_cases_to_list_and_unknown_codes_are_not_found(world, figures):
    target = indicators.target_for(world.officer_a)
    with pytest.raises(ValidationError) as error:
        indicators.drill_down(world.officer_a, target, MARCH, "reports_per_10k")
    assert list(error.value.message_dict) == ["part"]
    with pytest.raises(ValidationError) as error:
        indicators.drill_down(world.officer_a, target, MARCH, "resolution_rate", part="both")
    assert list(error.value.message_dict) == ["part"]
    with pytest.raises(Http404):
        indicators.drill_down(world.officer_a, target, MARCH, "no_such_indicator")


def _transferred(payload: dict) -> facts.CaseRecord:
    received = at(3, 1, 9)
    return facts.CaseRecord(
        id=1,
        reference="T-1",
        grid_id=1,
        scope_path="/x/",
        category="neighbourhood",
        risk="yellow",
        level=2,
        state="transferred",
        received_at=received,
        first_action_at=received,
        resolved_at=None,
        closed_at=received,
        events=[("transfer", received, payload)],
    )


@pytest.mark.parametrize(
    ("payload", "criminal"),
    [
        ({"body": "县公安局刑侦大队", "kind": "criminal"}, 1),
        # The recorded kind decides: a court's criminal chamber is still a court.
        ({"body": "县人民法院刑事审判庭", "kind": "court"}, 0),
        ({"body": "街道办", "kind": "department"}, 0),
        # Transfers recorded before the kind existed are read from the receiving body.
        ({"body": "县公安局（刑事立案侦查）"}, 1),
        ({"body": "县人民法院"}, 0),
    ],
)
def test_civil_to_criminal_is_the_transfer_kind_the_officer_chose(payload, criminal):
    limits = clocks.limits_for("yellow")
    assert facts.case_measures(_transferred(payload), limits)["criminal"] == criminal
