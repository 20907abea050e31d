"""A backup's ``manifest.json``: what the backup holds, and the checks a restore makes on it.

A backup is a directory:

    manifest.json         this file's contents (below)
    database.sqlite3      the SQLite database (online backup API), or
    database.pgdump       the PostgreSQL database (pg_dump custom format, -Fc)
    media/...             uploaded photos, as under the data directory's media/
    registry_key          the key that seals ID numbers and phones (unless kept apart)
    secret_key            the signing key, when it came from the data directory
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST_NAME = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA_DIR = "media"
REGISTRY_KEY_FILE = "registry_key"
SECRET_KEY_FILE = "secret_key"

# The tables whose rows a manifest counts and a restore counts again: the people, places and
# records a site would miss first. Counting every table would cost minutes on a large site.
COUNTED_MODELS = (
    "auth.user",
    "places.region",
    "org.person",
    "registry.resident",
    "registry.house",
    "intake.report",
    "intake.reportphoto",
    "disputes.case",
    "disputes.caseevent",
    "disputes.party",
    "community.message",
    "dispatch.incident",
    "services.application",
    "audit.auditevent",
)

_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do, in
    Chinese and English."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` (a new file) and return the SHA-256 of what was written."""
    digest = hashlib.sha256()
    with source.open("rb") as reading, target.open("xb") as writing:
        while chunk := reading.read(_CHUNK):
            digest.update(chunk)
            writing.write(chunk)
    return digest.hexdigest()


def last_migrations(applied: list[tuple[str, str]]) -> dict[str, str]:
    """The newest applied migration of each app, from ``django_migrations`` rows."""
    last: dict[str, str] = {}
    for app, name in applied:
        if name > last.get(app, ""):
            last[app] = name
    return dict(sorted(last.items()))


def write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
    (folder / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> dict:
    """The manifest of the backup in ``folder``; BackupError when there is none we can read."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise BackupError(
            _("找不到备份目录：%(path)s / no backup directory at %(path)s") % {"path": folder}
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            _("%(path)s 不是枫桥备份：缺少 manifest.json / not a Fengqiao backup: no manifest.json")
            % {"path": folder}
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            _("备份清单 manifest.json 已损坏（%(error)s） / manifest.json is damaged: %(error)s")
            % {"error": error}
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("不认识的备份格式 %(format)r（本版本读取格式 %(ours)d） / unknown backup format")
            % {
                "format": manifest.get("format") if isinstance(manifest, dict) else None,
                "ours": FORMAT,
            }
        )
    return manifest


def verify_files(folder: Path, manifest: dict) -> int:
    """Check every file against its SHA-256 in the manifest, and that no file was added.

    Returns how many files were checked; raises BackupError naming the first one that is
    missing, changed or unexpected, before anything is restored.
    """
    listed: dict[str, str] = manifest.get("files") or {}
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not _inside(folder, path) or not path.is_file():
            raise BackupError(
                _("备份不完整：缺少文件 %(name)s / the backup is incomplete: %(name)s is missing")
                % {"name": name}
            )
        if sha256_of(path) != expected:
            raise BackupError(
                _(
                    "校验失败：%(name)s 与备份时不同（文件损坏或被改动），不能恢复 / "
                    "checksum mismatch: %(name)s differs from when it was backed up"
                )
                % {"name": name}
            )
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        # A link is never part of a backup (backup copies no link): one to a folder is not
        # entered by this walk, yet restoring media/ would copy what it points to.
        unexpected = path.is_symlink() or (path.is_file() and name not in listed)
        if unexpected and name != MANIFEST_NAME:
            raise BackupError(
                _(
                    "备份里多出清单上没有的文件 %(name)s（被改动过？），不能恢复 / "
                    "%(name)s is not in the manifest: the backup was changed"
                )
                % {"name": name}
            )
    return len(listed)


def _inside(folder: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
