"""A house owner's phone is kept as every personal number is: sealed, hashed and masked,
never in the clear; the migration seals owners' phones kept in the clear before it, and
going back restores them."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fengqiao.registry import services
from fengqiao.registry.models import House
from tests.registry.conftest import address_in

OWNER = "+8613700004444"


def _stored(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return " ".join(str(cell) for row in cursor.fetchall() for cell in row)


def _house(world) -> House:
    address = address_in(world.grid_a1, "3组18号", actor=world.county_admin)
    return services.register_house(
        actor=world.county_admin,
        address=address,
        use="rented",
        owner_name="王房东",
        owner_phone="137 0000 4444",
    )


def test_the_owner_phone_is_sealed_and_shown_masked(db, world):
    house = _house(world)
    assert "13700004444" not in _stored("registry_house")
    house.refresh_from_db()
    assert house.phone == OWNER
    assert house.owner_phone_masked == "137****4444"
    assert (
        services.reveal(
            actor=world.officer_a, record=house, field="phone", reason="联系房东核实租客"
        )
        == OWNER
    )


def test_the_migration_seals_old_owner_phones(transactional_db, world):
    house = _house(world)
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", "0003_importjob")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_phone FROM registry_house WHERE id = %s", [house.pk])
        assert cursor.fetchall() == [(OWNER,)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "13700004444" not in _stored("registry_house")
    assert House.objects.unscoped_for_jobs().get(pk=house.pk).phone == OWNER
