"""The demo's first start: an empty SQLite database gets the schema of the current models in
one go instead of replaying every migration.

``migrate`` on an empty database spends nearly all its time in Python, re-rendering the
historical model states operation by operation (about 20 s of a demo's first start on two
cores); the SQL itself takes a second or two. ``build_schema`` writes the same database
directly, in one transaction:

1. every table of the migrated apps from the current models (``create_model``, as Django's
   test runner does without migrations);
2. the migrations' database-only work, replayed in plan order: every ``RunSQL``, and the
   ``RunPython`` of this project's own migrations that set something up in a new database
   (triggers, seeded rows; ``REPLAYED``). The other data migrations rewrite existing rows and
   do nothing on an empty database;
3. every migration recorded as applied, then the post-migrate signal (content types and
   permissions), like ``migrate``.

It runs only on an SQLite database with no tables; anything else gets ``migrate``.
``tests/demo/test_first_start.py`` builds a database both ways and compares them (tables,
columns, indexes, constraints, triggers and rows), so a migration that adds something the
models cannot say fails there, not in a user's demo.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython, RunSQL, SeparateDatabaseAndState

# The RunPython operations that set up a new database (the rest rewrite existing rows).
REPLAYED = frozenset(
    {
        ("org", "0002_roles"),
        ("audit", "0002_append_only_triggers"),
        ("audit", "0004_chain_and_delete_triggers"),
        ("audit", "0005_chain_head_in_one_query"),
        ("registry", "0002_text_search_indexes"),
        ("disputes", "0006_search_trigrams"),
    }
)


def prepare_database(database: str = DEFAULT_DB_ALIAS) -> str:
    """Bring ``database`` up to date: ``build_schema`` when it is an empty SQLite database,
    ``migrate`` otherwise. Returns which one ran ("schema" or "migrate")."""
    connection = connections[database]
    if connection.vendor == "sqlite" and not connection.introspection.table_names():
        build_schema(database)
        return "schema"
    call_command("migrate", database=database, interactive=False, verbosity=0)
    return "migrate"


def build_schema(database: str = DEFAULT_DB_ALIAS) -> None:
    """The schema of every migrated app on an empty SQLite ``database``, all or nothing."""
    connection = connections[database]
    executor = MigrationExecutor(connection)
    loader = executor.loader
    plan = executor.migration_plan(loader.graph.leaf_nodes(), clean_start=True)
    # SQLite's schema editor needs foreign key checks off before the transaction starts.
    connection.disable_constraint_checking()
    try:
        with transaction.atomic(using=database):
            _build(connection, executor, plan, database)
    finally:
        connection.enable_constraint_checking()


def _build(connection, executor: MigrationExecutor, plan, database: str) -> None:
    emit_pre_migrate_signal(0, False, database, apps=global_apps, plan=plan)
    with connection.schema_editor(atomic=False) as editor:
        for app_config in global_apps.get_app_configs():
            if app_config.label not in executor.loader.migrated_apps:
                continue
            for model in app_config.get_models():
                if model._meta.can_migrate(connection):
                    editor.create_model(model)
    # A second editor: the first one's deferred indexes exist before the replayed SQL runs.
    with connection.schema_editor(atomic=False) as editor:
        for migration, _backwards in plan:
            for operation in _database_operations(migration.operations):
                if isinstance(operation, RunSQL):
                    operation._run_sql(editor, operation.sql)
                elif (migration.app_label, migration.name) in REPLAYED:
                    operation.code(global_apps, editor)
    executor.recorder.ensure_schema()
    for migration, _backwards in plan:
        executor.record_migration(migration)
    emit_post_migrate_signal(0, False, database, apps=global_apps, plan=plan)


def _database_operations(operations):
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        elif isinstance(operation, RunSQL | RunPython):
            yield operation
