"""The response-time page (出警时间, ``/figures/response/``): the two arrival cards with 环比
and 同比, each leg of the period, the tables per station (and its police rooms), per unit
on duty and per month, and the 到场 P90 of each station as a bar chart. Every table is
shown and downloaded from the same rows (``sheets``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao.analytics import dashboard, picker, response
from fengqiao.analytics.dashboard import Change, format_value, period_query, target_query
from fengqiao.analytics.indicators import Period, Result, Target
from fengqiao.analytics.sheets import Link, Table

TABLES = ("legs", "stations", "units", "months")


def response_url(target: Target, period: Period) -> str:
    query = {**target_query(target), **period_query(period)}
    return f"{reverse('analytics:response')}?{urlencode(query)}"


@dataclass(frozen=True)
class Card:
    result: Result
    value: str
    sample: str
    changes: tuple[Change, Change]

    @property
    def definition(self):
        return self.result.definition


def _card(result: Result) -> Card:
    d = result.definition
    before = result.previous.value if result.previous else None
    last_year = result.last_year.value if result.last_year else None
    return Card(
        result=result,
        value=format_value(d.unit, result.current.value),
        sample=dashboard.format_count(result.current.denominator),
        changes=(
            Change(_("环比"), result.mom, format_value(d.unit, before), d.good),
            Change(_("同比"), result.yoy, format_value(d.unit, last_year), d.good),
        ),
    )


class ResponsePage:
    """What the page shows for one target and period; a download computes its table only."""

    def __init__(self, user, target: Target, period: Period) -> None:
        self.user = user
        self.target = target
        self.period = period
        self.figures = response.Figures(user, target, period)

    @property
    def about(self) -> str:
        return f"{self.target.label} {self.period.start:%Y-%m-%d} — {self.period.end:%Y-%m-%d}"

    @cached_property
    def cards(self) -> list[Card]:
        results = response.arrival_results(
            self.user, self.target, self.period, current=self.figures.total
        )
        return [_card(result) for result in results]

    @cached_property
    def choices(self) -> list[tuple[str, str, bool]]:
        return picker.target_choices(self.user, self.target, self.period, response_url)

    @property
    def quick_periods(self) -> list[tuple[str, str, str, bool]]:
        return picker.quick_periods(self.target, self.period, response_url)

    # --- the tables -------------------------------------------------------------------

    def table(self, name: str) -> Table:
        if name not in TABLES:
            raise ValidationError({"table": _("没有这张表：%(name)s") % {"name": name[:40]}})
        return getattr(self, f"{name}_table")

    @cached_property
    def legs_table(self) -> Table:
        table = Table(
            "legs",
            _("各环节用时"),
            [_("环节"), _("件数"), _("中位数（分钟）"), _("P90（分钟）")],
            numeric=frozenset({1, 2, 3}),
        )
        for row in response.leg_rows(self.figures.total):
            table.rows.append([row["name"], row["count"], row["median"], row["p90"]])
        return table

    def _times_table(self, name: str, title: str, first: str, rows) -> Table:
        headers = [first, _("接警数")]
        for code in response.LEG_CODES:
            label = response.LEG_LABELS[code]
            headers += [
                _("%(leg)s 件数") % {"leg": label},
                _("%(leg)s 中位数（分钟）") % {"leg": label},
                _("%(leg)s P90（分钟）") % {"leg": label},
            ]
        table = Table(name, title, headers, numeric=frozenset(range(1, len(headers))))
        for row in rows:
            label = ("　" * row.depth) + row.label
            cells: list = [
                Link(label, response_url(row.target, self.period)) if row.target else label,
                row.times.received,
            ]
            for code in response.LEG_CODES:
                leg = row.times.legs[code]
                cells += [leg.count, leg.median_minutes, leg.p90_minutes]
            table.rows.append(cells)
        return table

    @cached_property
    def stations_table(self) -> Table:
        return self._times_table(
            "stations", _("按派出所（警务室）"), _("派出所 / 警务室"), self.figures.stations
        )

    @cached_property
    def units_table(self) -> Table:
        return self._times_table("units", _("按执勤力量"), _("执勤力量"), self.figures.units)

    @cached_property
    def months_table(self) -> Table:
        return self._times_table("months", _("按月"), _("月份"), self.figures.months)

    # --- the chart --------------------------------------------------------------------

    def chart_data(self) -> dict:
        """What figures-response.js draws: each station's 到场 P90, with its page."""
        stations = [row for row in self.figures.stations if row.target is not None]
        return {
            "name": _("到场 P90"),
            "unit": _("分钟"),
            "places": [row.label for row in stations],
            "values": [row.times.arrival.p90_minutes for row in stations],
            "links": [response_url(row.target, self.period) for row in stations],
        }


def for_request(user, params) -> ResponsePage:
    """The page a query asks for (``region``/``unit``, ``from``, ``to``); errors name the
    field, a target outside the user's jurisdiction 404."""
    target, period = dashboard.parse(user, params)
    if target.person is not None:
        raise ValidationError({"person": _("出警时间按地区或单位统计，不能按人员统计")})
    return ResponsePage(user, target, period)
