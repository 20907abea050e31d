"""回访记录: the return visits after the agreement."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Spacer,
)

from fengqiao.disputes.mediation.documents.layout import (
    _p,
    _pairs_table,
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
    ReturnVisitRecord,
)
from fengqiao.pdf_fonts import document_font


def _visits_story(header: CaseHeader, visits: Sequence[ReturnVisitRecord], s: _Styles) -> list:
    story: list[Flowable] = [
        *_title("人民调解回访记录", s),
        _pairs_table(
            [
                [("案号", header.reference_no), ("纠纷类别", header.category)],
                [("承办人", _names(header.handlers))],
            ],
            s,
        ),
    ]
    # No visits yet still prints one blank form, to be filled in by hand on the visit.
    for i, visit in enumerate(visits or [ReturnVisitRecord()], start=1):
        story += [
            Spacer(1, 4 * mm),
            _p(f"第{_cn_number(i)}次回访", s.subtitle),
            _pairs_table(
                [
                    [("回访时间", _date(visit.visited_on)), ("回访方式", visit.method)],
                    [("回访人", visit.visitor), ("回访结果", visit.outcome)],
                ],
                s,
            ),
            *_text_rows(
                [
                    ("当事人态度", visit.attitude),
                    ("履行情况", visit.performance),
                    ("备注", visit.notes),
                ],
                s,
                min_height=12 * mm,
            ),
            *_text_rows([("被回访人签名", ""), ("回访人签名", "")], s, min_height=12 * mm),
        ]
    return story


def return_visit_pdf(header: CaseHeader, visits: Sequence[ReturnVisitRecord]) -> bytes:
    """回访记录: one block per visit in the order given; a blank block when there are none."""
    s = _Styles(document_font().name)
    return _render(_visits_story(header, visits, s), header, "人民调解回访记录")[0]
