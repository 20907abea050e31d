"""What every document shares: A4 pages bound on the left, the form's styles, label/value
tables, long-text rows that split across pages, the numbered canvas and the renderer.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from fengqiao.disputes.mediation.documents.text import (
    _date,
    _markup,
)
from fengqiao.disputes.mediation.documents.values import (
    CaseHeader,
    PartyInfo,
)
from fengqiao.pdf_fonts import document_font

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
        if party.organisation:
            rows += [
                [(party.role or "当事人", party.name)],
                [("统一社会信用代码", party.credit_code), ("联系电话", party.phone)],
                [("法定代表人或负责人", party.representative)],
                [("住所", party.address)],
            ]
            if party.agent:
                rows.append([("代理人", party.agent)])
            continue
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
