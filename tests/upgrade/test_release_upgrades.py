"""A database made by an earlier release migrates to head with its data intact.

One test per release kept in tests/fixtures/upgrade (scripts/upgrade_fixture.py builds them
with that release's own code): ``check_upgrade`` names exactly the migrations the release did
not have, ``migrate`` applies them, and then the rows, a case with its timeline, a resident's
sealed ID number and phone, and the pages that read them are as the release left them.
"""

from __future__ import annotations

import functools

import pytest
from django.db.migrations.loader import MigrationLoader

from tests.upgrade.scratch import leg, manifest, release_database, releases


@functools.cache
def _head() -> frozenset[tuple[str, str]]:
    """Every migration this code ships (what a database at head has recorded)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


@pytest.mark.parametrize("release", releases())
def test_release_database_migrates_to_head_with_its_data_intact(tmp_path, release):
    kept = manifest(release)
    made = kept["databases"][leg()]
    applied = {tuple(key) for key in made["applied_migrations"]}
    expected = sorted(_head() - applied)

    with release_database(tmp_path, release) as scratch:
        code, before = scratch.check_upgrade()
        assert code == 0
        listed = [(m["app"], m["name"]) for m in before["pending"]]
        assert sorted(listed) == expected
        assert before["status"] == ("pending" if expected else "up_to_date")
        if expected:
            text = scratch.manage("check_upgrade").stdout
            assert "fengqiao manage backup" in text
            for app, name in expected:
                assert name in text, (app, name)

        scratch.manage("migrate", "--no-input")

        found = scratch.read_back(
            case=made["case"]["reference"],
            resident=made["resident"]["id"],
            tables=sorted(made["row_counts"]),
        )

    assert found["counts"] == {
        table: rows for table, rows in made["row_counts"].items() if table in found["counts"]
    }
    # A release's tables may be dropped by a later migration, but not silently: say which.
    assert set(found["counts"]) == set(made["row_counts"])
    assert found["case"] == {
        "state": made["case"]["state"],
        "level": made["case"]["level"],
        "timeline_kinds": made["case"]["timeline_kinds"],
    }
    assert len(found["case"]["timeline_kinds"]) == made["case"]["timeline_length"]
    assert found["resident"] == {
        "id_number": made["resident"]["id_number"],
        "phone": made["resident"]["phone"],
        "id_hash_matches": True,
        "phone_hash_matches": True,
    }
    assert found["schema_missing"] == []
    assert found["migrate_check"] == 0
    assert found["makemigrations_check"] == 0
    assert found["case_page"] == [200, True]
    assert found["resident_page"] == [200, True]
    after = found["check_upgrade"]
    assert (after["status"], after["pending"]) == ("up_to_date", [])
