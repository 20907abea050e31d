"""The demo county's registry (一标三实): standard addresses, houses, residents and units on
the buildings ``loader`` wrote, key populations under care, consistent with the cases.

In the showcase town (where the demo logins work) every non-public building gets its door
address; blocks of flats a room address and a house per home, farmhouses a house per
household. Homes are mostly lived in by their owners, about 15 % rented, some empty; about
2.8 people live in an occupied home, about 5 % of them floating (tenants registered in
another province). A share of the cases' parties there live in their case's building with
the same name, phone and ID number, linked to the case (``Party.resident``). Key
populations follow realistic rates, in the care of the beat's community police, a few
visits overdue. Elsewhere only the street shop rows and each township's school and
kindergarten are registered: homes for all three full townships (about 275,000 residents)
take over a minute to write, past the demo's budget of a minute from first start.

Addresses are built by ``services.address_row`` from ``address_text.parse`` of the
building's address, so their text and keys are what the services produce. The large
tables (addresses, houses, residents, occupancies) are written with ``executemany`` of
plain tuples and explicit ids: ``bulk_create`` costs about 150 µs a resident on SQLite
(999 parameters per statement, field preparation per value). Sealed numbers come from
``SealedIdentity.set_document`` itself (see ``_Sealed``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ChineseNames

from fengqiao import identity
from fengqiao.disputes.models import Party
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.places.models import Building, Region
from fengqiao.registry import checks, names, rules
from fengqiao.registry.address_text import AddressParts, parse
from fengqiao.registry.care import SENSITIVE_KINDS
from fengqiao.registry.models import (
    Address,
    CareVisit,
    Establishment,
    House,
    KeyPerson,
    Occupancy,
    Resident,
    SealedIdentity,
)
from fengqiao.registry.services import PlaceNames, address_row

BATCH_SIZE = 2000
SQLITE_CACHE_KIB = 512 * 1024
Progress = Callable[[str], None]

LOCAL_CODE = "330699"
LOCAL_HUKOU = "浙江省绍兴市青枫县"
# Where the county's floating people are registered: (GB/T 2260 code, place).
ELSEWHERE = (
    ("341221", "安徽省阜阳市临泉县"),
    ("340321", "安徽省蚌埠市怀远县"),
    ("341302", "安徽省宿州市埇桥区"),
    ("361128", "江西省上饶市鄱阳县"),
    ("411625", "河南省周口市郸城县"),
    ("430524", "湖南省邵阳市隆回县"),
    ("511621", "四川省广安市岳池县"),
    ("520521", "贵州省毕节市大方县"),
    ("530627", "云南省昭通市镇雄县"),
    ("330324", "浙江省温州市永嘉县"),
)
HOUSEHOLD_SIZES = ((1, 14), (2, 27), (3, 30), (4, 19), (5, 10))  # mean 2.84
# Share of homes by use: (own, rented, vacant).
URBAN_USE = (0.77, 0.15, 0.08)
VILLAGE_USE = (0.78, 0.14, 0.08)  # villages near town let rooms to workers
FLOATING_TENANTS = 0.33  # of rented homes: the rest are let to people from the county
AWAY_SHARE = 0.015  # registered adults living elsewhere (户在人不在)
PARTY_SHARE = 0.6  # of the cases' parties in homes-bearing grids, registered as residents
# Key populations: probability per resident who qualifies (see ``_key_kinds``).
KEY_RATES = {
    "severe_mental_disorder": 0.002,
    "released_prisoner": 0.0012,
    "community_correction": 0.0008,
    "drug_rehabilitation": 0.0006,
    "petitioner": 0.0002,
    "domestic_violence_victim": 0.0003,
    "elderly_alone": 0.15,  # of over-70s living alone: about 1 % of all over-70s
    "left_behind_child": 0.05,  # of village children aged 3-15
}
CARE_LEVELS = {
    "severe_mental_disorder": (1, 2),
    "community_correction": (1, 2),
    "drug_rehabilitation": (1, 2),
    "released_prisoner": (2, 2, 3),
    "petitioner": (1, 2),
    "domestic_violence_victim": (1, 2),
    "elderly_alone": (2, 3, 3),
    "left_behind_child": (2, 3),
}
OVERDUE_SHARE = 0.08
VISIT_HISTORY_DAYS = 180
UNIT_KINDS = (
    ("shop", 40, ("超市", "便利店", "五金店", "服装店", "水果店", "理发店", "手机店", "烟酒店")),
    ("restaurant", 25, ("面馆", "小吃店", "饭店", "快餐店", "烧烤店")),
    ("clinic", 6, ("诊所", "口腔诊所", "中医诊所")),
    ("hotel", 5, ("宾馆", "旅馆", "快捷酒店")),
    ("internet_cafe", 3, ("网吧", "网咖")),
    ("market", 2, ("农贸市场", "菜市场")),
    ("other", 4, ("快递驿站", "洗车店", "干洗店")),
)
STAFF = {
    "shop": (1, 6),
    "restaurant": (2, 12),
    "clinic": (2, 8),
    "hotel": (3, 20),
    "internet_cafe": (2, 6),
    "market": (5, 40),
    "other": (1, 5),
    "school": (40, 120),
    "kindergarten": (10, 30),
}
BRANDS = (
    *("兴旺", "好又多", "老街", "阿强", "金穗", "惠民", "鸿运", "家乐", "百姓", "佳佳"),
    *("小王", "顺发", "万福", "永兴", "新民", "红星", "东升", "星光", "四季", "和美"),
    *("福满", "老张", "阿芳", "越香", "如意", "嘉禾", "康宁", "瑞丰", "天天", "乐购"),
)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100, as in registry.checks
MOBILE_PREFIXES = ("130", "131", "135", "137", "138", "139", "150", "151", "158", "177", "186")
FINDINGS = (
    "本人在家，情况稳定，生活正常",
    "电话联系本人，近况良好，无异常",
    "与家属交流，按时服药，情绪稳定",
    "走访邻居了解情况，未发现异常",
    "本人外出务工，与家属确认近况",
)


@dataclass
class _Person:
    surname: str  # "" when not drawn here (a case's party)
    name: str
    phone: str
    id_number: str
    age: int
    moved_in: dt.date
    party: Party | None = None


class _Sealed:
    """What ``SealedIdentity.set_document`` writes, without a model instance (a Resident's
    ``__init__`` costs more than the sealing); read back into a row."""

    __slots__ = tuple(field.attname for field in SealedIdentity._meta.fields)

    set_document = SealedIdentity.set_document

    def __init__(self) -> None:
        self.birth_date = None
        self.sex = ""

    set_phone = SealedIdentity.set_phone


class _Table:
    """Rows of one model as tuples with explicit ids, written with ``executemany``."""

    def __init__(self, model, columns: tuple[str, ...]) -> None:
        concrete = [field.attname for field in model._meta.concrete_fields]
        if set(concrete) != {"id", *columns}:
            raise RuntimeError(f"{model.__name__} columns changed: {sorted(concrete)}")
        self.model = model
        by_attname = {field.attname: field.column for field in model._meta.concrete_fields}
        quoted = ", ".join(connection.ops.quote_name(by_attname[c]) for c in ("id", *columns))
        self.sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
            f"VALUES ({', '.join(['%s'] * (len(columns) + 1))})"
        )
        self.first_id = (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        self.next_id = self.first_id
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        if len(self.rows) >= BATCH_SIZE:
            self.flush()
        return pk

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows = []


def load_registry(
    *, seed: int = 2026, progress: Progress | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Write the demo registry over the loaded county and cases; returns counts. One
    transaction; the same ``seed`` gives the same people, addresses and units."""
    say = progress or (lambda stage: None)
    if connection.vendor == "sqlite":
        # Several hundred thousand rows in indexes keyed by long paths: a page cache of
        # SQLite's default 2 MB spills to disk on every batch.
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    with transaction.atomic():
        builder = _RegistryBuilder(seed, today or timezone.localdate())
        say("标准地址与实有人口 / addresses and residents")
        builder.homes()
        say("实有单位 / units")
        builder.units()
        say("重点人群 / key populations")
        builder.key_people()
    return builder.counts


class _RegistryBuilder:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(f"registry-{seed}")
        self.today = today
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.place_names = PlaceNames()
        self.regions = {
            path: (level, name, code)
            for path, level, name, code in Region.objects.values_list(
                "path", "level", "name", "code"
            )
        }
        self.surnames = list(ChineseNames.last_names)
        self.surname_weights = list(itertools.accumulate(ChineseNames.last_names.values()))
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_credit: set[str] = set(
            Establishment.objects.exclude(credit_code="").values_list("credit_code", flat=True)
        )
        self.linked: list[Party] = []  # case parties registered as residents
        self.counts: dict[str, int] = {}
        self.key_candidates: list[tuple[int, str, str, int]] = []  # resident, kind, path, grid
        self.shop_doors: list[tuple[Region, AddressParts, Building]] = []
        self.roads: dict[str, str] = {}  # community path -> a road name there
        self.used_keys = set(Address.objects.values_list("key", flat=True))
        self.addresses = _Table(Address, _ADDRESS_COLUMNS)
        self.houses = _Table(House, _HOUSE_COLUMNS)
        self.residents = _Table(Resident, _RESIDENT_COLUMNS)

    # --- homes -----------------------------------------------------------------------------

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
                "(resident_id, house_id, residence_type, moved_in, moved_out) "
                f"SELECT id, house_id, residence_type, moved_in, NULL FROM "
                f"{Resident._meta.db_table} WHERE id >= %s AND house_id IS NOT NULL",
                [self.residents.first_id],
            )
            self.counts["occupancies"] = cursor.rowcount
        Party.objects.bulk_update(self.linked, ["id_number", "resident"], batch_size=BATCH_SIZE)
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
            .exclude(phone="")
            .annotate(building_id=F("case__building_id"))
            .order_by("pk")
        )
        for party in parties:
            if not party.id_number and self.rng.random() >= PARTY_SHARE:
                continue
            if not party.id_number:
                party.id_number = self._id_number(LOCAL_CODE, self.rng.randint(25, 75))
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
            self.roads.setdefault(_community_path(grid.path), parts.road)
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
                self.roads.setdefault(_community_path(grid.path), parts.road)
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
            *(getattr(row, column) for column in _ADDRESS_COLUMNS[2:-3]),
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
            owner.phone if owner else self._mobile(),
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
            for key_kind in _key_kinds(person, len(members), not grid.urban, self.rng):
                self.key_candidates.append((resident_id, key_kind, grid.path, grid.pk))
        return house_id

    def _family(self, floating: bool, party: Party | None) -> list[_Person]:
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
                head = _Person(
                    "", party.name, party.phone, party.id_number, head_age, moved_in, party
                )
                people.append(head)
                continue
            is_male = male if n == 0 else (not male if n == 1 else self.rng.random() < 0.52)
            number = self._id_number(code, age, male=is_male)
            born = identity.birth_date_of(number)
            people.append(
                _Person(
                    *self._name(is_male, surname=_family_name(people[0]) if n >= 2 else ""),
                    self._mobile() if age >= 14 else "",
                    number,
                    age,
                    max(moved_in, born),
                )
            )
        return people

    def _resident(
        self, person: _Person, house_id: int, kind: str, grid: Region, *, hukou: str = LOCAL_HUKOU
    ) -> int:
        sealed = _Sealed()
        sealed.set_document("resident_id", person.id_number)
        sealed.set_phone(person.phone)
        pinyin, initials = self._pinyin(person.surname, person.name)
        adapt = connection.ops.adapt_datefield_value
        sealed.birth_date = adapt(sealed.birth_date)
        pk = self.residents.add(
            *(getattr(sealed, column) for column in _SEALED_COLUMNS),
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

    # --- units -----------------------------------------------------------------------------

    def units(self) -> None:
        """Shops, restaurants, clinics, hotels ... along the street in every shop block, and
        a primary school and a kindergarten in every township."""
        units: list[Establishment] = []
        kinds = [kind for kind, _weight, _words in UNIT_KINDS]
        weights = [weight for _kind, weight, _words in UNIT_KINDS]
        words = {kind: names_ for kind, _weight, names_ in UNIT_KINDS}
        for grid, parts, building in self.shop_doors:
            for n in range(self.rng.randint(3, 8)):
                front = replace(parts, door_number=f"{parts.door_number}-{n + 1}")
                address_id, _parts = self._address(grid, front, building)
                area = Decimal(self.rng.randint(20, 160))
                self.houses.add(address_id, "", "business", "", "", area, self.now, grid.path)
                kind = self.rng.choices(kinds, weights)[0]
                name = f"{self.rng.choice(BRANDS)}{self.rng.choice(words[kind])}"
                units.append(self._unit(name, kind, address_id, grid.path, "92"))
        townships = Region.objects.filter(level="township").defer("boundary").order_by("code")
        for township in townships:
            grid = (
                Region.objects.filter(level="grid", path__startswith=township.path)
                .defer("boundary")
                .order_by("-urban", "path")
                .first()
            )
            if grid is None:
                continue
            community = _community_path(grid.path)
            stem = township.name.removesuffix("街道").removesuffix("镇")
            road = self.roads.get(community) or f"{stem}中路"
            for door, kind, name in (
                ("201", "school", f"{township.name}中心小学"),
                ("203", "kindergarten", f"{township.name}中心幼儿园"),
            ):
                parts = parse(f"{road}{door}号", self._places_of(grid.path))
                address_id, _parts = self._address(grid, parts, None)
                units.append(self._unit(name, kind, address_id, grid.path, "12"))
        for table in (self.addresses, self.houses):
            table.flush()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Address, House]):
                cursor.execute(sql)
        Establishment.objects.bulk_create(units, batch_size=BATCH_SIZE)
        self.counts["addresses"] = self.addresses.written
        self.counts["houses"] = self.houses.written
        self.counts["establishments"] = len(units)

    def _unit(self, name: str, kind: str, address_id: int, path: str, code_head: str):
        low, high = STAFF[kind]
        _surname, in_charge = self._name(self.rng.random() < 0.6)
        return Establishment(
            name=name,
            kind=kind,
            credit_code=self._credit_code(code_head),
            address_id=address_id,
            in_charge_name=in_charge,
            in_charge_phone=self._mobile(),
            security_name=in_charge if kind in ("shop", "restaurant") else self._name(True)[1],
            security_phone=self._mobile(),
            employee_count=self.rng.randint(low, high),
            scope_path=path,
        )

    # --- key populations -------------------------------------------------------------------

    def key_people(self) -> None:
        grids = Region.objects.filter(pk__in={grid for *_rest, grid in self.key_candidates})
        police = responsibles_for_grids(grids.defer("boundary"), duties=["community_police"])
        records, histories = [], []
        for resident_id, kind, path, grid_id in self.key_candidates:
            officers = police.get(grid_id, {}).get("community_police", [])
            officer = officers[0] if officers else None
            level = self.rng.choice(CARE_LEVELS[kind])
            every = rules.VISIT_EVERY_DAYS[level]
            since = self.today - dt.timedelta(days=self.rng.randint(every + 1, 5 * 365))
            # The last visit lies within one interval, or further back for the overdue few.
            late = self.rng.random() < OVERDUE_SHARE
            gap = (
                self.rng.randint(every + 1, every * 2 + 10)
                if late
                else self.rng.randint(0, every - 1)
            )
            last = max(since, self.today - dt.timedelta(days=gap))
            records.append(
                KeyPerson(
                    resident_id=resident_id,
                    kind=kind,
                    sensitive=kind in SENSITIVE_KINDS,
                    care_level=level,
                    visit_every_days=every,
                    officer=officer,
                    since=since,
                    next_visit_due=rules.next_visit(last, every),
                    last_visit_on=last,
                    scope_path=path,
                )
            )
            histories.append(officer if officer is not None and officer.user_id else None)
        KeyPerson.objects.bulk_create(records, batch_size=BATCH_SIZE)
        visits = []
        for record, officer in zip(records, histories, strict=True):
            if officer is None:
                continue  # visits before the system: only the dates were carried over
            day = record.last_visit_on
            while day >= max(record.since, self.today - dt.timedelta(days=VISIT_HISTORY_DAYS)):
                visits.append(
                    CareVisit(
                        key_person=record,
                        visited_on=day,
                        method=self.rng.choice(CareVisit.Method.values),
                        finding=self.rng.choice(FINDINGS),
                        visitor_id=officer.user_id,
                        visitor_name=officer.name,
                    )
                )
                day -= dt.timedelta(days=record.visit_every_days + self.rng.randint(-2, 2))
        CareVisit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
        self.counts["key_people"] = len(records)
        self.counts["care_visits"] = len(visits)

    # --- small draws -----------------------------------------------------------------------

    def _name(self, male: bool, *, surname: str = "") -> tuple[str, str]:
        """(surname, full name): Faker's zh_CN surnames by frequency, its given names."""
        given = ChineseNames.first_names_male if male else ChineseNames.first_names_female
        surname = (
            surname
            or self.surnames[
                bisect.bisect(self.surname_weights, self.rng.random() * self.surname_weights[-1])
            ]
        )
        first = self.rng.choice(given)
        return surname, surname + (
            first if self.rng.random() < 0.3 else first + self.rng.choice(given)
        )

    def _pinyin(self, surname: str, name: str) -> tuple[str, str]:
        """(pinyin, initials) as ``registry.names`` writes them."""
        return names.pinyin_of(name), names.initials_of(name)

    def _date_after(self, years_back: int, *, years: int) -> dt.date:
        """A day in the last ``years`` years, and no more than ``years_back`` years ago."""
        days = max(30, min(years_back, years) * 365)
        return self.today - dt.timedelta(days=self.rng.randint(30, days))

    def _id_number(self, code: str, age: int, *, male: bool | None = None) -> str:
        if male is None:
            male = self.rng.random() < 0.5
        while True:
            born = self.today - dt.timedelta(days=age * 365 + self.rng.randint(0, 364))
            sequence = self.rng.randint(0, 499) * 2 + (1 if male else 0)
            first17 = f"{code}{born:%Y%m%d}{sequence:03d}"
            number = first17 + identity.check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _mobile(self) -> str:
        while True:
            phone = f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _credit_code(self, head: str) -> str:
        while True:
            body = "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(9))
            first17 = f"{head}{LOCAL_CODE}{body}"
            code = first17 + checks.credit_check_character(first17)
            if code not in self.used_credit:
                self.used_credit.add(code)
                return code


_SEALED_COLUMNS = tuple(field.attname for field in SealedIdentity._meta.fields)
_ADDRESS_COLUMNS = (
    "grid_id",
    "building_id",
    "kind",
    "road",
    "door_number",
    "compound",
    "village_group",
    "building_no",
    "unit_no",
    "floor",
    "room",
    "full_text",
    "tail",
    "key",
    "raw_text",
    "verified_by_id",
    "verified_at",
    "lon",
    "lat",
    "scope_path",
)
_HOUSE_COLUMNS = (
    "address_id",
    "label",
    "use",
    "owner_name",
    "owner_phone",
    "area_m2",
    "updated_at",
    "scope_path",
)
_RESIDENT_COLUMNS = (
    *_SEALED_COLUMNS,
    "name",
    "name_pinyin",
    "name_initials",
    "residence_type",
    "hukou_place",
    "house_id",
    "moved_in",
    "moved_out",
    "note",
    "created_at",
    "updated_at",
    "scope_path",
)


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


def _key_kinds(person: _Person, household: int, rural: bool, rng: random.Random) -> list[str]:
    """The key populations one resident falls into (almost always none)."""
    age = person.age
    male = int(person.id_number[16]) % 2 == 1
    found = []
    if age >= 18 and rng.random() < KEY_RATES["severe_mental_disorder"]:
        found.append("severe_mental_disorder")
    if 20 <= age <= 60:
        for kind in ("released_prisoner", "community_correction", "drug_rehabilitation"):
            if rng.random() < KEY_RATES[kind] * (1.6 if male else 0.4):
                found.append(kind)
    if age >= 40 and rng.random() < KEY_RATES["petitioner"]:
        found.append("petitioner")
    if age >= 20 and not male and rng.random() < KEY_RATES["domestic_violence_victim"]:
        found.append("domestic_violence_victim")
    if age >= 70 and household == 1 and rng.random() < KEY_RATES["elderly_alone"]:
        found.append("elderly_alone")
    if rural and 3 <= age <= 15 and rng.random() < KEY_RATES["left_behind_child"]:
        found.append("left_behind_child")
    return found


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


def _family_name(person: _Person) -> str:
    return person.surname or person.name[0]


def _age_of(number: str, today: dt.date) -> int:
    born = identity.birth_date_of(number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _community_path(grid_path: str) -> str:
    return grid_path[: grid_path.rstrip("/").rfind("/") + 1]
