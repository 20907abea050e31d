"""Reading an import file: .xlsx (openpyxl, read-only) or CSV (UTF-8 or GBK), the header
found among the first rows, and each data row as a dict of stripped values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from fengqiao.registry.imports.columns import Column, columns_for, example_row
from fengqiao.registry.imports.report import ImportFileError

_FIRST_SHEET = "xl/worksheets/sheet1.xml"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
HEADER_SEARCH_ROWS = 5  # an exported file has a title line above its header
# A workbook's XML packs about ten to one; a part packed a hundred times tighter is a zip
# bomb (one cell of 300 MB in 300 KB), which openpyxl would unpack whole into memory. The
# total bounds a 20 MB upload of honest XML. The sizes are what the zip declares, and
# ``zipfile`` stops reading a part at its declared size.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_PACKING_RATIO = 100
_RATIO_FROM_BYTES = 1024 * 1024


def read_rows(kind: str, file_obj: BinaryIO, filename: str) -> Iterator[dict]:
    """The data rows of an .xlsx or .csv file as dicts keyed by column key, plus ``_row``
    (the row number the user sees in a spreadsheet). Blank rows are skipped; values are
    stripped text, or a ``date`` for date cells. Raises ``ImportFileError`` when the file
    is not readable or its header lacks a required column."""
    return read_table(columns_for(kind), file_obj, filename)


def read_table(columns: tuple[Column, ...], file_obj: BinaryIO, filename: str) -> Iterator[dict]:
    """``read_rows`` for any set of columns (another module's layout): a header matches a
    column's label or one of its aliases."""
    lowered = (filename or "").lower()
    if lowered.endswith(".xlsx"):
        records = _xlsx_records(file_obj)
    elif lowered.endswith(".csv"):
        records = _csv_records(file_obj)
    else:
        raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）"))
    return _rows(columns, records)


def estimate_rows(file_obj: BinaryIO, filename: str) -> int | None:
    """The data rows an .xlsx says it has (the first sheet's recorded dimension), for
    progress; None when unknown (CSV, or a workbook that does not record it). Reads only
    the sheet's first bytes: openpyxl would parse the whole sheet when it is missing."""
    if not (filename or "").lower().endswith(".xlsx"):
        return None
    try:
        with zipfile.ZipFile(file_obj) as archive, archive.open(_FIRST_SHEET) as sheet:
            found = _DIMENSION.search(sheet.read(4096))
    except (zipfile.BadZipFile, KeyError, OSError):
        found = None
    finally:
        file_obj.seek(0)
    return max(int(found[1]) - 1, 0) if found else None


def _xlsx_records(file_obj: BinaryIO) -> Iterator[tuple[int, tuple]]:
    head = file_obj.read(4)
    file_obj.seek(0)
    if head != b"PK\x03\x04":
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx"))
    _refuse_zip_bomb(file_obj)
    try:
        workbook = load_workbook(file_obj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise ImportFileError(_("无法打开这个 .xlsx 文件，请确认文件没有损坏")) from exc
    return _sheet_records(workbook)


def _refuse_zip_bomb(file_obj: BinaryIO) -> None:
    try:
        with zipfile.ZipFile(file_obj) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(_("无法打开这个 .xlsx 文件，请确认文件没有损坏")) from exc
    finally:
        file_obj.seek(0)
    packed_tight = any(
        part.file_size > _RATIO_FROM_BYTES
        and part.file_size > MAX_PACKING_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if packed_tight or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _("这个 .xlsx 文件解压后过大或压缩比异常，请在 Excel 或 WPS 中另存后再导入")
        )


def _sheet_records(workbook) -> Iterator[tuple[int, tuple]]:
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _csv_records(file_obj: BinaryIO) -> Iterator[tuple[int, tuple]]:
    encoding = _csv_encoding(file_obj)
    text = io.TextIOWrapper(file_obj, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")) from exc
    except csv.Error as exc:
        raise ImportFileError(_("CSV 格式错误：%(why)s") % {"why": exc}) from exc
    finally:
        text.detach()


def _csv_encoding(file_obj: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the start of the file reads as UTF-8, else GBK
    (as gb18030, its superset), which is what Excel on a Chinese Windows saves."""
    head = file_obj.read(65536)
    file_obj.seek(0)
    if b"\x00" in head:
        raise ImportFileError(_("文件不是文本格式的 CSV，请检查文件类型"))
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(head) - 3:
            return "gb18030"
    return "utf-8-sig"


def _header_text(value) -> str:
    text = "".join(str(value or "").split()).lstrip("*＊")
    return text.replace("（必填）", "").replace("(必填)", "")


def _found(headers: list[str]) -> str:
    """The headers a file has, for an error that says what was found (at most 20)."""
    shown = [header for header in headers if header][:20]
    return "、".join(shown) if shown else _("（空）")


def _rows(columns: tuple[Column, ...], records: Iterator[tuple[int, tuple]]) -> Iterator[dict]:
    by_label = {name: c.key for c in columns for name in (c.label, *c.aliases)}
    positions: list[tuple[int, str]] = []
    example: dict[str, str] = {}
    example_at = 0
    first_headers: list[str] = []
    for number, values in records:
        if not positions:
            headers = [_header_text(value) for value in values]
            first_headers = first_headers or [h for h in headers if h]
            if any(header in by_label for header in headers):
                keys = {by_label[h] for h in headers if h in by_label}
                missing = [c.label for c in columns if c.required and c.key not in keys]
                if missing:
                    raise ImportFileError(
                        _(
                            "文件的列与导入格式不符，缺少必填列：%(cols)s；"
                            "文件中的列：%(found)s（请使用导入模板）"
                        )
                        % {"cols": "、".join(missing), "found": _found(headers)}
                    )
                positions = [(i, by_label[h]) for i, h in enumerate(headers) if h in by_label]
                example = example_row(columns, (key for _i, key in positions))
                example_at = number + 1
            elif number >= HEADER_SEARCH_ROWS:
                raise _wrong_layout(columns, first_headers)
            continue
        row = {key: _cell(values[i]) if i < len(values) else "" for i, key in positions}
        if number == example_at and row == example:
            continue  # the template's example row, left as it was
        if any(value != "" for value in row.values()):
            row["_row"] = number
            yield row
    if not positions and first_headers:
        raise _wrong_layout(columns, first_headers)
    if not positions:
        raise ImportFileError(_("文件是空的，没有表头和数据"))


def _wrong_layout(columns: tuple[Column, ...], found: list[str]) -> ImportFileError:
    return ImportFileError(
        _(
            "文件的格式不对，找不到表头：应有 %(cols)s 这些列；"
            "文件中的列：%(found)s（请使用导入模板）"
        )
        % {"cols": "、".join(c.label for c in columns), "found": _found(found)}
    )


def _cell(value) -> str | dt.date:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # A leading apostrophe is how people force text in a spreadsheet cell.
    return text[1:] if text.startswith("'") else text
