"""人民调解协议书 (People's Mediation Law arts. 29, 33)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fengqiao.disputes.mediation.documents.layout import (
    _GRID,
    _WIDTH,
    _p,
    _pairs_table,
    _party_rows,
    _render,
    _Styles,
    _text_rows,
    _title,
)
from fengqiao.disputes.mediation.documents.text import (
    _BLANK_DATE,
    _amount,
    _cn_number,
    _date,
    _names,
)
from fengqiao.disputes.mediation.documents.values import (
    AgreementDoc,
    AgreementTerm,
    CaseHeader,
    PartyInfo,
)
from fengqiao.pdf_fonts import document_font


def _term_paragraphs(terms: Sequence[AgreementTerm], s: _Styles) -> list[Paragraph]:
    out = [_p("经调解，当事人自愿达成如下协议：", s.body)]
    for i, term in enumerate(terms, start=1):
        details = [
            ("履行人", term.obligor),
            ("金额", _amount(term.amount)),
            ("履行方式", term.manner),
            ("履行地点", term.place),
            ("履行期限", _date(term.deadline) and f"{_date(term.deadline)}前"),
        ]
        line = "；".join(f"{k}：{v}" for k, v in details if v)
        out.append(
            _p(f"{_cn_number(i)}、{term.obligation}" + (f"（{line}）" if line else ""), s.body)
        )
    if not terms:
        out.append(_p("（无）", s.body))
    return out


def _performance_paragraphs(terms: Sequence[AgreementTerm], s: _Styles) -> list[Paragraph]:
    out = []
    for i, term in enumerate(terms, start=1):
        parts = [f"第{_cn_number(i)}项由{term.obligor or '履行人'}"]
        if term.deadline:
            parts.append(f"于{_date(term.deadline)}前")
        if term.place:
            parts.append(f"在{term.place}")
        if term.manner:
            parts.append(f"以{term.manner}方式")
        out.append(_p("".join(parts) + "履行。", s.body))
    return out or [_p("", s.body)]


def _signature_rows(
    agreement: AgreementDoc, parties: Sequence[PartyInfo]
) -> list[tuple[str, str, str, str]]:
    """One line per party and per mediator (at least one), recorded method and date filled in,
    else left blank for signing on paper."""
    recorded = list(agreement.signatures)
    rows = []
    expected = [(p.name, "当事人") for p in parties]
    expected += [(m, "调解员") for m in agreement.mediators or [""]]
    for name, role in expected:
        match = next((r for r in recorded if r.signer == name and r.role == role), None)
        if match:
            recorded.remove(match)
            rows.append((name, role, match.method, _date(match.signed_on)))
        else:
            rows.append((name, role, "", _BLANK_DATE))
    # Anyone else who signed (a guardian, a second committee member) is printed too.
    rows += [(r.signer, r.role, r.method, _date(r.signed_on)) for r in recorded]
    return rows


# An agreement printed before its parties are known is a blank form for the usual two sides.
_BLANK_PARTIES = (PartyInfo(role="申请人", name=""), PartyInfo(role="被申请人", name=""))


def _agreement_story(agreement: AgreementDoc, header: CaseHeader, s: _Styles) -> list:
    parties = agreement.parties or _BLANK_PARTIES
    both = "双方" if len(parties) == 2 else "各方"
    copies = max(agreement.copy_count, len(parties) + 1)
    kept = copies - len(parties)
    effect = [
        _p(
            f"本协议一式 {copies} 份，当事人各执一份，"
            f"人民调解委员会留存{'一' if kept == 1 else f' {kept} '}份。",
            s.body,
        ),
        _p(
            f"本协议经{both}当事人签名（盖章或按指印）、人民调解员签名"
            "并加盖人民调解委员会印章后生效。",
            s.body,
        ),
        _p(f"生效日期：{_date(agreement.effective_date)}", s.body),
    ]
    confirmation = [
        _p(
            f"{both}当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请"
            "司法确认；人民法院依法确认协议有效，一方当事人拒绝履行或者未全部履行的，"
            "对方当事人可以向人民法院申请强制执行。",
            s.body,
        )
    ]
    jc = agreement.judicial_confirmation
    if jc:
        confirmation.append(
            _p(
                f"申请日期：{_date(jc.applied_on)}；受理法院：{jc.court}；"
                f"裁定结果：{jc.ruling}；裁定日期：{_date(jc.ruling_date)}",
                s.body,
            )
        )
    signatures = [
        [_p(h, s.label) for h in ("签署人", "身份", "签署方式", "签名（盖章或按指印）", "日期")]
    ]
    signatures += [
        [_p(name, s.body), _p(role, s.label), _p(method, s.label), "", _p(date, s.label)]
        for name, role, method, date in _signature_rows(agreement, parties)
    ]
    seal = Table(
        [
            [_p(f"{agreement.committee or '人民调解委员会'}（印章）", s.label)],
            [_p("已加盖印章" if agreement.seal_applied else "（盖章处）", s.label)],
            [_p(_date(agreement.effective_date) or _BLANK_DATE, s.label)],
        ],
        colWidths=[70 * mm],
        rowHeights=[10 * mm, 20 * mm, 10 * mm],
        hAlign="RIGHT",
        style=TableStyle([("BOX", (0, 0), (-1, -1), 0.75, colors.black), *_GRID[1:]]),
    )
    return [
        *_title("人民调解协议书", s),
        _p(f"编号：{agreement.agreement_no}", s.right),
        _pairs_table(
            [
                *_party_rows(parties),
                [("调解组织", agreement.committee)],
                [("人民调解员", _names(agreement.mediators))],
            ],
            s,
        ),
        *_text_rows(
            [
                ("纠纷主要事实", agreement.facts),
                ("争议事项", agreement.issues),
                ("各方责任", agreement.responsibility),
                ("协议内容", _term_paragraphs(agreement.terms, s)),
                ("履行方式、时限", _performance_paragraphs(agreement.terms, s)),
                ("违约责任", agreement.breach_clause),
                ("协议效力", effect),
                ("司法确认", confirmation),
            ],
            s,
        ),
        # Signatures and seal stay on one page where they fit, so the page that proves the
        # agreement was signed also shows what was sealed.
        KeepTogether(
            [
                Spacer(1, 5 * mm),
                Table(
                    signatures,
                    colWidths=[32 * mm, 20 * mm, 26 * mm, _WIDTH - 110 * mm, 32 * mm],
                    minRowHeights=[8 * mm] + [13 * mm] * (len(signatures) - 1),
                    repeatRows=1,
                    style=TableStyle(_GRID),
                ),
                Spacer(1, 6 * mm),
                seal,
            ]
        ),
    ]


def agreement_pdf(agreement: AgreementDoc, header: CaseHeader) -> bytes:
    """人民调解协议书 with the contents of art. 29: parties, facts, issues, responsibility,
    numbered terms with manner, place and deadline, number of copies, when it takes effect,
    a signature line per party and mediator (blank where none is recorded), the seal box, and
    the art. 33 note on joint judicial confirmation within 30 days."""
    s = _Styles(document_font().name)
    return _render(_agreement_story(agreement, header, s), header, "人民调解协议书")[0]
