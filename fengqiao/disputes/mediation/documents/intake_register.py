"""受理登记表: the case's data, every party's details, the narrative and the request."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm

from fengqiao.disputes.mediation.documents.layout import (
    _pairs_table,
    _party_rows,
    _render,
    _Styles,
    _text_rows,
    _title,
)
from fengqiao.disputes.mediation.documents.text import (
    _date,
    _names,
)
from fengqiao.disputes.mediation.documents.values import (
    CaseHeader,
    PartyInfo,
)
from fengqiao.pdf_fonts import document_font


def _intake_story(header: CaseHeader, parties: Sequence[PartyInfo], s: _Styles) -> list:
    return [
        *_title("人民调解受理登记表", s),
        _pairs_table(
            [
                [("案号", header.reference_no), ("受理时间", _date(header.received_at))],
                [("纠纷类别", header.category), ("受理方式", header.channel)],
                [("风险等级", header.risk_grade), ("办理层级", header.level)],
                [("所属网格", header.grid), ("承办人", _names(header.handlers))],
                [("发生地点", header.location)],
                *_party_rows(parties),
            ],
            s,
        ),
        *_text_rows([("纠纷简要情况", header.narrative), ("当事人诉求", header.request)], s),
        *_text_rows([("登记人签名", ""), ("登记日期", "")], s, min_height=12 * mm),
    ]


def intake_register_pdf(header: CaseHeader, parties: Sequence[PartyInfo]) -> bytes:
    """受理登记表: case data, every party's details, the narrative and the request."""
    s = _Styles(document_font().name)
    return _render(_intake_story(header, parties, s), header, "人民调解受理登记表")[0]
