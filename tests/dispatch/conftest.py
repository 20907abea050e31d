"""Dispatch's shared fixtures: station A's units on duty over the shared world."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from fengqiao.dispatch.models import DutyUnit
from tests.conftest import _staff


@dataclass
class Units:
    beat_unit: DutyUnit  # officer_a's own beat unit (beat A)
    car: DutyUnit  # a patrol car of station A, staffed by patrol_a
    car_b: DutyUnit  # station B's car, staffed by officer_b
    patrol_a: object  # the user in the car


def _unit(call_sign, kind, station, members, *, beat=None, lon=None, lat=None):
    unit = DutyUnit.objects.create(
        call_sign=call_sign,
        kind=kind,
        station=station,
        beat=beat,
        status=DutyUnit.Status.AVAILABLE,
        lon=lon,
        lat=lat,
        fix_at=timezone.now() if lon is not None else None,
    )
    unit.members.set(members)
    return unit


@pytest.fixture
def units(world) -> Units:
    patrol_a, patrol_person = _staff(
        "patrol_a", ["auxiliary_police"], unit=world.station_a, grant_unit=world.station_a
    )
    beat_unit = _unit(
        "甲村民警",
        "beat_officer",
        world.station_a,
        [world.officer_a.person],
        beat=world.beat_a,
        lon=120.02,
        lat=30.005,
    )
    car = _unit("甲镇巡1", "patrol_car", world.station_a, [patrol_person], lon=120.006, lat=30.006)
    car_b = _unit(
        "乙镇巡1", "patrol_car", world.station_b, [world.officer_b.person], lon=120.1, lat=30.0
    )
    return Units(beat_unit=beat_unit, car=car, car_b=car_b, patrol_a=patrol_a)
