"""Scratch databases for the upgrade tests, on the leg's own database engine.

A scratch database lives outside pytest-django's test database: a copy of a release's
SQLite fixture in a temporary data directory (SQLite leg), or a new database with a unique
name on the leg's PostgreSQL server loaded from the release's ``pg_dump`` (PostgreSQL leg),
dropped at the end. The current code drives it through subprocesses (``fengqiao manage``
and small Python scripts), as an administrator upgrading would.
"""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"
READ_BACK = Path(__file__).resolve().parent / "read_back.py"
MARK = "UPGRADE-TEST-JSON:"


def releases() -> list[str]:
    """The releases kept as fixtures (short commit ids), oldest first."""
    manifests = [json.loads(p.read_text("utf-8")) for p in FIXTURES.glob("*/manifest.json")]
    return [m["short"] for m in sorted(manifests, key=lambda m: m["commit_date"])]


def manifest(release: str) -> dict:
    return json.loads((FIXTURES / release / "manifest.json").read_text("utf-8"))


def leg() -> str:
    """``sqlite`` or ``postgresql``: the engine this run of the suite tests."""
    return connection.vendor


@dataclass
class Scratch:
    """One scratch database and the environment that points the current code at it."""

    env: dict[str, str]
    vendor: str

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "fengqiao.cli", "manage", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"manage {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def read_back(self, **asked) -> dict:
        """What ``read_back.py`` finds in the database (see there)."""
        done = subprocess.run(
            [sys.executable, str(READ_BACK), json.dumps(asked)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"read_back failed:\n{done.stdout}\n{done.stderr}"
        line = next(line for line in done.stdout.splitlines() if line.startswith(MARK))
        return json.loads(line[len(MARK) :])

    def check_upgrade(self) -> tuple[int, dict]:
        done = self.manage("check_upgrade", "--json", check=False)
        assert done.returncode in (0, 2), done.stderr
        return done.returncode, json.loads(done.stdout)


def _key(release: str, name: str) -> str:
    return (FIXTURES / release / name).read_text("ascii").strip()


@contextmanager
def release_database(tmp_path: Path, release: str) -> Iterator[Scratch]:
    """A scratch copy of the database ``release`` made, on this leg's engine, with the
    release's fixture keys."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "fengqiao.settings",
        "FENGQIAO_DATA_DIR": str(data_dir),
        "FENGQIAO_REGISTRY_KEY": _key(release, "registry_key"),
        "FENGQIAO_SECRET_KEY": _key(release, "secret_key"),
    }
    if leg() == "sqlite":
        with (
            lzma.open(FIXTURES / release / "sqlite3.xz") as packed,
            (data_dir / "fengqiao.sqlite3").open("wb") as out,
        ):
            shutil.copyfileobj(packed, out)
        yield Scratch(env=env, vendor="sqlite")
        return
    psql = shutil.which("psql")
    assert psql, "psql（PostgreSQL 客户端）缺失 / psql is needed to load the release's pg_dump"
    with _postgresql_database() as url:
        dump = lzma.decompress((FIXTURES / release / "postgresql.sql.xz").read_bytes())
        subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
            input=dump,
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield Scratch(env=env | {"DATABASE_URL": url}, vendor="postgresql")


@contextmanager
def _postgresql_database() -> Iterator[str]:
    import psycopg

    server = os.environ["DATABASE_URL"]
    maintenance = urlunsplit(urlsplit(server)._replace(path="/postgres"))
    name = f"fq_upgrade_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
