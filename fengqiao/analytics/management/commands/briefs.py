"""``briefs``: produce the weekly and monthly briefs of the police stations now."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fengqiao.analytics import briefs


class Command(BaseCommand):
    help = (
        "生成派出所工作周报、月报（PDF 与 Excel），同一期重复生成即替换 / "
        "produce the stations' weekly and monthly briefs; a rerun replaces the same period's"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--period",
            choices=briefs.KINDS,
            help="week（周报）或 month（月报），默认两种都生成 / week or month; both by default",
        )
        parser.add_argument(
            "--date",
            default="",
            help="YYYY-MM-DD：生成包含这一天的那一周或那个月，默认上一个整周、整月 / "
            "a day inside the period wanted; by default the last whole week and month",
        )
        parser.add_argument(
            "--unit",
            default="",
            help="派出所编码，默认全部派出所 / a station's code; every station by default",
        )

    def handle(self, *args, period: str | None, date: str, unit: str, **options) -> None:
        day = None
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(
                    f"--date: 日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: {date!r}"
                ) from None
        kinds = (period,) if period else briefs.KINDS
        try:
            produced = briefs.produce_all(kinds=kinds, day=day, unit=unit)
        except briefs.BriefError as error:
            raise CommandError(
                "; ".join(
                    f"--{field}: {' '.join(messages)}"
                    for field, messages in error.message_dict.items()
                )
            ) from None
        for brief in produced:
            self.stdout.write(
                f"{brief.unit.code} {brief.unit.name} {brief.period} "
                f"{brief.start.isoformat()}–{brief.end.isoformat()}"
            )
        self.stdout.write(f"已生成 {len(produced)} 份简报 / {len(produced)} briefs produced")
