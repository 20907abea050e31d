"""调解记录: one mediation session, with lines for the signatures."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm

from fengqiao.disputes.mediation.documents.layout import (
    _pairs_table,
    _parties_line,
    _render,
    _Styles,
    _text_rows,
    _title,
)
from fengqiao.disputes.mediation.documents.text import (
    _cn_number,
    _date,
    _names,
)
from fengqiao.disputes.mediation.documents.values import (
    CaseHeader,
    PartyInfo,
    SessionRecord,
)
from fengqiao.pdf_fonts import document_font


def _record_story(
    header: CaseHeader,
    parties: Sequence[PartyInfo],
    session: SessionRecord,
    s: _Styles,
    number: int | None = None,
) -> list:
    title = "人民调解记录" + (f"（第{_cn_number(number)}次）" if number else "")
    outcome: list[tuple[str, object]] = [("调解结果", session.outcome)]
    if session.failure_reason:
        outcome.append(("未成原因", session.failure_reason))
    return [
        *_title(title, s),
        _pairs_table(
            [
                [("案号", header.reference_no), ("纠纷类别", header.category)],
                [("调解时间", _date(session.held_at)), ("调解地点", session.place)],
                [("人民调解员", _names(session.mediators))],
                [("当事人", _parties_line(parties))],
                [("其他参加人", _names(session.attendees))],
            ],
            s,
        ),
        *_text_rows([("调解记录", session.record), *outcome], s),
        *_text_rows(
            [("当事人签名", ""), ("调解员签名", ""), ("记录人签名", "")],
            s,
            min_height=14 * mm,
        ),
    ]


def mediation_record_pdf(
    header: CaseHeader, parties: Sequence[PartyInfo], session: SessionRecord
) -> bytes:
    """调解记录 of one session, with blank lines for the parties', mediators' and clerk's
    signatures."""
    s = _Styles(document_font().name)
    return _render(_record_story(header, parties, session, s), header, "人民调解记录")[0]
