"""``fengqiao manage export_triage_feedback [--since DATE] [--output FILE]``: corrections of
triage as corpus lines (``fengqiao/triage/data/GUIDE.md``), for review before they join it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.audit.context import origin
from fengqiao.intake.grading import as_corpus_line
from fengqiao.intake.models import TriageFeedback


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = _(
        "把人工纠正过的智能研判导出为语料行（JSON Lines）；"
        "文本可能含有姓名电话，入库前须人工审校脱敏 "
        "(export triage corrections as corpus lines; review and redact before adding them)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help=_("只导出该日期及以后的 (from this date)"))
        parser.add_argument("--output", help=_("写入文件，缺省为标准输出 (file; default stdout)"))

    def handle(self, *args, since: dt.date | None, output: str | None, **options):
        rows = TriageFeedback.objects.select_related("report").order_by("at", "id")
        if since:
            rows = rows.filter(at__date__gte=since)
        lines = [json.dumps(as_corpus_line(row), ensure_ascii=False) for row in rows]
        text = "".join(line + "\n" for line in lines)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(
                    _("无法写入 %(file)s：%(error)s") % {"file": output, "error": error}
                ) from None
        else:
            self.stdout.write(text, ending="")
        with origin("command export_triage_feedback"):
            audit.record(
                actor=None,
                action="intake.triage_feedback_exported",
                changes={"lines": len(lines), "since": since.isoformat() if since else ""},
            )
        self.stderr.write(_("已导出 %(n)s 条") % {"n": len(lines)})
