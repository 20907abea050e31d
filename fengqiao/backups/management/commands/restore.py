"""``fengqiao manage restore SRC``: a backup made by ``backup`` into this (empty) data
directory and database, checked before and after. See docs/backup.md."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.backups.manifest import BackupError
from fengqiao.backups.services import restore_backup


class Command(BaseCommand):
    help = _(
        "把备份恢复到当前（空的）数据目录和数据库 / restore a backup into this (empty) data "
        "directory and database"
    )
    # Checks may touch the database, which must stay as it is until the backup is verified.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("src", type=Path, help=_("备份目录 / the backup directory"))
        parser.add_argument(
            "--registry-key-file",
            type=Path,
            metavar="PATH",
            help=_(
                "登记密钥文件（备份时用 --registry-key-apart 单独保存的那个） / the registry "
                "key file, for a backup made with --registry-key-apart"
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_(
                "目标不空时也恢复：原有文件移到数据目录下的 replaced-by-restore-*，PostgreSQL "
                "的现有表被删除 / restore over existing data (files moved aside, PostgreSQL "
                "tables dropped)"
            ),
        )

    def handle(self, *args, **options) -> None:
        try:
            result = restore_backup(
                source=options["src"],
                registry_key_file=options["registry_key_file"],
                force=options["force"],
                say=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"！！ {warning}"))
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "恢复完成：%(created)s 的备份（枫桥 %(version)s），%(cases)s 件案件，"
                    "加密号码可读 / restore done"
                )
                % {
                    "created": manifest["created_at"],
                    "version": manifest["fengqiao_version"],
                    "cases": manifest["row_counts"].get("disputes.case", 0),
                }
            )
        )
