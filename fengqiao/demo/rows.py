"""The demo county as plain rows, before any database: what ``generator`` builds and
``loader`` writes. Rows refer to each other by code (and people by ``key``), not by id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

COUNTY_CODE = "330699"
COUNTY_NAME = "青枫县"


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: dict | None = None
    lon: float | None = None
    lat: float | None = None
    population: int | None = None
    urban: bool = False
    stat_code: str = ""  # NBS 12-digit code (townships, villages and communities)


@dataclass
class BuildingRow:
    code: str
    name: str
    grid_code: str
    lon: float
    lat: float
    address: str
    use: str
    floors: int
    households: int


@dataclass
class UnitRow:
    code: str
    name: str
    kind: str
    parent_code: str | None
    jurisdiction_code: str
    phone: str
    address: str


@dataclass
class BeatRow:
    code: str
    name: str
    unit_code: str
    area_codes: list[str]


@dataclass
class PersonRow:
    key: int
    name: str
    phone: str
    roles: tuple[str, ...]
    unit_code: str | None = None
    region_code: str | None = None


@dataclass
class TeamRow:
    name: str
    kind: str
    region_code: str
    unit_code: str | None
    leader_key: int | None
    member_keys: list[int]


@dataclass
class AssignmentRow:
    person_key: int
    duty: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    beat_code: str | None = None
    region_code: str | None = None
    building_code: str | None = None


@dataclass
class LoginRow:
    """One demo account: ``role`` is the taxonomy role code it demonstrates."""

    username: str
    role: str
    person_key: int | None
    grant_region_code: str | None = None
    grant_unit_code: str | None = None
    is_staff: bool = False


@dataclass
class DemoCounty:
    scale: float
    seed: int
    regions: list[RegionRow] = field(default_factory=list)
    buildings: list[BuildingRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    beats: list[BeatRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    teams: list[TeamRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)
    logins: list[LoginRow] = field(default_factory=list)
