"""Rows written into spreadsheets people open in Excel or WPS: text we store stays text.

openpyxl types a string by its look: ``=HYPERLINK("http://…","点此")`` becomes a formula
cell and ``#N/A`` an error cell, so a name someone typed into a form would run as a formula
in the exporting officer's Excel. Every such string is written as a string cell instead.
An apostrophe prefix would do the same on screen, but it would change the text: the
registry import reads exports back and must get the same name, phone or code it wrote.
(CSV has no cell types; a CSV writer would need that prefix for ``= + - @``, tab and CR.)
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell.cell import Cell


def text_safe_row(sheet, values: Iterable) -> list:
    """``values`` ready for ``sheet.append``: strings openpyxl would write as a formula or
    an error become string cells; everything else (numbers, dates, plain text) unchanged."""
    row = []
    for value in values:
        if isinstance(value, str) and value[:1] in ("=", "#"):
            cell = Cell(sheet, row=1, column=1, value=value)  # append places it
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row
