"""The official statistics of dispute screening and mediation (矛盾纠纷排查调处情况统计表).

The layout of the forms the judicial and comprehensive-governance lines report on
(domain notes §1.1, §5.2, §7.2): per region and period, the disputes screened (排查数),
mediated (调处数), mediated successfully (调处成功数) with the rates, written and oral
agreements, the disputes by people involved (the four brackets add up to the number
screened), and the civil-to-criminal conversions and mass incidents prevented; in rows per
resolution level, per people's-mediation category (14 named and 其他) and per lower
division with a subtotal and the year to date.

Everything is read from the daily facts (``facts.case_measures`` is the one rule measuring
a case), scoped to the user: the region must lie in their jurisdiction and only facts
inside it are summed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from fengqiao import taxonomy
from fengqiao.analytics.facts import MASS_FROM
from fengqiao.analytics.models import DailyFact
from fengqiao.org.scope import get_for
from fengqiao.places.models import PATH_SEPARATOR, Region, subtree_q
from fengqiao.triage.mediation import mediation_category

# The regions a form is filled in for: a county, a township, a community or village.
REGION_LEVELS = ("county", "township", "community")
LEVELS = (1, 2, 3)
BRACKETS = ("people_lt50", "people_50_100", "people_100_500", "people_gt500")
COUNTED = (
    "received",
    "mediated",
    "mediation_succeeded",
    "agreements_written",
    "agreements_oral",
    *BRACKETS,
    "criminal_prevented",
    "mass_prevented",
)
OTHER = "other"
FIRST_YEAR = 2000
LEVEL_LABELS = {1: gettext_lazy("一级"), 2: gettext_lazy("二级"), 3: gettext_lazy("三级")}
# One message per quarter, so a translation can say "Q3 2026" rather than carry the numeral.
QUARTER_LABELS = {
    1: gettext_noop("%(year)s年第一季度"),
    2: gettext_noop("%(year)s年第二季度"),
    3: gettext_noop("%(year)s年第三季度"),
    4: gettext_noop("%(year)s年第四季度"),
}


# --- the period -------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialPeriod:
    """A year, a month of it or a quarter of it: the periods the forms are reported for."""

    year: int
    month: int | None = None
    quarter: int | None = None

    @classmethod
    def parse(cls, year="", month="", quarter="") -> OfficialPeriod:
        """From the form's strings; a blank year is this year, a blank month and quarter
        the whole year. Errors name the field that is wrong."""
        today = timezone.localdate()
        errors = {}
        number = _number(year)
        if year in (None, ""):
            number = today.year
        elif number is None:
            errors["year"] = _("年份应为四位数字，例如 %(year)s") % {"year": today.year}
        elif not FIRST_YEAR <= number <= today.year:
            errors["year"] = _("年份应在 %(first)s 至 %(last)s 之间") % {
                "first": FIRST_YEAR,
                "last": today.year,
            }
        chosen = {}
        for name, text, last, message in (
            ("month", month, 12, _("月份应为 1 至 12")),
            ("quarter", quarter, 4, _("季度应为 1 至 4")),
        ):
            if text in (None, ""):
                continue
            value = _number(text)
            if value is None or not 1 <= value <= last:
                errors[name] = message
            else:
                chosen[name] = value
        if "month" in chosen and "quarter" in chosen:
            errors["quarter"] = _("月份和季度只能选一个")
        if errors:
            raise ValidationError(errors)
        period = cls(number, chosen.get("month"), chosen.get("quarter"))
        if period.start > today:
            name = "month" if period.month else "quarter" if period.quarter else "year"
            raise ValidationError({name: _("所选期间尚未开始")})
        return period

    @property
    def start(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, self.quarter * 3 - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        last_month = self.month or (self.quarter * 3 if self.quarter else 12)
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    @property
    def whole_year(self) -> bool:
        return not (self.month or self.quarter)

    @property
    def label(self) -> str:
        if self.month:
            return _("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}
        if self.quarter:
            return _(QUARTER_LABELS[self.quarter]) % {"year": self.year}
        return _("%(year)s年") % {"year": self.year}

    @property
    def slug(self) -> str:
        """For a file name: 2026, 2026-03, 2026-Q1."""
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)


def _number(text) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


# --- the region -------------------------------------------------------------------------


def regions_for(user):
    """The counties, townships and communities in the user's jurisdiction, outermost first
    within each branch (tree order)."""
    return (
        Region.objects.for_user(user)
        .filter(level__in=REGION_LEVELS)
        .only("code", "name", "level", "depth", "path")
        .order_by("path")
    )


def region_for(user, code: str = "") -> Region:
    """The region named by ``code`` inside the user's jurisdiction (404 outside it, as for
    any record), which must be a county, township or community; by default the outermost
    such region the user may see."""
    regions = Region.objects.only("code", "name", "level", "depth", "path", "parent_id")
    if not code:
        region = regions_for(user).order_by("depth", "path").first()
        if region is None:
            raise Http404
        return region
    region = get_for(user, regions, code=code)
    if region.level not in REGION_LEVELS:
        raise ValidationError({"region": _("只能选择县（区）、乡镇（街道）或社区（村）")})
    return region


# --- the table --------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """In percent, one decimal; no value (None) for a zero denominator, never 0."""
    if not denominator:
        return None
    return round(numerator / denominator * 100, 1)


@dataclass
class Line:
    """One row of the form: what it counts (a level, a category, a division, the total),
    its counts for the period, and for the year to date where the form has that block."""

    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    year_to_date: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    code: str = ""
    # A division whose own form may be opened (a county, township or community).
    drillable: bool = False

    def value(self, key: str, *, year_to_date: bool = False) -> int | float | None:
        """A count, or one of the two rates: 调处率 = 调处数 ÷ 排查数, 调处成功率 =
        调处成功数 ÷ 调处数 (the formulas of the comprehensive-governance form)."""
        counts = self.year_to_date if year_to_date else self.counts
        if key == "mediation_rate":
            return rate(counts["mediated"], counts["received"])
        if key == "success_rate":
            return rate(counts["mediation_succeeded"], counts["mediated"])
        return counts[key]

    def add(self, row: dict, *, year_to_date: bool = False) -> None:
        counts = self.year_to_date if year_to_date else self.counts
        for name in COUNTED:
            counts[name] += row.get(name) or 0


@dataclass(frozen=True)
class Column:
    """One column of a table: the value's key, its header, the merged header above it,
    and whether it reads the year to date."""

    key: str
    label: str
    group: str = ""
    year_to_date: bool = False

    @property
    def is_rate(self) -> bool:
        return self.key.endswith("_rate")


def column_groups(columns: list[Column]) -> list[tuple[str, list[Column]]]:
    """Consecutive columns under one merged header, as the two header rows draw them:
    (group label, its columns), or ("", [column]) for a column that spans both rows."""
    groups: list[tuple[str, list[Column]]] = []
    for column in columns:
        if column.group and groups and groups[-1][0] == column.group:
            groups[-1][1].append(column)
        else:
            groups.append((column.group, [column]))
    return groups


def cells(line: Line, columns: list[Column]) -> list:
    return [line.value(c.key, year_to_date=c.year_to_date) for c in columns]


def _bracket_columns(group: str) -> list[Column]:
    return [
        Column("people_lt50", _("不足50人"), group),
        Column("people_50_100", _("50至100人"), group),
        Column("people_100_500", _("100至500人"), group),
        Column("people_gt500", _("500人以上"), group),
    ]


def category_columns() -> list[Column]:
    """The columns of the table by level and category."""
    return [
        Column("received", _("排查数")),
        Column("mediated", _("调处数")),
        Column("mediation_rate", _("调处率（%）")),
        Column("mediation_succeeded", _("调处成功数")),
        Column("success_rate", _("调处成功率（%）")),
        Column("agreements_written", _("书面"), _("调解协议")),
        Column("agreements_oral", _("口头"), _("调解协议")),
        *_bracket_columns(_("涉及人数")),
        Column("criminal_prevented", _("防止民转刑")),
        Column("mass_prevented", _("防止群体性事件")),
    ]


def division_columns(with_year_to_date: bool) -> list[Column]:
    """The columns of the table by lower division: this period, its people brackets, and
    the year to date (left out when the period is the whole year: it would repeat it)."""
    period = _("本期")
    columns = [
        Column("received", _("排查数"), period),
        Column("mediated", _("调处数"), period),
        Column("mediation_rate", _("调处率（%）"), period),
        Column("mediation_succeeded", _("调处成功数"), period),
        Column("success_rate", _("调处成功率（%）"), period),
        *_bracket_columns(_("本期涉及人数")),
    ]
    if with_year_to_date:
        total = _("年度累计")
        columns += [
            Column("received", _("排查数"), total, year_to_date=True),
            Column("mediated", _("调处数"), total, year_to_date=True),
            Column("mediation_succeeded", _("调处成功数"), total, year_to_date=True),
            Column("success_rate", _("调处成功率（%）"), total, year_to_date=True),
        ]
    return columns


@dataclass
class OfficialTable:
    region: Region
    period: OfficialPeriod
    total: Line
    levels: list[Line]
    categories: list[Line]
    # Codes that are not people's-mediation categories, counted on the official line that
    # ``triage.mediation`` maps them to: (our label, count, the line's label).
    folded: list[tuple[str, int, str]]
    divisions: list[Line]
    subtotal: Line

    @property
    def year_to_date(self) -> tuple[dt.date, dt.date]:
        return dt.date(self.period.year, 1, 1), self.period.end

    @property
    def category_columns(self) -> list[Column]:
        return category_columns()

    @property
    def division_columns(self) -> list[Column]:
        return division_columns(not self.period.whole_year)

    @property
    def category_groups(self) -> list[tuple[str, list[Column]]]:
        return column_groups(self.category_columns)

    @property
    def division_groups(self) -> list[tuple[str, list[Column]]]:
        return column_groups(self.division_columns)

    @property
    def category_sections(self) -> list[tuple[str, list[tuple[Line, list]]]]:
        """(section label, [(line, cells)]): the total (no label), by level, by category."""
        columns = self.category_columns
        return [
            (section, [(line, cells(line, columns)) for line in lines])
            for section, lines in (
                ("", [self.total]),
                (_("按层级"), self.levels),
                (_("按纠纷类别"), self.categories),
            )
        ]

    @property
    def division_rows(self) -> list[tuple[Line, list]]:
        columns = self.division_columns
        return [(line, cells(line, columns)) for line in self.divisions]

    @property
    def subtotal_cells(self) -> list:
        return cells(self.subtotal, self.division_columns)

    @property
    def title(self) -> str:
        return _("%(region)s矛盾纠纷排查调处情况统计表") % {"region": self.region.name}

    @property
    def notes(self) -> list[str]:
        """What a reader of the form needs to know to read it right."""
        levels = "；".join(taxonomy.label("level", n) for n in LEVELS)
        notes = [
            _("调处率 = 调处数 ÷ 排查数；调处成功率 = 调处成功数 ÷ 调处数；分母为 0 时不计算。"),
            _("涉及人数按案件当事人人数计，含下限不含上限（50至100人即 50–99 人）。"),
            _("层级为案件当前所处的化解层级（%(levels)s）。") % {"levels": levels},
            _("防止民转刑：红色风险案件已化解且未转为刑事案件。"),
            _("防止群体性事件：当事人 %(people)s 人及以上的案件已化解。") % {"people": MASS_FROM},
        ]
        lines = dict.fromkeys(line for _label, _count, line in self.folded)
        for line in lines:
            parts = "、".join(
                _("%(label)s %(count)s 件") % {"label": label, "count": count}
                for label, count, into in self.folded
                if into == line
            )
            notes.append(
                _("“%(line)s”含非人民调解类别：%(parts)s。") % {"line": line, "parts": parts},
            )
        return notes


def _mediation_codes() -> list[str]:
    return [e["code"] for e in taxonomy.entries("category") if e.get("mediation_category")]


def _line_code(code: str, lines: dict[str, str]) -> str:
    """The code of the official line ``code`` is counted on, by the one mapping triage and
    the statistics share (``triage.mediation``: campus is 损害赔偿, fraud is 其他); a code
    the taxonomy no longer knows counts under 其他."""
    try:
        return lines[mediation_category(code)]
    except KeyError:
        return OTHER


def _sums(rows, *group):
    return (
        rows.order_by()
        .values(*group)
        .annotate(**{name: Sum(name) for name in COUNTED})
        .values(*group, *COUNTED)
    )


def official_table(user, region: Region, period: OfficialPeriod) -> OfficialTable:
    """The form for ``region`` (in the user's jurisdiction: see ``region_for``) and
    ``period``, from the facts the user may see; three grouped queries and one for the
    lower divisions, whatever the size of the region."""
    facts = DailyFact.objects.for_user(user).filter(
        subtree_q(region.path, "scope_path"), level__in=LEVELS
    )
    in_period = facts.filter(day__gte=period.start, day__lte=period.end)

    total = Line(_("合计"))
    levels = {n: Line(str(LEVEL_LABELS[n]), code=str(n)) for n in LEVELS}
    codes = _mediation_codes()
    categories = {code: Line(taxonomy.label("category", code), code=code) for code in codes}
    lines = {mediation_category(code): code for code in codes}
    folded: dict[tuple[str, str], int] = {}
    for row in _sums(in_period, "category", "level"):
        code = row["category"]
        total.add(row)
        levels[row["level"]].add(row)
        if code not in categories:
            line = _line_code(code, lines)
            folded[code, line] = folded.get((code, line), 0) + (row["received"] or 0)
            code = line
        categories[code].add(row)

    divisions, subtotal = _divisions(user, region, facts, in_period, period)
    return OfficialTable(
        region=region,
        period=period,
        total=total,
        levels=[levels[n] for n in LEVELS],
        categories=[categories[code] for code in codes],
        folded=[
            (taxonomy.label("category", code), n, categories[line].label)
            for (code, line), n in sorted(folded.items())
            if n
        ],
        divisions=divisions,
        subtotal=subtotal,
    )


def _divisions(user, region: Region, facts, in_period, period: OfficialPeriod):
    """A row per child region (townships of a county, villages of a township, grids of a
    village), every one listed even with nothing to count, and their subtotal."""
    children = (
        Region.objects.for_user(user)
        .filter(parent=region)
        .only("code", "name", "level", "path")
        .order_by("path")
    )
    lines = {
        child.code: Line(child.name, code=child.code, drillable=child.level in REGION_LEVELS)
        for child in children
    }
    subtotal = Line(_("小计"))
    blocks = [(in_period, False)]
    if not period.whole_year:
        year = facts.filter(day__gte=dt.date(period.year, 1, 1), day__lte=period.end)
        blocks.append((year, True))
    for rows, year_to_date in blocks:
        for row in _sums(rows, "scope_path"):
            code = _child_code(region.path, row["scope_path"])
            if code not in lines:
                lines[code] = Line(code, code=code)
            for line in (lines[code], subtotal):
                line.add(row, year_to_date=year_to_date)
    if period.whole_year:
        # The year to date is the period itself.
        for line in (*lines.values(), subtotal):
            line.year_to_date = dict(line.counts)
    return list(lines.values()), subtotal


def _child_code(parent_path: str, path: str) -> str:
    """The code of the child of ``parent_path`` that ``path`` lies under."""
    return path[len(parent_path) :].split(PATH_SEPARATOR, 1)[0]
