"""The GB/T 31000-2015 dispute records of an exchange file (``disputes.exchange``) as a
layout of the case import: a table of events and a second table of the people involved
(a second sheet of the .xlsx, or the second CSV of the .zip), joined by 事件编号.

This module holds the layout and the file's reading; ``gbt31000_cases`` the importer.
How a row maps to ours and how a Fengqiao export finds its own cases again: see
docs/case-import.md (GB/T 31000 exchange files).
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import load_workbook

from fengqiao.disputes.imports.layouts import KEYS, Layout
from fengqiao.registry.imports import Column
from fengqiao.registry.imports.reading import _refuse_zip_bomb, _rows, read_table
from fengqiao.registry.imports.report import ImportFileError

SOURCE_SYSTEM = "gbt31000"
# The importer's key for 事件处理状态, which it reads beside 化解是否成功 to tell a
# transferred case from one still open.
STATE = "state"


@dataclass(frozen=True)
class ExchangeLayout(Layout):
    """A layout that fills every key the importer reads, some from other tables or
    derived (the parties from the people table; the result from two columns)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return (*KEYS, STATE)


def _column(key, label, help_text, example="", **extra) -> Column:
    return Column(key, label, help_text, example, **extra)


GBT31000 = ExchangeLayout(
    code="gbt31000",
    label=N_("GB/T 31000 矛盾纠纷交换文件（事件表和涉及人员表）"),
    source_system=SOURCE_SYSTEM,
    columns=(
        _column(
            "code",
            "事件编号",
            N_("必填；本系统导出的文件是案件编号，导回本县时更新原案件"),
            "330699-2024-000123",
            required=True,
            max_length=64,
            text=True,
        ),
        _column(
            "received_at",
            "事件发生日期",
            N_("必填，如 2024-03-01"),
            "2024-03-01",
            required=True,
        ),
        _column(
            "summary",
            "事件简述",
            N_("必填，不超过 2000 个字"),
            "邻居装修噪音扰民",
            required=True,
            max_length=2000,
        ),
        _column(
            "category",
            "事件类型代码",
            N_("必填，本系统的纠纷类别代码或名称"),
            "neighbourhood",
            required=True,
            max_length=40,
        ),
        _column("difficulty", "化解方式", N_("本系统的化解层级"), "", max_length=100),
        _column("organisation", "化解组织", N_("调解团队名称"), "", max_length=100),
        _column("receiver", "化解责任人", N_("化解责任人姓名"), "", max_length=50),
        _column("result", "化解是否成功", N_("1 成功，0 未成功，留空为未结束"), "1", max_length=4),
        _column(STATE, "事件处理状态", N_("本系统的案件状态"), "", max_length=40),
        _column("mediated_at", "化解日期", N_("化解或结案的日期"), "2024-03-05"),
        _column(
            "place",
            "所属网格",
            N_("必填，您辖区内的网格编码"),
            "",
            required=True,
            max_length=64,
            text=True,
        ),
    ),
)

# The people table: who is involved in which event.
PEOPLE_TITLE = N_("涉及人员")
PEOPLE_COLUMNS = (
    _column("code", "事件编号", "", required=True, max_length=64, text=True),
    _column("name", "姓名", "", required=True, max_length=100),
    _column("role", "人员类别", "", max_length=20),
    _column("id_number", "证件号码", "", max_length=40, text=True),
    _column("phone", "联系电话", "", max_length=40, text=True),
)
APPLICANT_LABELS = ("申请人", "Applicant")


@dataclass
class ExchangeFile:
    """The events table to read as the import's file, and the people by 事件编号 (with
    the row each came from, for errors)."""

    events: BinaryIO
    filename: str
    people: dict[str, list[tuple[str, str, str]]]
    people_rows: dict[str, int]


def open_exchange(file_obj: BinaryIO, filename: str) -> ExchangeFile:
    """The two tables of a GB/T 31000 exchange file: an .xlsx (the events on the first
    sheet, the people on another) or a .zip of two CSVs. Raises ``ImportFileError``
    naming the missing or wrong table."""
    lowered = (filename or "").lower()
    if lowered.endswith(".zip"):
        return _from_zip(file_obj, filename)
    if lowered.endswith(".xlsx"):
        return _from_workbook(file_obj, filename)
    raise ImportFileError(
        _("GB/T 31000 交换文件应是 .xlsx（两个工作表）或 .zip（两个 CSV），请上传导出的原文件")
    )


def _from_workbook(file_obj: BinaryIO, filename: str) -> ExchangeFile:
    head = file_obj.read(4)
    file_obj.seek(0)
    if head != b"PK\x03\x04":
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx"))
    _refuse_zip_bomb(file_obj)
    try:
        workbook = load_workbook(file_obj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise ImportFileError(_("无法打开这个 .xlsx 文件，请确认文件没有损坏")) from exc
    try:
        sheets = workbook.worksheets
        if len(sheets) < 2:
            raise ImportFileError(
                _("文件中缺少“涉及人员”工作表：GB/T 31000 交换文件应有事件表和涉及人员表两个工作表")
            )
        records = enumerate(sheets[1].iter_rows(values_only=True), start=1)
        people = _people(records, _("第二个工作表“%(name)s”") % {"name": sheets[1].title})
    finally:
        workbook.close()
    file_obj.seek(0)
    return ExchangeFile(file_obj, filename, *people)


def _from_zip(file_obj: BinaryIO, filename: str) -> ExchangeFile:
    _refuse_zip_bomb(file_obj)
    try:
        with zipfile.ZipFile(file_obj) as archive:
            names = sorted(n for n in archive.namelist() if n.lower().endswith(".csv"))
            if len(names) != 2:
                raise ImportFileError(
                    _(".zip 中应有两个 CSV（事件表和涉及人员表），实际有 %(n)d 个：%(names)s")
                    % {"n": len(names), "names": "、".join(names[:5]) or _("（无）")}
                )
            events, people = (archive.read(name) for name in names)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_("无法打开这个 .zip 文件，请确认文件没有损坏")) from exc
    # The exporter numbers its tables: 1-… is the events, 2-… the people.
    table = read_table(PEOPLE_COLUMNS, io.BytesIO(people), names[1])
    found = _people(None, _("第二个 CSV“%(name)s”") % {"name": names[1]}, table)
    return ExchangeFile(io.BytesIO(events), names[0], *found)


def _people(records, where: str, rows=None):
    """The people by event code; ``ImportFileError`` naming the table when it is not
    the people table."""
    people: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    first_row: dict[str, int] = {}
    try:
        for row in rows if rows is not None else _rows(PEOPLE_COLUMNS, records):
            code = " ".join(str(row.get("code", "")).split())
            person = (
                " ".join(str(row.get("name", "")).split()),
                str(row.get("id_number", "")).strip(),
                str(row.get("phone", "")).strip(),
            )
            applicant = str(row.get("role", "")).strip() in APPLICANT_LABELS
            # The first party of a case is its applicant (as the 当事人 cell has it).
            if applicant:
                people[code].insert(0, person)
            else:
                people[code].append(person)
            first_row.setdefault(code, row["_row"])
    except ImportFileError as error:
        raise ImportFileError(
            _("%(where)s不是涉及人员表：%(why)s") % {"where": where, "why": error}
        ) from None
    return dict(people), first_row
