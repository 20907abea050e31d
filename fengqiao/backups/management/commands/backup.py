"""``fengqiao manage backup DEST``: the database, uploaded photos and keys, into a new
directory DEST with a manifest of checksums. See docs/backup.md."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.backups.manifest import BackupError
from fengqiao.backups.services import make_backup


class Command(BaseCommand):
    help = _(
        "备份数据库、上传的照片和密钥到一个新目录 DEST / back up the database, uploaded "
        "photos and keys into a new directory DEST"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dest", type=Path, help=_("新的备份目录（不能已存在） / new directory"))
        parser.add_argument(
            "--registry-key-apart",
            type=Path,
            metavar="PATH",
            help=_(
                "把登记密钥写到这个新文件（放在另一个介质上），而不是放进备份 / write the "
                "registry key to this new file (on another medium) instead of into the backup"
            ),
        )

    def handle(self, *args, **options) -> None:
        try:
            result = make_backup(
                dest=options["dest"],
                registry_key_apart=options["registry_key_apart"],
                say=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"！！ {warning}"))
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(path)s（%(files)d 个文件，%(cases)s 件案件） / backup written")
                % {
                    "path": result.path,
                    "files": len(manifest["files"]),
                    "cases": manifest["row_counts"].get("disputes.case", 0),
                }
            )
        )
