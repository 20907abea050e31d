"""The .xlsx template a user downloads, fills in and imports."""

from __future__ import annotations

import io
import re

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from fengqiao.identity import ID_TYPES
from fengqiao.registry.imports.columns import KIND_LABELS, Column, columns_for
from fengqiao.registry.models import Establishment, House


def _choice_hints() -> dict[tuple[str, str], str]:
    with translation.override("zh-hans"):
        return {
            ("residents", "id_type"): "、".join(zh for _code, zh, _en in ID_TYPES),
            ("residents", "residence_type"): "户籍、流动、户在人不在",
            ("houses", "use"): "、".join(str(label) for label in House.Use.labels),
            ("units", "kind"): "、".join(str(label) for label in Establishment.Kind.labels),
        }


def template_workbook(kind: str) -> bytes:
    """An .xlsx to fill in: the header row and one example row (skipped on import while
    left unchanged) on the first sheet, and a second sheet 填写说明 explaining each
    column and its allowed values."""
    columns = columns_for(kind)
    with translation.override("zh-hans"):
        title = _(KIND_LABELS[kind])
    hints = {key: hint for (hint_kind, key), hint in _choice_hints().items() if hint_kind == kind}
    return columns_workbook(title, columns, hints)


def columns_workbook(title: str, columns: tuple[Column, ...], hints: dict[str, str]) -> bytes:
    """``template_workbook`` for any columns (another module's layout): the sheet ``title``
    with the header and example row, and 填写说明 with each column's help and ``hints``
    (column key → the values it takes)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    # Excel refuses these characters in a sheet's name (GB/T 31000's slash among them).
    sheet.title = re.sub(r"[\\/*?:\[\]]", " ", title)[:31]
    sheet.append([column.label for column in columns])
    sheet.append([column.example for column in columns])
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(12, len(column.example) + 4)
        sheet.cell(row=1, column=number).font = Font(bold=True)
        sheet.cell(row=2, column=number).font = Font(italic=True, color="808080")
        if column.text:
            # Long digit strings must stay text, or Excel rounds an ID number.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=number).number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    with translation.override("zh-hans"):
        guide.append(["列名", "是否必填", "填写说明", "可填的值"])
        for column in columns:
            guide.append(
                [
                    column.label,
                    "必填" if column.required else "",
                    _(column.help),
                    hints.get(column.key, ""),
                ]
            )
        guide.append([])
        guide.append(
            ["", "", "第 2 行是示例，原样保留时导入会跳过它；请从第 3 行起填写，或改写示例行。"]
        )
        guide.append(
            [
                "",
                "",
                "先“检查”会列出每一行每一列的问题；全部通过后才能确认导入，导入要么全部成功，要么一条也不写入。",
            ]
        )
    for letter, width in zip("ABCD", (16, 10, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for cell in guide[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
