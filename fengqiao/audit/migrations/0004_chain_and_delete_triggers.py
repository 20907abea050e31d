"""Hash-chain the audit trail and refuse deletes in the database, on SQLite and PostgreSQL.

The update trigger comes off while the new columns are added (SQLite rebuilds the table,
which drops its triggers anyway) and the existing events are hashed in id order; then the
update trigger comes back with delete (and, on PostgreSQL, truncate) triggers on the events
and on the new anchors. A delete passes only under retention's permit
(``fengqiao.audit.retention``): the transaction-local setting ``fengqiao.audit_prune`` on
PostgreSQL, a row in ``audit_delete_permit`` on SQLite. A truncate passes only on an empty
table, so the test runner's flush works once the trail was emptied under the permit.
"""

import django.utils.timezone
from django.db import migrations, models

from fengqiao.audit.chain import CONTENT_FIELDS, event_hash

SQLITE_DROP_UPDATE = ["DROP TRIGGER IF EXISTS audit_event_no_update"]
SQLITE_CREATE_UPDATE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
]
POSTGRES_DROP_UPDATE = ["DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent"]
POSTGRES_CREATE_UPDATE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_update()"""
]

SQLITE_GUARDS = [
    "CREATE TABLE audit_delete_permit (granted INTEGER NOT NULL)",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_delete_permit)
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_auditanchor
    BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
    """CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_auditanchor
    WHEN NOT EXISTS (SELECT 1 FROM audit_delete_permit)
    BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
]
SQLITE_GUARDS_OFF = [
    "DROP TRIGGER IF EXISTS audit_anchor_no_delete",
    "DROP TRIGGER IF EXISTS audit_anchor_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TABLE IF EXISTS audit_delete_permit",
]

POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION audit_refuse_delete() RETURNS trigger AS $$
    BEGIN
        IF current_setting('fengqiao.audit_prune', true) = 'on' THEN RETURN NULL; END IF;
        RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
    DECLARE has_rows boolean;
    BEGIN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.'
            || quote_ident(TG_TABLE_NAME) || ')' INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'audit trail is append-only: TRUNCATE on % refused', TG_TABLE_NAME;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_delete()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
    """CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_auditanchor
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_update()""",
    """CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_delete()""",
    """CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
]
POSTGRES_GUARDS_OFF = [
    "DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_auditanchor",
    "DROP TRIGGER IF EXISTS audit_anchor_no_delete ON audit_auditanchor",
    "DROP TRIGGER IF EXISTS audit_anchor_no_update ON audit_auditanchor",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
    "DROP FUNCTION IF EXISTS audit_refuse_delete()",
]


def _run(sqlite: list[str], postgres: list[str]):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for statement in postgres if vendor == "postgresql" else sqlite:
            # No parameters: the PL/pgSQL bodies use % for RAISE, not for placeholders.
            schema_editor.execute(statement, params=None)

    return run


def hash_existing_events(apps, schema_editor):
    """Chain the events already recorded, oldest id first, a batch at a time."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    prev_hash, last_id = "", 0
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", *CONTENT_FIELDS)[:2000]
        )
        if not batch:
            return
        updates = []
        for event_id, *content in batch:
            hash_ = event_hash(prev_hash=prev_hash, **dict(zip(CONTENT_FIELDS, content)))
            updates.append((prev_hash, hash_, event_id))
            prev_hash = hash_
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", updates
            )
        last_id = batch[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_actor_kept_when_account_deleted'),
    ]

    operations = [
        # Off while the table changes and is back-filled; back on at the end.
        migrations.RunPython(
            _run(SQLITE_DROP_UPDATE, POSTGRES_DROP_UPDATE),
            _run(SQLITE_CREATE_UPDATE, POSTGRES_CREATE_UPDATE),
        ),
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='时间')),
                ('before', models.DateTimeField(verbose_name='清理截止时间')),
                ('last_event_id', models.BigIntegerField(verbose_name='最后清理的事件编号')),
                ('last_hash', models.CharField(max_length=64, verbose_name='最后清理的事件哈希')),
                ('last_at', models.DateTimeField(verbose_name='最后清理的事件时间')),
                ('pruned', models.PositiveBigIntegerField(verbose_name='清理条数')),
            ],
            options={
                'verbose_name': '审计链锚点',
                'verbose_name_plural': '审计链锚点',
                'ordering': ['-last_event_id'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='前一条的哈希'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name='时间'),
        ),
        migrations.RunPython(hash_existing_events, migrations.RunPython.noop),
        migrations.RunPython(
            _run(SQLITE_CREATE_UPDATE + SQLITE_GUARDS, POSTGRES_CREATE_UPDATE + POSTGRES_GUARDS),
            _run(SQLITE_DROP_UPDATE + SQLITE_GUARDS_OFF, POSTGRES_DROP_UPDATE + POSTGRES_GUARDS_OFF),
        ),
    ]
