"""Case files in the people's-mediation 18-column layout, built in memory, and the users
who may import them: the county's administrator and each township's station chief."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from fengqiao.disputes.imports import MEDIATION_18, import_cases
from fengqiao.identity import check_character
from tests.factories import AccessGrantFactory, PersonFactory, UserFactory

HEADERS = [column.label for column in MEDIATION_18.columns]


def id_number(seq: int, born: str = "19900101") -> str:
    first17 = f"330699{born}{seq:03d}"
    return first17 + check_character(first17)


def case_row(seq: int, **extra) -> dict:
    """A good row in township A's grid A1, keyed by header."""
    return {
        "案件编码": f"TJ2024{seq:06d}",
        "协议类型": "书面协议",
        "案件来源": "申请调解",
        "调解组织": "甲镇人民调解委员会",
        "工作室": "",
        "受理人": "李调解",
        "受理时间": "2024-03-01",
        "纠纷简要情况": f"邻居装修噪音扰民，第{seq}起。双方多次争吵",
        "案件难度级别": "一般",
        "纠纷类别": "邻里纠纷",
        "案件属性": "",
        "涉及特殊群体情况": "",
        "行政区划": "甲镇甲村一网格",
        "有无死亡": "无",
        "调解结果": "调解成功",
        "调解时间": "2024-03-05",
        "当事人": f"王小明({id_number(seq)})；李大华 13800138000",
        "调解协议金": "5000",
        **extra,
    }


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def csv_file(rows: list[dict], encoding: str = "utf-8-sig", headers=HEADERS) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return io.BytesIO(text.getvalue().encode(encoding))


def run(actor, rows, *, commit=True, filename="案件.xlsx", **kwargs):
    maker = csv_file if filename.endswith(".csv") else xlsx
    encoding = kwargs.pop("encoding", None)
    file_obj = maker(rows, encoding) if encoding else maker(rows)
    return import_cases(actor=actor, file_obj=file_obj, filename=filename, commit=commit, **kwargs)


@pytest.fixture
def chief_b(world):
    """Station B's chief: may import cases, into township B only."""
    user = UserFactory(username="chief_b")
    PersonFactory(user=user, name="chief_b", unit=world.station_b, role_codes=["station_chief"])
    AccessGrantFactory(user=user, unit=world.station_b)
    return user
