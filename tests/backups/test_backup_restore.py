"""`fengqiao manage backup DEST` and `restore SRC`: a backup restored into an empty
installation (a new data directory, and on PostgreSQL a new database) has every case with
its timeline, every photo and every sealed number; and every refusal refuses before writing.

The backup runs in this process against the test database; each restore runs in a
subprocess, because the data directory and DATABASE_URL are read when settings load.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fengqiao.intake import services as intake
from fengqiao.registry import services as registry
from tests.backups.restored import contents
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG, address_in

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Target:
    """An empty installation to restore into."""

    data_dir: Path
    database_url: str | None

    def environment(self) -> dict[str, str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DATABASE_URL", "FENGQIAO_REGISTRY_KEY", "FENGQIAO_SECRET_KEY"}
        }
        environment["FENGQIAO_DATA_DIR"] = str(self.data_dir)
        environment["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
        if self.database_url:
            environment["DATABASE_URL"] = self.database_url
        return environment

    def restore(self, source: Path, *options: str) -> subprocess.CompletedProcess:
        return self._run("fengqiao.cli", "manage", "restore", str(source), *options)

    def contents(self) -> dict:
        done = self._run("tests.backups.restored")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def database_has_tables(self) -> bool:
        if self.database_url is None:
            return (self.data_dir / "fengqiao.sqlite3").exists()
        with psycopg.connect(self.database_url) as scratch:
            found = scratch.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
        return found > 0

    def _run(self, module: str, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *arguments],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=180,
        )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def site(transactional_db, world, media) -> dict:
    """A small site built through the services, committed (pg_dump reads other sessions'
    data only): a registered resident, two dispute reports, one with a photo."""
    admin = world.county_admin
    address = address_in(world.grid_a1, "3组12号", actor=admin, building=world.building_a1)
    house = registry.register_house(actor=admin, address=address, use="own")
    registry.register_resident(
        actor=admin, house=house, name="张三", id_number=ID_ZHANG, phone=PHONE_ZHANG
    )
    for text, photos in (
        ("楼上每天半夜拖椅子，沟通多次没用", [SimpleUploadedFile("p.png", PNG)]),
        ("邻居在公共楼道堆放杂物，协商不成", []),
    ):
        intake.submit_report(
            actor=admin,
            channel="web",
            kind="dispute",
            category="neighbourhood",
            risk="blue",
            level=1,
            text=text,
            lon=120.005,
            lat=30.005,
            reporter_name="李大姐",
            reporter_phone="138 1234 5678",
            photos=photos,
        )
    built = contents()
    assert len(built["cases"]) == 2 and all(built["cases"].values())
    assert len(built["photos"]) == 1 and built["residents"]["张三"][0] == ID_ZHANG
    return built


@pytest.fixture
def target(tmp_path):
    data_dir = tmp_path / "restored-data"
    if connection.vendor != "postgresql":
        yield Target(data_dir, None)
        return
    # An empty scratch database beside the test database, made and dropped here.
    settings = connection.settings_dict
    name = f"fengqiao_restore_{uuid.uuid4().hex[:10]}"
    credentials = quote(settings["USER"] or "postgres")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    server = f"postgres://{credentials}@{host}:{port}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as maintenance:
        maintenance.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Target(data_dir, f"{server}/{name}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup(dest: Path, *options: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("backup", str(dest), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_restore_into_an_empty_installation_has_every_case_photo_and_sealed_number(
    site, target, tmp_path
):
    out, warnings = backup(tmp_path / "backup")
    assert "[1/4]" in out and "备份完成" in out
    assert "holds the registry key" in warnings  # said loudly: the backup opens every number
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["row_counts"]["disputes.case"] == 2
    assert manifest["registry_key"]["where"] == "backup"
    assert set(manifest["files"]) >= {"registry_key", *(f"media/{n}" for n in site["photos"])}

    done = target.restore(tmp_path / "backup")

    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout
    restored = target.contents()
    assert restored.pop("restores_audited") == 1 and site.pop("restores_audited") == 0
    assert restored == site


def restore_here(source: Path, *options: str) -> None:
    """A restore in this process, for refusals that come before anything is written: it
    would find the test database in use and refuse that too, so nothing here is replaced."""
    call_command("restore", str(source), *options, stdout=StringIO(), stderr=StringIO())


def test_a_key_kept_apart_is_asked_for_and_then_opens_every_number(site, target, tmp_path):
    key_file = tmp_path / "usb" / "fengqiao-registry-key"
    key_file.parent.mkdir()
    _, warnings = backup(tmp_path / "backup", "--registry-key-apart", str(key_file))
    assert "NOT in this backup" in warnings and str(key_file) in warnings
    assert not (tmp_path / "backup" / "registry_key").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    with pytest.raises(CommandError, match="--registry-key-file") as missing:
        restore_here(tmp_path / "backup")
    assert str(key_file) in str(missing.value)
    wrong = tmp_path / "another-key"
    wrong.write_text("A" * 43 + "=")
    with pytest.raises(CommandError, match="Wrong registry key"):
        restore_here(tmp_path / "backup", "--registry-key-file", str(wrong))
    assert contents() == site  # the refusals changed nothing

    done = target.restore(tmp_path / "backup", "--registry-key-file", str(key_file))
    assert done.returncode == 0, done.stderr
    restored = target.contents()
    assert restored["residents"] == site["residents"] and restored["parties"] == site["parties"]
    assert restored["reporters"] == site["reporters"]


def test_a_changed_file_fails_its_checksum_and_nothing_is_restored(site, tmp_path):
    backup(tmp_path / "backup")
    photo = tmp_path / "backup" / "media" / next(iter(site["photos"]))
    photo.write_bytes(photo.read_bytes() + b"\x00")

    with pytest.raises(CommandError, match="checksum mismatch") as refused:
        restore_here(tmp_path / "backup")

    assert photo.name in str(refused.value)
    assert contents() == site


def test_a_target_that_is_not_empty_is_refused_unless_forced(site, target, tmp_path):
    backup(tmp_path / "backup")
    (target.data_dir / "media" / "reports").mkdir(parents=True)
    (target.data_dir / "media" / "reports" / "earlier.png").write_bytes(PNG)
    (target.data_dir / "registry_key").write_text("an earlier installation's key")
    if target.database_url:
        with psycopg.connect(target.database_url) as scratch:
            scratch.execute("CREATE TABLE earlier_work (id int)")
    else:
        sqlite3.connect(target.data_dir / "fengqiao.sqlite3").execute(
            "CREATE TABLE earlier_work (id int)"
        ).connection.close()

    refused = target.restore(tmp_path / "backup")

    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    for named in ("earlier_work", "registry_key", str(target.data_dir / "media")):
        assert named in refused.stderr
    assert (target.data_dir / "registry_key").read_text() == "an earlier installation's key"

    forced = target.restore(tmp_path / "backup", "--force")

    assert forced.returncode == 0, forced.stderr
    restored = target.contents()
    assert restored.pop("restores_audited") == 1 and site.pop("restores_audited") == 0
    assert restored == site
    (aside,) = target.data_dir.glob("replaced-by-restore-*")
    assert (aside / "registry_key").read_text() == "an earlier installation's key"
    assert (aside / "media" / "reports" / "earlier.png").read_bytes() == PNG


def test_a_backup_never_overwrites_an_existing_dest(site, tmp_path):
    dest = tmp_path / "backup"
    dest.mkdir()
    (dest / "older.txt").write_text("kept")

    with pytest.raises(CommandError, match="already exists"):
        backup(dest)

    assert [path.name for path in dest.iterdir()] == ["older.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backup", "media"]


def test_a_backup_from_another_engine_or_a_newer_fengqiao_is_refused(site, tmp_path):
    backup(tmp_path / "backup")
    manifest_file = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    other = "sqlite" if manifest["engine"] == "postgresql" else "postgresql"
    manifest_file.write_text(json.dumps({**manifest, "engine": other}))

    with pytest.raises(CommandError, match="cross-engine restore"):
        restore_here(tmp_path / "backup")

    newer = {**manifest["migrations"], "disputes": "9999_from_the_future"}
    manifest_file.write_text(json.dumps({**manifest, "migrations": newer}))

    with pytest.raises(CommandError, match="newer Fengqiao"):
        restore_here(tmp_path / "backup")
    assert contents() == site


def test_a_backup_from_an_older_fengqiao_is_restored_and_asks_for_migrate(site, target, tmp_path):
    from django.db.migrations.loader import MigrationLoader

    backup(tmp_path / "backup")
    manifest_file = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    disk = MigrationLoader(None).disk_migrations
    earlier = sorted(name for app, name in disk if app == "disputes")
    older = {**manifest["migrations"], "disputes": earlier[-2]}
    manifest_file.write_text(json.dumps({**manifest, "migrations": older}))

    done = target.restore(tmp_path / "backup")

    assert done.returncode == 0, done.stderr
    assert "fengqiao manage migrate" in done.stderr and "disputes." in done.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL")
def test_without_pg_dump_the_backup_says_so_and_leaves_nothing(site, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    (tmp_path / "backups").mkdir()

    with pytest.raises(CommandError, match="pg_dump not found"):
        backup(tmp_path / "backups" / "tonight")

    assert list((tmp_path / "backups").iterdir()) == []  # no partial directory left behind
