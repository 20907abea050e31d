"""The database half of a backup, per engine: a consistent copy taken while the site serves
(SQLite's online backup API; ``pg_dump -Fc`` on one exported snapshot), and the way back
(a file copy; ``pg_restore`` in one transaction).

Connection settings reach pg_dump and pg_restore through the environment (PGPASSWORD and
the rest), never their command line, where ``ps`` would show a password to every user.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

from fengqiao.backups.manifest import COUNTED_MODELS, ENGINE_NAMES, BackupError, last_migrations

# libpq reads these from the environment; Django's OPTIONS for them pass through.
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


@dataclass(frozen=True)
class Facts:
    """What a database holds at one moment: each app's newest applied migration, and the
    rows of the counted tables."""

    migrations: dict[str, str]
    row_counts: dict[str, int]


def engine() -> str:
    """``sqlite`` or ``postgresql``: the configured database."""
    if connection.vendor in ENGINE_NAMES:
        return connection.vendor
    raise BackupError(
        _("不支持备份 %(vendor)s 数据库 / backups support SQLite and PostgreSQL only")
        % {"vendor": connection.vendor}
    )


def dump(target: Path) -> Facts:
    """Write a consistent copy of the configured database to ``target`` and return the facts
    of that same copy (not of the live database a moment later)."""
    if engine() == "sqlite":
        return _dump_sqlite(target)
    return _dump_postgresql(target)


def _dump_sqlite(target: Path) -> Facts:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # One step: the copy is one read transaction, so it is a single moment even while the
        # server writes (WAL lets it go on writing meanwhile).
        connection.connection.backup(copy)
        return _facts(copy.cursor(), connection.ops.quote_name)
    finally:
        copy.close()


def _dump_postgresql(target: Path) -> Facts:
    pg_dump = _tool("pg_dump")
    # The facts and the dump read the same snapshot: counts in the manifest are the dump's.
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _facts(cursor, connection.ops.quote_name)
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            "pg_dump",
        )
    return facts


def _facts(cursor, quote) -> Facts:
    try:
        cursor.execute("SELECT app, name FROM django_migrations")
    except Exception as error:  # sqlite3 and psycopg raise different classes
        raise BackupError(
            _(
                "数据库还没有建立（没有 django_migrations 表），没有可备份的数据 / "
                "the database has no tables yet: nothing to back up (%(error)s)"
            )
            % {"error": error}
        ) from None
    migrations = last_migrations([(app, name) for app, name in cursor.fetchall()])
    counts = {}
    for label, table in counted_tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — model table names
        counts[label] = cursor.fetchone()[0]
    return Facts(migrations=migrations, row_counts=counts)


def counted_tables() -> dict[str, str]:
    """Model label -> table, for the counted models this installation has."""
    tables = {}
    for label in COUNTED_MODELS:
        try:
            tables[label] = apps.get_model(label)._meta.db_table
        except LookupError:
            continue
    return tables


def live_facts() -> Facts:
    """The facts of the configured database now (after a restore)."""
    with connection.cursor() as cursor:
        return _facts(cursor, connection.ops.quote_name)


def contents() -> str:
    """What the configured database already holds, in words ("" when it is empty)."""
    if engine() == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return ""
        reader = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = [
                row[0]
                for row in reader.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
        finally:
            reader.close()
        where = str(path)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
            tables = [row[0] for row in cursor.fetchall()]
        where = connection.settings_dict["NAME"]
    if not tables:
        return ""
    return f"{where} ({len(tables)} tables: {', '.join(tables[:3])}…)"


def clear(aside: Path) -> None:
    """Make the configured database empty for a forced restore: SQLite's files move to
    ``aside``; PostgreSQL's schema is dropped with everything in it and made again."""
    if engine() == "sqlite":
        connections.close_all()
        path = Path(connection.settings_dict["NAME"])
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if part.exists():
                aside.mkdir(parents=True, exist_ok=True)
                shutil.move(part, aside / part.name)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")


def restore(source: Path) -> None:
    """Put the database copy ``source`` into the configured (empty) database."""
    if engine() == "sqlite":
        connections.close_all()
        path = Path(connection.settings_dict["NAME"])
        partial = path.with_name(path.name + ".restoring")
        shutil.copyfile(source, partial)
        for stale in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(partial, path)
        return
    pg_restore = _tool("pg_restore")
    connections.close_all()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        "pg_restore",
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "找不到 %(name)s：请安装 PostgreSQL 客户端（Debian: apt install postgresql-client）"
                " / %(name)s not found: install the PostgreSQL client tools"
            )
            % {"name": name}
        )
    return found


def _run(command: list[str], name: str) -> None:
    result = subprocess.run(  # noqa: S603 — fixed tools, no shell
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(
            _("%(name)s 失败（退出码 %(code)d） / %(name)s failed: %(detail)s")
            % {"name": name, "code": result.returncode, "detail": " | ".join(detail)}
        )


def _pg_environment() -> dict[str, str]:
    settings_dict = connection.settings_dict
    environment = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    for option, variable in _PG_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            environment[variable] = str(value)
    return environment
