"""``fengqiao manage prune_audit --before YYYY-MM-DD``: remove audit events older than a date.

Refuses a date within the last six months. Leaves an anchor so ``verify_audit`` still
verifies the chain from the cut onwards.
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.audit.retention import RetentionError, prune_before


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(_("日期格式应为 YYYY-MM-DD：%s") % value) from error


class Command(BaseCommand):
    help = _("清理早于某日的审计日志，至少保留六个月 (prune audit events older than a date)")

    def add_arguments(self, parser):
        parser.add_argument(
            "--before",
            required=True,
            type=_date,
            help=_("删除此日期（当地零点）之前的事件，YYYY-MM-DD (remove events before this date)"),
        )

    def handle(self, *args, before: dt.date, **options) -> None:
        try:
            anchor = prune_before(before=before)
        except RetentionError as error:
            raise CommandError(str(error)) from error
        if anchor is None:
            self.stdout.write(_("没有早于 %s 的审计事件 (nothing to prune)") % before.isoformat())
            return
        self.stdout.write(
            _("已清理 %(count)s 条审计事件，截至第 %(id)s 条，锚点哈希 %(hash)s (pruned)")
            % {"count": anchor.pruned, "id": anchor.last_event_id, "hash": anchor.last_hash}
        )
