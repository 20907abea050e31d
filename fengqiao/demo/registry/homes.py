"""The showcase town's homes: door and room addresses on each building, a house per home,
the households living there (with the cases' parties among them); elsewhere only the shop
rows' doors, for the units."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection
from django.db.models import F

from fengqiao import identity
from fengqiao.demo.registry.care import key_kinds
from fengqiao.demo.registry.people import ELSEWHERE, LOCAL_CODE, LOCAL_HUKOU, Person
from fengqiao.demo.registry.tables import ADDRESS_COLUMNS, BATCH_SIZE, SEALED_COLUMNS, Sealed
from fengqiao.disputes.models import Party
from fengqiao.places.models import Building, Region
from fengqiao.registry.address_text import AddressParts, parse
from fengqiao.registry.models import Address, House, Occupancy, Resident
from fengqiao.registry.services import address_row
from fengqiao.sealing import phone_columns

HOUSEHOLD_SIZES = ((1, 14), (2, 27), (3, 30), (4, 19), (5, 10))  # mean 2.84
# Share of homes by use: (own, rented, vacant).
URBAN_USE = (0.77, 0.15, 0.08)
VILLAGE_USE = (0.78, 0.14, 0.08)  # villages near town let rooms to workers
FLOATING_TENANTS = 0.33  # of rented homes: the rest are let to people from the county
AWAY_SHARE = 0.015  # registered adults living elsewhere (户在人不在)
PARTY_SHARE = 0.6  # of the cases' parties in homes-bearing grids, registered as residents


class Homes:
    """The builder's homes part (state in ``RegistryBuilder``)."""

    def homes(self) -> None:
        showcase = _showcase_town()
        buildings = defaultdict(list)
        for building in (
            Building.objects.exclude(use=Building.Use.PUBLIC)
            .only("id", "grid_id", "address", "use", "floors", "households", "lon", "lat")
            .order_by("code")
        ):
            buildings[building.grid_id].append(building)
        grids = list(Region.objects.filter(pk__in=buildings).defer("boundary").order_by("path"))
        homes_grids = [grid for grid in grids if grid.path.startswith(showcase)]
        parties = self._parties(homes_grids)
        for grid in grids:
            if grid.path.startswith(showcase):
                self._grid_homes(grid, buildings[grid.pk], parties.get(grid.pk, []))
            else:
                self._street_fronts(grid, buildings[grid.pk])
        for table in (self.addresses, self.houses, self.residents):
            table.flush()
        models = [Address, House, Resident]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Occupancy._meta.db_table} "
                "(resident_id, house_id, residence_type, moved_in, moved_out, end_reason) "
                f"SELECT id, house_id, residence_type, moved_in, NULL, '' FROM "
                f"{Resident._meta.db_table} WHERE id >= %s AND house_id IS NOT NULL",
                [self.residents.first_id],
            )
            self.counts["occupancies"] = cursor.rowcount
        Party.objects.bulk_update(
            self.linked,
            ["id_sealed", "id_hash", "id_masked", "id_last4", "resident"],
            batch_size=BATCH_SIZE,
        )
        self.counts["addresses"] = self.addresses.written
        self.counts["houses"] = self.houses.written
        self.counts["residents"] = self.residents.written

    def _parties(self, grids: list[Region]) -> dict[int, list[Party]]:
        """A share of each grid's case parties (all who already carry an ID number), to live
        there as residents; those without a number are given one, written to the case."""
        by_path = {grid.path: grid.pk for grid in grids}
        chosen: dict[int, list[Party]] = defaultdict(list)
        parties = (
            Party.objects.filter(scope_path__in=by_path)
            .exclude(phone_sealed="")
            .annotate(building_id=F("case__building_id"))
            .order_by("pk")
        )
        for party in parties:
            if not party.id_sealed and self.rng.random() >= PARTY_SHARE:
                continue
            if not party.id_sealed:
                party.set_id_number(self._id_number(LOCAL_CODE, self.rng.randint(25, 75)))
            else:
                self.used_ids.add(party.id_number)
            chosen[by_path[party.scope_path]].append(party)
        self.counts["parties_registered"] = sum(len(found) for found in chosen.values())
        return chosen

    def _grid_homes(self, grid: Region, buildings: list, parties: list[Party]) -> None:
        """Addresses and homes of one grid's buildings, and the households living there."""
        places = self._places_of(grid.path)
        homes: list[tuple[int, str, int]] = []  # (address id, house label, building id)
        for building in buildings:
            door_id, parts = self._address(grid, parse(building.address, places), building)
            if building.use == Building.Use.FARMHOUSE:
                for n in range(building.households):
                    label = f"{n + 1}户" if building.households > 1 else ""
                    homes.append((door_id, label, building.pk))
                continue
            self.roads.setdefault(community_path(grid.path), parts.road)
            ground = building.use == Building.Use.RESIDENTIAL
            if not ground:  # street shops, with homes above them on some blocks
                self.shop_doors.append((grid, parts, building))
            for room in _rooms(building.floors, building.households, ground=ground):
                room_id, _parts = self._address(grid, replace(parts, **room), building)
                homes.append((room_id, "", building.pk))
        # Parties live in their case's building where it has homes, else anywhere here.
        with_homes = {building_id for _address, _label, building_id in homes}
        waiting: dict[int | None, list[Party]] = defaultdict(list)
        for party in parties:
            waiting[party.building_id if party.building_id in with_homes else None].append(party)
        shares = URBAN_USE if grid.urban else VILLAGE_USE
        lived_in = []
        for address_id, label, building_id in homes:
            use = self.rng.choices(("own", "rented", "vacant"), shares)[0]
            heads = waiting.get(building_id) or waiting.get(None)
            party = heads.pop() if heads else None
            if party is not None:
                use = "own"
            house_id = self._household(grid, address_id, label, use, party)
            if use != "vacant":
                lived_in.append(house_id)
        for party in itertools.chain.from_iterable(waiting.values()):
            # More parties than homes in their building: they live with another household.
            person = self._family(False, party)[0]
            self._resident(person, self.rng.choice(lived_in), "registered", grid)

    def _street_fronts(self, grid: Region, buildings: list) -> None:
        """Outside the showcase town: only the shop rows, for the units along the street."""
        places = self._places_of(grid.path)
        for building in buildings:
            if building.use in (Building.Use.COMMERCIAL, Building.Use.MIXED):
                _door, parts = self._address(grid, parse(building.address, places), building)
                self.roads.setdefault(community_path(grid.path), parts.road)
                self.shop_doors.append((grid, parts, building))

    def _places_of(self, grid_path: str) -> list[tuple[str, str]]:
        """The (level, name) of the regions above a grid that an address text may name."""
        codes = [code for code in grid_path.split("/") if code]
        places = []
        for n in range(1, len(codes)):
            level, name, _code = self.regions["/" + "/".join(codes[:n]) + "/"]
            if level in ("county", "township", "community"):
                places.append((level, name))
        return places

    def _address(self, grid: Region, parts, building) -> tuple[int, AddressParts]:
        """A standard address row; a door number already taken in the community (two shop
        blocks drawn at one number) moves on to the next free number on that side."""
        row = address_row(grid, parts, names_=self.place_names)
        while row.key in self.used_keys:
            parts = replace(parts, door_number=str(int(parts.door_number) + 2))
            row = address_row(grid, parts, names_=self.place_names)
        self.used_keys.add(row.key)
        address_id = self.addresses.add(
            grid.pk,
            building.pk if building else None,
            *(getattr(row, column) for column in ADDRESS_COLUMNS[2:-3]),
            building.lon if building else None,
            building.lat if building else None,
            row.scope_path,
        )
        return address_id, parts

    def _household(self, grid, address_id, label, use, party) -> int:
        """A house and, unless it stands empty, the family living in it."""
        floating = use == "rented" and self.rng.random() < FLOATING_TENANTS
        members = [] if use == "vacant" else self._family(floating, party)
        owner = members[0] if use == "own" else None
        house_id = self.houses.add(
            address_id,
            label,
            use,
            owner.name if owner else self._name(self.rng.random() < 0.5)[1],
            *phone_columns(owner.phone if owner else self._mobile()).values(),
            Decimal(self.rng.randint(55, 140) if grid.urban else self.rng.randint(150, 320)),
            self.now,
            grid.path,
        )
        hukou = self.rng.choice(ELSEWHERE)[1] if floating else LOCAL_HUKOU
        for person in members:
            kind = "floating" if floating else "registered"
            if not floating and person.age >= 18 and self.rng.random() < AWAY_SHARE:
                kind = "away"
            resident_id = self._resident(person, house_id, kind, grid, hukou=hukou)
            for key_kind in key_kinds(person, len(members), not grid.urban, self.rng):
                self.key_candidates.append((resident_id, key_kind, grid.path, grid.pk))
        return house_id

    def _family(self, floating: bool, party: Party | None) -> list[Person]:
        size = self.rng.choices(*zip(*HOUSEHOLD_SIZES, strict=True))[0]
        head_age = self.rng.randint(20, 50) if floating else self.rng.randint(25, 85)
        if party is not None:
            head_age = _age_of(party.id_number, self.today)
        moved_in = self._date_after(max(head_age - 18, 0), years=4 if floating else 35)
        code = self.rng.choice(ELSEWHERE)[0] if floating else LOCAL_CODE
        male = bool(int(party.id_number[16]) % 2) if party else self.rng.random() < 0.6
        ages = [head_age]
        if size >= 2:
            ages.append(max(18, head_age + self.rng.randint(-5, 5)))
        for _ in range(size - len(ages)):
            if len(ages) == 4 and head_age < 55:
                ages.append(min(98, head_age + self.rng.randint(22, 32)))  # a parent
            else:
                ages.append(max(0, head_age - self.rng.randint(22, 36)))
        people = []
        for n, age in enumerate(ages):
            if n == 0 and party is not None:
                head = Person(
                    "", party.name, party.phone, party.id_number, head_age, moved_in, party
                )
                people.append(head)
                continue
            is_male = male if n == 0 else (not male if n == 1 else self.rng.random() < 0.52)
            number = self._id_number(code, age, male=is_male)
            born = identity.birth_date_of(number)
            people.append(
                Person(
                    *self._name(is_male, surname=_family_name(people[0]) if n >= 2 else ""),
                    self._mobile() if age >= 14 else "",
                    number,
                    age,
                    max(moved_in, born),
                )
            )
        return people

    def _resident(
        self, person: Person, house_id: int, kind: str, grid: Region, *, hukou: str = LOCAL_HUKOU
    ) -> int:
        sealed = Sealed()
        sealed.set_document("resident_id", person.id_number)
        sealed.set_phone(person.phone)
        pinyin, initials = self._pinyin(person.surname, person.name)
        adapt = connection.ops.adapt_datefield_value
        sealed.birth_date = adapt(sealed.birth_date)
        pk = self.residents.add(
            *(getattr(sealed, column) for column in SEALED_COLUMNS),
            person.name,
            pinyin,
            initials,
            kind,
            hukou,
            house_id,
            adapt(person.moved_in),
            None,
            "",
            self.now,
            self.now,
            grid.path,
        )
        if person.party is not None:
            person.party.resident_id = pk
            self.linked.append(person.party)
        return pk


def _rooms(floors: int, households: int, *, ground: bool) -> list[dict[str, str]]:
    """Room elements for ``households`` homes: one unit per two flats a floor (1单元502室);
    above the shops (ground=False) the homes start on the first floor up."""
    floors = max(1, floors - (0 if ground else 1))
    if households <= 0:
        return []
    per_floor = math.ceil(households / floors)
    units = max(1, per_floor // 2) if ground and per_floor >= 4 else 1
    per_unit = math.ceil(per_floor / units)
    rooms = []
    for floor in range(1, floors + 1):
        for unit in range(1, units + 1):
            for n in range(1, per_unit + 1):
                if len(rooms) == households:
                    return rooms
                storey = floor if ground else floor + 1
                rooms.append(
                    {
                        "unit_no": str(unit) if ground else "",
                        "floor": str(storey),
                        "room": f"{storey}{n:02d}",
                    }
                )
    return rooms


def _showcase_town() -> str:
    """The path of the town the demo logins work in: the first town (by code) with homes,
    as ``staff._logins`` picks it; the whole county's path when there is none."""
    with_homes = Building.objects.exclude(use=Building.Use.PUBLIC).values("grid__parent__parent")
    town = (
        Region.objects.filter(level="township", urban=False, pk__in=with_homes)
        .order_by("code")
        .values_list("path", flat=True)
        .first()
    )
    return town or "/"


def _family_name(person: Person) -> str:
    return person.surname or person.name[0]


def _age_of(number: str, today: dt.date) -> int:
    born = identity.birth_date_of(number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def community_path(grid_path: str) -> str:
    return grid_path[: grid_path.rstrip("/").rfind("/") + 1]
