"""The weekly and monthly brief of each police station (工作周报、月报), as PDF and Excel.

A brief is the station's indicators for the period (``indicators.compute`` for the station,
with 环比 and 同比), how the cases received and resolved spread over the places one level
down its jurisdiction (its townships, villages or communities), and what is open now: red
cases and overdue cases. The task worker produces last week's (Monday to Sunday) and last
month's for every station (``tasks.produce_briefs``); ``fengqiao manage briefs`` produces
any period. A brief is kept once per station, kind and start: producing it again replaces
it, so a rerun after a late correction gives the corrected figures.

Pages read briefs through ``briefs_for`` and ``get_brief_for`` (scoped: a station's brief
sits at its jurisdiction's path).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import Period, Result, Target
from fengqiao.analytics.models import Brief
from fengqiao.disputes import rules, selectors
from fengqiao.disputes.models import Case
from fengqiao.org.models import Unit
from fengqiao.org.scope import get_for
from fengqiao.pdf_fonts import document_font
from fengqiao.places.models import Region, subtree_q
from fengqiao.spreadsheets import text_safe_row

KINDS = tuple(Brief.Period.values)  # "week", "month"
# The places of the breakdown: what each is measured by.
BREAKDOWN_CODES = ("cases_received", "resolution_rate")
UNIT_TEXT = {"percent": "%", "minutes": " 分钟", "per_10k": "", "count": ""}


class BriefError(ValidationError):
    """Bad input to ``produce``: the message names the option to fix."""


# --- periods ---------------------------------------------------------------------------


def period_of(kind: str, day: dt.date) -> Period:
    """The week (Monday to Sunday) or the calendar month that contains ``day``."""
    if kind == Brief.Period.WEEK:
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if kind == Brief.Period.MONTH:
        return Period.month(day.year, day.month)
    raise BriefError({"period": _("简报类型只能是 week（周报）或 month（月报）")})


def last_period(kind: str, today: dt.date | None = None) -> Period:
    """The last whole week or month before ``today`` (today by default)."""
    today = today or timezone.localdate()
    if kind == Brief.Period.WEEK:
        return period_of(kind, today - dt.timedelta(days=today.weekday() + 1))
    return period_of(kind, today.replace(day=1) - dt.timedelta(days=1))


# --- what a brief says -------------------------------------------------------------------


@dataclass
class PlaceRow:
    name: str
    code: str
    received: int
    resolved: int
    resolution_rate: float | None


@dataclass
class BriefContent:
    unit: Unit
    kind: str
    period: Period
    results: list[Result]
    places: list[PlaceRow]
    open_red: int
    overdue: int
    as_of: dt.datetime

    @property
    def title(self) -> str:
        label = _("工作周报") if self.kind == Brief.Period.WEEK else _("工作月报")
        return f"{self.unit.name}{label}"

    @property
    def period_text(self) -> str:
        return _("%(start)s 至 %(end)s") % {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }


def _job_reader():
    """Who the brief reads the figures as: every station's, as the nightly facts rebuild
    does. An unsaved superuser, so the scoped reads of ``indicators`` see every place and
    nothing can sign in as it."""
    return get_user_model()(username="briefs-job", is_superuser=True, is_active=True)


def content_for(
    unit: Unit, kind: str, period: Period, *, now: dt.datetime | None = None
) -> BriefContent:
    """Everything the brief shows, read now."""
    reader = _job_reader()
    now = now or timezone.now()
    results = indicators.compute(reader, Target(unit=unit), period)
    places = []
    for region in Region.objects.filter(parent=unit.jurisdiction).order_by("code"):
        values = indicators.values_for(reader, Target(region=region), period, BREAKDOWN_CODES)
        rate = values["resolution_rate"]
        places.append(
            PlaceRow(
                name=region.name,
                code=region.code,
                received=int(values["cases_received"].value or 0),
                resolved=int(rate.numerator or 0),
                resolution_rate=rate.value,
            )
        )
    # Open and unresolved as the chief's board counts them, inside the station's area.
    open_cases = Case.objects.unscoped_for_jobs().filter(
        subtree_q(unit.jurisdiction.path, "scope_path"),
        state__in=sorted(rules.OPEN_STATES),
        resolved_at__isnull=True,
    )
    return BriefContent(
        unit=unit,
        kind=kind,
        period=period,
        results=results,
        places=places,
        open_red=open_cases.filter(risk="red").count(),
        overdue=open_cases.filter(selectors.overdue_q(now)).count(),
        as_of=now,
    )


def _number(value: float | None, unit: str = "count") -> str:
    if value is None:
        return "—"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text + UNIT_TEXT.get(unit, "")


def _change(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:+g}%"


def _fraction(result: Result) -> str:
    current = result.current
    if result.definition.statistic:
        return _("%(n)s 件") % {"n": _number(current.denominator)}
    if current.denominator is None:
        return ""
    return f"{_number(current.numerator)} / {_number(current.denominator)}"


# --- PDF ---------------------------------------------------------------------------------


def render_pdf(content: BriefContent) -> bytes:
    """The brief on A4 pages, set in the documents' CJK font."""
    font = document_font().name

    def style(name: str, size: float, **kw) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * 1.5, wordWrap="CJK", **kw
        )

    title, heading, body, cell = (
        style("title", 18, alignment=1, spaceAfter=2 * mm),
        style("heading", 12.5, spaceBefore=5 * mm, spaceAfter=2 * mm),
        style("body", 10.5),
        style("cell", 9),
    )

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph(str(text), cell) for text in row] for row in rows]
        return Table(
            data,
            colWidths=widths,
            repeatRows=1,
            style=TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            ),
        )

    figures = [
        [_("指标"), _("本期"), _("分子 / 分母"), _("上期"), _("环比"), _("去年同期"), _("同比")]
    ]
    for r in content.results:
        unit = r.definition.unit
        figures.append(
            [
                r.definition.zh,
                _number(r.current.value, unit),
                _fraction(r),
                _number(r.previous.value if r.previous else None, unit),
                _change(r.mom),
                _number(r.last_year.value if r.last_year else None, unit),
                _change(r.yoy),
            ]
        )
    places = [[_("地区"), _("登记纠纷数"), _("化解数"), _("化解率")]]
    places += [
        [p.name, str(p.received), str(p.resolved), _number(p.resolution_rate, "percent")]
        for p in content.places
    ]
    as_of = timezone.localtime(content.as_of).strftime("%Y-%m-%d %H:%M")
    story = [
        Paragraph(content.title, title),
        Paragraph(_("统计期间：%(period)s") % {"period": content.period_text}, body),
        Paragraph(_("一、主要指标"), heading),
        table(figures, [40 * mm, 22 * mm, 28 * mm, 20 * mm, 18 * mm, 22 * mm, 18 * mm]),
        Paragraph(_("二、辖区分布"), heading),
        table(places, [70 * mm, 32 * mm, 32 * mm, 32 * mm]),
        Paragraph(_("三、当前待办（截至 %(time)s）") % {"time": as_of}, heading),
        Paragraph(
            _("在办红色案件 %(red)s 件；超期案件 %(overdue)s 件。")
            % {"red": content.open_red, "overdue": content.overdue},
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("本简报由系统根据办案记录自动生成。"), cell),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{content.title} {content.period_text}",
        creator="Fengqiao",
    ).build(story)
    return buffer.getvalue()


# --- Excel -------------------------------------------------------------------------------

FIGURE_HEADER = (
    "指标代码",
    "指标",
    "本期",
    "分子",
    "分母",
    "单位",
    "上期",
    "环比(%)",
    "去年同期",
    "同比(%)",
)


def render_xlsx(content: BriefContent) -> bytes:
    """The brief as a workbook: 指标 (one row per indicator, the values as numbers),
    辖区分布 and 待办."""
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append(text_safe_row(sheet, [content.title, content.period_text]))
    sheet.append(list(FIGURE_HEADER))
    for r in content.results:
        sheet.append(
            text_safe_row(
                sheet,
                [
                    r.definition.code,
                    r.definition.zh,
                    r.current.value,
                    r.current.numerator,
                    r.current.denominator,
                    r.definition.unit,
                    r.previous.value if r.previous else None,
                    r.mom,
                    r.last_year.value if r.last_year else None,
                    r.yoy,
                ],
            )
        )
    places = book.create_sheet("辖区分布")
    places.append([_("地区代码"), _("地区"), _("登记纠纷数"), _("化解数"), _("化解率(%)")])
    for p in content.places:
        places.append(
            text_safe_row(places, [p.code, p.name, p.received, p.resolved, p.resolution_rate])
        )
    todo = book.create_sheet("待办")
    todo.append([_("项目"), _("件数"), _("截至")])
    as_of = timezone.localtime(content.as_of).replace(tzinfo=None)
    todo.append([_("在办红色案件"), content.open_red, as_of])
    todo.append([_("超期案件"), content.overdue, as_of])
    for each in (sheet, places, todo):
        for header in each[2 if each is sheet else 1]:
            header.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- producing and keeping ---------------------------------------------------------------


def produce(*, unit: Unit, kind: str, period: Period, now: dt.datetime | None = None) -> Brief:
    """Render and keep the station's brief for the period, replacing the one kept for the
    same station, kind and start."""
    content = content_for(unit, kind, period, now=now)
    pdf, xlsx = render_pdf(content), render_xlsx(content)
    with transaction.atomic():
        brief, _created = Brief.objects.update_or_create(
            unit=unit,
            period=kind,
            start=period.start,
            defaults={
                "end": period.end,
                "pdf": pdf,
                "xlsx": xlsx,
                "scope_path": unit.jurisdiction.path,
                # auto_now_add only on insert: a replaced brief shows when it was redone.
                "created_at": now or timezone.now(),
            },
        )
    return brief


def stations(code: str = "") -> list[Unit]:
    """Every police station, or the one with ``code`` (an error naming --unit otherwise)."""
    units = Unit.objects.unscoped_for_jobs().select_related("jurisdiction")
    if not code:
        return list(units.filter(kind=Unit.Kind.STATION).order_by("code"))
    unit = units.filter(code=code).first()
    if unit is None:
        raise BriefError({"unit": _("没有编码为 %(code)s 的单位") % {"code": code}})
    if unit.kind != Unit.Kind.STATION:
        raise BriefError({"unit": _("%(name)s 不是派出所：简报按派出所生成") % {"name": unit.name}})
    return [unit]


def produce_all(
    *, kinds: tuple[str, ...] = KINDS, day: dt.date | None = None, unit: str = ""
) -> list[Brief]:
    """The briefs of every station (or the one ``unit`` names) for each kind: the period
    containing ``day``, else the last whole week or month. All input is checked before
    anything is written."""
    for kind in kinds:
        if kind not in KINDS:
            raise BriefError({"period": _("简报类型只能是 week（周报）或 month（月报）")})
    today = timezone.localdate()
    if day is not None and day > today:
        raise BriefError({"date": _("日期不能晚于今天")})
    units = stations(unit)
    periods = [(kind, period_of(kind, day) if day else last_period(kind, today)) for kind in kinds]
    now = timezone.now()
    return [
        produce(unit=station, kind=kind, period=period, now=now)
        for kind, period in periods
        for station in units
    ]


# --- reading them (pages) ----------------------------------------------------------------


def briefs_for(user) -> QuerySet[Brief]:
    """The briefs in the user's jurisdiction, newest period first, without their files."""
    return (
        Brief.objects.for_user(user)
        .select_related("unit")
        .defer("pdf", "xlsx")
        .order_by("-start", "period", "unit__code")
    )


def get_brief_for(user, pk: int) -> Brief:
    """One brief in the user's jurisdiction; 404 for missing and out of scope alike."""
    return get_for(user, Brief.objects.select_related("unit"), pk=pk)
