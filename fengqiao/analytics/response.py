"""Response times (出警时间): how fast the police got there, from the incidents themselves.

For a target (a region, or a police unit's jurisdiction) and a period, every incident
received in it is measured leg by leg from the timestamps the board and the officers'
phones recorded (``dispatch.rules.LEGS``): received → on scene (到场), and received →
dispatched, dispatched → accepted (签收), accepted → departed (出警), departed → on scene,
on scene → result (反馈). Each leg gives a count, a median and a 90th percentile, per police
station (the incidents in its area), per police room (the incidents its own units answered,
found through the units' paths), per unit on duty and per month.

The percentiles are PostgreSQL's ``percentile_cont`` over the scoped incidents where it
runs (one grouped aggregate per table), and ``dispatch.rules.percentile`` over the same
seconds elsewhere (SQLite: the rows are read once and grouped here); both interpolate
between the closest ranks the same way, so the answer is the same.

The two indicators 出警到场时间中位数 and 出警到场时间 P90 come with 环比 and 同比 in
the shape of the other indicators (``indicators.Result``). They are not in
``indicators.json``: those are counted from the daily facts of cases, these from incidents.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.analytics.indicators import Definition, Period, Result, Target, Value
from fengqiao.dispatch import rules
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.org.models import Unit
from fengqiao.places.models import subtree_q

# Who may read them: the figures, and the incidents they are made of.
VIEW_RESPONSE = ("analytics.view_dailyfact", "dispatch.view_incident")
TIMESTAMPS = (
    "received_at",
    "dispatched_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "reported_at",
)
LEG_CODES = tuple(code for code, _start, _end in rules.LEGS)
LEG_LABELS = {
    "to_scene": gettext_lazy("接警→到场"),
    "to_dispatch": gettext_lazy("接警→派警"),
    "to_accept": gettext_lazy("派警→签收"),
    "to_depart": gettext_lazy("签收→出警"),
    "on_the_way": gettext_lazy("出警→到场"),
    "to_report": gettext_lazy("到场→反馈"),
}
STATISTICS = {"median": 0.5, "p90": 0.9}
ARRIVAL = {
    "arrival_median": Definition(
        code="arrival_median",
        zh="出警到场时间中位数",
        en="Time to scene (median)",
        unit="minutes",
        good="down",
        definition_zh="本期接警的警情，从接警到出警力量到场的分钟数的中位数（含误报；未到场的不计）",
        definition_en="Median minutes from receiving an incident to the unit sent arriving "
        "on scene, for the incidents received in the period (false alarms included; "
        "incidents with no arrival left out)",
        statistic="median",
    ),
    "arrival_p90": Definition(
        code="arrival_p90",
        zh="出警到场时间 P90",
        en="Time to scene (90th percentile)",
        unit="minutes",
        good="down",
        definition_zh="本期接警的警情，从接警到出警力量到场的分钟数的第 90 百分位",
        definition_en="90th percentile of minutes from receiving an incident to the unit "
        "sent arriving on scene, for the incidents received in the period",
        statistic="p90",
    ),
}


# --- what is measured -----------------------------------------------------------------


def incidents_of(user, target: Target, period: Period) -> QuerySet[Incident]:
    """The incidents behind the target's response times: received in the period, in the
    target's area, inside the user's jurisdiction."""
    if target.person is not None:
        raise ValidationError({"person": _("出警时间按地区或单位统计，不能按人员统计")})
    start, end = period.bounds()
    incidents = Incident.objects.for_user(user).filter(received_at__gte=start, received_at__lt=end)
    return incidents.filter(subtree_q(target.path, "scope_path"))


@dataclass(frozen=True)
class Leg:
    """One leg of many incidents: how many have it, its median and 90th percentile in
    seconds (None when none has it)."""

    count: int
    median: float | None
    p90: float | None

    @property
    def median_minutes(self) -> float | None:
        return _minutes(self.median)

    @property
    def p90_minutes(self) -> float | None:
        return _minutes(self.p90)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


NO_LEG = Leg(0, None, None)


@dataclass(frozen=True)
class Times:
    """The response times of a group of incidents: how many were received, and each leg."""

    received: int
    legs: dict[str, Leg]

    @property
    def arrival(self) -> Leg:
        return self.legs["to_scene"]


NO_TIMES = Times(0, dict.fromkeys(LEG_CODES, NO_LEG))


def _in_database() -> bool:
    """PostgreSQL has ``percentile_cont``; SQLite has none, so there Python computes it."""
    return connection.vendor == "postgresql"


class LegSeconds(Func):
    """Seconds from one timestamp of an incident to another, NULL unless both are there and
    in order (``rules.leg_seconds``): the seconds as the nearest double, as
    ``timedelta.total_seconds()`` gives them."""

    output_field = FloatField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(start), F(end))

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = (
            f"CASE WHEN {end} >= {start} THEN "
            f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision) END"
        )
        return sql, (*end_params, *start_params, *end_params, *start_params)


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont``: the interpolation of ``rules.percentile``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float) -> None:
        super().__init__(expression, fraction=float(fraction))


def _aggregates(codes=LEG_CODES) -> dict:
    legs = {code: (start, end) for code, start, end in rules.LEGS}
    found: dict = {"received": Count("pk")}
    for code in codes:
        seconds = LegSeconds(*legs[code])
        found[f"{code}__count"] = Count(seconds)
        for name, fraction in STATISTICS.items():
            found[f"{code}__{name}"] = Percentile(seconds, fraction)
    return found


def _times_from_row(row: dict, codes=LEG_CODES) -> Times:
    legs = dict.fromkeys(LEG_CODES, NO_LEG)
    for code in codes:
        legs[code] = Leg(row[f"{code}__count"], row[f"{code}__median"], row[f"{code}__p90"])
    return Times(row["received"], legs)


def _times_from_rows(rows: list[dict]) -> Times:
    statistics = rules.leg_statistics(rows)
    return Times(len(rows), {code: Leg(**statistics[code]) for code in LEG_CODES})


def times(incidents: QuerySet[Incident]) -> Times:
    """Every leg's count, median and p90 over ``incidents`` (one query)."""
    if _in_database():
        return _times_from_row(incidents.aggregate(**_aggregates()))
    return _times_from_rows(list(incidents.values(*TIMESTAMPS)))


def arrival(user, target: Target, period: Period) -> Times:
    """Received and the 到场 leg only, for the target and period (one query)."""
    incidents = incidents_of(user, target, period)
    if _in_database():
        return _times_from_row(incidents.aggregate(**_aggregates(("to_scene",))), ("to_scene",))
    rows = list(incidents.values("received_at", "arrived_at"))
    return _times_from_rows(rows)


# --- the tables -------------------------------------------------------------------------

# How each table groups the incidents: the station of the incident's area, the owning unit
# of the unit sent when that is a police room, the unit sent, the month received.
GROUPS = {
    "station": "station_id",
    "room": "unit__station_id",
    "unit": "unit_id",
    "month": "month",
}


def grouped(incidents: QuerySet[Incident]) -> tuple[Times, dict[str, dict]]:
    """The total and, for each of ``GROUPS``, the times per key (a month is keyed by its
    first day). PostgreSQL: one aggregate for the total and one per table; elsewhere one
    read of the rows."""
    total = times(incidents) if _in_database() else None
    incidents = incidents.annotate(month=TruncMonth("received_at"))
    rooms = {"unit__station__kind": Unit.Kind.POLICE_ROOM}
    if total is not None:
        tables = {}
        for name, key in GROUPS.items():
            chosen = incidents.filter(**rooms) if name == "room" else incidents
            rows = chosen.values(key).annotate(**_aggregates()).order_by()
            tables[name] = {_key(name, row[key]): _times_from_row(row) for row in rows}
        return total, tables
    rows = list(
        incidents.values(*TIMESTAMPS, "station_id", "unit_id", "unit__station_id", "month")
        .annotate(room=F("unit__station__kind"))
        .order_by()
    )
    buckets: dict[str, dict] = {name: defaultdict(list) for name in GROUPS}
    for row in rows:
        for name, key in GROUPS.items():
            if name == "room" and row["room"] != Unit.Kind.POLICE_ROOM:
                continue
            buckets[name][_key(name, row[key])].append(row)
    tables = {
        name: {key: _times_from_rows(found) for key, found in bucket.items()}
        for name, bucket in buckets.items()
    }
    return _times_from_rows(rows), tables


def _key(name: str, value):
    if name == "month" and value is not None:
        return timezone.localtime(value).date().replace(day=1)
    return value


@dataclass(frozen=True)
class Row:
    """One line of a table: what it is about, where its own figures are, and its times."""

    label: str
    times: Times
    target: Target | None = None
    depth: int = 0


class Figures:
    """The response times of one target and period, each table computed when asked for."""

    def __init__(self, user, target: Target, period: Period) -> None:
        self.user = user
        self.target = target
        self.period = period
        self.incidents = incidents_of(user, target, period)

    @cached_property
    def _grouped(self) -> tuple[Times, dict[str, dict]]:
        return grouped(self.incidents)

    @property
    def total(self) -> Times:
        return self._grouped[0]

    @cached_property
    def stations(self) -> list[Row]:
        """Each station whose area holds incidents of the period (and every station inside
        the target, with none), its police rooms under it."""
        tables = self._grouped[1]
        by_station, by_room = tables["station"], tables["room"]
        inside = Unit.objects.for_user(self.user).filter(
            subtree_q(self.target.path, "jurisdiction__path"), kind=Unit.Kind.STATION
        )
        named = set(by_station) | set(by_room) | set(inside.values_list("pk", flat=True))
        named.discard(None)
        units = Unit.objects.filter(pk__in=named).select_related("jurisdiction")
        rows = []
        for unit in sorted(units, key=lambda u: u.path):
            if unit.kind == Unit.Kind.STATION:
                figures = by_station.get(unit.pk, NO_TIMES)
                rows.append(Row(unit.name, figures, Target(unit=unit)))
            elif unit.pk in by_room:
                rows.append(Row(unit.name, by_room[unit.pk], depth=1))
        if None in by_station:  # an area no station's jurisdiction covers
            rows.append(Row(_("未划归派出所"), by_station[None]))
        return rows

    @cached_property
    def units(self) -> list[Row]:
        """Each unit on duty sent to incidents of the period, by call sign."""
        by_unit = self._grouped[1]["unit"]
        units = DutyUnit.objects.filter(pk__in=[pk for pk in by_unit if pk is not None])
        rows = [
            Row(f"{unit.call_sign}（{unit.station.name}）", by_unit[unit.pk])
            for unit in units.select_related("station").order_by("unit_path", "call_sign")
        ]
        if None in by_unit:
            rows.append(Row(_("未派警"), by_unit[None]))
        return rows

    @cached_property
    def months(self) -> list[Row]:
        """Each month of the period, oldest first (a month with no incident shows none)."""
        by_month = self._grouped[1]["month"]
        rows = []
        month = self.period.start.replace(day=1)
        while month <= self.period.end:
            rows.append(Row(f"{month:%Y-%m}", by_month.get(month, NO_TIMES)))
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return rows


# --- the two indicators ---------------------------------------------------------------


def arrival_value(definition: Definition, found: Times) -> Value:
    """An arrival indicator's value: minutes to one decimal, its sample as denominator."""
    leg = found.arrival
    seconds = getattr(leg, definition.statistic)
    return Value(None, leg.count, None if seconds is None else round(seconds / 60, 1))


def arrival_results(
    user, target: Target, period: Period, *, current: Times | None = None
) -> list[Result]:
    """出警到场时间中位数 and P90 for the target and period, with 环比 and 同比
    (``current`` when the period's times are already known)."""
    now = current if current is not None else arrival(user, target, period)
    before = arrival(user, target, period.previous())
    last_year = arrival(user, target, period.last_year())
    return [
        Result(
            definition=definition,
            current=arrival_value(definition, now),
            previous=arrival_value(definition, before),
            last_year=arrival_value(definition, last_year),
        )
        for definition in ARRIVAL.values()
    ]


def leg_rows(found: Times) -> list[dict]:
    """Each leg of ``found`` as the API gives it: code, name, count, minutes."""
    return [
        {
            "code": code,
            "name": str(LEG_LABELS[code]),
            "count": found.legs[code].count,
            "median": found.legs[code].median_minutes,
            "p90": found.legs[code].p90_minutes,
        }
        for code in LEG_CODES
    ]


def answer(user, target: Target, period: Period) -> dict:
    """The API's answer: the target, the three periods, the two indicators in the shape of
    the others (``/api/v1/indicators/``), and every leg of the period."""
    found = times(incidents_of(user, target, period))
    return {
        "target": target.as_dict(),
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "last_year_period": period.last_year().as_dict(),
        "received": found.received,
        "indicators": [r.as_dict() for r in arrival_results(user, target, period, current=found)],
        "legs": leg_rows(found),
    }
