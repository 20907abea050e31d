"""Suggestions name the nearest available units, whatever the squares the database narrows
them with: a crowded square keeps its nearest, and a unit just beyond a square's side beats
units in its corners. Checked against every unit ranked by the same rule."""

from __future__ import annotations

import math

import pytest
from django.utils import timezone

from fengqiao.dispatch import rules, selectors
from fengqiao.dispatch.models import DutyUnit, Incident

pytestmark = pytest.mark.django_db

POINT = (120.005, 30.005)  # inside grid a1


def _units(world, points, prefix):
    now = timezone.now()
    return DutyUnit.objects.bulk_create(
        [
            DutyUnit(
                call_sign=f"{prefix}{n}",
                kind="patrol_car",
                station=world.station_a,
                status="available",
                lon=lon,
                lat=lat,
                fix_at=now,
                unit_path=world.station_a.path,
                scope_path=world.station_a.jurisdiction.path,
            )
            for n, (lon, lat) in enumerate(points)
        ]
    )


def _offset(metres_east: float, metres_north: float) -> tuple[float, float]:
    lat = POINT[1] + math.degrees(metres_north / rules.EARTH_RADIUS_M)
    east = math.degrees(metres_east / rules.EARTH_RADIUS_M) / math.cos(math.radians(POINT[1]))
    return POINT[0] + east, lat


def _by_hand(incident) -> list[int]:
    everyone = [
        rules.Candidate(*row)
        for row in DutyUnit.objects.filter(status="available").values_list(
            "pk", "call_sign", "kind", "lon", "lat", "fix_at", "beat_id"
        )
    ]
    ranked = rules.suggest(*POINT, everyone, beat_ids=set(), now=timezone.now())
    return [s.unit_id for s in ranked]


def test_a_crowded_square_keeps_its_nearest_units(world):
    # 150 units 3-4 km away, first by call sign (the units' order), in the index and on the
    # heap; the five nearest (100-500 m) last.
    far = [_offset(3_000 + 7 * n, -200) for n in range(150)]
    _units(world, far, "A远")
    near = _units(world, [_offset(100 * (n + 1), 0) for n in range(5)], "Z近")
    incident = Incident(grid=world.grid_a1, lon=POINT[0], lat=POINT[1])
    suggested = [s.unit_id for s in selectors.suggestions_for(incident)]
    assert suggested == [unit.pk for unit in near] == _by_hand(incident)


def test_a_unit_just_beyond_the_square_beats_units_in_its_corners(world):
    first = selectors.SEARCH_RADII_M[0]
    corners = [_offset(0.95 * first, 0.95 * first) for _ in range(5)]  # ~6.7 km away
    _units(world, corners, "角")
    (beyond,) = _units(world, [_offset(first + 300, 0)], "外")  # 5.3 km away
    incident = Incident(grid=world.grid_a1, lon=POINT[0], lat=POINT[1])
    suggested = [s.unit_id for s in selectors.suggestions_for(incident)]
    assert suggested[0] == beyond.pk
    assert suggested == _by_hand(incident)
