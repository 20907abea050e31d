"""What ``migrate`` would do to a database, worked out before it does it.

``upgrade_plan`` reads the migrations recorded in the database and the ones this code ships,
and returns the pending migrations in the order ``migrate`` applies them, each operation
described in plain words with the tables it touches, what cannot be undone or may lose data,
and the current row count of every table touched (a large table's rewrite is foreseen). It
also notices a database that is *newer* than this code (migrations applied that this code
does not know), which must not be migrated by it. It reads; it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import truncate_name
from django.db.migrations import operations as ops
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation
from django.db.migrations.operations.models import IndexOperation, ModelOperation
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

# Chinese first, then English: what kind of change an operation is.
KIND_LABELS = {
    "AddField": "新增字段 / add field",
    "RemoveField": "删除字段 / remove field",
    "AlterField": "修改字段 / alter field",
    "RenameField": "重命名字段 / rename field",
    "CreateModel": "新表 / new table",
    "DeleteModel": "删除表 / delete table",
    "RenameModel": "重命名表 / rename table",
    "AlterModelTable": "重命名表 / rename table",
    "AddIndex": "新增索引 / add index",
    "RemoveIndex": "删除索引 / remove index",
    "RenameIndex": "重命名索引 / rename index",
    "AddConstraint": "新增约束 / add constraint",
    "RemoveConstraint": "删除约束 / remove constraint",
    "AlterUniqueTogether": "修改联合唯一 / alter unique together",
    "AlterIndexTogether": "修改联合索引 / alter index together",
    "AlterModelOptions": "修改模型选项（不改数据库） / alter model options (no database change)",
    "AlterModelManagers": "修改管理器（不改数据库） / alter managers (no database change)",
    "AlterOrderWithRespectTo": "修改排序字段 / alter order with respect to",
    "AlterModelTableComment": "修改表注释 / alter table comment",
    "RunPython": "数据迁移 / data migration",
    "RunSQL": "执行 SQL / raw SQL",
}
OTHER_LABEL = "其他变更 / other change"

LOSES_COLUMN = "删除该列，列中数据随之丢失 / the column and its data are dropped"
LOSES_TABLE = "删除整张表，表中数据随之丢失 / the table and its rows are dropped"
NOT_NULL_NO_DEFAULT = (
    "改为非空且没有默认值：已有空值会使迁移失败 / "
    "becomes NOT NULL without a default: existing NULLs make the migration fail"
)
SHORTER = (
    "长度缩短：较长的值可能被截断或使迁移失败 / "
    "shorter max_length: longer values may be cut or fail"
)
NEW_TYPE = "字段类型改变：已有数据要转换 / the column type changes: existing values are converted"
NO_REVERSE = "没有回退步骤，迁移后不能撤销 / no reverse step: it cannot be undone"
ANY_TABLE = "数据迁移可读写任意表 / a data migration may read or write any table"


@dataclass(frozen=True)
class OperationChange:
    """One operation of a pending migration, as a person reads it."""

    kind: str
    label: str
    description: str
    tables: tuple[str, ...]
    irreversible: bool
    may_lose_data: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PendingMigration:
    app: str
    name: str
    operations: tuple[OperationChange, ...]


@dataclass(frozen=True)
class TableRows:
    """A table the pending migrations touch; ``rows`` is None when it does not exist yet."""

    table: str
    rows: int | None


@dataclass(frozen=True)
class UpgradePlan:
    database: str
    pending: tuple[PendingMigration, ...] = ()
    tables: tuple[TableRows, ...] = ()
    # Applied in the database, unknown to this code, in an app this code has: a newer database.
    unknown_applied: tuple[tuple[str, str], ...] = ()
    # Applied migrations of apps this code does not have (left as they are by migrate).
    foreign_applied: tuple[tuple[str, str], ...] = ()
    problem: str = ""

    @property
    def status(self) -> str:
        """``newer_database``, ``inconsistent``, ``pending`` or ``up_to_date``."""
        if self.unknown_applied:
            return "newer_database"
        if self.problem:
            return "inconsistent"
        return "pending" if self.pending else "up_to_date"

    @property
    def flagged(self) -> int:
        """How many pending operations cannot be undone or may lose data."""
        return sum(
            1 for m in self.pending for c in m.operations if c.irreversible or c.may_lose_data
        )


def upgrade_plan(database: str = DEFAULT_DB_ALIAS) -> UpgradePlan:
    """What ``migrate`` (no arguments) would do to ``database`` now; reads, writes nothing."""
    connection = connections[database]
    executor = MigrationExecutor(connection)
    loader = executor.loader
    where = _where(connection)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or ())
    applied = set(loader.applied_migrations)
    unknown = sorted(key for key in applied - known if key[0] in loader.migrated_apps)
    foreign = sorted(key for key in applied - known if key[0] not in loader.migrated_apps)
    if unknown:
        return UpgradePlan(database=where, unknown_applied=tuple(unknown))
    problems = []
    try:
        loader.check_consistent_history(connection)
    except InconsistentMigrationHistory as exc:
        problems.append(str(exc))
    for app, names in sorted(loader.detect_conflicts().items()):
        problems.append(
            f"迁移冲突（同一应用有多个末端） / conflicting migrations in {app}: "
            + ", ".join(sorted(names))
        )
    if problems:
        return UpgradePlan(
            database=where, foreign_applied=tuple(foreign), problem="; ".join(problems)
        )

    plan = executor.migration_plan(loader.graph.leaf_nodes())
    state = loader.project_state(
        nodes=[key for key in loader.applied_migrations if key in loader.graph.nodes],
        at_end=True,
    )
    existing = set(connection.introspection.table_names())
    max_name = connection.ops.max_name_length()
    pending = []
    for migration, _backwards in plan:
        changes = []
        for operation in migration.operations:
            changes.extend(
                describe_operation(
                    operation, app_label=migration.app_label, state=state, max_name_length=max_name
                )
            )
            operation.state_forwards(migration.app_label, state)
        pending.append(PendingMigration(migration.app_label, migration.name, tuple(changes)))
    touched = sorted({table for m in pending for c in m.operations for table in c.tables})
    tables = tuple(
        TableRows(table, _count(connection, table) if table in existing else None)
        for table in touched
    )
    return UpgradePlan(
        database=where,
        pending=tuple(pending),
        tables=tables,
        foreign_applied=tuple(foreign),
    )


def describe_operation(
    operation: Operation, *, app_label: str, state: ProjectState, max_name_length: int
) -> list[OperationChange]:
    """``operation`` of a migration of ``app_label`` in words, as it would apply to ``state``
    (the project state just before it): its kind, Django's description, the tables it
    changes, and whether it cannot be undone or may lose data (with the reasons)."""
    if isinstance(operation, ops.SeparateDatabaseAndState):
        # Only the database half changes the database; the state half is bookkeeping.
        changes = []
        for inner in operation.database_operations:
            changes.extend(
                describe_operation(
                    inner, app_label=app_label, state=state, max_name_length=max_name_length
                )
            )
        return changes
    kind = type(operation).__name__
    warnings: list[str] = []
    may_lose_data = False
    tables: tuple[str, ...] = ()
    if isinstance(operation, ops.RemoveField):
        may_lose_data = True
        warnings.append(LOSES_COLUMN)
    elif isinstance(operation, ops.DeleteModel):
        may_lose_data = True
        warnings.append(LOSES_TABLE)
    elif isinstance(operation, ops.AlterField):
        warnings.extend(_altered_field_warnings(operation, app_label, state))
        may_lose_data = bool(warnings)
    if isinstance(operation, ops.RunPython):
        warnings.append(ANY_TABLE)
    elif not isinstance(operation, ops.RunSQL):
        tables = _tables_of(operation, app_label, state, max_name_length)
    irreversible = not getattr(operation, "reversible", True)
    if irreversible:
        warnings.append(NO_REVERSE)
    return [
        OperationChange(
            kind=kind,
            label=KIND_LABELS.get(kind, OTHER_LABEL),
            description=operation.describe(),
            tables=tables,
            irreversible=irreversible,
            may_lose_data=may_lose_data,
            warnings=tuple(warnings),
        )
    ]


def _altered_field_warnings(
    operation: ops.AlterField, app_label: str, state: ProjectState
) -> list[str]:
    model = state.models.get((app_label, operation.model_name_lower))
    old = model.fields.get(operation.name) if model else None
    new = operation.field
    if old is None:
        return []
    warnings = []
    has_default = new.default is not NOT_PROVIDED or new.db_default is not NOT_PROVIDED
    if old.null and not new.null and not has_default:
        warnings.append(NOT_NULL_NO_DEFAULT)
    if old.max_length and new.max_length and new.max_length < old.max_length:
        warnings.append(SHORTER)
    if old.get_internal_type() != new.get_internal_type():
        warnings.append(NEW_TYPE)
    return warnings


def _tables_of(
    operation: Operation, app_label: str, state: ProjectState, max_name: int
) -> tuple[str, ...]:
    """The tables ``operation`` changes, named as the state before it has them."""
    if isinstance(operation, ops.CreateModel):
        if operation.options.get("proxy") or not operation.options.get("managed", True):
            return ()
        table = operation.options.get("db_table") or f"{app_label}_{operation.name_lower}"
        return (truncate_name(table, max_name),)
    names = []
    if isinstance(operation, ops.RenameModel):
        names = [operation.old_name_lower]
    elif isinstance(operation, FieldOperation | IndexOperation):
        names = [operation.model_name_lower]
    elif isinstance(operation, ModelOperation):
        names = [operation.name_lower]
    tables = []
    for name in names:
        model = state.models.get((app_label, name))
        if model is None or model.options.get("proxy") or not model.options.get("managed", True):
            continue
        table = model.options.get("db_table") or f"{app_label}_{name}"
        tables.append(truncate_name(table, max_name))
    if isinstance(operation, ops.AlterModelTable) and operation.table:
        tables.append(operation.table)
    return tuple(tables)


def _count(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def _where(connection) -> str:
    """The database in words, without a password."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"{connection.display_name} {settings['NAME']} @ {host}{port}"
