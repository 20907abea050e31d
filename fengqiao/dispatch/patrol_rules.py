"""Pure decisions of patrols: when a shift runs, which shift a check-in belongs to, how far
from its point it was. Plain values in, plain values out; no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from fengqiao.dispatch.rules import distance_m

# A check-in this long before a shift starts or after it ends still counts for it: people
# arrive a little early and finish the last point a little late.
SHIFT_GRACE = dt.timedelta(minutes=15)
MIN_RADIUS_M = 10
MAX_RADIUS_M = 2_000
MAX_POINTS = 50


def shift_window(
    date: dt.date, start: dt.time, end: dt.time, tz
) -> tuple[dt.datetime, dt.datetime]:
    """The shift's start and end as aware datetimes in ``tz``; an end at or before the start
    is the next morning (a night shift, 22:00–06:00)."""
    starts_at = dt.datetime.combine(date, start, tzinfo=tz)
    ends_at = dt.datetime.combine(date, end, tzinfo=tz)
    if ends_at <= starts_at:
        ends_at += dt.timedelta(days=1)
    return starts_at, ends_at


@dataclass(frozen=True)
class ShiftTimes:
    shift_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


def shift_at(shifts: Iterable[ShiftTimes], at: dt.datetime) -> int | None:
    """The shift ``at`` falls in (with ``SHIFT_GRACE`` either side), else None. Of several,
    the one running at that moment wins, then the one starting first."""
    candidates = [s for s in shifts if s.starts_at - SHIFT_GRACE <= at <= s.ends_at + SHIFT_GRACE]
    if not candidates:
        return None
    candidates.sort(key=lambda s: (not (s.starts_at <= at <= s.ends_at), s.starts_at, s.shift_id))
    return candidates[0].shift_id


@dataclass(frozen=True)
class Placement:
    distance_m: float
    off_point: bool


def placement(
    *, point_lon: float, point_lat: float, radius_m: float, lon: float, lat: float
) -> Placement:
    """How far the phone was from the point, and whether that is outside its radius."""
    distance = distance_m(point_lon, point_lat, lon, lat)
    return Placement(distance_m=distance, off_point=distance > radius_m)


def valid_point(lon, lat) -> bool:
    return -180 <= lon <= 180 and -90 <= lat <= 90


def day_bounds(day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    """The local day as [start, end), widened by ``SHIFT_GRACE`` either side: the shifts
    that run some time in it are the day's shifts."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start - SHIFT_GRACE, start + dt.timedelta(days=1) + SHIFT_GRACE
