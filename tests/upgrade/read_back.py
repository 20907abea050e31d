"""Run by the upgrade tests in a subprocess against an upgraded scratch database (not a
test module): reads back what a release's manifest recorded and prints it as JSON.

    python tests/upgrade/read_back.py '{"case": "...", "resident": 1, "tables": [...]}'
"""

from __future__ import annotations

import io
import json
import sys

import django

MARK = "UPGRADE-TEST-JSON:"


def read_back(case_ref: str, resident_id: int, tables: list[str]) -> dict:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from fengqiao.registry.models import Resident
    from fengqiao.sealing import digest

    quote = connection.ops.quote_name
    existing = set(connection.introspection.table_names())
    found: dict = {"counts": {}, "schema_missing": []}
    with connection.cursor() as cursor:
        for table in tables:
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
                found["counts"][table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.state, c.level, e.kind FROM disputes_case c "
            "JOIN disputes_caseevent e ON e.case_id = c.id WHERE c.reference = %s "
            "ORDER BY e.at, e.id",
            [case_ref],
        )
        rows = cursor.fetchall()
        # The upgraded tables have every column the models have.
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            if meta.db_table not in existing:
                found["schema_missing"].append(meta.db_table)
                continue
            described = connection.introspection.get_table_description(cursor, meta.db_table)
            lacking = {f.column for f in meta.local_concrete_fields} - {c.name for c in described}
            if lacking:
                found["schema_missing"].append(f"{meta.db_table}: {sorted(lacking)}")
    found["case"] = {
        "state": rows[0][0],
        "level": rows[0][1],
        "timeline_kinds": [kind for _, _, kind in rows],
    }
    resident = Resident.objects.get(pk=resident_id)
    found["resident"] = {
        "id_number": resident.id_number,
        "phone": resident.phone,
        "id_hash_matches": resident.id_hash == digest(resident.id_number),
        "phone_hash_matches": resident.phone_hash == digest(resident.phone),
    }
    for name, command, options in (
        ("migrate_check", "migrate", {"check_unapplied": True}),
        ("makemigrations_check", "makemigrations", {"check_changes": True, "dry_run": True}),
    ):
        try:
            call_command(command, verbosity=0, **options)
            found[name] = 0
        except SystemExit as exc:
            found[name] = exc.code
    out = io.StringIO()
    call_command("check_upgrade", "--json", stdout=out)
    found["check_upgrade"] = json.loads(out.getvalue())
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(f"/cases/{case_ref}/")
    found["case_page"] = [page.status_code, case_ref in page.content.decode()]
    page = client.get(f"/registry/residents/{resident_id}/")
    found["resident_page"] = [page.status_code, resident.name in page.content.decode()]
    return found


if __name__ == "__main__":
    django.setup()
    asked = json.loads(sys.argv[1])
    found = read_back(asked["case"], asked["resident"], asked["tables"])
    print(MARK + json.dumps(found, ensure_ascii=False))
