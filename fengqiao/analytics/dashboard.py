"""The figures dashboard (统计分析): one page for the station chief, the county and the analyst.

For a target (a region or a unit; the user's own area by default) and a period (this year
to today by default) it shows every indicator as a card with its numerator and denominator
and 环比/同比, the last twelve months as trend lines, the places one level down compared,
a heat map of the grids and the laggard police rooms. Every table downloads as Excel from
the same rows (``sheets``) and every figure links to the cases behind it (``drill``).
Everything is read inside the user's scope: the target must lie in it (404 otherwise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.analytics import columnar, evaluation, heatmap, indicators
from fengqiao.analytics.indicators import (
    CASE_MEASURES,
    DEFINITIONS,
    Definition,
    Period,
    Result,
    Target,
    Value,
)
from fengqiao.analytics.sheets import Link, Table
from fengqiao.places.models import Region

TREND_MONTHS = 12
# The indicators the places one level down are compared by (a bar chart and a table).
COMPARE_CODES = (
    "cases_received",
    "resolution_rate",
    "mediation_success_rate",
    "resolved_level_1",
    "first_action_on_time",
    "satisfaction_rate",
    "reports_per_10k",
    "civil_to_criminal",
)
UNIT_SUFFIX = {
    "percent": "%",
    "per_10k": gettext_lazy("/万人"),
    "minutes": gettext_lazy("分钟"),
    "count": gettext_lazy("件"),
}
TABLES = ("indicators", "trend", "regions", "map", "laggards")


def format_value(unit: str, value: float | None) -> str:
    """A figure as people read it: 97.6 (percent), 12.3 (per 10,000), 15 (minutes), 1356."""
    if value is None:
        return "—"
    if unit in ("percent", "per_10k"):
        return f"{value:.1f}"
    if unit == "minutes":
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return f"{value:.0f}"


def format_count(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


# --- what is asked for ------------------------------------------------------------------


def quick_periods(today: dt.date | None = None) -> list[tuple[str, str, Period]]:
    """This month, this quarter and this year, each up to today."""
    today = today or timezone.localdate()
    quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return [
        ("month", _("本月"), Period(today.replace(day=1), today)),
        ("quarter", _("本季度"), Period(quarter, today)),
        ("year", _("本年"), Period(today.replace(month=1, day=1), today)),
    ]


def target_query(target: Target) -> dict[str, str]:
    """The query naming the target, as the pages take it."""
    if target.person is not None:
        return {"person": str(target.person.pk)}
    if target.unit is not None:
        return {"unit": target.unit.code}
    return {"region": target.region.code}


def period_query(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def dashboard_url(target: Target, period: Period) -> str:
    query = {**target_query(target), **period_query(period)}
    return f"{reverse('analytics:dashboard')}?{urlencode(query)}"


def drill_url(code: str, part: str, target: Target, period: Period) -> str:
    """The page listing the cases behind one part of an indicator."""
    query = {"code": code, "part": part, **target_query(target), **period_query(period)}
    return f"{reverse('analytics:cases')}?{urlencode(query)}"


def drill_parts(definition: Definition) -> dict[str, str | None]:
    """Which parts of an indicator have cases behind them: numerator, denominator or none."""
    denominator = "responded" if definition.statistic else definition.denominator
    return {
        "numerator": definition.drillable,
        "denominator": denominator if denominator in CASE_MEASURES else None,
    }


def parse(user, params) -> tuple[Target, Period]:
    """The target and period named by a page's query: errors name the field."""
    errors: dict[str, list] = {}
    try:
        period = Period.parse(params.get("from"), params.get("to"))
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        target = indicators.target_for(
            user,
            region=params.get("region", ""),
            unit=params.get("unit", ""),
            person=params.get("person", ""),
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return target, period


# --- the cards --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """环比 or 同比 of one indicator: the change in percent, and whether it is good news."""

    label: str
    percent: float | None
    before: str
    good: str

    @property
    def arrow(self) -> str:
        if self.percent is None:
            return ""
        return "▲" if self.percent > 0 else "▼" if self.percent < 0 else "＝"

    @property
    def tone(self) -> str:
        """``good``, ``bad`` or ``neutral``: the colour of the arrow."""
        if not self.percent or self.good not in ("up", "down"):
            return "neutral"
        rising = self.percent > 0
        return "good" if rising == (self.good == "up") else "bad"

    @property
    def text(self) -> str:
        if self.percent is None:
            return "—"
        if self.percent == 0:
            return _("持平")
        return f"{abs(self.percent):.1f}%"


@dataclass(frozen=True)
class Card:
    result: Result
    value: str
    suffix: str
    numerator: str
    denominator: str
    numerator_url: str | None
    denominator_url: str | None
    changes: tuple[Change, Change]

    @property
    def definition(self) -> Definition:
        return self.result.definition

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def has_fraction(self) -> bool:
        return self.result.current.denominator is not None


def card_for(result: Result, target: Target, period: Period) -> Card:
    d = result.definition
    parts = drill_parts(d)
    current = result.current
    before = result.previous.value if result.previous else None
    last_year = result.last_year.value if result.last_year else None
    return Card(
        result=result,
        value=format_value(d.unit, current.value),
        suffix=str(UNIT_SUFFIX[d.unit]),
        numerator=format_count(current.numerator),
        denominator=format_count(current.denominator),
        numerator_url=drill_url(d.code, "numerator", target, period)
        if parts["numerator"]
        else None,
        denominator_url=drill_url(d.code, "denominator", target, period)
        if parts["denominator"]
        else None,
        changes=(
            Change(_("环比"), result.mom, format_value(d.unit, before), d.good),
            Change(_("同比"), result.yoy, format_value(d.unit, last_year), d.good),
        ),
    )


# --- the page ---------------------------------------------------------------------------


class Dashboard:
    """The figures of one target and period, each part computed when first asked for, so a
    download of one table computes only that table."""

    def __init__(self, user, target: Target, period: Period, *, measure: str = "cases"):
        if measure not in heatmap.MEASURES:
            raise ValidationError(
                {"measure": _("请选择地图指标：案件数、红色案件数或每万人报事数")}
            )
        self.user = user
        self.target = target
        self.period = period
        self.measure = measure

    @property
    def about(self) -> str:
        """What the figures cover, in words: the place and the period."""
        return f"{self.target.label} {self.period.start:%Y-%m-%d} — {self.period.end:%Y-%m-%d}"

    @property
    def region(self) -> Region | None:
        """The region whose places are compared and mapped (a unit's jurisdiction)."""
        if self.target.region is not None:
            return self.target.region
        if self.target.unit is not None:
            return self.target.unit.jurisdiction
        return None

    @cached_property
    def ancestors(self) -> list[Region]:
        """The regions above the target that the user may open, outermost first."""
        if self.region is None:
            return []
        regions = Region.objects.for_user(self.user).filter(code__in=self.region.ancestor_codes)
        return list(regions.order_by("depth"))

    @property
    def ancestor_links(self) -> list[tuple[str, str]]:
        return [(region.name, self.link_to(region)) for region in self.ancestors]

    def link_to(self, region: Region) -> str:
        return dashboard_url(Target(region=region), self.period)

    @cached_property
    def results(self) -> list[Result]:
        return indicators.compute(self.user, self.target, self.period)

    @cached_property
    def cards(self) -> list[Card]:
        return [card_for(result, self.target, self.period) for result in self.results]

    @cached_property
    def trend(self) -> list[tuple[Period, dict[str, Value]]]:
        return indicators.trend(self.user, self.target, TREND_MONTHS)

    @cached_property
    def children(self) -> list[Region]:
        if self.region is None:
            return []
        regions = Region.objects.for_user(self.user).filter(parent=self.region)
        return list(regions.order_by("path"))

    @cached_property
    def places_table(self) -> columnar.PlaceTable | None:
        """For a big place (thousands of grids), the places one level down summed at once,
        from the columnar copy where it is fresh (its age shown beside the table)."""
        if not columnar.suits(self.user, self.region):
            return None
        return columnar.table_by(self.user, self.region, self.period, depth=1)

    @cached_property
    def comparison(self) -> list[tuple[Region, dict[str, Value]]]:
        """Each place one level down with the compared indicators' values."""
        if self.places_table is not None:
            compared = [DEFINITIONS[code] for code in COMPARE_CODES]
            return [(place.region, place.values(compared)) for place in self.places_table.places]
        return [
            (
                child,
                indicators.values_for(self.user, Target(region=child), self.period, COMPARE_CODES),
            )
            for child in self.children
        ]

    @cached_property
    def heat(self) -> heatmap.HeatMap | None:
        if self.region is None:
            return None

        def link(place: Region) -> str:
            return drill_url("cases_received", "numerator", Target(region=place), self.period)

        return heatmap.heat_map(self.user, self.region, self.period, self.measure, link)

    @cached_property
    def laggards(self) -> list[evaluation.Score] | None:
        """The laggard police rooms inside the target, lowest score first; None when the
        user may not see the evaluation."""
        try:
            scores = evaluation.ranking(self.user, self.period, kind="police_room")
        except PermissionDenied:
            return None
        path = self.target.path
        inside = [
            s
            for s in scores
            if s.laggard
            and (
                path is None or (s.unit.jurisdiction and s.unit.jurisdiction.path.startswith(path))
            )
        ]
        return sorted(inside, key=lambda s: (s.score is None, s.score or 0, s.unit.code))

    # --- the tables, as shown and as downloaded -----------------------------------------

    def table(self, name: str) -> Table:
        if name not in TABLES:
            raise ValidationError({"table": _("没有这张表：%(name)s") % {"name": name[:40]}})
        return getattr(self, f"{name}_table")

    @cached_property
    def indicators_table(self) -> Table:
        table = Table(
            "indicators",
            _("指标"),
            [_("指标"), _("数值"), _("单位"), _("分子"), _("分母"), _("环比"), _("同比")],
            numeric=frozenset({1, 3, 4, 5, 6}),
        )
        for card in self.cards:
            current = card.result.current
            numerator = current.numerator
            table.rows.append(
                [
                    card.definition.name,
                    Link(current.value, card.numerator_url)
                    if card.numerator_url
                    else current.value,
                    card.suffix,
                    Link(numerator, card.numerator_url) if card.numerator_url else numerator,
                    Link(current.denominator, card.denominator_url)
                    if card.denominator_url
                    else current.denominator,
                    card.result.mom,
                    card.result.yoy,
                ]
            )
        return table

    @cached_property
    def trend_table(self) -> Table:
        definitions = list(DEFINITIONS.values())
        table = Table(
            "trend",
            _("近十二个月趋势"),
            [_("月份")] + [d.name for d in definitions],
            numeric=frozenset(range(1, len(definitions) + 1)),
        )
        for period, values in self.trend:
            row: list = [f"{period.start:%Y-%m}"]
            row += [_figure(d, values[d.code].value, self.target, period) for d in definitions]
            table.rows.append(row)
        return table

    @cached_property
    def regions_table(self) -> Table:
        definitions = [DEFINITIONS[code] for code in COMPARE_CODES]
        table = Table(
            "regions",
            _("下级区域对比"),
            [_("区域")] + [f"{d.name}（{UNIT_SUFFIX[d.unit]}）" for d in definitions],
            numeric=frozenset(range(1, len(definitions) + 1)),
        )
        for child, values in self.comparison:
            row: list = [Link(child.name, self.link_to(child))]
            place = Target(region=child)
            row += [_figure(d, values[d.code].value, place, self.period) for d in definitions]
            table.rows.append(row)
        return table

    @cached_property
    def map_table(self) -> Table:
        table = Table(
            "map",
            _("网格热力") if self.heat is None or self.heat.shows == "grids" else _("区域热力"),
            [
                _("名称"),
                _("案件数"),
                _("红色案件数"),
                _("报事数"),
                _("常住人口"),
                _("每万人报事数"),
            ],
            numeric=frozenset({1, 2, 3, 4, 5}),
        )
        if self.heat is None:
            return table
        measure = self.heat.measure
        areas = sorted(
            self.heat.areas,
            key=lambda a: (a.value(measure) is None, -(a.value(measure) or 0), a.region.path),
        )
        for area in areas:
            cases = drill_url(
                "cases_received", "numerator", Target(region=area.region), self.period
            )
            table.rows.append(
                [
                    area.region.name,
                    Link(area.cases, cases),
                    area.red,
                    area.reports,
                    area.population or None,
                    area.reports_per_10k,
                ]
            )
        return table

    @cached_property
    def laggards_table(self) -> Table:
        table = Table(
            "laggards",
            _("后进警务室"),
            [_("排名"), _("警务室"), _("得分"), _("星级"), _("主要失分")],
            numeric=frozenset({0, 2, 3}),
        )
        for score in self.laggards or []:
            unit_target = Target(unit=score.unit)
            table.rows.append(
                [
                    score.rank,
                    Link(score.unit.name, dashboard_url(unit_target, self.period)),
                    score.score,
                    score.stars,
                    _lost_points(score),
                ]
            )
        return table

    # --- the charts' data ---------------------------------------------------------------

    def chart_data(self) -> dict:
        """What figures.js draws: the trend of every indicator and the places compared, each
        point with the address of its cases."""
        months = [f"{period.start:%Y-%m}" for period, _values in self.trend]
        trend = [
            _series(d, [(self.target, period, values) for period, values in self.trend])
            for d in DEFINITIONS.values()
        ]
        compared = [
            _series(
                DEFINITIONS[code],
                [(Target(region=child), self.period, values) for child, values in self.comparison],
            )
            for code in COMPARE_CODES
        ]
        return {
            "months": months,
            "trend": trend,
            "places": [child.name for child, _values in self.comparison],
            "compared": compared,
        }


def cases_url(definition: Definition, target: Target, period: Period) -> str | None:
    """Where the cases behind an indicator's figure are listed; None if it counts none."""
    if not drill_parts(definition)["numerator"]:
        return None
    return drill_url(definition.code, "numerator", target, period)


def _series(definition: Definition, points: list[tuple[Target, Period, dict]]) -> dict:
    """One indicator's values at each point (a month, a place) and where their cases are."""
    return {
        "code": definition.code,
        "name": definition.name,
        "unit": str(UNIT_SUFFIX[definition.unit]),
        "values": [values[definition.code].value for _target, _period, values in points],
        "links": [cases_url(definition, target, period) for target, period, _values in points],
    }


def _figure(definition: Definition, value, target: Target, period: Period):
    """A table's cell for a figure: a link to its cases where it has any."""
    url = cases_url(definition, target, period)
    return Link(value, url) if url else value


def _lost_points(score) -> str:
    """The two criteria that cost the most points, and any deductions, in a few words."""
    lost = [
        (part.criterion.points - part.points, part.name)
        for part in score.parts
        if part.points is not None and part.points < part.criterion.points
    ]
    words = [
        _("%(name)s 失 %(points).1f 分") % {"name": name, "points": points}
        for points, name in sorted(lost, reverse=True)[:2]
    ]
    if score.deducted:
        words.append(_("扣 %(points).1f 分") % {"points": score.deducted})
    return "；".join(words)


def for_request(user, params) -> Dashboard:
    """The dashboard a page's query asks for (``region``/``unit``, ``from``, ``to``,
    ``measure``); bad input raises ``ValidationError`` naming the field, a target outside
    the user's jurisdiction 404."""
    target, period = parse(user, params)
    return Dashboard(user, target, period, measure=params.get("measure") or "cases")
