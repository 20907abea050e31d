"""The building poster 「平安楼栋 · 谁在守护我的楼」 as PDF bytes: one A4 page a building, to
print and put up at its entrance. Pure rendering: the cards of ``building_selectors`` and
the address each QR code opens in, bytes out.

Every page: the title, the building's name and address, the QR code of its public page
(/b/<code>/) with that address printed under it, the people who look after the building
with the phones they chose to publish (never a private one), the police room's and
station's duty phones, and the alarm hint.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

import segno
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from fengqiao.outreach.building_selectors import BuildingGuardians
from fengqiao.pdf_fonts import document_font

MARGIN = 15 * mm
QR_SIZE = 66 * mm
QR_QUIET_MODULES = 4
BRAND = colors.HexColor("#8b2b1d")
DANGER = colors.HexColor("#b3261e")
_WIDTH = A4[0] - 2 * MARGIN
_HEIGHT = A4[1] - 2 * MARGIN


class _Styles:
    def __init__(self, font: str) -> None:
        def style(name: str, size: float, **kw: object) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size, leading=size * 1.4, wordWrap="CJK", **kw
            )

        self.font = font
        self.title = style("title", 28, alignment=TA_CENTER, textColor=BRAND, spaceAfter=4 * mm)
        self.name = style("name", 24, alignment=TA_CENTER, spaceAfter=1 * mm)
        self.address = style("address", 13, alignment=TA_CENTER, spaceAfter=3 * mm)
        self.url = style("url", 9, alignment=TA_CENTER, spaceAfter=1 * mm)
        self.scan = style("scan", 14, alignment=TA_CENTER, spaceAfter=4 * mm)
        self.cell = style("cell", 13)
        self.cell_name = style("cellname", 15)
        self.muted = style("muted", 11, textColor=colors.HexColor("#555555"))
        self.alarm = style("alarm", 18, alignment=TA_CENTER, textColor=DANGER, spaceBefore=4 * mm)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


class _QrCode(Flowable):
    """A QR code drawn as filled rectangles, one per run of dark modules in a row: vector,
    sharp at any size, and quick (segno encodes it; ReportLab's own widget builds one shape
    object per module and encodes twice, seconds a page)."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.matrix = segno.make(url, error="m", boost_error=False).matrix
        self.size = size
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        # The size includes the quiet zone readers need: four light modules all round.
        module = self.size / (len(self.matrix) + 2 * QR_QUIET_MODULES)
        offset = QR_QUIET_MODULES * module
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for row_index, row in enumerate(self.matrix):
            y = self.size - offset - (row_index + 1) * module
            start = None
            for column, dark in enumerate([*row, 0]):
                if dark and start is None:
                    start = column
                elif not dark and start is not None:
                    path.rect(offset + start * module, y, (column - start) * module, module)
                    start = None
        canvas.drawPath(path, stroke=0, fill=1)


def _people_table(card: BuildingGuardians, s: _Styles) -> Table:
    rows = []
    for label, people in card.slots:
        if not people:
            rows.append([_p(label, s.cell), _p(_("暂未安排"), s.muted), ""])
        for person in people:
            role = escape(label) + (f"<br/>{escape(person.team)}" if person.team else "")
            phone = (
                _p(person.phone_display, s.cell_name)
                if person.public_phone
                else _p(_("未公开，可扫码一键报警或在线反映"), s.muted)
            )
            rows.append([Paragraph(role, s.cell), _p(person.name, s.cell_name), phone])
    for unit in card.police_units:
        rows.append(
            [
                _p(unit.kind_label, s.cell),
                _p(unit.name, s.cell_name),
                _p(unit.phone, s.cell_name) if unit.phone else _p("", s.muted),
            ]
        )
    table = Table(rows, colWidths=[0.3 * _WIDTH, 0.32 * _WIDTH, 0.38 * _WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _page(card: BuildingGuardians, url: str, s: _Styles) -> list[Flowable]:
    content = [
        _p(_("平安楼栋 · 谁在守护我的楼"), s.title),
        _p(card.building.name, s.name),
        _p(card.address, s.address),
        _QrCode(url, QR_SIZE),
        _p(url, s.url),
        _p(_("微信或手机相机扫码：查看守护人、一键报警、在线反映问题"), s.scan),
        _people_table(card, s),
        _p(_("遇到紧急情况请立即拨打 110 · 政务服务热线 12345"), s.alarm),
    ]
    # One page a building, whatever the number of people: shrink rather than spill over.
    return [KeepInFrame(_WIDTH, _HEIGHT - 2 * mm, content, mode="shrink")]


def posters_pdf(cards: Sequence[BuildingGuardians], url_for: Callable[[str], str]) -> bytes:
    """One A4 page for each card, in order; ``url_for(code)`` is the address of the
    building's public page that its QR code opens."""
    font = document_font().name
    s = _Styles(font)
    story: list[Flowable] = []
    for index, card in enumerate(cards):
        if index:
            story.append(PageBreak())
        story += _page(card, url_for(card.building.code), s)
    if not story:
        story.append(Spacer(1, 1))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("平安楼栋海报"),
        author=_("枫桥"),
    )
    doc.build(story)
    return buffer.getvalue()
