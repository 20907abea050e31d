"""Registry data on top of the shared world: a standard address and house in grid A1 and
one in grid B1, with a registered resident in each, all written through the services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fengqiao.registry import services
from fengqiao.registry.address_text import parse

# Valid 18-digit numbers (GB 11643 checksums), born 1980-01-01 and 1990-05-15.
ID_ZHANG = "330699198001010014"
ID_LI = "330699199005150027"
PHONE_ZHANG = "13812345678"
PHONE_LI = "13998765432"


@dataclass
class Registry:
    address_a: object
    house_a: object
    address_b: object
    house_b: object
    zhang: object  # 张三, township A
    li: object  # 李四, township B


def address_in(grid, text: str, *, actor, building=None):
    address, _created = services.register_address(
        actor=actor, grid=grid, parts=parse(text), building=building, raw_text=text
    )
    return address


@pytest.fixture
def registry(world) -> Registry:
    admin = world.county_admin
    address_a = address_in(world.grid_a1, "3组12号", actor=admin, building=world.building_a1)
    house_a = services.register_house(actor=admin, address=address_a, use="own")
    address_b = address_in(
        world.grid_b1, "人民路8号幸福小区1幢2单元302室", actor=admin, building=world.building_b1
    )
    house_b = services.register_house(actor=admin, address=address_b, use="rented")
    zhang = services.register_resident(
        actor=admin, house=house_a, name="张三", id_number=ID_ZHANG, phone=PHONE_ZHANG
    )
    li = services.register_resident(
        actor=admin,
        house=house_b,
        name="李四",
        id_number=ID_LI,
        phone=PHONE_LI,
        residence_type="floating",
    )
    return Registry(address_a, house_a, address_b, house_b, zhang, li)
