"""Trigram indexes for the case search on PostgreSQL (``selectors._search_q``).

``icontains`` and ``endswith`` cannot use a B-tree; pg_trgm's GIN indexes serve both. They
are PostgreSQL-only, so they live here rather than in the models (SQLite searches the
small embedded database by scanning, which is quick at its size). pg_trgm is a trusted
extension: the database's owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("disputes_party_name_trgm", "disputes_party", "upper(name::text)"),
    ("disputes_party_phone_trgm", "disputes_party", "phone"),
    ("disputes_case_title_trgm", "disputes_case", "upper(title::text)"),
    ("disputes_case_reference_trgm", "disputes_case", "upper(reference::text)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("disputes", "0005_open_cases_index")]

    operations = [migrations.RunPython(create, drop)]
