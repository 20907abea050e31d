"""Writes a generated ``DemoCounty`` to the database in one transaction, with bulk inserts.

``bulk_create`` skips ``save()``, so the derived columns that ``save()`` would fill in
(region path and depth, unit path, assignment scope_path) are computed here the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from fengqiao import taxonomy
from fengqiao.demo import bulk
from fengqiao.demo.rows import DemoCounty
from fengqiao.org.models import AccessGrant, Assignment, Beat, Person, Team, Unit
from fengqiao.places.models import PATH_SEPARATOR, Building, Region

BATCH_SIZE = 2000
UNIT_KIND_ORDER = ("bureau", "station", "police_room")

Progress = Callable[[str], None]


def load_county(
    county: DemoCounty, *, password_hash: str, progress: Progress | None = None
) -> dict[str, int]:
    """Insert every row of ``county``; all demo logins get ``password_hash``.

    All or nothing: one transaction. Returns the number of rows written per kind.
    """
    say = progress or (lambda stage: None)
    with transaction.atomic():
        say("区域 / regions")
        regions = _regions(county)
        say("楼栋 / buildings")
        buildings = bulk.create(
            Building,
            [
                Building(
                    code=row.code,
                    name=row.name,
                    grid_id=regions[row.grid_code].pk,
                    lon=row.lon,
                    lat=row.lat,
                    address=row.address,
                    use=row.use,
                    floors=row.floors,
                    households=row.households,
                )
                for row in county.buildings
            ],
        )
        building_ids = {building.code: building.pk for building in buildings}
        say("单位与警务区 / units and beats")
        units = _units(county, regions)
        beats = _beats(county, regions, units)
        say("人员 / people")
        people = _people(county, regions, units, password_hash)
        _teams(county, regions, units, people)
        say("包片责任 / assignments")
        _assignments(county, regions, building_ids, beats, people)
    return {
        "regions": len(county.regions),
        "buildings": len(county.buildings),
        "units": len(county.units),
        "beats": len(county.beats),
        "people": len(county.people),
        "teams": len(county.teams),
        "assignments": len(county.assignments),
        "logins": len(county.logins),
    }


def _regions(county: DemoCounty) -> dict[str, Region]:
    by_code: dict[str, Region] = {}
    levels = taxonomy.codes("region_level")
    for level in levels:
        batch = []
        for row in county.regions:
            if row.level != level:
                continue
            parent = by_code[row.parent_code] if row.parent_code else None
            path = f"{parent.path if parent else PATH_SEPARATOR}{row.code}{PATH_SEPARATOR}"
            batch.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=parent.pk if parent else None,
                    path=path,
                    depth=path.count(PATH_SEPARATOR) - 1,
                    boundary=row.boundary,
                    lon=row.lon,
                    lat=row.lat,
                    population=row.population,
                    urban=row.urban,
                    stat_code=row.stat_code,
                )
            )
        for region in bulk.create(Region, batch):
            by_code[region.code] = region
    return by_code


def _units(county: DemoCounty, regions: dict[str, Region]) -> dict[str, Unit]:
    by_code: dict[str, Unit] = {}
    for kind in UNIT_KIND_ORDER:
        batch = []
        for row in county.units:
            if row.kind != kind:
                continue
            parent = by_code[row.parent_code] if row.parent_code else None
            batch.append(
                Unit(
                    code=row.code,
                    name=row.name,
                    kind=row.kind,
                    parent_id=parent.pk if parent else None,
                    path=f"{parent.path if parent else PATH_SEPARATOR}{row.code}{PATH_SEPARATOR}",
                    jurisdiction_id=regions[row.jurisdiction_code].pk,
                    phone=row.phone,
                    address=row.address,
                )
            )
        for unit in bulk.create(Unit, batch):
            by_code[unit.code] = unit
    return by_code


def _beats(
    county: DemoCounty, regions: dict[str, Region], units: dict[str, Unit]
) -> dict[str, Beat]:
    beats = bulk.create(
        Beat,
        [
            Beat(code=row.code, name=row.name, unit_id=units[row.unit_code].pk)
            for row in county.beats
        ],
    )
    by_code = {beat.code: beat for beat in beats}
    bulk.create(
        Beat.areas.through,
        [
            Beat.areas.through(beat_id=by_code[row.code].pk, region_id=regions[code].pk)
            for row in county.beats
            for code in row.area_codes
        ],
    )
    return by_code


def _people(
    county: DemoCounty,
    regions: dict[str, Region],
    units: dict[str, Unit],
    password_hash: str,
) -> dict[int, Person]:
    rows = {row.key: row for row in county.people}
    users = bulk.create(
        get_user_model(),
        [
            get_user_model()(
                username=login.username,
                password=password_hash,
                first_name=rows[login.person_key].name if login.person_key else "",
                is_staff=login.is_staff,
            )
            for login in county.logins
        ],
    )
    user_of_person = {
        login.person_key: user
        for login, user in zip(county.logins, users, strict=True)
        if login.person_key
    }
    people = bulk.create(
        Person,
        [
            Person(
                user_id=user_of_person[row.key].pk if row.key in user_of_person else None,
                name=row.name,
                phone=row.phone,
                public_phone=_published_phone(row),
                unit_id=units[row.unit_code].pk if row.unit_code else None,
                region_id=regions[row.region_code].pk if row.region_code else None,
            )
            for row in county.people
        ],
    )
    by_key = {row.key: person for row, person in zip(county.people, people, strict=True)}
    bulk.create(
        Person.roles.through,
        [
            Person.roles.through(person_id=by_key[row.key].pk, role_id=role)
            for row in county.people
            for role in row.roles
        ],
    )
    bulk.create(
        AccessGrant,
        [
            AccessGrant(
                user_id=user.pk,
                region_id=regions[login.grant_region_code].pk if login.grant_region_code else None,
                unit_id=units[login.grant_unit_code].pk if login.grant_unit_code else None,
            )
            for login, user in zip(county.logins, users, strict=True)
            if login.grant_region_code or login.grant_unit_code
        ],
    )
    return by_key


# Who put their phone on the buildings' public pages (Person.public_phone): the police, the
# grid workers and the mediators publish their work phones; about half the building heads,
# who are volunteers, publish theirs.
_PUBLISHING_ROLES = frozenset(
    {"community_police", "auxiliary_police", "grid_worker", "mediator", "judicial_officer"}
)


def _published_phone(row) -> str:
    if _PUBLISHING_ROLES.intersection(row.roles):
        return row.phone
    if "building_head" in row.roles and row.key % 2 == 0:
        return row.phone
    return ""


def _teams(
    county: DemoCounty,
    regions: dict[str, Region],
    units: dict[str, Unit],
    people: dict[int, Person],
) -> None:
    teams = bulk.create(
        Team,
        [
            Team(
                name=row.name,
                kind=row.kind,
                region_id=regions[row.region_code].pk,
                unit_id=units[row.unit_code].pk if row.unit_code else None,
                leader_id=people[row.leader_key].pk if row.leader_key else None,
            )
            for row in county.teams
        ],
    )
    bulk.create(
        Team.members.through,
        [
            Team.members.through(team_id=team.pk, person_id=people[key].pk)
            for row, team in zip(county.teams, teams, strict=True)
            for key in dict.fromkeys(row.member_keys)
        ],
    )


def _assignments(
    county: DemoCounty,
    regions: dict[str, Region],
    building_ids: dict[str, int],
    beats: dict[str, Beat],
    people: dict[int, Person],
) -> None:
    # Assignment.save() would set scope_path from the target; bulk_create does not call it.
    jurisdiction = {row.code: row.jurisdiction_code for row in county.units}
    beat_paths = {row.code: regions[jurisdiction[row.unit_code]].path for row in county.beats}
    grid_of_building = {row.code: row.grid_code for row in county.buildings}
    batch = []
    for row in county.assignments:
        if row.beat_code:
            scope_path = beat_paths[row.beat_code]
        elif row.building_code:
            scope_path = regions[grid_of_building[row.building_code]].path
        else:
            scope_path = regions[row.region_code].path
        batch.append(
            Assignment(
                person_id=people[row.person_key].pk,
                duty=row.duty,
                beat_id=beats[row.beat_code].pk if row.beat_code else None,
                region_id=regions[row.region_code].pk if row.region_code else None,
                building_id=building_ids[row.building_code] if row.building_code else None,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                scope_path=scope_path,
            )
        )
    bulk.create(Assignment, batch)
