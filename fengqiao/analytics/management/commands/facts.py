"""``fengqiao manage facts --rebuild [--from DATE] [--to DATE]``: recompute the daily facts
from the records (every day, or the days from/to), replacing what was there. The facts
follow the work as it happens; this heals whatever a missed signal or a bulk load left."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.analytics import facts
from fengqiao.analytics.indicators import parse_day


class Command(BaseCommand):
    help = "重算每日统计 / rebuild the daily facts from the records"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="从记录重算 / recompute from the records"
        )
        parser.add_argument(
            "--heal",
            action="store_true",
            help="重算最近两天及其后有变动的旧案件（每晚） / the nightly healing of recent days",
        )
        parser.add_argument(
            "--from", dest="start", default=None, help="起始日期 YYYY-MM-DD / first day"
        )
        parser.add_argument("--to", dest="end", default=None, help="截止日期 YYYY-MM-DD / last day")

    def handle(self, *args, **options) -> None:
        if options["heal"]:
            if options["rebuild"] or options["start"] or options["end"]:
                raise CommandError("--heal：不与 --rebuild、--from、--to 同用 / --heal alone")
            self.stdout.write(f"已修复 / healed: {facts.heal_recent()}")
            return
        if not options["rebuild"]:
            raise CommandError(
                "--rebuild：请说明要重算（或 --heal） / say --rebuild (or --heal) to recompute"
            )
        days = {}
        for name, option in (("start", "--from"), ("end", "--to")):
            try:
                days[name] = parse_day(options[name]) if options[name] else None
            except ValidationError as error:
                raise CommandError(f"{option}：{error.messages[0]}") from None
        if days["start"] and days["end"] and days["start"] > days["end"]:
            raise CommandError("--to：截止日期不能早于起始日期 / --to is before --from")
        rows = facts.rebuild(start=days["start"], end=days["end"])
        span = f"{days['start'] or '…'} — {days['end'] or '…'}"
        self.stdout.write(f"已重算 {span}：{rows} 行 / rebuilt {span}: {rows} rows")
