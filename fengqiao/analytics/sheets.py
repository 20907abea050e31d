"""The tables of the figures pages: shown as HTML and downloaded as Excel from the same rows,
so a download never says something the page did not.

A cell is a plain value (text, number, date, None) or a ``Link`` to the page behind it; the
page draws the link, the workbook writes its text. Every workbook starts with who exported
it and when, what it covers, and the export is written to the audit log.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fengqiao.audit import services as audit
from fengqiao.org.scope import person_of
from fengqiao.spreadsheets import text_safe_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Link:
    """A cell that opens the page behind it (the cases behind a figure, a place's figures)."""

    text: object
    href: str
    hint: str = ""

    def __str__(self) -> str:
        return "" if self.text is None else str(self.text)


@dataclass
class Table:
    """One table of a page: ``name`` is what ``?table=`` asks for in a download."""

    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Columns holding numbers: right-aligned on the page.
    numeric: frozenset[int] = frozenset()

    @property
    def cells(self) -> list[list[tuple[object, bool]]]:
        """The rows as (value, is a number) pairs, for the page."""
        return [[(value, i in self.numeric) for i, value in enumerate(row)] for row in self.rows]


def _plain(value):
    return value.text if isinstance(value, Link) else value


def exporter_name(user) -> str:
    person = person_of(user)
    return (person.name if person else "") or user.get_full_name() or user.get_username()


def workbook(*, actor, table: Table, about: str) -> bytes:
    """The table as an .xlsx: a first line naming the exporter and the time, a second saying
    what the table covers (``about``: place and period), the headers, then the rows. Writes
    one audit entry ``analytics.exported`` with the table's name and row count."""
    name = exporter_name(actor)
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    book.properties.creator = name
    book.properties.title = table.title
    now = timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M")
    sheet.append([_("导出人：%(name)s 导出时间：%(time)s") % {"name": name, "time": now}])
    sheet.append([f"{table.title} · {about}"])
    sheet.append(table.headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # Names of places and case titles are what people typed: text, never a formula.
        sheet.append(text_safe_row(sheet, [_plain(value) for value in row]))
    for index, header in enumerate(table.headers, start=1):
        letter = sheet.cell(row=3, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, min(40, len(str(header)) * 2 + 4))
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(
        actor=actor,
        action="analytics.exported",
        changes={"table": table.name, "rows": len(table.rows), "about": about},
    )
    return buffer.getvalue()
