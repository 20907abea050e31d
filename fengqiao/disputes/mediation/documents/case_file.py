"""The whole 卷宗 in one PDF: cover, 卷内目录, then every document of the case, numbered
through.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from fengqiao.disputes.mediation.documents.agreement import _agreement_story
from fengqiao.disputes.mediation.documents.intake_register import _intake_story
from fengqiao.disputes.mediation.documents.layout import (
    _GRID,
    _WIDTH,
    _p,
    _parties_line,
    _render,
    _SectionMark,
    _Styles,
    _title,
)
from fengqiao.disputes.mediation.documents.mediation_record import _record_story
from fengqiao.disputes.mediation.documents.return_visit import _visits_story
from fengqiao.disputes.mediation.documents.text import (
    _cn_number,
    _date,
    _names,
)
from fengqiao.disputes.mediation.documents.values import (
    AgreementDoc,
    CaseHeader,
    PartyInfo,
    ReturnVisitRecord,
    SessionRecord,
)
from fengqiao.pdf_fonts import document_font


def _contents_table(
    sections: Sequence[tuple[str, str, list[Flowable]]], pages: dict[str, int], s: _Styles
) -> Table:
    """卷内目录; ``pages`` maps "1".."n" to each section's first page and "end" to total + 1."""
    rows = [[_p(h, s.label) for h in ("序号", "文件名称", "日期", "页号")]]
    for i, (name, when, _story) in enumerate(sections, start=1):
        first = pages.get(str(i))
        last = pages.get(str(i + 1), pages.get("end", 0)) - 1
        span = "" if first is None else (str(first) if last <= first else f"{first}–{last}")
        rows.append([_p(i, s.label), _p(name, s.body), _p(when, s.label), _p(span, s.label)])
    return Table(
        rows,
        colWidths=[16 * mm, _WIDTH - 86 * mm, 45 * mm, 25 * mm],
        minRowHeights=[9 * mm] * len(rows),
        repeatRows=1,
        style=TableStyle(_GRID),
    )


def case_file_pdf(
    header: CaseHeader,
    parties: Sequence[PartyInfo],
    sessions: Sequence[SessionRecord],
    agreement: AgreementDoc | None,
    visits: Sequence[ReturnVisitRecord],
) -> bytes:
    """The whole case file in one PDF, numbered through: 卷宗封面, 卷内目录, 受理登记表,
    each 调解记录, the 协议书 if any, and the 回访记录 if there were visits.

    The contents page gives each document's first and last page."""
    s = _Styles(document_font().name)
    sections: list[tuple[str, str, list[Flowable]]] = [
        ("受理登记表", _date(header.received_at), _intake_story(header, parties, s))
    ]
    for i, session in enumerate(sessions, start=1):
        number = i if len(sessions) > 1 else None
        story = _record_story(header, parties, session, s, number)
        name = "调解记录" + (f"（第{_cn_number(i)}次）" if number else "")
        sections.append((name, _date(session.held_at), story))
    if agreement is not None:
        story = _agreement_story(agreement, header, s)
        sections.append(("人民调解协议书", _date(agreement.effective_date), story))
    if visits:
        sections.append(("回访记录", _date(visits[0].visited_on), _visits_story(header, visits, s)))

    outcome = "达成协议" if agreement is not None else (sessions[-1].outcome if sessions else "")
    cover = [
        _p("人民调解卷宗", s.cover_title),
        Spacer(1, 25 * mm),
        Table(
            [
                [_p(k, s.cover_label), _p(v, s.cover)]
                for k, v in (
                    ("案号", header.reference_no),
                    ("纠纷类别", header.category),
                    ("当事人", _parties_line(parties)),
                    ("调解组织", agreement.committee if agreement else ""),
                    ("承办人", _names(header.handlers)),
                    ("受理日期", _date(header.received_at)),
                    ("调解结果", outcome),
                    ("协议编号", agreement.agreement_no if agreement else ""),
                    ("立卷日期", ""),
                    ("保管期限", ""),
                )
            ],
            colWidths=[32 * mm, _WIDTH - 32 * mm],
            minRowHeights=[12 * mm] * 10,
            style=TableStyle(_GRID),
        ),
    ]

    # Two passes: the first finds where each section starts, the second prints those pages.
    # Page numbers are short strings, so the contents page cannot grow between passes; a
    # third pass is only a safety net.
    pages: dict[str, int] = {}
    data = b""
    for _ in range(3):
        marks: dict[str, int] = {}
        story: list[Flowable] = [*cover, PageBreak(), *_title("卷内目录", s)]
        story.append(_contents_table(sections, pages, s))
        for i, (_name, _when, section) in enumerate(sections, start=1):
            story += [PageBreak(), _SectionMark(str(i), marks), *section]
        data, total = _render(story, header, "人民调解卷宗")
        marks["end"] = total + 1
        if marks == pages:
            break
        pages = marks
    return data
