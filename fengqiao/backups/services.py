"""Making a backup of this installation and restoring one into an empty installation.

``make_backup`` and ``restore_backup`` are what the ``backup`` and ``restore`` commands run.
Each checks everything it can before it writes, writes a backup under a temporary name that
becomes the real one only when complete, and records one audit event.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fengqiao import sealing
from fengqiao.audit import services as audit
from fengqiao.audit.context import current_origin
from fengqiao.backups import databases
from fengqiao.backups.manifest import (
    DATABASE_FILES,
    ENGINE_NAMES,
    FORMAT,
    MEDIA_DIR,
    REGISTRY_KEY_FILE,
    SECRET_KEY_FILE,
    BackupError,
    copy_hashed,
    read_manifest,
    sha256_of,
    verify_files,
    write_manifest,
)

Say = Callable[[str], None]


def _quiet(line: str) -> None:
    pass


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    migrate_needed: list[str] = field(default_factory=list)
    moved_aside: Path | None = None
    warnings: list[str] = field(default_factory=list)


def fengqiao_version() -> str:
    try:
        return importlib.metadata.version("fengqiao")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --- backup -----------------------------------------------------------------------------


def make_backup(
    *, dest: Path, registry_key_apart: Path | None = None, say: Say = _quiet
) -> BackupResult:
    """Write a complete backup of this installation to the new directory ``dest``.

    The database is copied consistently while the site serves; then the uploaded photos
    (after the database, so every photo the copy names is there); then the registry key,
    into the backup, or to ``registry_key_apart`` (a new file, for another medium) instead;
    then the secret key when it lives in the data directory; last ``manifest.json`` with the
    SHA-256 of every file. Nothing is left at ``dest`` (or ``registry_key_apart``) unless
    all of it was written. Returns the manifest and the warnings to show loudly.
    """
    dest = Path(os.path.abspath(dest))
    _check_destination(dest)
    master, key_source = _configured_key()
    if registry_key_apart is not None:
        registry_key_apart = Path(os.path.abspath(registry_key_apart))
        _check_key_apart(registry_key_apart, dest, master)
    engine = databases.engine()
    partial = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    wrote_apart = False
    try:
        files: dict[str, str] = {}
        database_file = DATABASE_FILES[engine]
        say(_("[1/4] 数据库（%(engine)s）… / database") % {"engine": ENGINE_NAMES[engine]})
        facts = databases.dump(partial / database_file)
        files[database_file] = sha256_of(partial / database_file)
        say(_("[2/4] 上传的照片… / uploaded photos"))
        files.update(_copy_media(Path(settings.MEDIA_ROOT), partial / MEDIA_DIR))
        say(_("[3/4] 密钥… / keys"))
        key_entry, warnings = _store_key(master, key_source, partial, registry_key_apart)
        wrote_apart = key_entry["where"] == "apart"
        if key_entry["where"] == "backup":
            files[REGISTRY_KEY_FILE] = sha256_of(partial / REGISTRY_KEY_FILE)
        secret_file = Path(settings.DATA_DIR) / SECRET_KEY_FILE
        secret_included = not os.environ.get("FENGQIAO_SECRET_KEY") and secret_file.is_file()
        if secret_included:
            files[SECRET_KEY_FILE] = copy_hashed(secret_file, partial / SECRET_KEY_FILE)
        say(_("[4/4] 清单 manifest.json… / manifest"))
        manifest = {
            "format": FORMAT,
            "fengqiao_version": fengqiao_version(),
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "engine": engine,
            "database_file": database_file,
            "migrations": facts.migrations,
            "row_counts": facts.row_counts,
            "registry_key": key_entry,
            "secret_key_included": secret_included,
            "files": files,
        }
        write_manifest(partial, manifest)
        _owner_only(partial)
        if dest.exists():  # made meanwhile: os.rename would replace an empty directory
            raise BackupError(_destination_exists(dest))
        os.rename(partial, dest)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if wrote_apart and registry_key_apart is not None:
            registry_key_apart.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BackupError(_disk_problem(error)) from error
        if isinstance(error, DatabaseError):
            raise BackupError(_database_problem(error)) from error
        raise
    audit.record(
        actor=None,
        action="backups.backup_made",
        changes={
            "dest": str(dest),
            "engine": engine,
            "registry_key": key_entry["where"],
            "registry_key_apart": key_entry["apart_path"],
            "row_counts": facts.row_counts,
        },
        origin=current_origin() or "command backup",
    )
    return BackupResult(path=dest, manifest=manifest, warnings=warnings)


def _check_destination(dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        raise BackupError(_destination_exists(dest))
    parent = dest.parent
    if not parent.is_dir():
        raise BackupError(
            _("备份位置的上级目录 %(parent)s 不存在 / DEST's parent directory does not exist")
            % {"parent": parent}
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackupError(
            _("不能写入 %(parent)s（没有写权限） / DEST is not writable: %(parent)s")
            % {"parent": parent}
        )


def _destination_exists(dest: Path) -> str:
    return _(
        "%(dest)s 已存在，备份不会覆盖它：请换一个新的目录名 / "
        "DEST already exists and is never overwritten: name a new directory"
    ) % {"dest": dest}


def _configured_key() -> tuple[bytes | None, str]:
    try:
        return sealing.configured_master_key()
    except ValueError as error:
        raise BackupError(
            _(
                "登记密钥（FENGQIAO_REGISTRY_KEY 或数据目录下的 registry_key）无法读取：%(error)s"
                " / the registry key cannot be read"
            )
            % {"error": error}
        ) from None


def _check_key_apart(path: Path, dest: Path, master: bytes | None) -> None:
    if master is None:
        raise BackupError(
            _(
                "还没有登记密钥（尚未加密过任何号码），--registry-key-apart 无可保存 / "
                "there is no registry key yet: nothing to keep apart"
            )
        )
    if path.exists() or path.is_symlink():
        raise BackupError(
            _(
                "--registry-key-apart：%(path)s 已存在，不会覆盖一把密钥 / "
                "%(path)s exists: a key is never overwritten"
            )
            % {"path": path}
        )
    if path.is_relative_to(dest):
        raise BackupError(
            _(
                "--registry-key-apart 必须放在备份之外（最好是另一个介质） / "
                "the key kept apart must be outside the backup"
            )
        )
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
        raise BackupError(
            _("--registry-key-apart：不能写入目录 %(parent)s / cannot write to %(parent)s")
            % {"parent": path.parent}
        )


def _store_key(
    master: bytes | None, source: str, partial: Path, apart: Path | None
) -> tuple[dict, list[str]]:
    """Write the registry key where it goes; the manifest's entry for it, and the warnings."""
    fingerprint = sealing.key_fingerprint(master) if master else ""
    entry = {"where": "none", "fingerprint": fingerprint, "apart_path": ""}
    if master is None:
        return entry, []
    if apart is not None:
        _write_key(apart, master)
        entry.update(where="apart", apart_path=str(apart))
        return entry, [
            _(
                "登记密钥不在这个备份里，已单独保存到 %(path)s（指纹 %(fp)s）。没有它，备份中所有"
                "加密的身份证号和电话都无法读取：请把它存放在与备份不同的介质上，妥善保管。 / "
                "The registry key is NOT in this backup: it was written to %(path)s. Without "
                "it every sealed ID number and phone in the backup is lost. Keep it on another "
                "medium than the backup."
            )
            % {"path": apart, "fp": fingerprint}
        ]
    if source == "environment":
        entry["where"] = "environment"
        return entry, [
            _(
                "登记密钥来自环境变量 FENGQIAO_REGISTRY_KEY，不在这个备份里（指纹 %(fp)s）。恢复时"
                "必须提供同一个值，否则所有加密的身份证号和电话都无法读取。 / The registry key "
                "comes from FENGQIAO_REGISTRY_KEY and is NOT in this backup: keep that value, a "
                "restore needs it."
            )
            % {"fp": fingerprint}
        ]
    _write_key(partial / REGISTRY_KEY_FILE, master)
    entry["where"] = "backup"
    return entry, [
        _(
            "这个备份包含登记密钥：拿到备份的人可以读出所有身份证号和电话。请像保管原件一样保管"
            "备份，或改用 --registry-key-apart 把密钥单独存放。 / This backup holds the registry "
            "key: whoever has the backup can read every sealed number. Guard it, or keep the "
            "key apart with --registry-key-apart."
        )
    ]


def _write_key(path: Path, master: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as key_file:
        key_file.write(sealing.format_master_key(master) + "\n")


def _copy_media(media_root: Path, target: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    target.mkdir()
    if not media_root.is_dir():
        return files
    for path in sorted(media_root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(media_root)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        files[f"{MEDIA_DIR}/{relative.as_posix()}"] = copy_hashed(path, target / relative)
    return files


def _owner_only(folder: Path) -> None:
    """Only the owner may read what a backup holds (the registry key opens every sealed
    number): each file 0600 and each folder 0700, since a copy (cp -a, rsync -a, tar)
    keeps every file's own mode whatever its parent's was."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def _database_problem(error: DatabaseError) -> str:
    return _(
        "无法读取数据库：%(error)s。请检查 DATABASE_URL 和数据库服务器；没有留下不完整的备份 / "
        "cannot read the database: check DATABASE_URL and the database server; no partial "
        "backup was left"
    ) % {"error": error}


def _disk_problem(error: OSError) -> str:
    return _(
        "写入备份失败：%(error)s（磁盘已满或不可写？）。没有留下不完整的备份 / "
        "writing the backup failed (disk full or not writable?); no partial backup was left"
    ) % {"error": error.strerror or error}


# --- restore ----------------------------------------------------------------------------


def restore_backup(
    *,
    source: Path,
    registry_key_file: Path | None = None,
    force: bool = False,
    say: Say = _quiet,
) -> RestoreResult:
    """Restore the backup in ``source`` into the configured data directory and database.

    Before writing anything: every file's checksum, the engine (no cross-engine restore),
    that the backup is not from a newer Fengqiao, that the registry key (from the backup,
    ``registry_key_file`` or FENGQIAO_REGISTRY_KEY) is the backup's, and that the target is
    empty; with ``force`` what is there is moved aside (SQLite, files) or dropped
    (PostgreSQL schema). After: the row counts equal the manifest's and a sealed number
    opens with the key. Returns the apps that still need ``migrate`` (an older backup).
    """
    source = Path(os.path.abspath(source))
    manifest = read_manifest(source)
    say(_("校验 %(count)d 个文件… / verifying checksums") % {"count": len(manifest["files"])})
    verify_files(source, manifest)
    _check_engine(manifest)
    migrate_needed = _check_migrations(manifest)
    master = _key_for_restore(source, manifest, registry_key_file)
    result = RestoreResult(manifest=manifest, migrate_needed=migrate_needed)
    there = _what_is_there()
    if there and not force:
        raise BackupError(
            _(
                "目标不是空的，不会覆盖（确需替换请加 --force）。 / The target is not empty: "
                "restore refuses unless --force. %(there)s"
            )
            % {"there": "；".join(there)}
        )
    if there:
        result.moved_aside = _clear_target()
        say(_("已移走原有内容：%(path)s / moved aside") % {"path": result.moved_aside})
    say(_("恢复数据库… / restoring the database"))
    databases.restore(source / manifest["database_file"])
    say(_("恢复照片… / restoring photos"))
    _restore_media(source / MEDIA_DIR, Path(settings.MEDIA_ROOT))
    _restore_keys(source, manifest, master)
    say(_("检查恢复结果… / checking the restored data"))
    _check_restored(manifest, master)
    if migrate_needed:
        result.warnings.append(
            _(
                "这个备份来自较早的枫桥版本：请运行 fengqiao manage migrate 后再启动（%(apps)s）。"
                "恢复的审计记录在迁移前无法写入。 / This backup is from an older Fengqiao: run "
                "`fengqiao manage migrate` before serving; no audit entry was written."
            )
            % {"apps": ", ".join(migrate_needed)}
        )
    else:
        audit.record(
            actor=None,
            action="backups.restored",
            changes={
                "source": str(source),
                "backup_created_at": manifest["created_at"],
                "fengqiao_version": manifest["fengqiao_version"],
                "row_counts": manifest["row_counts"],
            },
            origin=current_origin() or "command restore",
        )
    return result


def _check_engine(manifest: dict) -> None:
    ours = databases.engine()
    theirs = manifest.get("engine")
    if theirs != ours:
        raise BackupError(
            _(
                "这个备份来自 %(theirs)s，当前配置的是 %(ours)s：不支持跨数据库恢复。请在 "
                "%(theirs)s 上恢复 / cross-engine restore (%(theirs)s backup into %(ours)s) "
                "is not supported"
            )
            % {"theirs": ENGINE_NAMES.get(theirs, theirs), "ours": ENGINE_NAMES[ours]}
        )


def _check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup from a newer Fengqiao; the apps an older one leaves behind."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    # An app this code has no migrations for at all is not ours (a plugin since removed):
    # its tables come back and are left alone, as check_upgrade leaves them.
    newer = sorted(
        f"{app}.{name}"
        for app, name in manifest["migrations"].items()
        if app in loader.migrated_apps and (app, name) not in known
    )
    if newer:
        raise BackupError(
            _(
                "这个备份来自更新版本的枫桥（%(version)s），本程序不认识它的迁移 %(names)s：请先"
                "升级枫桥再恢复 / this backup is from a newer Fengqiao (%(version)s): "
                "upgrade this installation first"
            )
            % {"version": manifest.get("fengqiao_version"), "names": ", ".join(newer[:5])}
        )
    return sorted(
        f"{app}.{name}"
        for app, name in loader.graph.leaf_nodes()
        if manifest["migrations"].get(app) != name
    )


def _key_for_restore(source: Path, manifest: dict, given: Path | None) -> bytes | None:
    """The registry key the restored data needs, checked against the backup's fingerprint."""
    entry = manifest.get("registry_key") or {}
    expected = entry.get("fingerprint", "")
    environment = os.environ.get(sealing.KEY_ENVIRONMENT)
    if given is not None:
        master, where = _read_key(given), str(given)
    elif (source / REGISTRY_KEY_FILE).is_file():
        master, where = _read_key(source / REGISTRY_KEY_FILE), str(source / REGISTRY_KEY_FILE)
    elif environment:
        master, where = _parse_key(environment, sealing.KEY_ENVIRONMENT), sealing.KEY_ENVIRONMENT
    elif expected:
        raise BackupError(_missing_key(entry))
    else:
        return None  # nothing was ever sealed when the backup was made
    if expected and sealing.key_fingerprint(master) != expected:
        zh, en = _key_hint(entry)
        raise BackupError(
            _(
                "登记密钥不对：%(where)s 的指纹是 %(got)s，这个备份需要指纹 %(expected)s 的密钥。"
                "%(zh)s / Wrong registry key: %(where)s has fingerprint %(got)s, this backup "
                "needs the key with fingerprint %(expected)s. %(en)s"
            )
            % {
                "where": where,
                "got": sealing.key_fingerprint(master),
                "expected": expected,
                "zh": zh,
                "en": en,
            }
        )
    if environment and _parse_key(environment, sealing.KEY_ENVIRONMENT) != master:
        raise BackupError(
            _(
                "环境变量 FENGQIAO_REGISTRY_KEY 与这个备份的登记密钥不同：恢复后将无法读取加密"
                "号码。请去掉它或设为备份的密钥 / FENGQIAO_REGISTRY_KEY is set to another key than "
                "this backup's: unset it or set it to the backup's key"
            )
        )
    return master


def _missing_key(entry: dict) -> str:
    zh, en = _key_hint(entry)
    return _(
        "这个备份不含登记密钥（指纹 %(fp)s），没有它所有加密的身份证号和电话都无法读取。%(zh)s"
        "请用 --registry-key-file 指定密钥文件。 / This backup does not hold the registry key "
        "(fingerprint %(fp)s): without it no sealed number can be read. %(en)s Give it with "
        "--registry-key-file PATH."
    ) % {"zh": zh, "en": en, "fp": entry.get("fingerprint", "")}


def _key_hint(entry: dict) -> tuple[str, str]:
    """Where the backup's key went: the hint in the active language, and its English for the
    bilingual message's English half ("" when that would repeat it: the language is English
    already, or where the key went is not known)."""
    if entry.get("where") == "apart":
        path = entry.get("apart_path")
        hint = _("备份时密钥被单独保存到 %(path)s（--registry-key-apart）。") % {"path": path}
        english = f"It was kept apart at {path} (--registry-key-apart)."
    elif entry.get("where") == "environment":
        hint = _("备份时密钥来自环境变量 FENGQIAO_REGISTRY_KEY。")
        english = "It came from FENGQIAO_REGISTRY_KEY."
    else:
        return "", ""
    return hint, (english if (get_language() or "").startswith("zh") else "")


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise BackupError(
            _("无法读取密钥文件 %(path)s：%(error)s / cannot read the key file")
            % {"path": path, "error": getattr(error, "strerror", None) or error}
        ) from None
    return _parse_key(text, str(path))


def _parse_key(text: str, where: str) -> bytes:
    try:
        return sealing.parse_master_key(text)
    except ValueError:
        raise BackupError(
            _("%(where)s 不是枫桥登记密钥（应为 32 字节的 base64） / not a Fengqiao registry key")
            % {"where": where}
        ) from None


def _what_is_there() -> list[str]:
    """What the target already holds, in words. The secret key and static/ are made at every
    start and do not count."""
    data_dir = Path(settings.DATA_DIR)
    there = []
    database = databases.contents()
    if database:
        there.append(database)
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(path.is_file() for path in media.rglob("*")):
        there.append(f"{media} (files)")
    for name in (REGISTRY_KEY_FILE, "columnar"):
        if (data_dir / name).exists():
            there.append(str(data_dir / name))
    return there


def _clear_target() -> Path:
    data_dir = Path(settings.DATA_DIR)
    aside = data_dir / f"replaced-by-restore-{dt.datetime.now():%Y%m%d-%H%M%S}"
    databases.clear(aside)
    for path in (Path(settings.MEDIA_ROOT), data_dir / REGISTRY_KEY_FILE, data_dir / "columnar"):
        if path.exists():
            aside.mkdir(parents=True, exist_ok=True)
            shutil.move(path, aside / path.name)
    return aside


def _restore_media(source: Path, media_root: Path) -> None:
    staging = media_root.with_name(media_root.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, staging)
    else:
        staging.mkdir(parents=True)
    if media_root.is_dir():
        shutil.rmtree(media_root)  # no file in it: _what_is_there looked, or it was moved aside
    os.replace(staging, media_root)


def _restore_keys(source: Path, manifest: dict, master: bytes | None) -> None:
    data_dir = Path(settings.DATA_DIR)
    if master is not None and not os.environ.get(sealing.KEY_ENVIRONMENT):
        _replace_file(data_dir / REGISTRY_KEY_FILE, sealing.format_master_key(master) + "\n")
    if manifest.get("secret_key_included") and not os.environ.get("FENGQIAO_SECRET_KEY"):
        text = (source / SECRET_KEY_FILE).read_text(encoding="ascii")
        _replace_file(data_dir / SECRET_KEY_FILE, text)


def _replace_file(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".restoring")
    partial.unlink(missing_ok=True)
    _write_text_private(partial, text)
    os.replace(partial, path)


def _write_text_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as written:
        written.write(text)


def _check_restored(manifest: dict, master: bytes | None) -> None:
    restored = databases.live_facts().row_counts
    differ = {
        label: (count, restored.get(label))
        for label, count in manifest["row_counts"].items()
        if restored.get(label) != count
    }
    if differ:
        raise BackupError(
            _("恢复后的行数与备份清单不符：%(differ)s / restored row counts differ from manifest")
            % {"differ": differ}
        )
    token = _a_sealed_value()
    if not token:
        return
    if master is None:
        raise BackupError(_missing_key(manifest.get("registry_key") or {}))
    try:
        sealing.unseal_with(master, token)
    except (InvalidTag, ValueError):
        zh, en = _key_hint(manifest.get("registry_key") or {})
        raise BackupError(
            _(
                "恢复的数据里的加密号码无法用这把登记密钥打开：需要加密它们的那把密钥。%(zh)s / "
                "The sealed numbers do not open with this registry key: the key that sealed "
                "them is needed. %(en)s"
            )
            % {"zh": zh, "en": en}
        ) from None


def _a_sealed_value() -> str:
    """One sealed number from the restored data ("" when nothing is sealed)."""
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if not model_field.name.endswith("_sealed"):
                continue
            try:
                value = (
                    model._base_manager.exclude(**{model_field.name: ""})
                    .values_list(model_field.name, flat=True)
                    .first()
                )
            except DatabaseError:  # an older backup's table may lack the column
                continue
            if value:
                return value
    return ""
