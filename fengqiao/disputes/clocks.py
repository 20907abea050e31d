"""Time limits of a dispute case: pure decisions over plain values, no database.

The limits per risk grade come from ``taxonomy.json``'s ``default_time_limits``; a county may
override any of them with a dict of the same shape (``{"red": {"first_action_hours": 2}}``).
A clock is never stored: its state is computed from when it started, when it stopped and the
pauses (the case waiting on a party), so it can be recomputed for any moment and never drifts.

All datetimes must be timezone-aware. Grades are the taxonomy ``risk`` codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from fengqiao.taxonomy import taxonomy

GRADES_LOW_TO_HIGH = ("blue", "yellow", "red")

# The one-month mediation norm (MOJ 2002 《人民调解工作若干规定》 art. 33); not configurable.
MEDIATION_MONTH = timedelta(days=30)
# Joint application for judicial confirmation (People's Mediation Law art. 33).
JUDICIAL_CONFIRMATION_DAYS = 30

# taxonomy key -> (TimeLimits field, kind of value)
_SETTINGS = {
    "first_action_hours": ("first_action", "hours"),
    "professional_team_hours": ("professional_team", "hours"),
    "resolve_days": ("resolve", "days"),
    "escalate_if_no_progress_hours": ("escalate_if_no_progress", "hours"),
    "first_session_days": ("first_session", "days"),
    "escalate_after_failed_sessions": ("escalate_after_failed_sessions", "count"),
    "escalate_after_repeat_complaints": ("escalate_after_repeat_complaints", "count"),
    "return_visit_days": ("return_visit_days", "day_list"),
}
_REQUIRED = ("first_action_hours", "resolve_days", "return_visit_days")
# What kind of value each setting takes: "hours", "days", "count" or "day_list".
SETTING_KINDS = {key: kind for key, (_field, kind) in _SETTINGS.items()}

Day = TypeVar("Day", date, datetime)


@dataclass(frozen=True)
class TimeLimits:
    """The limits of one grade. ``None`` means the rule does not apply to this grade."""

    grade: str
    first_action: timedelta
    resolve: timedelta
    return_visit_days: tuple[int, ...]
    professional_team: timedelta | None = None
    escalate_if_no_progress: timedelta | None = None
    first_session: timedelta | None = None
    escalate_after_failed_sessions: int | None = None
    escalate_after_repeat_complaints: int | None = None


def _config_error(where: str, zh: str, en: str) -> ValueError:
    return ValueError(f"时限配置错误：{where} {zh} / {en}")


def _problem(kind: str, value: object) -> tuple[str, str] | None:
    """What is wrong with ``value`` for a setting of ``kind``, in Chinese and English."""
    if kind == "day_list":
        if not isinstance(value, list | tuple) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value
        ):
            return "必须是正整数列表", "must be a list of positive whole numbers"
    elif kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return "必须是正整数", "must be a positive whole number"
    else:
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value) or value <= 0:
            return "必须是正数", "must be positive"
        try:
            timedelta(**{kind: value})
        except OverflowError:
            return "太大", "is too large"
    return None


def _check_value(where: str, kind: str, value: object) -> None:
    """Raise ValueError naming ``where`` unless ``value`` fits ``kind``."""
    problem = _problem(kind, value)
    if problem is not None:
        raise _config_error(where, *problem)


def setting_problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` for the setting ``key`` (a ``default_time_limits`` key),
    in Chinese, or None when it may be stored; for a page that names the field itself."""
    if key not in _SETTINGS:
        return "不是可配置的时限"
    if value is None:
        return "不能为空" if key in _REQUIRED else None
    problem = _problem(_SETTINGS[key][1], value)
    return problem[0] if problem else None


def validate_overrides(overrides: Mapping | None) -> None:
    """Check a county's overrides (same shape as ``default_time_limits``).

    Raises ValueError naming the first bad key, in Chinese then English. ``None`` as a value
    switches an optional rule off; the required settings cannot be switched off. A top-level
    ``about`` note is allowed and ignored, so a county may start from a copy of the defaults.
    """
    if overrides is None:
        return
    if not isinstance(overrides, Mapping):
        raise _config_error("overrides", "必须是设置表", "must be a mapping of grades")
    for grade, settings in overrides.items():
        if grade == "about":
            continue
        if grade not in GRADES_LOW_TO_HIGH:
            raise _config_error(
                str(grade),
                "不是风险等级（red、yellow、blue）",
                "is not a risk grade (red, yellow, blue)",
            )
        if not isinstance(settings, Mapping):
            raise _config_error(grade, "必须是设置表", "must be a mapping of settings")
        for key, value in settings.items():
            where = f"{grade}.{key}"
            if key not in _SETTINGS:
                raise _config_error(where, "不是可配置的时限", "is not a known time-limit setting")
            if value is None:
                if key in _REQUIRED:
                    raise _config_error(where, "不能为空", "cannot be empty")
                continue
            _check_value(where, _SETTINGS[key][1], value)


def limits_for(grade: str, overrides: Mapping | None = None) -> TimeLimits:
    """The time limits of ``grade``: the taxonomy defaults with the county's overrides on top.

    Raises ValueError for an unknown grade or for invalid overrides (all grades are checked,
    so a bad county setting fails on every case, not only on cases of that grade).
    """
    if grade not in GRADES_LOW_TO_HIGH:
        raise ValueError(f"未知风险等级：{grade} / unknown risk grade")
    validate_overrides(overrides)
    defaults = taxonomy()["default_time_limits"]
    validate_overrides(defaults)
    settings = {**defaults[grade], **((overrides or {}).get(grade) or {})}
    fields: dict[str, object] = {"grade": grade}
    for key, value in settings.items():
        field, kind = _SETTINGS[key]
        if value is None:
            fields[field] = None
        elif kind == "day_list":
            fields[field] = tuple(sorted(set(value)))
        elif kind == "count":
            fields[field] = value
        else:
            fields[field] = timedelta(**{kind: value})
    return TimeLimits(**fields)


# --- clocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    """One clock at one moment.

    - ``elapsed``: running time so far, paused time excluded; never negative.
    - ``remaining``: span minus elapsed; negative once overdue.
    - ``due_at``: the wall-clock time the limit falls due, given the pauses so far. While
      paused it is projected as if the clock resumed now (``now + remaining``), so it moves
      later for as long as the pause lasts; once stopped it is when it would have fallen due.
    - ``paused``: a pause is running now (never true for a stopped clock).
    - ``overdue``: elapsed exceeds the span. For a stopped clock this means it was met late;
      use ``overdue_now`` for clocks that are late and still running.
    - ``stopped``: the clock was stopped (the action was taken, the case resolved).
    """

    elapsed: timedelta
    remaining: timedelta
    due_at: datetime
    paused: bool
    overdue: bool
    stopped: bool


Pause = tuple[datetime, datetime | None]


def _require_aware(**moments: datetime | None) -> None:
    for name, moment in moments.items():
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} 必须带时区 / must be timezone-aware")


def merged_pauses(pauses: Sequence[Pause], start: datetime, end: datetime) -> list[Pause]:
    """The pauses clipped to ``[start, end]``, sorted, with overlaps merged.

    An open pause (end ``None``) runs to ``end``; a pause that ends before it starts is
    ignored as a data error rather than guessed at.
    """
    clipped = []
    for pause_start, pause_end in pauses:
        _require_aware(pause_start=pause_start, pause_end=pause_end)
        lo = max(pause_start, start)
        hi = end if pause_end is None else min(pause_end, end)
        if lo < hi:
            clipped.append((lo, hi))
    merged: list[Pause] = []
    for lo, hi in sorted(clipped):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def clock_state(
    started_at: datetime,
    deadline_span: timedelta,
    pauses: Sequence[Pause],
    stopped_at: datetime | None,
    now: datetime,
) -> ClockState:
    """The state at ``now`` of a clock of ``deadline_span`` started at ``started_at``.

    Time inside ``pauses`` does not count. A stop in the future (after ``now``) has not
    happened yet; a start in the future means nothing has elapsed.
    """
    _require_aware(started_at=started_at, stopped_at=stopped_at, now=now)
    stopped = stopped_at is not None and stopped_at <= now
    until = max(stopped_at if stopped else now, started_at)
    paused_time = sum((hi - lo for lo, hi in merged_pauses(pauses, started_at, until)), timedelta())
    elapsed = until - started_at - paused_time
    remaining = deadline_span - elapsed
    paused = not stopped and any(
        start <= now and (end is None or now < end) for start, end in pauses
    )
    return ClockState(
        elapsed=elapsed,
        remaining=remaining,
        due_at=until + remaining,
        paused=paused,
        overdue=remaining < timedelta(),
        stopped=stopped,
    )


def case_clocks(
    grade: str,
    received_at: datetime,
    first_action_at: datetime | None,
    resolved_at: datetime | None,
    pauses: Sequence[Pause],
    now: datetime,
    overrides: Mapping | None = None,
) -> dict[str, ClockState]:
    """The three clocks every case shows, keyed ``first_action``, ``resolve``, ``mediation_month``.

    All start at ``received_at``. ``first_action`` stops at the first action (or at
    resolution, if none was recorded); ``resolve`` stops at resolution; both skip ``pauses``.
    ``mediation_month`` is the fixed 30-day norm on the calendar: it stops at resolution but
    ignores pauses, because the norm is only extended with the parties' consent, which is a
    decision for the mediator, not an effect of waiting.
    """
    limits = limits_for(grade, overrides)
    first_stop = first_action_at if first_action_at is not None else resolved_at
    return {
        "first_action": clock_state(received_at, limits.first_action, pauses, first_stop, now),
        "resolve": clock_state(received_at, limits.resolve, pauses, resolved_at, now),
        "mediation_month": clock_state(received_at, MEDIATION_MONTH, (), resolved_at, now),
    }


def overdue_now(clocks: Mapping[str, ClockState]) -> list[str]:
    """Names of the clocks that are past due and still running: what flags a case overdue."""
    return [name for name, state in clocks.items() if state.overdue and not state.stopped]


# --- after the agreement ----------------------------------------------------------------


def return_visit_schedule(
    grade: str, agreement_or_closed_at: Day, overrides: Mapping | None = None
) -> list[Day]:
    """When to visit again, by grade: a date gives dates, a datetime gives datetimes.

    Defaults: red 3, 7, 30, 90 days; yellow 7, 30; blue 30 (§2.4 of the domain notes).
    """
    days = limits_for(grade, overrides).return_visit_days
    return [agreement_or_closed_at + timedelta(days=d) for d in days]


def regrade_after_relapse(grade: str) -> str:
    """The grade a case reopens at after a relapse: one higher; red stays red."""
    if grade not in GRADES_LOW_TO_HIGH:
        raise ValueError(f"未知风险等级：{grade} / unknown risk grade")
    index = GRADES_LOW_TO_HIGH.index(grade)
    return GRADES_LOW_TO_HIGH[min(index + 1, len(GRADES_LOW_TO_HIGH) - 1)]


def judicial_confirmation_deadline(effective_on: date) -> date:
    """The last day to apply jointly for judicial confirmation: 30 days after taking effect.

    The day the agreement takes effect is not counted (Civil Procedure Law on periods), so an
    agreement effective on 1 March may be brought to court up to and including 31 March. The
    rule that a period ending on a public holiday runs to the next working day is not applied:
    the date given is never later than the legal one.
    """
    return effective_on + timedelta(days=JUDICIAL_CONFIRMATION_DAYS)


def judicial_confirmation_days_left(effective_on: date, today: date) -> int:
    """Days left to apply: 0 on the last day, negative once the period has passed."""
    return (judicial_confirmation_deadline(effective_on) - today).days


# --- escalation ---------------------------------------------------------------------------


def escalation_due(
    grade: str,
    *,
    received_at: datetime,
    last_progress_at: datetime | None,
    failed_sessions: int,
    repeat_complaints: int,
    now: datetime,
    pauses: Sequence[Pause] = (),
    overrides: Mapping | None = None,
) -> str | None:
    """Why the case must go up a level now, as a reason code, or None (domain notes §2.4).

    Rules are checked in this order, each only where the grade's limit is set:
    - ``{grade}_no_progress``: no contact or de-escalation for ``escalate_if_no_progress``
      (red: 24 h) since the last progress, or since intake if there was none. Wall-clock:
      waiting on a party does not excuse a red case going a day without contact.
    - ``{grade}_failed_sessions``: at least ``escalate_after_failed_sessions`` failed
      sessions (yellow: 2).
    - ``yellow_over_time``: a yellow case past its resolve limit (15 days), on the same
      pause-aware clock as the ``resolve`` clock, so the two never disagree.
    - ``{grade}_repeat_complaints``: at least ``escalate_after_repeat_complaints`` repeat
      complaints (blue: 2, which raises it to yellow).
    Codes carry no numbers, since a county may change them.
    """
    _require_aware(received_at=received_at, last_progress_at=last_progress_at, now=now)
    limits = limits_for(grade, overrides)
    if limits.escalate_if_no_progress is not None:
        since = last_progress_at if last_progress_at is not None else received_at
        if now - since > limits.escalate_if_no_progress:
            return f"{grade}_no_progress"
    if (
        limits.escalate_after_failed_sessions is not None
        and failed_sessions >= limits.escalate_after_failed_sessions
    ):
        return f"{grade}_failed_sessions"
    if grade == "yellow" and clock_state(received_at, limits.resolve, pauses, None, now).overdue:
        return "yellow_over_time"
    if (
        limits.escalate_after_repeat_complaints is not None
        and repeat_complaints >= limits.escalate_after_repeat_complaints
    ):
        return f"{grade}_repeat_complaints"
    return None
