"""The demo county as plain rows: places, buildings, police units, beats, people, teams,
responsibilities and the demo logins. No database here; ``loader`` writes the rows.

The county is modelled on an agricultural district of about 1.5 million people: street
offices (街道) around the county seat with urban communities, towns (镇) of villages with
one or two urban communities at the town centre, grids of about 600 people. ``scale``
multiplies the population and with it every count and the county's area, so grids keep
their real size. Places and people are complete; buildings are complete only in a few
"full" townships (the county seat's street office and two towns) and elsewhere just the
committee office of each community. The same ``seed`` gives the same county.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from faker import Faker
from shapely.geometry import Point, Polygon

from fengqiao.demo import geometry
from fengqiao.demo.names import NameBook, chinese_number
from fengqiao.demo.rows import (
    COUNTY_CODE,
    COUNTY_NAME,
    BuildingRow,
    DemoCounty,
    PersonRow,
    RegionRow,
)
from fengqiao.demo.staff import add_org_and_people

PROVINCE = ("330000", "浙江省")
CITY = ("330600", "绍兴市")
COUNTY_LON, COUNTY_LAT = 120.6, 29.7
COUNTY_POPULATION = 1_500_000
TOWNSHIPS_AT_SCALE_1 = 22
STREET_OFFICE_SHARE = 4 / 22  # of townships; they hold the county seat's urban population
URBAN_POPULATION_SHARE = 0.35
PEOPLE_PER_URBAN_COMMUNITY = 6000
PEOPLE_PER_VILLAGE = 2700
PEOPLE_PER_GRID = 600
PEOPLE_PER_HOUSEHOLD = 2.8
COUNTY_RADIUS_KM = 25.0  # about 50 km across at scale 1
FULL_TOWNSHIPS = 3

Progress = Callable[[str, int, int], None]


@dataclass
class Place:
    """A region while it is being built: its row plus the plane geometry for its children."""

    row: RegionRow
    shape: Polygon
    seed: np.ndarray
    short: str
    degrees: Polygon
    children: list[Place] = field(default_factory=list)


def generate_county(
    *, scale: float = 1.0, seed: int = 2026, progress: Progress | None = None
) -> DemoCounty:
    """The demo county at ``scale`` (1.0: about 1.5 million people), reproducible by ``seed``.

    ``progress(stage, done, total)`` is called as each township is built (stage
    "township") and before and after the boundaries are rounded (stage "boundaries").
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    builder = CountyBuilder(scale=scale, seed=seed, progress=progress or _quiet)
    return builder.build()


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _stat_code(code: str, level: str) -> str:
    """The NBS 12-digit code: our township codes are its first 9 digits (streets 001-099,
    towns 100-199) and our community codes all 12 (居委会 001-199, 村委会 200-399)."""
    if level == "township":
        return f"{code}000"
    return code if level == "community" else ""


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` shared in proportion to ``weights``, as integers that add up exactly."""
    raw = [total * w / sum(weights) for w in weights]
    shares = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


class CountyBuilder:
    """Builds one county; ``staff`` adds the org and people half through its helpers."""

    def __init__(self, *, scale: float, seed: int, progress: Progress) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.names = NameBook(self.rng)
        self.plane = geometry.LocalPlane(COUNTY_LON, COUNTY_LAT)
        self.progress = progress
        self.county = DemoCounty(scale=scale, seed=seed)
        self.townships: list[Place] = []
        self.full_township_codes: set[str] = set()
        self._next_person = 0

    def build(self) -> DemoCounty:
        self._places()
        self._boundaries()
        self._buildings()
        add_org_and_people(self)
        return self.county

    # --- places --------------------------------------------------------------------------

    def _places(self) -> None:
        scale = self.scale
        regions = self.county.regions
        regions.append(RegionRow(PROVINCE[0], PROVINCE[1], "province", None))
        regions.append(RegionRow(CITY[0], CITY[1], "city", PROVINCE[0]))

        radius = COUNTY_RADIUS_KM * math.sqrt(scale)
        outline = geometry.county_outline(self.rng, radius)
        population = round(COUNTY_POPULATION * scale)
        county = self._region(COUNTY_CODE, COUNTY_NAME, "county", CITY[0], outline, population)
        self.county_place = county
        county_seat = np.array([radius * 0.1, -radius * 0.05])

        # Street offices are numbered 001-099 and towns from 101, so codes stay 3 digits.
        townships = min(899, max(2, round(TOWNSHIPS_AT_SCALE_1 * scale)))
        streets = min(99, max(1, round(townships * STREET_OFFICE_SHARE)))
        seat_area = outline.intersection(Point(county_seat).buffer(radius * 0.3))
        street_seeds = geometry.spread_points(seat_area, streets, self.rng)
        town_seeds = geometry.spread_points(
            outline, townships - streets, self.rng, fixed=street_seeds
        )
        seeds = np.vstack([street_seeds, town_seeds])
        shapes = geometry.partition(outline, seeds)
        urban_people = round(population * URBAN_POPULATION_SHARE)
        street_people = _split(urban_people, [self.rng.uniform(0.8, 1.2) for _ in range(streets)])
        town_people = _split(
            population - urban_people,
            [self.rng.uniform(0.6, 1.5) for _ in range(townships - streets)],
        )
        for i in range(townships):
            is_street = i < streets
            number = i + 1 if is_street else 100 + (i - streets) + 1
            stem = self.names.township()
            township = self._region(
                f"{COUNTY_CODE}{number:03d}",
                f"{stem}{'街道' if is_street else '镇'}",
                "township",
                COUNTY_CODE,
                shapes[i],
                street_people[i] if is_street else town_people[i - streets],
                seed=seeds[i],
                short=stem,
                urban=is_street,
            )
            self._communities(township, is_street)
            county.children.append(township)
            self.townships.append(township)
            self.progress("township", i + 1, townships)
        # The county seat's street office and the two largest towns get every building.
        towns = sorted(self.townships[streets:], key=lambda t: -t.row.population)
        full = [self.townships[0], *towns[: FULL_TOWNSHIPS - 1]]
        self.full_township_codes = {t.row.code for t in full}

    def _communities(self, township: Place, is_street: bool) -> None:
        people = township.row.population
        if is_street:
            count = min(799, max(2, round(people / PEOPLE_PER_URBAN_COMMUNITY)))
            urban = count
            weights = [self.rng.uniform(0.7, 1.3) for _ in range(count)]
        else:
            count = min(799, max(2, round(people / PEOPLE_PER_VILLAGE)))
            urban = 2 if count >= 12 else 1
            weights = [3.0] * urban + [self.rng.uniform(0.6, 1.4) for _ in range(count - urban)]
        # A town's urban communities sit at the town centre; a street office is all urban.
        centre = township.shape.intersection(
            Point(township.seed).buffer(math.sqrt(township.shape.area / math.pi) * 0.3)
        )
        if is_street or centre.area < township.shape.area * 0.01:
            centre = township.shape
        urban_seeds = geometry.spread_points(centre, urban, self.rng)
        village_seeds = geometry.spread_points(
            township.shape, count - urban, self.rng, fixed=urban_seeds
        )
        seeds = np.vstack([urban_seeds, village_seeds]) if count > urban else urban_seeds
        shapes = geometry.partition(township.shape, seeds)
        populations = _split(people, weights)
        for i in range(count):
            is_urban = i < urban
            number = i + 1 if is_urban else 200 + (i - urban) + 1
            stem = self.names.community() if is_urban else self.names.village()
            community = self._region(
                f"{township.row.code}{number:03d}",
                f"{stem}{'社区' if is_urban else '村'}",
                "community",
                township.row.code,
                shapes[i],
                populations[i],
                seed=seeds[i],
                short=stem,
                urban=is_urban,
            )
            self._grids(community)
            township.children.append(community)

    def _grids(self, community: Place) -> None:
        people = community.row.population
        count = min(99, max(1, round(people / PEOPLE_PER_GRID)))
        seeds = geometry.spread_points(community.shape, count, self.rng)
        shapes = geometry.partition(community.shape, seeds)
        populations = _split(people, [self.rng.uniform(0.8, 1.2) for _ in range(count)])
        for i in range(count):
            grid = self._region(
                f"{community.row.code}G{i + 1:02d}",
                f"{community.row.name}第{chinese_number(i + 1)}网格",
                "grid",
                community.row.code,
                shapes[i],
                populations[i],
                seed=seeds[i],
                short=community.short,
                urban=community.row.urban,
            )
            community.children.append(grid)

    def _region(
        self,
        code: str,
        name: str,
        level: str,
        parent_code: str,
        shape: Polygon,
        population: int,
        *,
        seed: np.ndarray | None = None,
        short: str = "",
        urban: bool = False,
    ) -> Place:
        row = RegionRow(
            code=code,
            name=name,
            level=level,
            parent_code=parent_code,
            population=population,
            urban=urban,
            stat_code=_stat_code(code, level),
        )
        self.county.regions.append(row)
        return Place(
            row=row,
            shape=shape,
            seed=seed if seed is not None else np.zeros(2),
            short=short or name,
            degrees=self.plane.to_degrees(shape),
        )

    def _boundaries(self) -> None:
        """Round the grids together onto the stored precision, then build each parent's
        boundary as the union of its children, so every level tiles the one above."""
        self.progress("boundaries", 0, 1)
        grids = [g for t in self.townships for c in t.children for g in c.children]
        for grid, polygon in zip(
            grids, geometry.snap_coverage([g.degrees for g in grids]), strict=True
        ):
            self._set_boundary(grid, polygon)
        for township in self.townships:
            for community in township.children:
                self._set_boundary(
                    community, geometry.union_of([g.degrees for g in community.children])
                )
            self._set_boundary(township, geometry.union_of([c.degrees for c in township.children]))
        self._set_boundary(
            self.county_place, geometry.union_of([t.degrees for t in self.townships])
        )
        self.progress("boundaries", 1, 1)

    def _set_boundary(self, place: Place, polygon: Polygon) -> None:
        place.degrees = polygon
        place.row.boundary = geometry.to_geojson(polygon)
        place.row.lon, place.row.lat = geometry.label_point(polygon)

    # --- buildings -----------------------------------------------------------------------

    def _buildings(self) -> None:
        for township in self.townships:
            full = township.row.code in self.full_township_codes
            for community in township.children:
                self._committee_office(township, community)
                if not full:
                    continue
                if community.row.urban:
                    road = self.names.road(township.row.code)
                    for grid in community.children:
                        self._residential_blocks(township, road, grid)
                else:
                    house_number = 0
                    for grid in community.children:
                        house_number = self._farmhouses(township, community, grid, house_number)

    def _committee_office(self, township: Place, community: Place) -> None:
        grid = community.children[0]
        lon, lat = self._points_in(grid, 1)[0]
        name = (
            f"{community.short}社区服务中心"
            if community.row.urban
            else f"{community.row.name}村民委员会"
        )
        self.county.buildings.append(
            BuildingRow(
                code=f"{grid.row.code}P01",
                name=name,
                grid_code=grid.row.code,
                lon=lon,
                lat=lat,
                address=f"{COUNTY_NAME}{township.row.name}{community.row.name}",
                use="public",
                floors=self.rng.randint(2, 4),
                households=0,
            )
        )

    def _residential_blocks(self, township: Place, road: str, grid: Place) -> None:
        households = round(grid.row.population / PEOPLE_PER_HOUSEHOLD)
        compound = self.names.compound(township.row.code)
        gate_number = self.rng.randint(1, 60) * 2 - 1
        blocks: list[tuple[int, int]] = []
        while households > 0:
            floors = self.rng.choice((6, 6, 7, 11, 12, 18, 24))
            per_floor = self.rng.choice((2, 2, 3, 4))
            blocks.append((floors, min(households, floors * per_floor)))
            households -= floors * per_floor
        points = self._points_in(grid, len(blocks) + 1)
        for n, ((floors, homes), (lon, lat)) in enumerate(zip(blocks, points, strict=False), 1):
            self.county.buildings.append(
                BuildingRow(
                    code=f"{grid.row.code}B{n:03d}",
                    name=f"{compound}{n}幢",
                    grid_code=grid.row.code,
                    lon=lon,
                    lat=lat,
                    address=f"{COUNTY_NAME}{township.row.name}{road}{gate_number}号{compound}{n}幢",
                    use="residential",
                    floors=floors,
                    households=homes,
                )
            )
        lon, lat = points[-1]
        self.county.buildings.append(
            BuildingRow(
                code=f"{grid.row.code}S01",
                name=f"{compound}沿街商铺",
                grid_code=grid.row.code,
                lon=lon,
                lat=lat,
                address=f"{COUNTY_NAME}{township.row.name}{road}{gate_number + 2}号",
                use=self.rng.choice(("commercial", "mixed")),
                floors=self.rng.randint(2, 3),
                households=self.rng.randint(0, 6),
            )
        )

    def _farmhouses(self, township: Place, village: Place, grid: Place, number: int) -> int:
        households = round(grid.row.population / PEOPLE_PER_HOUSEHOLD)
        houses: list[int] = []
        while households > 0:
            homes = 2 if self.rng.random() < 0.12 else 1
            houses.append(min(homes, households))
            households -= homes
        points = self._points_in(grid, len(houses))
        for homes, (lon, lat) in zip(houses, points, strict=True):
            number += 1
            self.county.buildings.append(
                BuildingRow(
                    code=f"{grid.row.code}H{number:04d}",
                    name=f"{village.row.name}{number}号",
                    grid_code=grid.row.code,
                    lon=lon,
                    lat=lat,
                    address=f"{COUNTY_NAME}{township.row.name}{village.row.name}{number}号",
                    use="farmhouse",
                    floors=self.rng.choice((2, 2, 3, 3, 3, 4)),
                    households=homes,
                )
            )
        return number

    def _points_in(self, place: Place, count: int) -> list[tuple[float, float]]:
        points = geometry.random_points_in(place.degrees, count, self.rng)
        return [(round(float(x), 6), round(float(y), 6)) for x, y in points]

    # --- helpers for the people half ------------------------------------------------------

    def person(
        self, roles: tuple[str, ...], *, unit: str | None = None, region: str | None = None
    ) -> PersonRow:
        self._next_person += 1
        row = PersonRow(
            key=self._next_person,
            name=self.fake.name(),
            phone=self.mobile(),
            roles=roles,
            unit_code=unit,
            region_code=region,
        )
        self.county.people.append(row)
        return row

    def mobile(self) -> str:
        prefix = self.rng.choice(
            (
                130,
                131,
                132,
                133,
                135,
                136,
                137,
                138,
                139,
                150,
                151,
                152,
                155,
                157,
                158,
                159,
                176,
                177,
                180,
                181,
                186,
                187,
                188,
                189,
            )
        )
        return f"+86{prefix}{self.rng.randint(0, 99_999_999):08d}"

    def landline(self) -> str:
        return f"0575-8{self.rng.randint(0, 9_999_999):07d}"

    def date_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))
