"""Who looks after a building (谁在守护我的楼): the reads behind the public page a building's
QR code opens (/b/<code>/) and the posters printed for its entrance.

Unscoped on purpose (``published()``), like dispatch's alarm doors: the page is for anyone
standing at the building. What it shows is cut here, once: building names and addresses
(they are on the buildings), the names and roles of the staff who look after it (as on the
police boards of domain-notes §7.3), the phone each of them chose to publish
(``Person.public_phone``, never the private ``Person.phone``) and the police units' duty
phones. No residents, nothing else of the staff.

A fixed handful of queries for one building or five hundred (``guardians_for``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import F, QuerySet

from fengqiao import taxonomy
from fengqiao.org.models import Duty, Person, Team, Unit
from fengqiao.org.selectors import building_heads, responsibles_for_grids
from fengqiao.places.models import PATH_SEPARATOR, Building, Region
from fengqiao.privacy import display_phone

MAX_CODE_CHARS = 40
# Who is shown, in this order, each under its role's label.
SHOWN_DUTIES = (
    Duty.BUILDING_HEAD,
    Duty.GRID_WORKER,
    Duty.COMMUNITY_POLICE,
    Duty.AUXILIARY_POLICE,
)
# The people's mediator of the place: the nearest people's mediation committee (or
# mediation team) serving the building's grid or a region above it.
MEDIATION_TEAM_KINDS = (Team.Kind.COMMITTEE, Team.Kind.MEDIATION)
MEDIATOR_ROLE = "mediator"
MAX_MEDIATORS = 2
POLICE_UNIT_KINDS = (Unit.Kind.POLICE_ROOM, Unit.Kind.STATION)


@dataclass(frozen=True)
class Guardian:
    """One person who looks after the building, as the public may see them."""

    role: str  # a role code (building_head, grid_worker, ..., mediator)
    name: str
    public_phone: str  # E.164, "" when the person published none
    team: str = ""  # the mediation committee a mediator speaks for

    @property
    def role_label(self) -> str:
        return taxonomy.label("role", self.role)

    @property
    def phone_display(self) -> str:
        return display_phone(self.public_phone)


@dataclass(frozen=True)
class PoliceUnit:
    """The police room or station of the place and its duty phone ("" when none is set)."""

    name: str
    kind_label: str
    phone: str

    @property
    def tel(self) -> str:
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@dataclass
class BuildingGuardians:
    """A building, where it is, and who looks after it."""

    building: Building
    place_names: list[str]  # township, village, grid: from the top down
    guardians: list[Guardian] = field(default_factory=list)
    police_units: list[PoliceUnit] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.building.address or "".join(self.place_names[:2]) + self.building.name

    def of_role(self, role: str) -> list[Guardian]:
        return [guardian for guardian in self.guardians if guardian.role == role]

    @property
    def slots(self) -> list[tuple[str, list[Guardian]]]:
        """(role label, the people in it) for every role the page shows, empty ones too."""
        roles = [*(str(duty) for duty in SHOWN_DUTIES), MEDIATOR_ROLE]
        return [(taxonomy.label("role", role), self.of_role(role)) for role in roles]


def _codes(path: str) -> list[str]:
    """The codes on a region path, from the root down."""
    return [code for code in path.split(PATH_SEPARATOR) if code]


def _published_buildings() -> QuerySet[Building]:
    # The grid's polygon is never needed here: leave it in the database.
    return Building.objects.published().select_related("grid").defer("grid__boundary")


def public_building(code: str) -> Building | None:
    """The building with this code, or None (blank, too long or unknown)."""
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE_CHARS:
        return None
    return _published_buildings().filter(code=code).first()


def guardians_of(code: str) -> BuildingGuardians | None:
    """Who looks after the building with this code (None for an unknown code)."""
    building = public_building(code)
    if building is None:
        return None
    return guardians_for([building])[0]


def guardians_for(buildings: Sequence[Building]) -> list[BuildingGuardians]:
    """Who looks after each building, in the order given: its building heads, the grid
    workers, community police and auxiliary police of its grid (each the nearest
    assignment up the region tree, as ``org.selectors.responsibles_for_grids`` walks it),
    the people's mediators of the nearest mediation committee above it, and the nearest
    police room and station with their duty phones. People off duty are left out.

    The buildings must come with their grid (``select_related("grid")``). Eight queries
    however many buildings.
    """
    buildings = list(buildings)
    if not buildings:
        return []
    grids = {building.grid_id: building.grid for building in buildings}
    codes = {code for grid in grids.values() for code in _codes(grid.path)}
    names = dict(
        Region.objects.published()
        .filter(code__in=codes, level__in=("township", "community", "grid"))
        .values_list("code", "name")
    )
    heads = building_heads(buildings)
    packages = responsibles_for_grids(grids.values())
    mediators = _mediators_by_region(codes)
    units = _police_units_by_region(codes)
    answer = []
    for building in buildings:
        chain = _codes(building.grid.path)
        people: dict[str, list[Person]] = {Duty.BUILDING_HEAD: heads[building.pk]}
        people.update(packages[building.grid_id])
        guardians = [
            Guardian(role=str(duty), name=person.name, public_phone=person.public_phone)
            for duty in SHOWN_DUTIES
            for person in _unique_active(people.get(duty, []))
        ]
        guardians += next((mediators[code] for code in reversed(chain) if code in mediators), [])
        answer.append(
            BuildingGuardians(
                building=building,
                place_names=[names[code] for code in chain if code in names],
                guardians=guardians,
                police_units=_nearest_units(units, chain),
            )
        )
    return answer


def _unique_active(people: Iterable[Person]) -> list[Person]:
    seen: set[int] = set()
    kept = []
    for person in people:
        if person.active and person.pk not in seen:
            seen.add(person.pk)
            kept.append(person)
    return kept


def _mediators_by_region(codes: set[str]) -> dict[str, list[Guardian]]:
    """For each region code with a mediation body, its mediators: the body's leader first,
    then its members who hold the mediator role; a committee before a mediation team of
    the same region. Two queries."""
    teams = list(
        Team.objects.published()
        .filter(kind__in=MEDIATION_TEAM_KINDS, region__code__in=codes)
        .select_related("leader")
        .annotate(region_code=F("region__code"))
        .order_by("pk")
    )
    teams.sort(key=lambda team: MEDIATION_TEAM_KINDS.index(team.kind))
    members: dict[int, list[Person]] = defaultdict(list)
    for person in (
        Person.objects.published()
        .filter(teams__in=[team.pk for team in teams], roles__code=MEDIATOR_ROLE, active=True)
        .annotate(team_pk=F("teams__pk"))
        .order_by("name", "pk")
    ):
        members[person.team_pk].append(person)
    answer: dict[str, list[Guardian]] = {}
    for team in teams:
        if team.region_code in answer:
            continue
        people = _unique_active(
            [team.leader, *members[team.pk]] if team.leader else members[team.pk]
        )
        if people:
            answer[team.region_code] = [
                Guardian(
                    role=MEDIATOR_ROLE,
                    name=person.name,
                    public_phone=person.public_phone,
                    team=team.name,
                )
                for person in people[:MAX_MEDIATORS]
            ]
    return answer


def _police_units_by_region(codes: set[str]) -> dict[str, list[Unit]]:
    units: dict[str, list[Unit]] = defaultdict(list)
    for unit in (
        Unit.objects.published()
        .filter(kind__in=POLICE_UNIT_KINDS, jurisdiction__code__in=codes)
        .annotate(region_code=F("jurisdiction__code"))
        .only("name", "kind", "phone")
        .order_by("code")
    ):
        units[unit.region_code].append(unit)
    return units


def _nearest_units(units: dict[str, list[Unit]], chain: list[str]) -> list[PoliceUnit]:
    """The nearest police room, then the nearest station, above the building's grid."""
    found = []
    for kind in POLICE_UNIT_KINDS:
        unit = next(
            (u for code in reversed(chain) for u in units.get(code, []) if u.kind == kind), None
        )
        if unit is not None:
            found.append(
                PoliceUnit(name=unit.name, kind_label=unit.get_kind_display(), phone=unit.phone)
            )
    return found
