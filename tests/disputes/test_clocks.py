"""Time limits and clocks of dispute cases: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.disputes.clocks import (
    MEDIATION_MONTH,
    TimeLimits,
    case_clocks,
    clock_state,
    escalation_due,
    judicial_confirmation_days_left,
    judicial_confirmation_deadline,
    limits_for,
    merged_pauses,
    overdue_now,
    regrade_after_relapse,
    return_visit_schedule,
    validate_overrides,
)
from fengqiao.taxonomy import codes

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# --- limits -------------------------------------------------------------------------------


def test_grades_are_the_taxonomy_risk_codes():
    assert set(codes("risk")) == {"red", "yellow", "blue"}


def test_red_defaults_come_from_taxonomy():
    assert limits_for("red") == TimeLimits(
        grade="red",
        first_action=H,
        resolve=30 * D,
        return_visit_days=(3, 7, 30, 90),
        professional_team=24 * H,
        escalate_if_no_progress=24 * H,
    )


def test_yellow_defaults_come_from_taxonomy():
    assert limits_for("yellow") == TimeLimits(
        grade="yellow",
        first_action=24 * H,
        resolve=15 * D,
        return_visit_days=(7, 30),
        first_session=3 * D,
        escalate_after_failed_sessions=2,
    )


def test_blue_defaults_come_from_taxonomy():
    assert limits_for("blue") == TimeLimits(
        grade="blue",
        first_action=72 * H,
        resolve=7 * D,
        return_visit_days=(30,),
        escalate_after_repeat_complaints=2,
    )


def test_county_overrides_replace_only_what_they_name():
    limits = limits_for("red", {"red": {"first_action_hours": 2, "return_visit_days": [90, 7]}})
    assert limits.first_action == 2 * H
    assert limits.return_visit_days == (7, 90)
    assert limits.resolve == 30 * D
    assert limits.escalate_if_no_progress == 24 * H


def test_overrides_for_another_grade_leave_this_one_alone():
    assert limits_for("blue", {"red": {"resolve_days": 20}}) == limits_for("blue")


def test_fractional_hours_are_allowed():
    assert limits_for("red", {"red": {"first_action_hours": 0.5}}).first_action == 30 * timedelta(
        minutes=1
    )


def test_none_switches_an_optional_rule_off():
    limits = limits_for("red", {"red": {"escalate_if_no_progress_hours": None}})
    assert limits.escalate_if_no_progress is None


def test_a_copy_of_the_defaults_with_its_about_note_is_valid():
    from fengqiao.taxonomy import taxonomy

    validate_overrides(taxonomy()["default_time_limits"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"red": {"first_action_hours": -1}}, "时限配置错误：red.first_action_hours 必须是正数"),
        (
            {"red": {"first_action_hours": 0}},
            "red.first_action_hours 必须是正数 / must be positive",
        ),
        ({"red": {"first_action_hours": "1"}}, "red.first_action_hours 必须是正数"),
        ({"red": {"first_action_hours": True}}, "red.first_action_hours 必须是正数"),
        ({"red": {"first_action_hours": float("inf")}}, "red.first_action_hours 必须是正数"),
        ({"red": {"resolve_days": 1e12}}, "red.resolve_days 太大 / is too large"),
        ({"red": {"first_action_minutes": 30}}, "red.first_action_minutes 不是可配置的时限"),
        ({"purple": {"resolve_days": 3}}, "purple 不是风险等级"),
        ({"red": 5}, "red 必须是设置表"),
        ({"yellow": {"escalate_after_failed_sessions": 1.5}}, "必须是正整数 / must be a positive"),
        ({"blue": {"escalate_after_repeat_complaints": -2}}, "blue.escalate_after_repeat"),
        ({"blue": {"return_visit_days": [30, -1]}}, "blue.return_visit_days 必须是正整数列表"),
        ({"blue": {"return_visit_days": 30}}, "blue.return_visit_days 必须是正整数列表"),
        ({"blue": {"resolve_days": None}}, "blue.resolve_days 不能为空 / cannot be empty"),
        (["red"], "overrides 必须是设置表"),
    ],
)
def test_bad_overrides_name_the_key_in_chinese_then_english(overrides, message):
    with pytest.raises(ValueError, match="时限配置错误") as error:
        limits_for("blue", overrides)
    assert message in str(error.value)


def test_unknown_grade_is_refused():
    with pytest.raises(ValueError, match="未知风险等级"):
        limits_for("orange")


# --- one clock --------------------------------------------------------------------------------


def test_a_running_clock_counts_wall_time():
    state = clock_state(T0, 24 * H, [], None, at(10))
    assert state.elapsed == 10 * H
    assert state.remaining == 14 * H
    assert state.due_at == at(24)
    assert not (state.paused or state.overdue or state.stopped)


def test_elapsed_excludes_a_finished_pause():
    state = clock_state(T0, 24 * H, [(at(2), at(5))], None, at(10))
    assert state.elapsed == 7 * H
    assert state.due_at == at(27)
    assert not state.paused


def test_an_ongoing_pause_freezes_remaining_and_projects_due_at_from_now():
    pauses = [(at(4), None)]
    early = clock_state(T0, 24 * H, pauses, None, at(6))
    later = clock_state(T0, 24 * H, pauses, None, at(50))
    assert early.paused and later.paused
    assert early.remaining == later.remaining == 20 * H
    assert early.due_at == at(26)
    assert later.due_at == at(70)
    assert not later.overdue


def test_resuming_keeps_the_elapsed_time():
    state = clock_state(T0, 24 * H, [(at(4), at(30))], None, at(31))
    assert state.elapsed == 5 * H
    assert not state.paused


def test_overlapping_and_unordered_pauses_count_once():
    pauses = [(at(6), at(8)), (at(1), at(4)), (at(3), at(7)), (at(2), at(3))]
    assert merged_pauses(pauses, T0, at(10)) == [(at(1), at(8))]
    assert clock_state(T0, 24 * H, pauses, None, at(10)).elapsed == 3 * H


def test_pauses_before_the_start_or_after_now_are_clipped():
    pauses = [(T0 - 5 * H, at(1)), (at(9), at(20))]
    assert clock_state(T0, 24 * H, pauses, None, at(10)).elapsed == 8 * H


def test_a_pause_that_ends_before_it_starts_is_ignored():
    assert clock_state(T0, 24 * H, [(at(5), at(3))], None, at(10)).elapsed == 10 * H


def test_a_clock_past_its_span_is_overdue():
    state = clock_state(T0, H, [], None, at(3))
    assert state.overdue
    assert state.remaining == -2 * H
    assert state.due_at == at(1)


def test_exactly_at_the_deadline_is_not_yet_overdue():
    assert not clock_state(T0, H, [], None, at(1)).overdue


def test_a_stopped_clock_stops_counting():
    on_time = clock_state(T0, 24 * H, [(at(1), None)], at(3), at(100))
    assert on_time.stopped and not on_time.paused and not on_time.overdue
    assert on_time.elapsed == H
    assert on_time.due_at == at(26)  # the 2 h paused before the stop push it back
    late = clock_state(T0, H, [], at(3), at(100))
    assert late.stopped and late.overdue and late.elapsed == 3 * H


def test_a_stop_in_the_future_has_not_happened_yet():
    state = clock_state(T0, 24 * H, [], at(20), at(10))
    assert not state.stopped and state.elapsed == 10 * H


def test_nothing_elapses_before_the_start():
    state = clock_state(T0, H, [], None, T0 - 5 * H)
    assert state.elapsed == timedelta() and state.remaining == H


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="时区"):
        clock_state(T0.replace(tzinfo=None), H, [], None, T0)
    with pytest.raises(ValueError, match="pause_start"):
        clock_state(T0, H, [(at(1).replace(tzinfo=None), None)], None, at(2))


MINUTES = st.integers(min_value=0, max_value=600)


@given(
    pauses=st.lists(st.tuples(MINUTES, st.one_of(st.none(), MINUTES)), max_size=6),
    start=MINUTES,
    now=MINUTES,
    stop=st.one_of(st.none(), MINUTES),
)
def test_elapsed_plus_paused_is_the_wall_time(pauses, start, now, stop):
    def minute(n: int) -> datetime:
        return T0 + timedelta(minutes=n)

    state = clock_state(
        minute(start),
        timedelta(minutes=120),
        [(minute(a), None if b is None else minute(b)) for a, b in pauses],
        None if stop is None else minute(stop),
        minute(now),
    )
    until = max(start, stop if stop is not None and stop <= now else now)
    # Oracle: count the paused minutes one by one.
    paused = {m for a, b in pauses for m in range(a, until if b is None else b)}
    paused_minutes = len(paused & set(range(start, until)))
    assert state.elapsed + timedelta(minutes=paused_minutes) == minute(until) - minute(start)
    assert timedelta() <= state.elapsed <= max(minute(now) - minute(start), timedelta())
    assert state.remaining == timedelta(minutes=120) - state.elapsed
    assert state.overdue == (state.remaining < timedelta())
    later = clock_state(
        minute(start),
        timedelta(minutes=120),
        [(minute(a), None if b is None else minute(b)) for a, b in pauses],
        None if stop is None else minute(stop),
        minute(now + 30),
    )
    assert later.elapsed >= state.elapsed


# --- a case's clocks ------------------------------------------------------------------------


def test_a_case_shows_three_clocks_separately():
    clocks = case_clocks("yellow", T0, at(2), None, [], at(48))
    assert set(clocks) == {"first_action", "resolve", "mediation_month"}
    assert clocks["first_action"].stopped and clocks["first_action"].elapsed == 2 * H
    assert clocks["resolve"].due_at == T0 + 15 * D
    assert clocks["mediation_month"].due_at == T0 + MEDIATION_MONTH
    assert overdue_now(clocks) == []


def test_an_overdue_case_is_flagged_by_its_running_clocks():
    clocks = case_clocks("red", T0, None, None, [], at(3))
    assert overdue_now(clocks) == ["first_action"]


def test_a_clock_met_late_does_not_flag_the_case_now():
    clocks = case_clocks("red", T0, at(3), None, [], at(10))
    assert clocks["first_action"].overdue
    assert overdue_now(clocks) == []


def test_pauses_hold_the_sla_clocks_but_not_the_mediation_month():
    clocks = case_clocks("blue", T0, at(1), None, [(at(24), at(24 + 10 * 24))], T0 + 12 * D)
    assert clocks["resolve"].elapsed == 2 * D
    assert not clocks["resolve"].overdue
    assert clocks["mediation_month"].elapsed == 12 * D


def test_resolution_stops_every_clock():
    clocks = case_clocks("blue", T0, None, T0 + 5 * D, [], T0 + 60 * D)
    assert all(state.stopped for state in clocks.values())
    assert clocks["first_action"].overdue  # never recorded: met at resolution, late
    assert not clocks["resolve"].overdue
    assert overdue_now(clocks) == []


def test_case_clocks_use_the_county_overrides():
    clocks = case_clocks("red", T0, None, None, [], at(1.5), {"red": {"first_action_hours": 2}})
    assert not clocks["first_action"].overdue


# --- after the agreement --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "days"), [("red", [3, 7, 30, 90]), ("yellow", [7, 30]), ("blue", [30])]
)
def test_return_visits_are_scheduled_by_grade(grade, days):
    closed = date(2026, 3, 1)
    assert return_visit_schedule(grade, closed) == [closed + timedelta(days=d) for d in days]


def test_return_visits_keep_the_time_of_a_datetime_and_follow_overrides():
    assert return_visit_schedule("blue", T0, {"blue": {"return_visit_days": [14]}}) == [T0 + 14 * D]


def test_judicial_confirmation_deadline_is_day_30_inclusive():
    effective = date(2026, 3, 1)
    assert judicial_confirmation_deadline(effective) == date(2026, 3, 31)
    assert judicial_confirmation_days_left(effective, date(2026, 3, 1)) == 30
    assert judicial_confirmation_days_left(effective, date(2026, 3, 31)) == 0
    assert judicial_confirmation_days_left(effective, date(2026, 4, 1)) == -1


@pytest.mark.parametrize(
    ("grade", "after"), [("blue", "yellow"), ("yellow", "red"), ("red", "red")]
)
def test_a_relapse_reopens_the_case_one_grade_higher(grade, after):
    assert regrade_after_relapse(grade) == after


def test_regrade_refuses_an_unknown_grade():
    with pytest.raises(ValueError):
        regrade_after_relapse("green")


# --- escalation -------------------------------------------------------------------------------


def escalation(grade, *, progress=None, failed=0, repeats=0, now, pauses=(), overrides=None):
    return escalation_due(
        grade,
        received_at=T0,
        last_progress_at=progress,
        failed_sessions=failed,
        repeat_complaints=repeats,
        now=now,
        pauses=pauses,
        overrides=overrides,
    )


def test_red_case_escalates_after_24h_without_contact():
    assert escalation("red", now=at(23)) is None
    assert escalation("red", now=at(25)) == "red_no_progress"


def test_red_case_with_recent_progress_does_not_escalate():
    assert escalation("red", progress=at(20), now=at(30)) is None
    assert escalation("red", progress=at(20), now=at(45)) == "red_no_progress"


def test_red_no_progress_rule_follows_the_county():
    longer = {"red": {"escalate_if_no_progress_hours": 48}}
    assert escalation("red", now=at(25), overrides=longer) is None
    assert escalation("red", now=at(49), overrides=longer) == "red_no_progress"
    switched_off = {"red": {"escalate_if_no_progress_hours": None}}
    assert escalation("red", now=at(100), overrides=switched_off) is None


def test_yellow_case_escalates_after_two_failed_sessions():
    assert escalation("yellow", failed=1, now=at(5)) is None
    assert escalation("yellow", failed=2, now=at(5)) == "yellow_failed_sessions"


def test_yellow_case_escalates_after_15_days():
    assert escalation("yellow", now=T0 + 15 * D) is None
    assert escalation("yellow", now=T0 + 15 * D + H) == "yellow_over_time"


def test_yellow_over_time_waits_out_pauses_like_the_resolve_clock():
    assert escalation("yellow", now=T0 + 16 * D, pauses=[(T0 + D, T0 + 3 * D)]) is None


def test_blue_case_escalates_after_two_repeat_complaints():
    assert escalation("blue", repeats=1, now=at(5)) is None
    assert escalation("blue", repeats=2, now=at(5)) == "blue_repeat_complaints"


def test_rules_of_other_grades_do_not_apply():
    assert escalation("blue", failed=5, now=T0 + 20 * D) is None
    assert escalation("yellow", repeats=5, now=at(30)) is None
