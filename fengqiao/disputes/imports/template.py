"""The .xlsx a county fills in (or checks its export against): a layout's header, one
example row, and a 填写说明 sheet with each column's help and the values it takes. The
GB/T 31000 layout's template has its second table, 涉及人员, as the second sheet."""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font

from fengqiao.disputes.imports.gbt31000 import GBT31000, PEOPLE_COLUMNS, PEOPLE_TITLE
from fengqiao.disputes.imports.layouts import LAYOUTS, MEDIATION_18
from fengqiao.registry.imports.template import columns_workbook
from fengqiao.triage.mediation import LABELS


def case_template(layout: str = MEDIATION_18.code) -> bytes:
    spec = LAYOUTS[layout]
    with translation.override("zh-hans"):
        hints = {
            "category": "、".join(f"{label}纠纷" for label in LABELS),
            "result": "调解成功（达成协议）、部分达成、调解不成功、转诉讼；留空为调解中",
            "difficulty": "简单、一般、疑难、重大",
            "source": "主动调解、申请调解、接受委托移送调解",
            "death": "有、无",
            "agreement_type": "口头协议、书面协议",
        }
        title = _(spec.label)
    if layout == GBT31000.code:
        # Its columns say in their help what they take (our codes, 1/0).
        return _with_people_sheet(columns_workbook(title, spec.columns, {}))
    return columns_workbook(title, spec.columns, hints)


def _with_people_sheet(content: bytes) -> bytes:
    """The exchange file's second table, 涉及人员, inserted as the second sheet (the import
    reads the people there), and its columns explained on 填写说明."""
    workbook = load_workbook(io.BytesIO(content))
    with translation.override("zh-hans"):
        people = workbook.create_sheet(_(PEOPLE_TITLE), 1)
        people.append([column.label for column in PEOPLE_COLUMNS])
        guide = workbook["填写说明"]
        guide.append([])
        guide.append(
            [
                _(PEOPLE_TITLE),
                "",
                "第二个工作表：每行一名当事人，用事件编号对应事件表；人员类别为“申请人”的是申请人，"
                "其余为被申请人；证件号码和联系电话请设为文本格式。",
            ]
        )
        for column in PEOPLE_COLUMNS:
            guide.append([column.label, "必填" if column.required else "", "", ""])
    for number, column in enumerate(PEOPLE_COLUMNS, start=1):
        people.cell(row=1, column=number).font = Font(bold=True)
        letter = people.cell(row=1, column=number).column_letter
        people.column_dimensions[letter].width = 20
        if column.text:
            people.column_dimensions[letter].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
