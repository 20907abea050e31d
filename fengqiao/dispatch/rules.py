"""Pure decisions of dispatch: which units to suggest, how far and how soon, what step may
follow which, and the response-time statistics. No database here."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8
# A position older than this is shown as stale: the unit may have moved since.
STALE_AFTER = dt.timedelta(minutes=10)
# The beat's own officer goes first when this close; farther, the nearest unit goes first.
BEAT_FIRST_WITHIN_M = 3_000
# Roads are longer than the straight line between two points.
ROAD_FACTOR = 1.4
SPEED_KMH = {"patrol_car": 30.0, "beat_officer": 20.0, "auxiliary_team": 15.0, "foot_patrol": 5.0}
SUGGESTIONS = 5
# Taps of the alarm from the same sender this close together are one alarm.
DUPLICATE_ALARM_WINDOW = dt.timedelta(minutes=1)

# The four timestamps an officer's phone records, in order: 签收, 出警, 到场, 反馈.
STEPS = ("accepted", "departed", "on_scene")
STEP_FIELD = {"accepted": "accepted_at", "departed": "departed_at", "on_scene": "arrived_at"}
STEP_UNIT_STATUS = {"accepted": "en_route", "departed": "en_route", "on_scene": "at_scene"}
_STEP_AFTER = {"dispatched": "accepted", "accepted": "departed", "departed": "on_scene"}

# Response-time legs: (code, from field, to field).
LEGS = (
    ("to_scene", "received_at", "arrived_at"),
    ("to_dispatch", "received_at", "dispatched_at"),
    ("to_accept", "dispatched_at", "accepted_at"),
    ("to_depart", "accepted_at", "departed_at"),
    ("on_the_way", "departed_at", "arrived_at"),
    ("to_report", "arrived_at", "reported_at"),
)


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    call_sign: str
    kind: str
    lon: float | None
    lat: float | None
    fix_at: dt.datetime | None
    beat_id: int | None


@dataclass(frozen=True)
class Suggestion:
    unit_id: int
    call_sign: str
    distance_m: float | None
    eta_minutes: int | None
    stale: bool
    beat_officer: bool

    def as_dict(self) -> dict:
        return {
            "unit": self.unit_id,
            "call_sign": self.call_sign,
            "distance_m": None if self.distance_m is None else round(self.distance_m),
            "eta_minutes": self.eta_minutes,
            "stale": self.stale,
            "beat_officer": self.beat_officer,
        }


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def eta_minutes(distance: float, kind: str) -> int:
    """Minutes to arrive over roads at the kind's usual speed (at least one)."""
    speed_m_per_min = SPEED_KMH.get(kind, 15.0) * 1000 / 60
    return max(1, math.ceil(distance * ROAD_FACTOR / speed_m_per_min))


def is_stale(fix_at: dt.datetime | None, now: dt.datetime) -> bool:
    return fix_at is None or now - fix_at > STALE_AFTER


def suggest(
    lon: float | None,
    lat: float | None,
    candidates: Iterable[Candidate],
    *,
    beat_ids: set[int],
    now: dt.datetime,
    limit: int = SUGGESTIONS,
) -> list[Suggestion]:
    """Available units in the order to send them: the responsible beat's officer first when
    within ``BEAT_FIRST_WITHIN_M``, then by straight-line distance; units with no position
    (or an incident with none) last, the beat's first among them."""
    ranked = []
    for c in candidates:
        known = None not in (lon, lat, c.lon, c.lat)
        d = distance_m(lon, lat, c.lon, c.lat) if known else None
        beat = c.beat_id is not None and c.beat_id in beat_ids
        first = beat and (d is None or d <= BEAT_FIRST_WITHIN_M)
        ranked.append(((not first, d is None, d or 0.0, c.call_sign), c, d, beat))
    ranked.sort(key=lambda row: row[0])
    return [
        Suggestion(
            unit_id=c.unit_id,
            call_sign=c.call_sign,
            distance_m=d,
            eta_minutes=None if d is None else eta_minutes(d, c.kind),
            stale=is_stale(c.fix_at, now),
            beat_officer=beat,
        )
        for _, c, d, beat in ranked[:limit]
    ]


def bounding_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a square holding the circle of ``radius_m``:
    the database narrows candidates with it before distances are measured."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def next_step(status: str) -> str | None:
    """The step an officer may record next on an incident in ``status``."""
    return _STEP_AFTER.get(status)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolated percentile (as PostgreSQL's percentile_cont), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def leg_seconds(row: dict, start: str, end: str) -> float | None:
    """Seconds between two timestamps of an incident row, None unless both were recorded
    and in order."""
    a, b = row.get(start), row.get(end)
    if a is None or b is None or b < a:
        return None
    return (b - a).total_seconds()


def leg_statistics(rows: Iterable[dict]) -> dict[str, dict]:
    """Per leg: how many incidents have it, and the median and 90th percentile in seconds."""
    samples: dict[str, list[float]] = {code: [] for code, _, _ in LEGS}
    for row in rows:
        for code, start, end in LEGS:
            seconds = leg_seconds(row, start, end)
            if seconds is not None:
                samples[code].append(seconds)
    return {
        code: {
            "count": len(values),
            "median": percentile(values, 0.5),
            "p90": percentile(values, 0.9),
        }
        for code, values in samples.items()
    }
