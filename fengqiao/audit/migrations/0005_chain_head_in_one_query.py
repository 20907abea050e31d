"""PostgreSQL: take the chain's append lock and read its head in one round trip.

A VOLATILE PL/pgSQL function runs each statement on a fresh snapshot, so the head it reads
after the lock is granted includes the event the previous holder committed; one
``SELECT pg_advisory_xact_lock(...), (SELECT hash ...)`` would read a snapshot taken before
the wait. SQLite needs nothing: its IMMEDIATE transactions already serialize writers.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint) RETURNS text AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN COALESCE((SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), '');
END;
$$ LANGUAGE plpgsql VOLATILE
"""
POSTGRES_BACKWARD = "DROP FUNCTION IF EXISTS audit_chain_head(bigint)"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain_and_delete_triggers")]
    operations = [migrations.RunPython(forward, backward)]
