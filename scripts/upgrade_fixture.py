#!/usr/bin/env python3
"""Rebuild the upgrade test's fixtures: databases made by an earlier release of Fengqiao.

    python scripts/upgrade_fixture.py                    # every fixture in tests/fixtures/upgrade
    python scripts/upgrade_fixture.py --ref 284c01b      # one (or more) releases

For each release (a commit: Fengqiao lands on main by CI and has no tags) it checks the
commit out in a temporary git worktree, runs THAT release's code with this virtual
environment, and builds its database the way that release built one:

* SQLite, as a user's ``fengqiao demo`` first start did: the release's
  ``fengqiao.demo.schema.prepare_database()`` where it has one (the schema built directly),
  else ``migrate``; then ``load_demo --scale SCALE``. The server is not started. The file is
  checkpointed, vacuumed and stored xz-compressed as ``sqlite3.xz``.
* PostgreSQL, as a server install did: ``manage migrate`` then ``load_demo`` into a scratch
  database (FENGQIAO_TEST_DATABASE_URL's server), dumped with ``pg_dump`` as plain SQL,
  stored as ``postgresql.sql.xz`` (xz rather than gzip keeps four fixtures under 3 MB).

Both use fixed, fixture-only keys (``registry_key`` and ``secret_key`` beside the databases),
so the test can unseal the sample resident's ID number and phone after the upgrade.
``manifest.json`` records the release, the scale, every table's row count, a few sample
records read back by the release's own code and the applied migrations, per database.

Rebuild at each release (add the new commit with ``--ref`` and drop fixtures older than the
oldest release still upgraded from); see docs/upgrade.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "upgrade"
SCALE = 0.0005
SEED = 2026
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/fengqiao"
# Fixture-only keys: the demo data is fake, and the test must unseal what the release sealed.
REGISTRY_KEY = base64.urlsafe_b64encode(b"fengqiao-upgrade-fixture-only-32").decode("ascii")
SECRET_KEY = "fengqiao-upgrade-fixture-only-secret-key-never-use-in-production"
# Tables whose rows ``migrate`` itself writes (the migrations applied, the content types and
# permissions of new models): not the users' data, so not compared.
BOOKKEEPING_TABLES = ("django_migrations", "django_content_type", "auth_permission")
MARK = "FENGQIAO-FIXTURE-JSON:"

# Run inside the old release's worktree: its own package, this environment's libraries.
_PREAMBLE = """
import json, os, sys
from pathlib import Path
import django
django.setup()
import fengqiao
tree = Path(os.environ["FENGQIAO_OLD_TREE"]).resolve()
if not Path(fengqiao.__file__).resolve().is_relative_to(tree):
    sys.exit(f"imported {fengqiao.__file__}, not the release in {tree}")
from django.core.management import call_command
from django.db import connection
"""

BUILD = (
    _PREAMBLE
    + """
if connection.vendor == "sqlite":
    try:
        from fengqiao.demo.schema import prepare_database
    except ImportError:  # releases before the schema was built directly: `demo` migrated
        prepare_database = None
    if prepare_database is not None:
        prepare_database()
    else:
        call_command("migrate", interactive=False, verbosity=0)
else:
    call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", scale=float(sys.argv[1]), seed=int(sys.argv[2]), verbosity=0)
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
"""
)

# Raw SQL and the release's own unsealing: what was stored, read back as it stood.
DESCRIBE = (
    _PREAMBLE
    + """
from fengqiao.sealing import unseal
skip = set(sys.argv[1].split(","))
q = connection.ops.quote_name
with connection.cursor() as cursor:
    def rows(sql, *params):
        cursor.execute(sql, params)
        return cursor.fetchall()
    tables = sorted(t for t in connection.introspection.table_names() if t not in skip)
    counts = {t: rows(f"SELECT COUNT(*) FROM {q(t)}")[0][0] for t in tables}
    [(case_id, reference, state, level, events)] = rows(
        "SELECT c.id, c.reference, c.state, c.level, COUNT(e.id) FROM disputes_case c "
        "JOIN disputes_caseevent e ON e.case_id = c.id "
        "GROUP BY c.id, c.reference, c.state, c.level ORDER BY COUNT(e.id) DESC, c.id LIMIT 1"
    )
    kinds = [k for (k,) in rows(
        "SELECT kind FROM disputes_caseevent WHERE case_id = %s ORDER BY at, id", case_id
    )]
    [(rid, name, id_sealed, id_hash, phone_sealed, phone_hash)] = rows(
        "SELECT id, name, id_sealed, id_hash, phone_sealed, phone_hash FROM registry_resident "
        "WHERE id_sealed <> '' AND phone_sealed <> '' ORDER BY id LIMIT 1"
    )
    photos = {
        f"{table}.{column}": rows(f"SELECT COUNT(*) FROM {q(table)} WHERE {q(column)} <> ''")[0][0]
        for table, column in (
            ("intake_reportphoto", "image"),
            ("community_messagephoto", "image"),
            ("community_alert", "photo"),
            ("community_sighting", "photo"),
        )
        if table in counts
    }
    migrations = rows("SELECT app, name FROM django_migrations ORDER BY app, name")
print(MARK + json.dumps({
    "row_counts": counts,
    "case": {"reference": reference, "state": state, "level": level,
             "timeline_length": events, "timeline_kinds": kinds},
    "resident": {"id": rid, "name": name, "id_number": unseal(id_sealed),
                 "phone": unseal(phone_sealed), "id_hash": id_hash, "phone_hash": phone_hash},
    "photos": photos,
    "applied_migrations": [list(m) for m in migrations],
}, ensure_ascii=False))
"""
)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class Release:
    """One earlier release checked out in a temporary worktree, run with this environment."""

    def __init__(self, ref: str, workdir: Path) -> None:
        self.sha = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
        self.short = self.sha[:7]
        self.date = _git("show", "-s", "--format=%cI", self.sha)
        self.tree = workdir / f"fq-old-{self.short}"

    def __enter__(self) -> Release:
        _git("worktree", "add", "--detach", str(self.tree), self.sha)
        return self

    def __exit__(self, *exc) -> None:
        _git("worktree", "remove", "--force", str(self.tree))

    def run(self, code: str, data_dir: Path, database_url: str | None, *args: str) -> str:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "PYTHONPATH"}
            and (key == "FENGQIAO_CACHE_DIR" or not key.startswith("FENGQIAO_"))
        }
        env |= {
            "PYTHONPATH": str(self.tree),
            "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
            "FENGQIAO_OLD_TREE": str(self.tree),
            "FENGQIAO_DATA_DIR": str(data_dir),
            "FENGQIAO_REGISTRY_KEY": REGISTRY_KEY,
            "FENGQIAO_SECRET_KEY": SECRET_KEY,
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        done = subprocess.run(
            [sys.executable, "-c", f"MARK = {MARK!r}\n" + textwrap.dedent(code), *args],
            cwd=self.tree,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"{self.short}: the release's code failed (exit {done.returncode}):\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
            )
        return done.stdout

    def describe(self, data_dir: Path, database_url: str | None) -> dict:
        out = self.run(DESCRIBE, data_dir, database_url, ",".join(BOOKKEEPING_TABLES))
        line = next(line for line in out.splitlines() if line.startswith(MARK))
        return json.loads(line[len(MARK) :])


def build_sqlite(release: Release, tmp: Path, target: Path) -> dict:
    data_dir = tmp / "sqlite"
    data_dir.mkdir()
    release.run(BUILD, data_dir, None, str(SCALE), str(SEED))
    database = data_dir / "fengqiao.sqlite3"
    for leftover in ("-wal", "-shm"):
        extra = database.with_name(database.name + leftover)
        if extra.exists() and extra.stat().st_size:
            raise SystemExit(f"{release.short}: {extra} is not empty after the checkpoint")
    described = release.describe(data_dir, None)
    with sqlite3.connect(database) as check:
        described["journal_mode"] = check.execute("PRAGMA journal_mode").fetchone()[0]
    with (
        database.open("rb") as source,
        lzma.open(target / "sqlite3.xz", "wb", preset=9 | lzma.PRESET_EXTREME) as out,
    ):
        shutil.copyfileobj(source, out)
    return described


def build_postgresql(release: Release, tmp: Path, target: Path, server_url: str) -> dict:
    import psycopg

    name = f"fq_upgrade_fixture_{release.short}_{os.getpid()}"
    url = _with_database(server_url, name)
    with psycopg.connect(_maintenance_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        data_dir = tmp / "postgresql"
        data_dir.mkdir()
        release.run(BUILD, data_dir, url, str(SCALE), str(SEED))
        described = release.describe(data_dir, url)
        dump = subprocess.run(
            ["pg_dump", "--format=plain", "--no-owner", "--no-privileges", "--dbname", url],
            check=True,
            capture_output=True,
        ).stdout
        with lzma.open(target / "postgresql.sql.xz", "wb", preset=9 | lzma.PRESET_EXTREME) as out:
            out.write(dump)
        described["server_version"] = subprocess.run(
            ["psql", "-tA", "-d", url, "-c", "SHOW server_version"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return described
    finally:
        with psycopg.connect(_maintenance_url(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(ref: str, server_url: str) -> Path:
    """Build the fixture of release ``ref`` into tests/fixtures/upgrade/<short sha>/."""
    with tempfile.TemporaryDirectory(prefix="fq-upgrade-fixture-") as tmp_name:
        tmp = Path(tmp_name)
        with Release(ref, tmp) as release:
            target = FIXTURES / release.short
            staging = tmp / "out"
            staging.mkdir()
            (staging / "registry_key").write_text(REGISTRY_KEY + "\n", encoding="ascii")
            (staging / "secret_key").write_text(SECRET_KEY + "\n", encoding="ascii")
            print(f"{release.short}: SQLite (the demo's first start) …", flush=True)
            sqlite_facts = build_sqlite(release, tmp, staging)
            print(f"{release.short}: PostgreSQL (migrate + load_demo, pg_dump) …", flush=True)
            pg_facts = build_postgresql(release, tmp, staging, server_url)
            manifest = {
                "ref": release.sha,
                "short": release.short,
                "commit_date": release.date,
                "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "scale": SCALE,
                "seed": SEED,
                "keys": "registry_key and secret_key beside this file (fixture-only)",
                "built_with": {
                    "python": sys.version.split()[0],
                    "sqlite": sqlite3.sqlite_version,
                },
                "databases": {
                    "sqlite": {"file": "sqlite3.xz", **sqlite_facts},
                    "postgresql": {"file": "postgresql.sql.xz", **pg_facts},
                },
            }
            (staging / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(staging, target)
    size = sum(p.stat().st_size for p in target.iterdir())
    print(f"{release.short}: {target.relative_to(ROOT)} ({size / 1e6:.2f} MB)", flush=True)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ref",
        action="append",
        help="a release commit (repeatable); default: every fixture already kept",
    )
    args = parser.parse_args(argv)
    refs = args.ref or sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    if not refs:
        parser.error("没有已保存的夹具，请用 --ref 指定提交 / no fixtures kept yet: name --ref")
    server_url = os.environ.get("FENGQIAO_TEST_DATABASE_URL") or DEFAULT_PG_URL
    for ref in refs:
        build(ref, server_url)
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    print(f"all fixtures: {total / 1e6:.2f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
