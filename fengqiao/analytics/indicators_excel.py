"""The indicators' answer (``indicators.answer``) as an Excel workbook: what the command's
``--format xlsx`` writes, the same numbers as its JSON and the API."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from fengqiao.spreadsheets import text_safe_row

# (heading, key of the indicator's dict)
COLUMNS = (
    (gettext_lazy("指标代码"), "code"),
    (gettext_lazy("指标"), "name"),
    (gettext_lazy("定义"), "definition"),
    (gettext_lazy("分子"), "numerator"),
    (gettext_lazy("分母"), "denominator"),
    (gettext_lazy("数值"), "value"),
    (gettext_lazy("单位"), "unit"),
    (gettext_lazy("上期"), "previous"),
    (gettext_lazy("去年同期"), "last_year"),
    (gettext_lazy("环比（%）"), "mom"),
    (gettext_lazy("同比（%）"), "yoy"),
)


def _span(period: dict) -> str:
    return f"{period['from']} — {period['to']}"


def indicators_xlsx(answer: dict) -> bytes:
    """One sheet: what and when on top, then a row per indicator. An empty cell is "no
    value" (a zero denominator), never 0."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("指标")
    target = answer["target"]
    named = target.get("code", target.get("id", ""))
    for label, value in (
        (_("统计对象"), f"{target['name']}（{named}）"),
        (_("统计期间"), _span(answer["period"])),
        (_("上期（环比）"), _span(answer["previous_period"])),
        (_("去年同期（同比）"), _span(answer["last_year_period"])),
    ):
        sheet.append(text_safe_row(sheet, [label, value]))
    sheet.append([])
    sheet.append([str(heading) for heading, _key in COLUMNS])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for indicator in answer["indicators"]:
        sheet.append(text_safe_row(sheet, [indicator[key] for _heading, key in COLUMNS]))
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
