"""``fengqiao manage import_registry --kind residents --user USERNAME FILE [--commit]``.

Checks the file (a dry run, by default) or, with ``--commit``, imports it all or nothing,
as the named user (their permissions and jurisdiction apply). Prints progress every few
thousand rows and exits non-zero with every bad row listed when the file has problems.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from fengqiao.audit.context import origin
from fengqiao.registry import imports

PROGRESS_EVERY = 5000


class Command(BaseCommand):
    help = "检查或导入一标三实名单（Excel/CSV）/ check or import a registry file"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件 / the file to import")
        parser.add_argument(
            "--kind", required=True, help=f"导入类型 / kind: {', '.join(imports.KINDS)}"
        )
        parser.add_argument("--user", required=True, help="以哪个用户的身份导入 / acting user")
        parser.add_argument(
            "--commit",
            action="store_true",
            help="检查通过后写入；不加只检查 / write (default: dry run)",
        )

    def handle(self, *args, **options) -> None:
        kind, path = options["kind"], Path(options["file"])
        if kind not in imports.KINDS:
            raise CommandError(
                f"未知的导入类型 / unknown kind: {kind!r}（可选 / one of: "
                f"{', '.join(imports.KINDS)}）"
            )
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(f"只能导入 .xlsx 或 .csv 文件 / only .xlsx or .csv: {path}")
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.is_active:
            raise CommandError(f"没有这个用户 / no such active user: {options['user']!r}")
        with path.open("rb") as file_obj, origin(f"command:import_registry {path.name}"):
            try:
                report = imports.run_import(
                    actor=user,
                    kind=kind,
                    file_obj=file_obj,
                    filename=path.name,
                    commit=options["commit"],
                    progress=self._progress,
                )
            except PermissionDenied as error:
                raise CommandError(f"{error} / permission denied") from error
        self._summary(report, commit=options["commit"])

    def _progress(self, done: int, total: int | None) -> None:
        if done % PROGRESS_EVERY and done != total:
            return
        of = f" / {total}" if total else ""
        self.stderr.write(f"已处理 / processed {done}{of} 行 rows")

    def _summary(self, report: imports.ImportReport, *, commit: bool) -> None:
        if not report.ok:
            for line in report.lines():
                self.stdout.write(line)
            raise CommandError(
                f"{report.error_count} 个问题，未导入任何内容 / "
                f"{report.error_count} problems, nothing imported"
            )
        counts = ", ".join(f"{key} {n}" for key, n in (report.created or report.counts).items())
        skipped = f"；已存在跳过 / existing, skipped: {report.skipped}" if report.skipped else ""
        if commit:
            self.stdout.write(f"已导入 / imported {report.rows} 行 rows: {counts}{skipped}")
        else:
            self.stdout.write(
                f"检查通过 / check passed: {report.rows} 行 rows ({counts}){skipped}；"
                "加 --commit 写入 / add --commit to import"
            )
