"""Pure decisions about applications: the legal moves between states, and the clock that
stops while materials are missing. No database."""

from __future__ import annotations

import datetime as dt

BOOKED = "booked"
SUBMITTED = "submitted"
MISSING = "missing"
COMPLETED = "completed"
REFUSED = "refused"
CANCELLED = "cancelled"
FINISHED = frozenset({COMPLETED, REFUSED, CANCELLED})

# action -> (states it may start from, state it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({BOOKED}), SUBMITTED),
    "ask_missing": (frozenset({SUBMITTED, MISSING}), MISSING),
    "supply": (frozenset({MISSING}), SUBMITTED),
    "complete": (frozenset({SUBMITTED}), COMPLETED),
    "refuse": (frozenset({BOOKED, SUBMITTED, MISSING}), REFUSED),
    "cancel": (frozenset({BOOKED, SUBMITTED, MISSING}), CANCELLED),
}

# Window bookings: half-hour slots on working days, morning and afternoon.
SLOT_MINUTES = 30
OPENING_HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
BOOK_AHEAD_DAYS = 30


def next_state(action: str, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when it is not a legal move."""
    starts, ends = MOVES[action]
    return ends if state in starts else None


def due_at(submitted_at: dt.datetime, days_allowed: int, paused_seconds: int = 0) -> dt.datetime:
    """When an application must be finished: the days allowed after it was accepted,
    plus every second the clock stood still waiting for the applicant's materials."""
    return submitted_at + dt.timedelta(days=days_allowed, seconds=paused_seconds)


def paused_for(paused_at: dt.datetime | None, now: dt.datetime) -> int:
    """Whole seconds the clock has stood still since ``paused_at`` (0 if not paused)."""
    if paused_at is None:
        return 0
    return max(0, int((now - paused_at).total_seconds()))


def on_time(finished_at: dt.datetime, due: dt.datetime | None) -> bool:
    return due is None or finished_at <= due


def is_slot_start(moment: dt.datetime) -> bool:
    """Whether a local time starts a bookable half-hour slot on a working day."""
    if moment.weekday() >= 5 or moment.second or moment.microsecond:
        return False
    if moment.minute % SLOT_MINUTES:
        return False
    clock = moment.time()
    ends = dt.datetime.combine(moment.date(), clock) + dt.timedelta(minutes=SLOT_MINUTES)
    if ends.date() != moment.date():
        return False  # 23:30 would end at 00:00, which compares as early morning
    return any(opens <= clock and ends.time() <= closes for opens, closes in OPENING_HOURS)


def slots_on(day: dt.date) -> list[dt.time]:
    """The half-hour slot starts of a working day (none at weekends)."""
    if day.weekday() >= 5:
        return []
    starts: list[dt.time] = []
    for opens, closes in OPENING_HOURS:
        moment = dt.datetime.combine(day, opens)
        while (moment + dt.timedelta(minutes=SLOT_MINUTES)).time() <= closes:
            starts.append(moment.time())
            moment += dt.timedelta(minutes=SLOT_MINUTES)
    return starts
