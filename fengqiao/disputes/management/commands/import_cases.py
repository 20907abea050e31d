"""``fengqiao manage import_cases FILE --user USERNAME [--commit] [--map MAP.json]``.

Checks a people's-mediation system's case file (a dry run, by default) and prints every
bad row, the mapping of its categories, results, sources, difficulty levels, organisations
and places to ours, and what an import would do; with ``--commit`` imports it all or
nothing, as the named user (their permissions and jurisdiction apply). ``--map`` reads the
user's mapping (JSON: dimension → value → our code); ``--write-map`` writes the mapping
found, to edit and pass back. ``--template OUT.xlsx`` writes the template instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.audit.context import origin
from fengqiao.disputes.imports import LAYOUTS, MEDIATION_18, import_cases
from fengqiao.disputes.imports.template import case_template

PROGRESS_EVERY = 5000


class Command(BaseCommand):
    help = "检查或导入人民调解系统案件（Excel/CSV）/ check or import a mediation case file"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="要导入的 .xlsx 或 .csv 文件 / the file")
        parser.add_argument("--user", help="以哪个用户的身份导入 / acting user")
        parser.add_argument(
            "--commit", action="store_true", help="检查通过后写入；不加只检查 / write"
        )
        parser.add_argument("--map", help="对照表 JSON 文件 / mapping file (JSON)")
        parser.add_argument("--write-map", help="把对照表写到这个 JSON 文件 / write the mapping")
        parser.add_argument(
            "--exclude-unresolved",
            action="store_true",
            help="跳过无法确定网格的行（列出）/ leave out rows whose place is unresolved",
        )
        parser.add_argument(
            "--layout", default=MEDIATION_18.code, help=f"文件格式 / layout: {', '.join(LAYOUTS)}"
        )
        parser.add_argument("--template", help="写出导入模板 .xlsx / write the template")

    def handle(self, *args, **options) -> None:
        if options["template"]:
            if options["layout"] not in LAYOUTS:
                raise CommandError(f"未知的文件格式 / unknown layout: {options['layout']!r}")
            Path(options["template"]).write_bytes(case_template(options["layout"]))
            self.stdout.write(f"已写出模板 / template written: {options['template']}")
            return
        path = Path(options["file"] or "")
        # A GB/T 31000 exchange file's CSVs come as a .zip of two.
        if not options["file"] or path.suffix.lower() not in (".xlsx", ".csv", ".zip"):
            raise CommandError(
                f"只能导入 .xlsx、.csv 或 .zip 文件 / only .xlsx, .csv or .zip: {path}"
            )
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}")
        user = get_user_model().objects.filter(username=options["user"] or "").first()
        if user is None or not user.is_active:
            raise CommandError(f"没有这个用户 / no such active user: {options['user']!r}")
        overrides = self._read_map(options["map"])
        with path.open("rb") as file_obj, origin(f"command:import_cases {path.name}"):
            try:
                report = import_cases(
                    actor=user,
                    file_obj=file_obj,
                    filename=path.name,
                    commit=options["commit"],
                    layout=options["layout"],
                    mapping=overrides,
                    exclude_unresolved=options["exclude_unresolved"],
                    progress=self._progress,
                )
            except PermissionDenied as error:
                raise CommandError(f"{error} / permission denied") from error
            except ValidationError as error:
                raise CommandError("；".join(error.messages)) from error
        self._mapping(report, options["write_map"])
        self._summary(report, commit=options["commit"])

    def _read_map(self, name: str | None) -> dict | None:
        if not name:
            return None
        try:
            return json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"无法读取对照表 / cannot read the mapping: {error}") from error

    def _progress(self, done: int, total: int | None) -> None:
        if done % PROGRESS_EVERY and done != total:
            return
        of = f" / {total}" if total else ""
        self.stderr.write(f"已处理 / processed {done}{of} 行 rows")

    def _mapping(self, report, write_to: str | None) -> None:
        self.stdout.write("对照表 / mapping:")
        for dimension, rows in report.mapping.items():
            for row in rows:
                choice = row["choice"] or "（未指定 / none）"
                self.stdout.write(
                    f"  {dimension}: {row['value'] or '（空）'} ×{row['count']} → {choice}"
                )
        if write_to:
            table = {
                dimension: {row["value"]: row["choice"] for row in rows}
                for dimension, rows in report.mapping.items()
            }
            Path(write_to).write_text(json.dumps(table, ensure_ascii=False, indent=1), "utf-8")
            self.stdout.write(f"已写出对照表 / mapping written: {write_to}")

    def _summary(self, report, *, commit: bool) -> None:
        for row, message in report.excluded:
            self.stdout.write(f"排除 / excluded: 第 {row} 行 {message}")
        if not report.ok:
            for line in report.lines():
                self.stdout.write(line)
            raise CommandError(
                f"{report.error_count} 个问题，未导入任何内容 / "
                f"{report.error_count} problems, nothing imported"
            )
        counts = ", ".join(f"{key} {n}" for key, n in report.counts.items())
        if commit:
            done = ", ".join(f"{key} {n}" for key, n in report.created.items())
            self.stdout.write(f"已导入 / imported {report.rows} 行 rows: {done} ({counts})")
        else:
            self.stdout.write(
                f"检查通过 / check passed: {report.rows} 行 rows ({counts})；"
                "加 --commit 写入 / add --commit to import"
            )
