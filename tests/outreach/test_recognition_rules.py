"""The points rules, without a database: the table, caps, ranking and local months."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengqiao.outreach import recognition_rules as rules

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# No deadline: a busy test machine must not turn a slow example into a failure.
relaxed = settings(deadline=None)
counts = st.dictionaries(st.sampled_from(rules.KINDS), st.integers(min_value=0, max_value=500))


def test_every_rule_has_a_label_an_explanation_and_a_sane_cap():
    assert len(set(rules.KINDS)) == len(rules.RULES)
    for rule in rules.RULES:
        assert str(rule.label) and len(str(rule.evidence)) > 10
        assert rule.points >= 0 and rule.monthly_cap >= 0
    assert rules.RULES_BY_CODE["visit_nobody_home"].points == 0
    assert rules.RULES_BY_CODE["visit_met"].points == 1  # one hour's service, one point


def test_points_are_evidence_times_points_up_to_the_cap():
    points = rules.points_for({"tenant_report_verified": 3, "visit_met": 70, "patrol_checkin": 5})
    assert points.of("tenant_report_verified").points == 6
    met = points.of("visit_met")
    assert (met.evidence, met.counted, met.points) == (70, 60, 60)
    assert points.total == 6 + 60 + 5 and points.evidence == 78


def test_a_nobody_home_visit_is_counted_but_earns_nothing():
    points = rules.points_for({"visit_nobody_home": 12})
    assert points.of("visit_nobody_home").evidence == 12 and points.total == 0


def test_confirmed_sightings_earn_five_points_each_up_to_five_a_month():
    assert rules.RULES_BY_CODE["sighting_confirmed"].counted
    assert rules.points_for({"sighting_confirmed": 3}).total == 15
    assert rules.points_for({"sighting_confirmed": 9}).total == 25


def test_an_unknown_kind_or_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        rules.points_for({"self_reported_hours": 40})
    with pytest.raises(ValueError):
        rules.points_for({"visit_met": -1})


@relaxed
@given(counts)
def test_points_never_exceed_the_monthly_maximum_and_are_never_negative(evidence):
    points = rules.points_for(evidence)
    assert 0 <= points.total <= rules.max_monthly_points()
    for kind in points.kinds:
        assert 0 <= kind.counted <= min(kind.evidence, kind.rule.monthly_cap)


@relaxed
@given(counts, st.sampled_from(rules.KINDS))
def test_more_evidence_never_lowers_the_points(evidence, kind):
    more = {**evidence, kind: evidence.get(kind, 0) + 1}
    assert rules.points_for(more).total >= rules.points_for(evidence).total


def test_ranking_shares_a_rank_on_a_tie_and_leaves_out_nought():
    ranked = rules.ranking({1: (10, "王"), 2: (7, "李"), 3: (7, "陈"), 4: (3, "赵"), 5: (0, "孙")})
    assert [(r.rank, r.key) for r in ranked] == [(1, 1), (2, 2), (2, 3), (4, 4)]


@relaxed
@given(st.dictionaries(st.integers(1, 50), st.tuples(st.integers(0, 100), st.text(max_size=3))))
def test_ranking_is_ordered_by_points_and_ranks_never_exceed_positions(totals):
    ranked = rules.ranking(totals)
    assert [r.total for r in ranked] == sorted((r.total for r in ranked), reverse=True)
    assert all(r.total > 0 and 1 <= r.rank <= i + 1 for i, r in enumerate(ranked))


def test_a_month_is_bounded_in_local_time():
    start, end = rules.month_bounds(dt.date(2026, 10, 17), SHANGHAI)
    assert start == dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)


def test_months_roll_over_the_year():
    assert rules.next_month(dt.date(2026, 12, 5)) == dt.date(2027, 1, 1)
    assert rules.previous_month(dt.date(2027, 1, 31)) == dt.date(2026, 12, 1)
    assert rules.months_back(dt.date(2027, 2, 9), 3) == [
        dt.date(2027, 2, 1),
        dt.date(2027, 1, 1),
        dt.date(2026, 12, 1),
    ]


def test_the_month_asked_defaults_to_the_last_full_one_and_refuses_the_future():
    today = dt.date(2027, 1, 6)
    assert rules.month_asked("", today) == dt.date(2026, 12, 1)
    assert rules.month_asked("2026-13", today) == dt.date(2026, 12, 1)
    assert rules.month_asked("2027-02", today) == dt.date(2026, 12, 1)
    assert rules.month_asked("2027-01", today) == dt.date(2027, 1, 1)
    assert rules.month_asked("2025-06", today) == dt.date(2025, 6, 1)
