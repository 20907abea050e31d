"""The services page (服务群众, ``/figures/services/``): the indicators as cards with their
numerators, denominators, 环比 and 同比, the average rating and what is overdue now, then
the tables per service, per channel and per station (its police rooms under it). Every
table is shown and downloaded from the same rows (``sheets``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from fengqiao.analytics import dashboard, picker, services_indicators
from fengqiao.analytics.dashboard import (
    Change,
    format_count,
    format_value,
    period_query,
    target_query,
)
from fengqiao.analytics.indicators import Period, Result, Target
from fengqiao.analytics.sheets import Link, Table
from fengqiao.org.models import Unit
from fengqiao.places.models import subtree_q
from fengqiao.services import figures
from fengqiao.services.figures import Tally
from fengqiao.services.models import Channel, ServiceKind

TABLES = ("services", "channels", "stations")


def services_url(target: Target, period: Period) -> str:
    query = {**target_query(target), **period_query(period)}
    return f"{reverse('analytics:services')}?{urlencode(query)}"


@dataclass(frozen=True)
class Card:
    result: Result
    value: str
    numerator: str
    denominator: str
    changes: tuple[Change, Change]

    @property
    def definition(self):
        return self.result.definition

    @property
    def is_rate(self) -> bool:
        return self.result.definition.unit == "percent"


def _card(result: Result) -> Card:
    d = result.definition
    current = result.current
    before = result.previous.value if result.previous else None
    last_year = result.last_year.value if result.last_year else None
    return Card(
        result=result,
        value=format_value(d.unit, current.value),
        numerator=format_count(current.numerator),
        denominator=format_count(current.denominator),
        changes=(
            Change(_("环比"), result.mom, format_value(d.unit, before), d.good),
            Change(_("同比"), result.yoy, format_value(d.unit, last_year), d.good),
        ),
    )


def _rate_cells(rate: figures.Rate) -> list:
    return [rate.numerator, rate.denominator, rate.percent]


def _headers(first: str) -> list[str]:
    return [
        first,
        _("申请数"),
        _("按时办结"),
        _("办结"),
        _("按时办结率（%）"),
        _("一次办结"),
        _("办理完成"),
        _("一次办结率（%）"),
        _("满意"),
        _("评价数"),
        _("满意率（%）"),
        _("平均满意度"),
    ]


def _cells(found: Tally) -> list:
    return [
        found.applications,
        *_rate_cells(found.on_time_rate),
        *_rate_cells(found.one_visit_rate),
        *_rate_cells(found.satisfied_rate),
        found.average_satisfaction,
    ]


class ServicesPage:
    """What the page shows for one target and period; a download computes its table only."""

    def __init__(self, user, target: Target, period: Period) -> None:
        self.user = user
        self.target = target
        self.period = period
        start, end = period.bounds()
        self.applications = figures.applications_for_figures(
            user, start=start, end=end, region_path=target.path
        )

    @property
    def about(self) -> str:
        return f"{self.target.label} {self.period.start:%Y-%m-%d} — {self.period.end:%Y-%m-%d}"

    @cached_property
    def total(self) -> Tally:
        return figures.tally(self.applications)

    @cached_property
    def cards(self) -> list[Card]:
        found = services_indicators.results(self.user, self.target, self.period, current=self.total)
        return [_card(result) for result in found]

    @cached_property
    def overdue(self) -> int:
        """Applications of the target's area overdue now, whenever they were made."""
        return figures.overdue_count(self.user, region_path=self.target.path)

    @cached_property
    def choices(self) -> list[tuple[str, str, bool]]:
        return picker.target_choices(self.user, self.target, self.period, services_url)

    @property
    def quick_periods(self) -> list[tuple[str, str, str, bool]]:
        return picker.quick_periods(self.target, self.period, services_url)

    # --- the tables -------------------------------------------------------------------

    def table(self, name: str) -> Table:
        if name not in TABLES:
            raise ValidationError({"table": _("没有这张表：%(name)s") % {"name": name[:40]}})
        return getattr(self, f"{name}_table")

    @cached_property
    def services_table(self) -> Table:
        """Each kind of service applied for in the period, in the catalogue's order."""
        by_kind = figures.tally_by(self.applications, "kind")
        overdue = figures.overdue_by(self.user, "kind", region_path=self.target.path)
        headers = [*_headers(_("服务事项")), _("超期未办结")]
        table = Table("services", _("按服务事项"), headers, numeric=frozenset(range(1, 13)))
        for code, label in ServiceKind.choices:
            if code in by_kind or code in overdue:
                found = by_kind.get(code, figures.NO_TALLY)
                table.rows.append([label, *_cells(found), overdue.get(code, 0)])
        return table

    @cached_property
    def channels_table(self) -> Table:
        """Each channel, door to door with its visits."""
        by_channel = figures.tally_by(self.applications, "channel")
        headers = [*_headers(_("办理渠道")), _("已上门")]
        table = Table("channels", _("按办理渠道"), headers, numeric=frozenset(range(1, 13)))
        for code, label in Channel.choices:
            found = by_channel.get(code, figures.NO_TALLY)
            visited = found.visited if code == Channel.DOOR else None
            table.rows.append([label, *_cells(found), visited])
        return table

    @cached_property
    def stations_table(self) -> Table:
        """Each station inside the target (and any unit whose catalogue had applications),
        its police rooms under it, with door-to-door requests, visits and overdue now."""
        by_unit = figures.tally_by(self.applications, "station")
        overdue = figures.overdue_by(self.user, "station", region_path=self.target.path)
        inside = Unit.objects.for_user(self.user).filter(
            subtree_q(self.target.path, "jurisdiction__path"), kind=Unit.Kind.STATION
        )
        named = set(by_unit) | set(overdue) | set(inside.values_list("pk", flat=True))
        units = Unit.objects.filter(pk__in=named).only("pk", "name", "code", "kind", "path")
        headers = [
            *_headers(_("派出所 / 警务室")),
            _("上门申请"),
            _("已上门"),
            _("超期未办结"),
        ]
        table = Table("stations", _("按派出所（警务室）"), headers, numeric=frozenset(range(1, 15)))
        for unit in sorted(units, key=lambda u: u.path):
            found = by_unit.get(unit.pk, figures.NO_TALLY)
            if unit.kind == Unit.Kind.STATION:
                label = Link(unit.name, f"{reverse('analytics:services')}?{self._unit_query(unit)}")
            else:
                label = "　" + unit.name
            table.rows.append(
                [label, *_cells(found), found.door, found.visited, overdue.get(unit.pk, 0)]
            )
        return table

    def _unit_query(self, unit: Unit) -> str:
        return urlencode({"unit": unit.code, **period_query(self.period)})


def for_request(user, params) -> ServicesPage:
    """The page a query asks for (``region``/``unit``, ``from``, ``to``); errors name the
    field, a target outside the user's jurisdiction 404."""
    target, period = dashboard.parse(user, params)
    if target.person is not None:
        raise ValidationError({"person": _("服务群众按地区或单位统计，不能按人员统计")})
    return ServicesPage(user, target, period)
