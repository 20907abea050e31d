"""``fengqiao manage export_columnar``: write the columnar (Parquet) copy of the daily facts
that province-wide tables are read from by DuckDB, replacing the old copy once the new one
is complete. Run it nightly, after ``facts --heal``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from fengqiao.analytics import columnar


class Command(BaseCommand):
    help = "导出每日统计的列式副本（供全省报表使用） / write the columnar copy of the daily facts"

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        copy = columnar.export()
        seconds = time.perf_counter() - started
        made = timezone.localtime(copy.made_at).strftime("%Y-%m-%d %H:%M:%S")
        self.stdout.write(
            f"已导出 {copy.rows} 行，生成于 {made}，用时 {seconds:.1f} 秒：{copy.path} / "
            f"exported {copy.rows} rows, made at {made}, in {seconds:.1f} s: {copy.path}"
        )
