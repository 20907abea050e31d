"""The second half of the demo county: police units, beats, people, teams, who packages
which place, and the demo logins. Called by ``generator`` once the places exist.

People are complete everywhere: every beat has its community officer, every village its
auxiliary, every grid one or two grid workers; building heads exist where buildings do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from fengqiao.demo.rows import (
    COUNTY_CODE,
    COUNTY_NAME,
    AssignmentRow,
    BeatRow,
    BuildingRow,
    LoginRow,
    PersonRow,
    TeamRow,
    UnitRow,
)

if TYPE_CHECKING:
    from fengqiao.demo.generator import CountyBuilder, Place

DEMO_PASSWORD = "fengqiao2026"
# Username of each demo login and the role code (taxonomy.json "role") it shows.
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("police", "community_police"),
    ("auxiliary", "auxiliary_police"),
    ("grid", "grid_worker"),
    ("building", "building_head"),
    ("volunteer", "volunteer"),
    ("property", "property_staff"),
    ("mediator", "mediator"),
    ("lawyer", "lawyer"),
    ("judicial", "judicial_officer"),
    ("court", "court_officer"),
    ("procurator", "procurator"),
    ("chief", "station_chief"),
    ("analyst", "analyst"),
    ("admin", "admin"),
    ("resident", "resident"),
    # The same two posts in the second township, so the wall between townships can be seen.
    ("police_b", "community_police"),
    ("chief_b", "station_chief"),
    # The county's dispute-resolution centre (矛调中心): its professional mediator, level 3.
    ("mediator_county", "mediator"),
)
FARMHOUSES_PER_BUILDING_HEAD = 12  # a 联户长 speaks for about a dozen households
CURRENT_SINCE = (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
EARLIER_SINCE = (dt.date(2015, 1, 1), dt.date(2020, 6, 30))


@dataclass
class _TownshipStaff:
    """Who was made for one township, kept to pick the demo logins from."""

    township: Place
    station_code: str
    chief: PersonRow
    officers: dict[str, PersonRow] = field(default_factory=dict)  # beat code -> officer
    beat_of_community: dict[str, str] = field(default_factory=dict)
    auxiliaries: dict[str, PersonRow] = field(default_factory=dict)  # village code
    grid_workers: dict[str, list[PersonRow]] = field(default_factory=dict)  # grid code
    building_heads: dict[str, PersonRow] = field(default_factory=dict)  # building code
    volunteers: dict[str, list[PersonRow]] = field(default_factory=dict)  # community code
    property_staff: dict[str, list[PersonRow]] = field(default_factory=dict)
    mediators: list[PersonRow] = field(default_factory=list)
    judicial: PersonRow | None = None
    lawyer: PersonRow | None = None


def add_org_and_people(b: CountyBuilder) -> None:
    county = b.county
    bureau = f"U{COUNTY_CODE}"
    county.units.append(
        UnitRow(
            code=bureau,
            name=f"{COUNTY_NAME}公安局",
            kind="bureau",
            parent_code=None,
            jurisdiction_code=COUNTY_CODE,
            phone=b.landline(),
            address=f"{COUNTY_NAME}{b.names.road(COUNTY_CODE)}{b.rng.randint(1, 200)}号",
        )
    )
    buildings_by_grid: dict[str, list[BuildingRow]] = defaultdict(list)
    for building in county.buildings:
        buildings_by_grid[building.grid_code].append(building)

    made = [_township_staff(b, township, bureau, buildings_by_grid) for township in b.townships]
    county_people = {
        "court_officer": [b.person(("court_officer",), region=COUNTY_CODE) for _ in range(3)],
        "procurator": [b.person(("procurator",), region=COUNTY_CODE) for _ in range(2)],
        "analyst": [b.person(("analyst",), unit=bureau) for _ in range(2)],
        "admin": [b.person(("admin",), unit=bureau)],
        # The county's professional mediators and lawyers (level 3, with the court).
        "mediator": [b.person(("mediator",), region=COUNTY_CODE) for _ in range(3)],
        "lawyer": [b.person(("lawyer",), region=COUNTY_CODE) for _ in range(2)],
    }
    _county_centre(b, county_people)
    _logins(b, made, county_people, bureau)


def _county_centre(b: CountyBuilder, county_people: dict[str, list[PersonRow]]) -> None:
    """Level 3: the county's dispute-resolution centre (矛调中心), where its professional
    mediators and lawyers sit with a court officer for 诉调对接."""
    members = [
        *county_people["mediator"],
        *county_people["lawyer"],
        county_people["court_officer"][0],
    ]
    b.county.teams.append(
        TeamRow(
            f"{COUNTY_NAME}矛盾纠纷调处化解中心",
            "dispute_centre",
            COUNTY_CODE,
            None,
            county_people["mediator"][0].key,
            [p.key for p in members],
        )
    )


def _township_staff(
    b: CountyBuilder,
    township: Place,
    bureau: str,
    buildings_by_grid: dict[str, list[BuildingRow]],
) -> _TownshipStaff:
    county = b.county
    code = township.row.code
    station = f"U{code}"
    county.units.append(
        UnitRow(
            code=station,
            name=f"{township.short}派出所",
            kind="station",
            parent_code=bureau,
            jurisdiction_code=code,
            phone=b.landline(),
            address=(
                f"{COUNTY_NAME}{township.row.name}{b.names.road(code)}{b.rng.randint(1, 300)}号"
            ),
        )
    )
    made = _TownshipStaff(
        township=township,
        station_code=station,
        chief=b.person(("station_chief",), unit=station),
    )
    for beat in _beats(b, township, station):
        county.beats.append(beat)
        officer = b.person(("community_police",), unit=beat.unit_code)
        since = b.date_between(*CURRENT_SINCE)
        county.assignments.append(
            AssignmentRow(officer.key, "community_police", since, beat_code=beat.code)
        )
        if b.rng.random() < 0.2:
            # Some beats changed hands: the earlier officer's period shows in the history.
            earlier = b.person(("community_police",), unit=station)
            county.assignments.append(
                AssignmentRow(
                    earlier.key,
                    "community_police",
                    b.date_between(*EARLIER_SINCE),
                    ends_on=since - dt.timedelta(days=1),
                    beat_code=beat.code,
                )
            )
        made.officers[beat.code] = officer
        for area in beat.area_codes:
            made.beat_of_community[area] = beat.code

    for community in township.children:
        c_code = community.row.code
        if not community.row.urban:
            auxiliary = b.person(("auxiliary_police",), unit=station, region=c_code)
            county.assignments.append(
                AssignmentRow(
                    auxiliary.key,
                    "auxiliary_police",
                    b.date_between(*CURRENT_SINCE),
                    region_code=c_code,
                )
            )
            made.auxiliaries[c_code] = auxiliary
        for grid in community.children:
            workers = 2 if community.row.urban or b.rng.random() < 0.3 else 1
            made.grid_workers[grid.row.code] = []
            for _ in range(workers):
                worker = b.person(("grid_worker",), region=grid.row.code)
                county.assignments.append(
                    AssignmentRow(
                        worker.key,
                        "grid_worker",
                        b.date_between(*CURRENT_SINCE),
                        region_code=grid.row.code,
                    )
                )
                made.grid_workers[grid.row.code].append(worker)
            _building_heads(b, grid.row.code, buildings_by_grid[grid.row.code], made)
        made.volunteers[c_code] = [
            b.person(("volunteer",), region=c_code) for _ in range(b.rng.randint(1, 3))
        ]
        if community.row.urban:
            made.property_staff[c_code] = [
                b.person(("property_staff",), region=c_code) for _ in range(b.rng.randint(1, 3))
            ]
    made.mediators = [b.person(("mediator",), region=code) for _ in range(b.rng.randint(2, 4))]
    made.judicial = b.person(("judicial_officer",), region=code)
    made.lawyer = b.person(("lawyer",), region=code)
    _teams(b, made)
    return made


def _beats(b: CountyBuilder, township: Place, station: str) -> list[BeatRow]:
    """One beat per urban community (run from its police room), and one per two or three
    neighbouring villages (run from the station)."""
    beats: list[BeatRow] = []
    villages: list[Place] = []
    for community in township.children:
        if not community.row.urban:
            villages.append(community)
            continue
        room = f"U{community.row.code}"
        b.county.units.append(
            UnitRow(
                code=room,
                name=f"{community.short}社区警务室",
                kind="police_room",
                parent_code=station,
                jurisdiction_code=community.row.code,
                phone=b.landline(),
                address=f"{COUNTY_NAME}{township.row.name}{community.row.name}",
            )
        )
        beats.append(
            BeatRow(
                f"J{community.row.code}", f"{community.row.name}警务区", room, [community.row.code]
            )
        )
    while villages:
        first = villages.pop(0)
        group = [first]
        wanted = b.rng.choice((2, 3)) - 1
        while villages and wanted:
            gaps = [float(np.hypot(*(v.seed - first.seed))) for v in villages]
            group.append(villages.pop(int(np.argmin(gaps))))
            wanted -= 1
        beats.append(
            BeatRow(
                f"J{first.row.code}",
                f"{first.short}片警务区",
                station,
                [village.row.code for village in group],
            )
        )
    return beats


def _building_heads(
    b: CountyBuilder, grid_code: str, buildings: list[BuildingRow], made: _TownshipStaff
) -> None:
    """A head for every residential block; in villages, one 联户长 per dozen farmhouses."""
    farmhouses = 0
    for building in buildings:
        if building.use == "farmhouse":
            farmhouses += 1
            if farmhouses % FARMHOUSES_PER_BUILDING_HEAD != 1:
                continue
        elif building.use != "residential":
            continue
        head = b.person(("building_head",), region=grid_code)
        b.county.assignments.append(
            AssignmentRow(
                head.key,
                "building_head",
                b.date_between(*CURRENT_SINCE),
                building_code=building.code,
            )
        )
        made.building_heads[building.code] = head


def _teams(b: CountyBuilder, made: _TownshipStaff) -> None:
    short = made.township.short
    code = made.township.row.code
    station = made.station_code
    teams = b.county.teams
    patrol = [made.chief, *list(made.auxiliaries.values())[:12]]
    teams.append(
        TeamRow(
            f"{short}派出所巡逻队", "patrol", code, station, made.chief.key, [p.key for p in patrol]
        )
    )
    mediation = [*made.mediators, made.judicial, made.lawyer, *list(made.officers.values())[:2]]
    teams.append(
        TeamRow(
            f"{short}矛盾纠纷调解队",
            "mediation",
            code,
            station,
            made.mediators[0].key,
            [p.key for p in mediation],
        )
    )
    # Level 2: the township's people's mediation committee (its mediators, guided by the
    # judicial office) and its comprehensive-governance centre.
    teams.append(
        TeamRow(
            f"{short}人民调解委员会",
            "committee",
            code,
            None,
            made.mediators[0].key,
            [p.key for p in [*made.mediators, made.judicial]],
        )
    )
    governance = [made.judicial, made.chief, made.mediators[0]]
    teams.append(
        TeamRow(
            f"{short}综治中心",
            "governance",
            code,
            None,
            made.judicial.key,
            [p.key for p in governance],
        )
    )
    volunteers = [p for people in made.volunteers.values() for p in people]
    teams.append(
        TeamRow(
            f"{short}平安志愿者队",
            "volunteer",
            code,
            station,
            volunteers[0].key,
            [p.key for p in volunteers],
        )
    )
    property_staff = [p for people in made.property_staff.values() for p in people]
    if property_staff:
        teams.append(
            TeamRow(
                f"{short}物业服务队",
                "property",
                code,
                station,
                property_staff[0].key,
                [p.key for p in property_staff],
            )
        )


def _logins(
    b: CountyBuilder,
    made: list[_TownshipStaff],
    county_people: dict[str, list[PersonRow]],
    bureau: str,
) -> None:
    """One login per role, all in the showcase town (the first full town), so the pages
    behind each login are full: the officer's beat is the town-centre community. A second
    beat officer and station chief work in the county seat's street office (always full,
    never the showcase town), to show that one township's staff cannot see another's."""
    full = [m for m in made if m.township.row.code in b.full_township_codes]
    showcase = next(m for m in full if not m.township.row.urban)
    second = next(m for m in full if m is not showcase)
    township = showcase.township
    centre = _centre(township)
    village = next(c for c in township.children if not c.row.urban)
    grid = centre.children[0]
    block = next(code for code in showcase.building_heads if code.startswith(f"{grid.row.code}B"))
    t_code = township.row.code
    login = b.county.logins.append
    login(_beat_officer_login("police", showcase))
    login(
        LoginRow(
            "auxiliary",
            "auxiliary_police",
            showcase.auxiliaries[village.row.code].key,
            grant_region_code=village.row.code,
        )
    )
    login(
        LoginRow(
            "grid",
            "grid_worker",
            showcase.grid_workers[grid.row.code][0].key,
            grant_region_code=grid.row.code,
        )
    )
    login(
        LoginRow(
            "building",
            "building_head",
            showcase.building_heads[block].key,
            grant_region_code=grid.row.code,
        )
    )
    login(
        LoginRow(
            "volunteer",
            "volunteer",
            showcase.volunteers[centre.row.code][0].key,
            grant_region_code=centre.row.code,
        )
    )
    login(
        LoginRow(
            "property",
            "property_staff",
            showcase.property_staff[centre.row.code][0].key,
            grant_region_code=centre.row.code,
        )
    )
    login(LoginRow("mediator", "mediator", showcase.mediators[0].key, grant_region_code=t_code))
    # Lawyers work level 3, at the county's centre.
    login(
        LoginRow("lawyer", "lawyer", county_people["lawyer"][0].key, grant_region_code=COUNTY_CODE)
    )
    login(LoginRow("judicial", "judicial_officer", showcase.judicial.key, grant_region_code=t_code))
    login(
        LoginRow(
            "court",
            "court_officer",
            county_people["court_officer"][0].key,
            grant_region_code=COUNTY_CODE,
        )
    )
    login(
        LoginRow(
            "procurator",
            "procurator",
            county_people["procurator"][0].key,
            grant_region_code=COUNTY_CODE,
        )
    )
    login(_station_chief_login("chief", showcase))
    login(LoginRow("analyst", "analyst", county_people["analyst"][0].key, grant_unit_code=bureau))
    login(
        LoginRow(
            "admin", "admin", county_people["admin"][0].key, grant_unit_code=bureau, is_staff=True
        )
    )
    login(LoginRow("resident", "resident", None))
    login(_beat_officer_login("police_b", second))
    login(_station_chief_login("chief_b", second))
    login(
        LoginRow(
            "mediator_county",
            "mediator",
            county_people["mediator"][0].key,
            grant_region_code=COUNTY_CODE,
        )
    )
    assert [row.username for row in b.county.logins] == [name for name, _ in DEMO_LOGINS]


def _centre(township: Place) -> Place:
    """The township's first urban community: a town's centre, a street office's first."""
    return next(c for c in township.children if c.row.urban)


def _beat_officer_login(username: str, staff: _TownshipStaff) -> LoginRow:
    """The community officer of the centre's beat, seeing the whole station's area."""
    beat = staff.beat_of_community[_centre(staff.township).row.code]
    return LoginRow(
        username, "community_police", staff.officers[beat].key, grant_unit_code=staff.station_code
    )


def _station_chief_login(username: str, staff: _TownshipStaff) -> LoginRow:
    """The station's chief, who also opens the (scoped) admin site."""
    return LoginRow(
        username,
        "station_chief",
        staff.chief.key,
        grant_unit_code=staff.station_code,
        is_staff=True,
    )
