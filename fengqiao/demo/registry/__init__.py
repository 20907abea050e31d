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
``SealedIdentity.set_document`` itself (see ``tables.Sealed``).

The builder is one object with its parts by subject: ``homes`` (addresses, houses,
households), ``units``, ``care`` (key populations and visits), ``people`` (names, ID
numbers, phones, codes), over the ``executemany`` writers in ``tables``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ChineseNames

from fengqiao.demo.registry.care import KeyPeople
from fengqiao.demo.registry.homes import Homes
from fengqiao.demo.registry.people import PeopleDraws
from fengqiao.demo.registry.tables import (
    ADDRESS_COLUMNS,
    HOUSE_COLUMNS,
    RESIDENT_COLUMNS,
    Table,
)
from fengqiao.demo.registry.units import Units
from fengqiao.disputes.models import Party
from fengqiao.places.models import Building, Region
from fengqiao.registry.address_text import AddressParts
from fengqiao.registry.models import Address, Establishment, House, Resident
from fengqiao.registry.services import PlaceNames

SQLITE_CACHE_KIB = 512 * 1024
Progress = Callable[[str], None]


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
        builder = RegistryBuilder(seed, today or timezone.localdate())
        say("标准地址与实有人口 / addresses and residents")
        builder.homes()
        say("实有单位 / units")
        builder.units()
        say("重点人群 / key populations")
        builder.key_people()
    return builder.counts


class RegistryBuilder(Homes, Units, KeyPeople, PeopleDraws):
    """The state the parts share: one random stream, the numbers and keys drawn so far, the
    rows waiting to be written, and what later parts need from earlier ones."""

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
        self.addresses = Table(Address, ADDRESS_COLUMNS)
        self.houses = Table(House, HOUSE_COLUMNS)
        self.residents = Table(Resident, RESIDENT_COLUMNS)
