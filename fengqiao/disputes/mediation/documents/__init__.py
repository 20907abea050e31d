"""Printable documents of a people's-mediation case file, as PDF bytes.

Pure rendering: plain frozen dataclasses in, ``bytes`` out. Nothing here knows the database
models; the disputes app maps its records onto these dataclasses (already translated labels,
ID numbers already masked or not, datetimes already in local time) and calls one of:

- ``intake_register_pdf``  受理登记表
- ``mediation_record_pdf`` 调解记录
- ``agreement_pdf``        人民调解协议书 (People's Mediation Law arts. 29, 33)
- ``return_visit_pdf``     回访记录
- ``case_file_pdf``        the whole 卷宗: cover, 卷内目录, then all of the above

Every page is A4 and carries the case number at the top and "第 X 页 共 Y 页" at the foot.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- values


def _freeze(obj: object, *names: str) -> None:
    # Callers map querysets and lists onto these; tuples keep the records truly immutable.
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name)))


@dataclass(frozen=True, kw_only=True)
class PartyInfo:
    """One party as printed. ``id_number`` is printed exactly as given: mask it first if needed."""

    role: str  # 申请人 / 被申请人 / 第三人
    name: str
    sex: str = ""
    ethnicity: str = ""  # printed as given, e.g. "汉族"
    birth_date: dt.date | None = None
    id_number: str = ""
    address: str = ""
    phone: str = ""
    agent: str = ""  # 委托代理人或监护人, with relationship if wanted


@dataclass(frozen=True, kw_only=True)
class CaseHeader:
    """What every document of the file repeats about the case."""

    reference_no: str  # e.g. "330699-2026-000123"
    category: str = ""
    risk_grade: str = ""
    level: str | int = ""
    channel: str = ""  # 申请 / 主动 / 委托移送 ...
    received_at: dt.datetime | dt.date | None = None
    location: str = ""
    grid: str = ""
    narrative: str = ""
    request: str = ""  # 诉求
    handlers: Sequence[str] = ()

    def __post_init__(self) -> None:
        _freeze(self, "handlers")


@dataclass(frozen=True, kw_only=True)
class SessionRecord:
    """One mediation session (调解记录)."""

    held_at: dt.datetime | dt.date | None = None
    place: str = ""
    mediators: Sequence[str] = ()
    attendees: Sequence[str] = ()
    record: str = ""
    outcome: str = ""
    failure_reason: str = ""

    def __post_init__(self) -> None:
        _freeze(self, "mediators", "attendees")


@dataclass(frozen=True, kw_only=True)
class AgreementTerm:
    """One numbered term: who does what, how much, how, where and by when."""

    obligation: str
    obligor: str = ""
    amount: Decimal | None = None  # yuan; printed in figures and in capitals (大写)
    manner: str = ""
    place: str = ""
    deadline: dt.date | None = None


class Signature(NamedTuple):
    """A recorded signature: (signer, role 当事人/调解员, method 签名/盖章/按指印, date)."""

    signer: str
    role: str
    method: str
    signed_on: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class JudicialConfirmation:
    """Court confirmation of the agreement (art. 33), if the parties applied."""

    applied_on: dt.date | None = None
    court: str = ""
    ruling: str = ""  # e.g. "确认有效" / "驳回申请"
    ruling_date: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class AgreementDoc:
    """A 人民调解协议书. ``signatures`` may hold plain 4-tuples; they become ``Signature``.

    ``copies`` defaults to one per party plus one for the committee (art. 29); a larger number
    means the committee keeps the extra copies. Fewer than that is refused.
    """

    agreement_no: str
    committee: str = ""
    mediators: Sequence[str] = ()
    parties: Sequence[PartyInfo] = ()
    facts: str = ""
    issues: str = ""
    responsibility: str = ""
    terms: Sequence[AgreementTerm] = ()
    breach_clause: str = ""
    signatures: Sequence[Signature | tuple] = ()
    seal_applied: bool = False
    effective_date: dt.date | None = None
    copies: int | None = None
    judicial_confirmation: JudicialConfirmation | None = None

    def __post_init__(self) -> None:
        _freeze(self, "mediators", "parties", "terms")
        object.__setattr__(self, "signatures", tuple(Signature(*s) for s in self.signatures))
        if self.copies is not None and self.copies < len(self.parties) + 1:
            raise ValueError(
                f"copies（协议份数）为 {self.copies}，少于当事人人数加一"
                f"（{len(self.parties) + 1}）：每位当事人一份，调解委员会留存一份"
            )

    @property
    def copy_count(self) -> int:
        return self.copies if self.copies is not None else len(self.parties) + 1


@dataclass(frozen=True, kw_only=True)
class ReturnVisitRecord:
    """One return visit (回访) after the case closed or the agreement was signed."""

    visited_on: dt.datetime | dt.date | None = None
    visitor: str = ""
    method: str = ""  # 电话 / 上门
    attitude: str = ""  # 当事人态度
    performance: str = ""  # 协议履行情况
    outcome: str = ""
    notes: str = ""


# --------------------------------------------------------------------------- fonts

FONT_ENV = "FENGQIAO_PDF_FONT"
"""Path of a TrueType-outline CJK font (.ttf/.ttc) to embed, tried before the built-in list."""

# Only TrueType outlines: ReportLab cannot embed CFF-based OpenType, which is what Debian's
# fonts-noto-cjk ships, so those would fail registration anyway.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
CID_FALLBACK = "STSong-Light"
_GLYPH_PROBE = "调解协议书页"  # a font without these is no use, whatever it is called


class FontChoice(NamedTuple):
    """The registered font name and the file embedded; ``path`` is None for the CID fallback."""

    name: str
    path: str | None


_font_lock = threading.Lock()
_font: FontChoice | None = None


def _choose_font(candidates: Sequence[str]) -> FontChoice:
    for path in candidates:
        if not path or not Path(path).is_file():
            continue
        name = "FengqiaoCJK-" + re.sub(r"[^A-Za-z0-9]", "", Path(path).stem)
        try:
            font = TTFont(name, path, subfontIndex=0)
        except (TTFError, OSError, ValueError):
            continue  # CFF outlines, damaged file, unreadable: try the next one
        if not all(ord(ch) in font.face.charToGlyph for ch in _GLYPH_PROBE):
            continue
        pdfmetrics.registerFont(font)
        return FontChoice(name, path)
    # Not embedded: viewers substitute their own Song face (Acrobat, pdf.js and Chrome all do),
    # and text stays extractable because ReportLab writes it as Unicode-mapped CIDs.
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return FontChoice(CID_FALLBACK, None)


# ReportLab's line breakers know the Japanese rule that closing punctuation never starts a
# line, but their list lacks the full-width forms Chinese uses (，；：！？》”), so a line could
# open with "：". Both breakers read the list from their module at wrap time; extending it
# changes nothing for text without these characters.
_CHINESE_CANNOT_START = "，；：！？》〉”’％"


def _extend_line_start_rule() -> None:
    for module in (rl_textsplit, rl_paragraph):
        missing = "".join(c for c in _CHINESE_CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing


def document_font() -> FontChoice:
    """The CJK font every document uses, registered once per process on first call."""
    global _font
    with _font_lock:
        if _font is None:
            wanted = os.environ.get(FONT_ENV, "")
            _font = _choose_font((wanted, *FONT_CANDIDATES))
            if wanted and _font.path != wanted:
                logger.warning(
                    "%s=%s is not a usable TrueType font with Chinese glyphs; using %s",
                    FONT_ENV,
                    wanted,
                    _font.path or CID_FALLBACK,
                )
            _extend_line_start_rule()
        return _font


# --------------------------------------------------------------------------- text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CN_DIGITS = "零一二三四五六七八九"
# Filled in by hand on paper; underscores because Paragraph collapses runs of spaces.
_BLANK_DATE = "____年__月__日"


def _markup(text: object) -> str:
    """User text made safe for Paragraph's mini-markup, keeping the writer's line breaks."""
    if text is None:
        return ""
    cleaned = _CONTROL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return escape(cleaned).replace("\n", "<br/>")


def _date(value: dt.date | None) -> str:
    if value is None:
        return ""
    text = f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.datetime):
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text


def _names(names: Sequence[str]) -> str:
    return "、".join(n for n in names if n)


def _cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一; numbering of terms and sessions (below 100)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _group_capitals(group: int) -> str:
    out, zero = "", False
    for power, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = group // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[digit] + unit
        zero = False
    return out


def rmb_capitals(amount: Decimal) -> str:
    """Amount in Chinese financial capitals, e.g. 10005.5 → 壹万零伍元伍角整.

    Money in an agreement is written both ways so a figure cannot be altered unnoticed.
    Supports 0 ≤ amount < 10^12; rounds half up to the fen.
    """
    cents = int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if cents < 0 or cents >= 10**14:
        raise ValueError(f"金额 {amount} 超出可用大写书写的范围")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    out, pending_zero = "", False
    for unit, group in (("亿", yuan // 10**8), ("万", yuan // 10**4 % 10**4), ("", yuan % 10**4)):
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _group_capitals(group) + unit
        pending_zero = False
    if yuan:
        out += "元"
    if jiao:
        out += _DIGITS[jiao] + "角"
    if fen:
        out += ("零" if yuan and not jiao else "") + _DIGITS[fen] + "分"
    if not cents:
        return "零元整"
    return out if fen else out + "整"


def _amount(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    figures = f"{Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    try:
        return f"人民币 {figures} 元（大写：{rmb_capitals(amount)}）"
    except ValueError:
        return f"人民币 {figures} 元"


# --------------------------------------------------------------------------- layout

# Wider left margin: the pages are bound on the left into the case file (卷宗).
PAGE_MARGINS = {"left": 28 * mm, "right": 20 * mm, "top": 25 * mm, "bottom": 22 * mm}
_WIDTH = A4[0] - PAGE_MARGINS["left"] - PAGE_MARGINS["right"]
_LABEL = 28 * mm
_FOUR = [_LABEL, _WIDTH / 2 - _LABEL, _LABEL, _WIDTH / 2 - _LABEL]
_TWO = [_LABEL, _WIDTH - _LABEL]


class _Styles:
    def __init__(self, font: str) -> None:
        def style(name: str, size: float, **kw: object) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size, leading=size * 1.55, wordWrap="CJK", **kw
            )

        self.font = font
        self.title = style("title", 20, alignment=TA_CENTER, spaceAfter=4 * mm)
        self.cover_title = style("cover", 30, alignment=TA_CENTER, spaceBefore=30 * mm)
        self.subtitle = style("subtitle", 12, alignment=TA_CENTER, spaceAfter=3 * mm)
        self.right = style("right", 10.5, alignment=TA_RIGHT, spaceAfter=2 * mm)
        self.body = style("body", 10.5)
        self.label = style("label", 10.5, alignment=TA_CENTER)
        self.cover = style("coverbody", 14)
        self.cover_label = style("coverlabel", 14, alignment=TA_CENTER)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), style)


_GRID = [
    ("GRID", (0, 0), (-1, -1), 0.75, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 4),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
]


def _pairs_table(rows: list[list[tuple[str, object]]], s: _Styles) -> Table:
    """Short fields, two label/value pairs a row; a row with one pair spans the full width."""
    data, spans = [], []
    for i, row in enumerate(rows):
        cells = []
        for label, value in row:
            cells += [_p(label, s.label), _p(value, s.body)]
        if len(row) == 1:
            cells += ["", ""]
            spans.append(("SPAN", (1, i), (3, i)))
        data.append(cells)
    return Table(data, colWidths=_FOUR, style=TableStyle(_GRID + spans))


_PAD_X, _PAD_TOP, _PAD_BOTTOM = 6, 4, 5  # ReportLab's cell padding, as in _GRID


class _TextRow(Flowable):
    """One label/free-text row of a form, drawn with the table's borders, that splits between
    lines of its text when it runs past the page.

    Not a Table row: ReportLab 4-5's ``splitInRow`` leaves the remainder of a split row its
    full height (a 5,000-character narrative came out with blank pages after it) and wraps
    spanned cells to the first column's width.
    """

    def __init__(self, name: str, content: list[Flowable], min_height: float, s: _Styles) -> None:
        super().__init__()
        self.name, self.content, self.min_height, self.s = name, content, min_height, s
        self.label = _p(name, s.label)
        self._text_width = _TWO[1] - 2 * _PAD_X

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._label_height = self.label.wrap(_TWO[0] - 2 * _PAD_X, avail_height)[1]
        self._heights = [f.wrap(self._text_width, 10**7)[1] for f in self.content]
        inner = max(sum(self._heights), self._label_height)
        self.width = _WIDTH
        self.height = max(inner + _PAD_TOP + _PAD_BOTTOM, self.min_height)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room = avail_height - _PAD_TOP - _PAD_BOTTOM
        first: list[Flowable] = []
        rest = list(self.content)
        while rest:
            height = rest[0].wrap(self._text_width, 10**7)[1]
            if height <= room:
                first.append(rest.pop(0))
                room -= height
                continue
            parts = rest[0].split(self._text_width, room)
            if len(parts) > 1:
                first.append(parts[0])
                rest[0:1] = parts[1:]
            break
        if not first or not rest:
            return []  # nothing fits here: the frame moves the whole row to the next page
        more = self.name if self.name.endswith("（续）") else self.name + "（续）"
        return [_TextRow(self.name, first, 0, self.s), _TextRow(more, rest, 0, self.s)]

    def draw(self) -> None:
        canvas = self.canv
        canvas.setLineWidth(0.75)
        canvas.rect(0, 0, self.width, self.height)
        canvas.line(_TWO[0], 0, _TWO[0], self.height)
        self.label.drawOn(canvas, _PAD_X, (self.height - self._label_height) / 2)
        y = self.height - _PAD_TOP
        for flowable, height in zip(self.content, self._heights, strict=True):
            y -= height
            flowable.drawOn(canvas, _TWO[0] + _PAD_X, y)


def _text_rows(rows: list[tuple[str, object]], s: _Styles, min_height: float = 0) -> list[_TextRow]:
    """Long fields, one label and one free-text cell a row; a list value is several paragraphs."""
    return [
        _TextRow(
            label,
            value if isinstance(value, list) else [_p(value, s.body)],
            min_height,
            s,
        )
        for label, value in rows
    ]


def _party_rows(parties: Sequence[PartyInfo]) -> list[list[tuple[str, object]]]:
    rows: list[list[tuple[str, object]]] = []
    for party in parties:
        rows += [
            [(party.role or "当事人", party.name), ("性别", party.sex)],
            [("民族", party.ethnicity), ("出生日期", _date(party.birth_date))],
            [("身份证号码", party.id_number), ("联系电话", party.phone)],
            [("住址", party.address)],
        ]
        if party.agent:
            rows.append([("代理人", party.agent)])
    return rows


def _parties_line(parties: Sequence[PartyInfo]) -> str:
    return "；".join(f"{p.role}：{p.name}" if p.role else p.name for p in parties)


def _title(text: str, s: _Styles) -> list[Flowable]:
    return [_p(text, s.title)]


class _SectionMark(Flowable):
    """Zero-size marker that notes the page it lands on, for the table of contents."""

    def __init__(self, key: str, pages: dict[str, int]) -> None:
        super().__init__()
        self.key, self.pages = key, pages

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.pages[self.key] = self.canv.getPageNumber()


def _canvas_class(font: str, reference_no: str) -> type[Canvas]:
    header = f"案号：{reference_no}"

    class NumberedCanvas(Canvas):
        # Pages are held back until save() so each footer can state the total (共 Y 页).
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 9)
                self.setFillColor(colors.black)
                top = A4[1] - PAGE_MARGINS["top"] + 6 * mm
                self.drawRightString(A4[0] - PAGE_MARGINS["right"], top, header)
                self.drawCentredString(A4[0] / 2, 12 * mm, f"第 {number} 页 共 {total} 页")
                super().showPage()
            super().save()

    return NumberedCanvas


def _render(story: list[Flowable], header: CaseHeader, title: str) -> tuple[bytes, int]:
    font = document_font().name
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGINS["left"],
        rightMargin=PAGE_MARGINS["right"],
        topMargin=PAGE_MARGINS["top"],
        bottomMargin=PAGE_MARGINS["bottom"],
        # Metadata is visible without opening a page: title and case number only, no names.
        title=f"{title} {header.reference_no}",
        creator="Fengqiao",
    )
    # No frame padding: the forms are exactly the text width, edge to edge between margins.
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=_canvas_class(font, header.reference_no))
    return buffer.getvalue(), doc.page


# --------------------------------------------------------------------------- stories


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


# --------------------------------------------------------------------------- public


def intake_register_pdf(header: CaseHeader, parties: Sequence[PartyInfo]) -> bytes:
    """受理登记表: case data, every party's details, the narrative and the request."""
    s = _Styles(document_font().name)
    return _render(_intake_story(header, parties, s), header, "人民调解受理登记表")[0]


def mediation_record_pdf(
    header: CaseHeader, parties: Sequence[PartyInfo], session: SessionRecord
) -> bytes:
    """调解记录 of one session, with blank lines for the parties', mediators' and clerk's
    signatures."""
    s = _Styles(document_font().name)
    return _render(_record_story(header, parties, session, s), header, "人民调解记录")[0]


def agreement_pdf(agreement: AgreementDoc, header: CaseHeader) -> bytes:
    """人民调解协议书 with the contents of art. 29: parties, facts, issues, responsibility,
    numbered terms with manner, place and deadline, number of copies, when it takes effect,
    a signature line per party and mediator (blank where none is recorded), the seal box, and
    the art. 33 note on joint judicial confirmation within 30 days."""
    s = _Styles(document_font().name)
    return _render(_agreement_story(agreement, header, s), header, "人民调解协议书")[0]


def return_visit_pdf(header: CaseHeader, visits: Sequence[ReturnVisitRecord]) -> bytes:
    """回访记录: one block per visit in the order given; a blank block when there are none."""
    s = _Styles(document_font().name)
    return _render(_visits_story(header, visits, s), header, "人民调解回访记录")[0]


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
