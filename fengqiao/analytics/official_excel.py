"""The official statistics as the Excel workbook officials file: the form's own layout.

Two sheets, each with the title row (region and period), a line naming the period, the
unit and who made it, two rows of merged headers, the rows, and the notes:

- 分类统计: 合计, then 按层级 (一级 二级 三级), then 按纠纷类别 (the 14 people's-mediation
  categories and 其他);
- 分地区统计: a row per lower division, the 小计, this period and the year to date.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fengqiao.analytics.official import Column, OfficialTable, column_groups
from fengqiao.org.scope import person_of
from fengqiao.spreadsheets import text_safe_row

NO_VALUE = "—"
RATE_FORMAT = "0.0"
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="F1EDE9")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Rows 1-2 are the title and the period line; the headers take rows 3-4.
HEADER_ROW = 3
FIRST_ROW = 5


def official_workbook(table: OfficialTable, *, actor) -> bytes:
    """The .xlsx of ``table`` (already scoped to ``actor``), signed with their name."""
    person = person_of(actor)
    made_by = (person.name if person else "") or actor.get_full_name() or actor.get_username()
    book = Workbook()
    by_category = book.active
    by_category.title = _("分类统计")
    _category_sheet(by_category, table, made_by)
    _division_sheet(book.create_sheet(_("分地区统计")), table, made_by)
    book.properties.creator = made_by
    book.properties.title = f"{table.title}（{table.period.label}）"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _category_sheet(sheet, table: OfficialTable, made_by: str) -> None:
    columns = table.category_columns
    labels = 2  # 类别 (merged per section) and 项目
    _heading(sheet, table, made_by, labels + len(columns))
    _headers(sheet, columns, labels)
    sheet.cell(HEADER_ROW, 1, _("项目"))
    sheet.merge_cells(start_row=HEADER_ROW, start_column=1, end_row=HEADER_ROW + 1, end_column=2)
    row = FIRST_ROW
    for section, lines in table.category_sections:
        first = row
        for line, cells in lines:
            sheet.append(text_safe_row(sheet, [section, line.label, *_values(cells)]))
            row += 1
        if not section:  # 合计 spans both label columns
            sheet.merge_cells(start_row=first, start_column=1, end_row=first, end_column=2)
            sheet.cell(first, 1, lines[0][0].label)
        elif row - first > 1:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    _body_style(sheet, columns, labels, row - 1)
    _notes(sheet, table, row + 1, labels + len(columns))
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 14
    sheet.freeze_panes = sheet.cell(FIRST_ROW, labels + 1)


def _division_sheet(sheet, table: OfficialTable, made_by: str) -> None:
    columns = table.division_columns
    labels = 1
    _heading(sheet, table, made_by, labels + len(columns))
    _headers(sheet, columns, labels)
    sheet.cell(HEADER_ROW, 1, _("地区"))
    sheet.merge_cells(start_row=HEADER_ROW, start_column=1, end_row=HEADER_ROW + 1, end_column=1)
    rows = [*table.division_rows, (table.subtotal, table.subtotal_cells)]
    for line, cells in rows:
        sheet.append(text_safe_row(sheet, [line.label, *_values(cells)]))
    last = FIRST_ROW + len(rows) - 1
    _body_style(sheet, columns, labels, last)
    _notes(sheet, table, last + 2, labels + len(columns))
    sheet.column_dimensions["A"].width = 18
    sheet.freeze_panes = sheet.cell(FIRST_ROW, labels + 1)


def _heading(sheet, table: OfficialTable, made_by: str, width: int) -> None:
    """Row 1: the title; row 2: the period, the unit, who made it and when."""
    period = table.period
    made_at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    line = _(
        "统计期间：%(label)s（%(start)s 至 %(end)s）　单位：件　制表：%(name)s　制表时间：%(at)s"
    ) % {
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "name": made_by,
        "at": made_at,
    }
    sheet.append(text_safe_row(sheet, [table.title]))
    sheet.append(text_safe_row(sheet, [line]))
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28


def _headers(sheet, columns: list[Column], labels: int) -> None:
    """Rows 3-4: a column with no group spans both rows; a group spans its columns."""
    column = labels + 1
    for group, members in column_groups(columns):
        if group:
            sheet.cell(HEADER_ROW, column, group)
            sheet.merge_cells(
                start_row=HEADER_ROW,
                start_column=column,
                end_row=HEADER_ROW,
                end_column=column + len(members) - 1,
            )
            for offset, member in enumerate(members):
                sheet.cell(HEADER_ROW + 1, column + offset, member.label)
        else:
            for offset, member in enumerate(members):
                sheet.cell(HEADER_ROW, column + offset, member.label)
                sheet.merge_cells(
                    start_row=HEADER_ROW,
                    start_column=column + offset,
                    end_row=HEADER_ROW + 1,
                    end_column=column + offset,
                )
        column += len(members)
    for row in (HEADER_ROW, HEADER_ROW + 1):
        sheet.row_dimensions[row].height = 30
        for index in range(1, column):
            cell = sheet.cell(row, index)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = CENTRE
            cell.border = BOX
    for index in range(labels + 1, column):
        sheet.column_dimensions[get_column_letter(index)].width = 11


def _values(cells: list) -> list:
    return [NO_VALUE if value is None else value for value in cells]


def _body_style(sheet, columns: list[Column], labels: int, last_row: int) -> None:
    for row in sheet.iter_rows(min_row=FIRST_ROW, max_row=last_row):
        for index, cell in enumerate(row):
            cell.border = BOX
            if index < labels:
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                continue
            cell.alignment = Alignment(horizontal="right")
            if columns[index - labels].is_rate:
                cell.number_format = RATE_FORMAT


def _notes(sheet, table: OfficialTable, row: int, width: int) -> None:
    for offset, note in enumerate([_("注："), *table.notes]):
        sheet.cell(row + offset, 1, note)
        sheet.merge_cells(
            start_row=row + offset, start_column=1, end_row=row + offset, end_column=width
        )
