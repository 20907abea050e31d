"""``fengqiao manage import_grids FILE --as USERNAME [--dry-run]``: grids from a GeoJSON file."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.audit.context import origin
from fengqiao.places.grid_import import GridImportError, import_grids


class Command(BaseCommand):
    help = _(
        "从 GeoJSON FeatureCollection 导入网格；全部检查通过才写入 "
        "(import grids from GeoJSON; all or nothing)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("GeoJSON 文件路径 (path to the GeoJSON file)"))
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help=_("以该用户身份导入，检查其权限与管辖范围 (import as this user)"),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("只检查，不写入 (check only, write nothing)"),
        )

    def handle(self, *args, file: str, username: str, dry_run: bool, **options):
        geojson = _read_geojson(Path(file))
        User = get_user_model()
        try:
            actor = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(_("用户不存在 (no such user): %s") % username) from exc
        try:
            with origin(f"command import_grids {Path(file).name}"):
                report = import_grids(geojson=geojson, actor=actor, dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(
                _("用户 %(user)s 没有导入网格的权限 (permission denied): %(why)s")
                % {"user": username, "why": exc}
            ) from exc
        except GridImportError as exc:
            for line in exc.report.lines():
                self.stderr.write(line)
            raise CommandError(
                _("文件有 %(n)d 个问题，未导入 (file has problems, nothing imported)")
                % {"n": len(exc.report.problems)}
            ) from exc
        for line in report.lines():
            self.stdout.write(line)


def _read_geojson(path: Path) -> dict:
    if not path.is_file():
        raise CommandError(_("文件不存在 (file not found): %s") % path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CommandError(_("文件不是 UTF-8 编码 (file is not UTF-8): %s") % path) from exc
    except json.JSONDecodeError as exc:
        raise CommandError(
            _("文件不是有效的 JSON，第 %(line)d 行第 %(col)d 列：%(msg)s (invalid JSON)")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
