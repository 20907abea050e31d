"""``detect_flags``: look for the patterns an inspector would want to see, write new flags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.analytics import flags
from fengqiao.analytics.indicators import Period


class Command(BaseCommand):
    help = (
        "查找可能虚报数据的异常线索（数分钟结案、突击回访、记录雷同、集中好评、倒签时间），"
        "重复运行不会重复记录 / look for records that may game the figures and write new "
        "flags; reruns never write one twice"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--from",
            dest="start",
            default="",
            help=f"YYYY-MM-DD，默认 {flags.DEFAULT_DAYS} 天前 / first day, by default "
            f"{flags.DEFAULT_DAYS} days ago",
        )
        parser.add_argument(
            "--to", dest="end", default="", help="YYYY-MM-DD，默认今天 / last day, today by default"
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=list(flags.DETECTORS),
            help="只运行这一类（可重复）/ only this kind (repeatable)",
        )

    def handle(self, *args, start: str, end: str, kind: list[str] | None, **options) -> None:
        first, last = flags.default_range()
        try:
            period = Period.parse(start or first.isoformat(), end or last.isoformat())
        except ValidationError as error:
            raise CommandError(
                "; ".join(
                    f"--{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
            ) from None
        added = flags.detect(period.start, period.end, kinds=kind)
        for name, count in added.items():
            self.stdout.write(f"{name}: {count}")
        total = sum(added.values())
        self.stdout.write(f"新增 {total} 条异常线索 / {total} new flags")
