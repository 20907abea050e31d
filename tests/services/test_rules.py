"""The transition table and the clock, with plain values (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.services import rules


def test_the_legal_moves():
    assert rules.next_state("submit", "booked") == "submitted"
    assert rules.next_state("ask_missing", "submitted") == "missing"
    assert rules.next_state("supply", "missing") == "submitted"
    assert rules.next_state("complete", "submitted") == "completed"
    assert rules.next_state("refuse", "missing") == "refused"
    assert rules.next_state("cancel", "booked") == "cancelled"


def test_nothing_moves_out_of_a_finished_state_and_missing_cannot_be_completed():
    for action in rules.MOVES:
        for state in rules.FINISHED:
            assert rules.next_state(action, state) is None
    assert rules.next_state("complete", "missing") is None
    assert rules.next_state("submit", "submitted") is None


def test_the_clock_adds_the_days_allowed_and_every_paused_second():
    start = dt.datetime(2026, 3, 2, 9, 0)
    assert rules.due_at(start, 15) == dt.datetime(2026, 3, 17, 9, 0)
    assert rules.due_at(start, 15, 2 * 86400 + 60) == dt.datetime(2026, 3, 19, 9, 1)


def test_paused_for_counts_whole_seconds_and_never_goes_negative():
    at = dt.datetime(2026, 3, 2, 9, 0)
    assert rules.paused_for(None, at) == 0
    assert rules.paused_for(at, at + dt.timedelta(hours=2, seconds=0.7)) == 7200
    assert rules.paused_for(at, at - dt.timedelta(hours=1)) == 0


def test_slot_starts_are_half_hours_in_opening_hours_on_working_days():
    monday = dt.date(2026, 3, 2)
    assert rules.is_slot_start(dt.datetime.combine(monday, dt.time(8, 30)))
    assert rules.is_slot_start(dt.datetime.combine(monday, dt.time(17, 0)))
    assert not rules.is_slot_start(dt.datetime.combine(monday, dt.time(17, 30)))
    assert not rules.is_slot_start(dt.datetime.combine(monday, dt.time(12, 30)))
    assert not rules.is_slot_start(dt.datetime.combine(monday, dt.time(9, 15)))
    assert not rules.is_slot_start(dt.datetime(2026, 3, 7, 9, 0))  # Saturday
    # Its end wraps to 00:00, which must not read as inside the morning's hours.
    assert not rules.is_slot_start(dt.datetime.combine(monday, dt.time(23, 30)))
    assert rules.slots_on(dt.date(2026, 3, 8)) == []
    assert len(rules.slots_on(monday)) == 14


@given(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31)))
def test_every_slot_start_is_listed_by_slots_on_its_day(moment):
    moment = moment.replace(second=0, microsecond=0)
    assert rules.is_slot_start(moment) == (moment.time() in rules.slots_on(moment.date()))
