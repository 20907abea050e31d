"""The demo's first start: the schema built directly equals the migrations' one, and an
interrupted first start is built again instead of served half-loaded."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

from fengqiao.cli import FIRST_START_MARKER

BUILD_SCHEMA = "from fengqiao.demo.schema import prepare_database; print(prepare_database())"


def _run(code: str, data_dir, *args: str) -> str:
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # the demo's embedded SQLite, whatever leg runs the tests
    setup = "import django; django.setup(); "
    done = subprocess.run(
        [sys.executable, *args] if args else [sys.executable, "-c", setup + code],
        env={**env, "DJANGO_SETTINGS_MODULE": "fengqiao.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout


def _columns(create_table: str) -> list[str]:
    """A CREATE TABLE's columns and constraints, sorted: migrations append added columns at
    the end, the models list them in their own order."""
    body = create_table[create_table.index("(") + 1 : create_table.rindex(")")]
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return sorted([*parts, current.strip()])


def _describe(path) -> dict:
    database = sqlite3.connect(path)
    try:
        described = {}
        objects = database.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for kind, name, table, sql in objects:
            if kind == "table":
                described[kind, name] = _columns(sql)
                rows = database.execute(f'SELECT * FROM "{name}"').fetchall()
                described["rows", name] = len(rows)
            else:
                described[kind, name] = (table, sql and re.sub(r"\s+", " ", sql))
        described["content types"] = sorted(
            database.execute("SELECT app_label, model FROM django_content_type")
        )
        described["permissions"] = sorted(
            database.execute(
                "SELECT t.app_label, t.model, p.codename, p.name FROM auth_permission p "
                "JOIN django_content_type t ON t.id = p.content_type_id"
            )
        )
        described["migrations"] = sorted(
            database.execute("SELECT app, name FROM django_migrations")
        )
        described["roles"] = sorted(database.execute("SELECT * FROM org_role"))
        return described
    finally:
        database.close()


def test_the_schema_built_directly_is_the_migrations_schema(tmp_path):
    migrated, built = tmp_path / "migrated", tmp_path / "built"
    migrated.mkdir()
    built.mkdir()
    _run("", migrated, "-m", "fengqiao.cli", "manage", "migrate", "--verbosity", "0")
    assert _run(BUILD_SCHEMA, built).strip() == "schema"

    expected = _describe(migrated / "fengqiao.sqlite3")
    actual = _describe(built / "fengqiao.sqlite3")
    assert ("trigger", "audit_event_no_delete") in expected  # the replayed RunPython ran
    assert expected["roles"]
    different = {
        key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)
    }
    assert not different, {key: (expected.get(key), actual.get(key)) for key in different}

    # A database with tables is migrated, not built over.
    assert _run(BUILD_SCHEMA, built).strip() == "migrate"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_interrupted_first_start_is_built_again_not_served(tmp_path):
    # A first start that wrote the county's region and then stopped: its marker is left.
    _run(
        BUILD_SCHEMA
        + "; from fengqiao.places.models import Region; from fengqiao.demo.rows import "
        "COUNTY_CODE; Region.objects.create(code=COUNTY_CODE, name='x', level='county')",
        tmp_path,
    )
    (tmp_path / FIRST_START_MARKER).write_text("")

    port = _free_port()
    env = {**os.environ, "FENGQIAO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fengqiao.cli", "demo", "--port", str(port), "--scale", "0.02"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                url = f"http://127.0.0.1:{port}/accounts/login/"
                with urllib.request.urlopen(url, timeout=30) as reply:
                    assert reply.status == 200
                break
            except urllib.error.HTTPError as error:
                raise AssertionError(f"HTTP {error.code}\n{log.read_text()}") from None
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "fengqiao demo did not serve in 120 s"
                time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log.read_text()
    assert "上次首次启动未完成" in output
    assert "demo county loaded" in output and "already loaded" not in output
    assert not (tmp_path / FIRST_START_MARKER).exists()
    database = sqlite3.connect(tmp_path / "fengqiao.sqlite3")
    try:
        assert database.execute("SELECT count(*) FROM places_building").fetchone()[0] > 0
    finally:
        database.close()
