"""One add from a page or the API is one audit entry: the one with every field's value
(numbers masked), not that and the bulk import's ``…created`` entry beside it."""

from __future__ import annotations

import pytest

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import adding, editing
from tests.registry.test_editing_more import SHOP
from tests.registry.test_editing_services import NEW_WANG

pytestmark = pytest.mark.django_db


def _house(world, registry):
    return adding.add_house(
        actor=world.officer_a, address=registry.address_a, values={"label": "东厢"}
    ).record


ADDS = {
    "registry.address.added": lambda world, registry: adding.add_address(
        actor=world.officer_a, grid=world.grid_a1, values={"road": "人民路", "door_number": "9号"}
    ),
    "registry.house.added": _house,
    "registry.establishment.added": lambda world, registry: adding.add_unit(
        actor=world.officer_a, address=registry.address_a, values=SHOP
    ),
    "registry.occupancy.added": lambda world, registry, house: adding.add_stay(
        actor=world.officer_a,
        resident=registry.zhang,
        house=house,
        values={"moved_in": "2024-05-01"},
    ),
    "registry.resident.added": lambda world, registry: editing.add_resident(
        actor=world.officer_a, house=registry.house_a, values=NEW_WANG
    ),
}


@pytest.mark.parametrize("action", ADDS)
def test_one_add_writes_one_audit_entry(world, registry, action):
    # A stay needs a second house to move into, added before the count starts.
    extra = (_house(world, registry),) if action == "registry.occupancy.added" else ()
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    ADDS[action](world, registry, *extra)
    new = AuditEvent.objects.exclude(pk__in=before)
    assert list(new.values_list("action", flat=True)) == [action]
    assert new.get().changes["fields"]


def test_adding_a_unit_and_an_employee_writes_one_entry_each(world, registry):
    unit = adding.add_unit(actor=world.officer_a, address=registry.address_a, values=SHOP).record
    before = AuditEvent.objects.count()
    adding.add_employee(
        actor=world.officer_a, unit=unit, resident=registry.zhang, since="2024-03-01"
    )
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.filter(action="registry.employment.added").count() == 1


def test_a_grid_workers_add_applied_by_the_police_writes_one_entry_for_the_apply(world, registry):
    edit = editing.add_resident(actor=world.grid_worker_a1, house=registry.house_a, values=NEW_WANG)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    editing.apply_change(actor=world.officer_a, change=edit.change)
    new = AuditEvent.objects.exclude(pk__in=before)
    assert list(new.values_list("action", flat=True)) == ["registry.resident.added"]
