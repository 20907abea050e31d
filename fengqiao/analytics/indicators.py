"""Indicators: definitions as data (``indicators.json``), values from the daily facts.

``compute(user, target, period)`` is the one answer the page, the API and the command give:
per indicator its definition, numerator, denominator and value, with the previous period
(环比) and the same period last year (同比). A region or unit is read from the facts; a
person from their own cases, measured by the same rule. Everything is scoped: the target
must lie in the user's jurisdiction, and only facts inside it are summed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fengqiao.analytics import facts
from fengqiao.analytics.models import MEASURES, DailyFact
from fengqiao.disputes.models import Case
from fengqiao.org.models import Person, Unit
from fengqiao.org.scope import get_for
from fengqiao.places.models import Region, subtree_q

# The measures that count cases (``reports`` counts reports, ``population`` people).
CASE_MEASURES = frozenset(MEASURES) - {"reports"}
FACTORS = {"percent": 100, "per_10k": 10_000, "count": 1, "minutes": 1}
STATISTICS = {"median": 0.5, "p90": 0.9}
# What a drill-down lists: the cases behind the numerator or the denominator.
PARTS = ("numerator", "denominator")
# The longest period one request may ask for: five years of days.
MAX_DAYS = 5 * 366 + 1
# The days a period may name: wide enough for any record, narrow enough that the period
# before and the year before stay valid dates.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Definition:
    code: str
    zh: str
    en: str
    unit: str
    good: str
    definition_zh: str
    definition_en: str
    numerator: str | None = None
    denominator: str | None = None
    statistic: str | None = None

    @property
    def name(self) -> str:
        return self.en if (get_language() or "").startswith("en") else self.zh

    @property
    def definition(self) -> str:
        return self.definition_en if (get_language() or "").startswith("en") else self.definition_zh

    @property
    def factor(self) -> int:
        return FACTORS[self.unit]

    @property
    def drillable(self) -> str | None:
        """The measure whose cases stand behind the figure (its numerator, or for a
        statistic the cases that were responded to); None when the numerator counts no
        cases (reports are not cases)."""
        if self.statistic:
            return "responded"
        return self.numerator if self.numerator in CASE_MEASURES else None


def _load() -> dict[str, Definition]:
    data = json.loads((Path(__file__).with_name("indicators.json")).read_text("utf-8"))
    known = set(MEASURES) | {"population"}
    definitions = {}
    for item in data["indicators"]:
        definition = Definition(**item)
        for measure in (definition.numerator, definition.denominator):
            if measure is not None and measure not in known:
                raise ValueError(f"indicator {definition.code}: unknown measure {measure}")
        if definition.statistic is not None and definition.statistic not in STATISTICS:
            raise ValueError(f"indicator {definition.code}: unknown statistic")
        if definition.unit not in FACTORS:
            raise ValueError(f"indicator {definition.code}: unknown unit {definition.unit}")
        definitions[definition.code] = definition
    return definitions


DEFINITIONS = _load()


# --- periods --------------------------------------------------------------------------


def parse_day(text: str) -> dt.date:
    """A ``YYYY-MM-DD`` day between ``EARLIEST`` and ``LATEST``; ValidationError saying
    what is wrong otherwise."""
    try:
        if not _ISO_DAY.fullmatch(str(text)):
            raise ValueError(text)
        day = dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValidationError(_("日期格式应为 YYYY-MM-DD，例如 2026-01-31")) from None
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("日期应在 %(earliest)s 到 %(latest)s 之间")
            % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
        )
    return day


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        """From ``YYYY-MM-DD`` strings; the default is this year to today. Errors name the
        field that is wrong."""
        today = timezone.localdate()
        errors = {}
        values = {}
        for name, text, default in (
            ("from", start, today.replace(month=1, day=1)),
            ("to", end, today),
        ):
            if text in (None, ""):
                values[name] = default
                continue
            try:
                values[name] = parse_day(text)
            except ValidationError as error:
                errors[name] = error.messages[0]
        if errors:
            raise ValidationError(errors)
        if values["from"] > values["to"]:
            raise ValidationError({"to": _("截止日期不能早于起始日期")})
        if (values["to"] - values["from"]).days >= MAX_DAYS:
            raise ValidationError({"to": _("统计期间最长五年")})
        return cls(values["from"], values["to"])

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(start, following - dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period before, for 环比: the previous month for a whole month, the previous
        quarter or year for a whole one, else the same number of days just before."""
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = _add_months(self.start, -months)
            return Period(start, self.start - dt.timedelta(days=1))
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def last_year(self) -> Period:
        """The same dates a year before, for 同比 (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))
        return start, end


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _year_before(day: dt.date) -> dt.date:
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


# --- what is measured -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A region (county to grid), a police unit or a person: whose figures."""

    region: Region | None = None
    unit: Unit | None = None
    person: Person | None = None

    @property
    def label(self) -> str:
        return (self.person or self.unit or self.region).name

    @property
    def path(self) -> str | None:
        if self.region is not None:
            return self.region.path
        if self.unit is not None:
            return self.unit.jurisdiction.path
        return None

    def as_dict(self) -> dict:
        if self.person is not None:
            return {"kind": "person", "id": self.person.pk, "name": self.person.name}
        if self.unit is not None:
            return {"kind": "unit", "code": self.unit.code, "name": self.unit.name}
        return {"kind": "region", "code": self.region.code, "name": self.region.name}


def target_for(user, *, region: str = "", unit: str = "", person: str | int = "") -> Target:
    """The target named by a region code, a unit code or a person id, inside the user's
    jurisdiction (404 outside it, as for any record); the user's own area by default."""
    named = [bool(region), bool(unit), person not in ("", None)]
    if sum(named) > 1:
        raise ValidationError({"region": _("地区、单位、人员只能选一个")})
    if region:
        return Target(region=get_for(user, Region, code=region))
    if unit:
        return Target(unit=get_for(user, Unit.objects.select_related("jurisdiction"), code=unit))
    if person not in ("", None):
        return Target(person=get_for(user, Person, pk=person))
    return Target(region=home_region(user))


def home_region(user) -> Region:
    """The outermost region of the user's jurisdiction: what their figures default to."""
    regions = Region.objects.for_user(user).order_by("depth", "path")
    region = regions.first()
    if region is None:
        raise Http404
    return region


def _region_q(target: Target) -> Q:
    return subtree_q(target.path, "scope_path")


def cases_of(user, target: Target, period: Period):
    """The cases behind the target's figures for the period (received in it), scoped."""
    start, end = period.bounds()
    cases = Case.objects.for_user(user).filter(received_at__gte=start, received_at__lt=end)
    if target.person is not None:
        return cases.filter(handlers=target.person)
    return cases.filter(_region_q(target))


def totals(user, target: Target, period: Period) -> dict[str, int]:
    """Each measure summed over the target and period, and the population it divides by."""
    if target.person is not None:
        measure = facts.Measurer()
        sums = dict.fromkeys(MEASURES, 0)
        for record in facts.load(cases_of(user, target, period)):
            for name, value in measure(record).items():
                sums[name] += value
        sums["population"] = 0
        return sums
    rows = DailyFact.objects.for_user(user).filter(
        _region_q(target), day__gte=period.start, day__lte=period.end
    )
    sums = rows.aggregate(**{name: Sum(name) for name in MEASURES})
    sums = {name: value or 0 for name, value in sums.items()}
    sums["population"] = population_of(target)
    return sums


def population_of(target: Target) -> int:
    """常住人口 of the target's region: its own figure, else the sum of its grids'."""
    region = target.region or (target.unit.jurisdiction if target.unit else None)
    if region is None:
        return 0
    if region.population:
        return region.population
    grids = Region.objects.filter(subtree_q(region.path), level="grid")
    return grids.aggregate(n=Sum("population"))["n"] or 0


def response_minutes(user, target: Target, period: Period) -> list[float]:
    """Minutes from registration to first action, for the cases received in the period."""
    rows = cases_of(user, target, period).filter(first_action_at__isnull=False)
    return [
        _minutes(received, first)
        for received, first in rows.values_list("received_at", "first_action_at")
    ]


def _minutes(received: dt.datetime, first: dt.datetime) -> float:
    return (first - received).total_seconds() / 60


@dataclass(frozen=True)
class Responses:
    """How many cases had a first action, and each statistic of ``STATISTICS`` of their
    minutes to it (None for none)."""

    count: int
    statistics: dict[str, float | None]

    @classmethod
    def of(cls, minutes: list[float]) -> Responses:
        ordered = sorted(minutes)
        return cls(len(ordered), {name: percentile(ordered, q) for name, q in STATISTICS.items()})


class ResponsePercentile(Aggregate):
    """PostgreSQL's ``percentile_cont`` of a case's minutes from registration to first
    action: the interpolation of ``percentile``, on the same doubles (the seconds as the
    nearest double, divided by 60, as ``timedelta.total_seconds() / 60`` gives them)."""

    function = "percentile_cont"
    template = (
        "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY "
        "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision) / 60)"
    )
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, fraction: float) -> None:
        super().__init__(F("first_action_at"), F("received_at"), fraction=float(fraction))


def _in_database() -> bool:
    """Percentiles are computed by the database where it has ``percentile_cont``; SQLite
    has none, so there the minutes are fetched and ``percentile`` computes them."""
    return connection.vendor == "postgresql"


def _response_aggregates() -> dict:
    return {
        "responded_count": Count("pk"),
        **{f"stat_{name}": ResponsePercentile(q) for name, q in STATISTICS.items()},
    }


def _responses_from_row(row: dict) -> Responses:
    return Responses(row["responded_count"], {name: row[f"stat_{name}"] for name in STATISTICS})


def responses(user, target: Target, period: Period) -> Responses:
    """The first-response count and statistics for the cases received in the period (the
    cases of ``cases_of``), in the database on PostgreSQL, in Python elsewhere."""
    if not _in_database():
        return Responses.of(response_minutes(user, target, period))
    rows = cases_of(user, target, period).filter(first_action_at__isnull=False)
    return _responses_from_row(rows.aggregate(**_response_aggregates()))


def monthly_responses(user, target: Target, span: Period) -> dict[dt.date, Responses]:
    """``responses`` for each month of ``span`` (whole months), keyed by the month's first
    day, in one query; a month without a first response is absent."""
    rows = cases_of(user, target, span).filter(first_action_at__isnull=False)
    if _in_database():
        grouped = (
            rows.annotate(month=TruncMonth("received_at"))
            .values("month")
            .annotate(**_response_aggregates())
            .order_by()
        )
        return {
            timezone.localtime(row["month"]).date(): _responses_from_row(row) for row in grouped
        }
    minutes: dict[dt.date, list[float]] = {}
    for received, first in rows.values_list("received_at", "first_action_at"):
        month = timezone.localtime(received).date().replace(day=1)
        minutes.setdefault(month, []).append(_minutes(received, first))
    return {month: Responses.of(values) for month, values in minutes.items()}


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile, interpolating linearly between the closest ranks (PostgreSQL's
    percentile_cont, numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


NO_RESPONSES = Responses(0, dict.fromkeys(STATISTICS))


# --- the answer -----------------------------------------------------------------------


@dataclass
class Value:
    numerator: float | None
    denominator: float | None
    value: float | None


@dataclass
class Result:
    definition: Definition
    current: Value
    previous: Value | None = None
    last_year: Value | None = None
    extra: dict = field(default_factory=dict)

    @property
    def mom(self) -> float | None:
        """环比: change on the previous period, in percent of it."""
        return _change(self.current, self.previous)

    @property
    def yoy(self) -> float | None:
        """同比: change on the same period last year, in percent of it."""
        return _change(self.current, self.last_year)

    def as_dict(self) -> dict:
        d = self.definition
        return {
            "code": d.code,
            "name": d.name,
            "name_zh": d.zh,
            "name_en": d.en,
            "definition": d.definition,
            "numerator_measure": d.numerator,
            "denominator_measure": d.denominator,
            "statistic": d.statistic,
            "unit": d.unit,
            "good": d.good,
            "numerator": self.current.numerator,
            "denominator": self.current.denominator,
            "value": self.current.value,
            "previous": self.previous.value if self.previous else None,
            "last_year": self.last_year.value if self.last_year else None,
            "mom": self.mom,
            "yoy": self.yoy,
        }


def _change(now: Value, before: Value | None) -> float | None:
    if before is None or now.value is None or not before.value:
        return None
    return round((now.value - before.value) / abs(before.value) * 100, 1)


def ratio_value(definition: Definition, sums: dict) -> Value:
    """An indicator's value from summed measures: numerator ÷ denominator × the unit's
    factor, rounded to 2 places; a count is its numerator. A zero denominator is "no value",
    never 0 (domain-notes 7.2). The one rule for every table that sums measures."""
    if definition.statistic:
        raise ValueError(f"{definition.code} is a percentile, not a ratio of sums")
    numerator = sums[definition.numerator]
    if definition.denominator is None:
        return Value(numerator, None, numerator)
    denominator = sums[definition.denominator]
    if not denominator:
        return Value(numerator, denominator, None)
    return Value(numerator, denominator, round(numerator / denominator * definition.factor, 2))


def value_of(definition: Definition, sums: dict, responded: Responses | list[float]) -> Value:
    """The definition's value from the measures' ``sums`` and the first responses (their
    ``Responses``, or the list of their minutes)."""
    if definition.statistic:
        if not isinstance(responded, Responses):
            responded = Responses.of(responded)
        stat = responded.statistics[definition.statistic]
        return Value(None, responded.count, None if stat is None else round(stat, 1))
    return ratio_value(definition, sums)


def values_for(user, target: Target, period: Period, codes=None) -> dict[str, Value]:
    """The value of each indicator (all, or ``codes``) for one target and period."""
    chosen = [DEFINITIONS[c] for c in codes] if codes else list(DEFINITIONS.values())
    sums = totals(user, target, period)
    if any(d.statistic for d in chosen):
        responded = responses(user, target, period)
    else:
        responded = NO_RESPONSES
    return {d.code: value_of(d, sums, responded) for d in chosen}


def compute(
    user, target: Target, period: Period, *, compare: bool = True, codes=None
) -> list[Result]:
    """Every indicator (or those of ``codes``) for the target and period, with 环比 and
    同比 unless ``compare`` is False."""
    current = values_for(user, target, period, codes)
    previous = values_for(user, target, period.previous(), codes) if compare else {}
    last_year = values_for(user, target, period.last_year(), codes) if compare else {}
    return [
        Result(
            definition=DEFINITIONS[code],
            current=value,
            previous=previous.get(code),
            last_year=last_year.get(code),
        )
        for code, value in current.items()
    ]


def parse_codes(values) -> list[str]:
    """Indicator codes from repeated and/or comma-separated values, in the order of the
    definitions; an unknown code is an error naming ``code``. None (all) when none given."""
    given = [code.strip() for value in values or () for code in str(value).split(",")]
    given = [code for code in given if code]
    unknown = [code for code in given if code not in DEFINITIONS]
    if unknown:
        raise ValidationError(
            {"code": _("没有这个指标：%(codes)s") % {"codes": "、".join(unknown)}}
        )
    return [code for code in DEFINITIONS if code in given] or None


def answer(user, target: Target, period: Period, codes=None) -> dict:
    """The one answer of the API and the command: the target, the three periods and each
    indicator's definition, numerator, denominator, value, 环比 and 同比."""
    return {
        "target": target.as_dict(),
        "period": period.as_dict(),
        "previous_period": period.previous().as_dict(),
        "last_year_period": period.last_year().as_dict(),
        "indicators": [result.as_dict() for result in compute(user, target, period, codes=codes)],
    }


def drill_down(user, target: Target, period: Period, code: str, *, part: str = "numerator"):
    """The cases behind an indicator's numerator (or denominator), measured by the same rule
    as the facts: a list of ``CaseRecord`` in the user's scope, newest first."""
    definition = DEFINITIONS.get(code)
    if definition is None:
        raise Http404
    if part not in PARTS:
        raise ValidationError({"part": _("请选择分子（numerator）或分母（denominator）")})
    measure_name = definition.drillable if part == "numerator" else definition.denominator
    if definition.statistic and part != "numerator":
        measure_name = "responded"
    if measure_name is None or measure_name not in MEASURES:
        raise ValidationError({"part": _("这一项没有可列出的案件")})
    measure = facts.Measurer()
    records = facts.load(cases_of(user, target, period))
    chosen = [r for r in records if measure(r)[measure_name]]
    return sorted(chosen, key=lambda r: (r.received_at, r.id), reverse=True)


def trend(user, target: Target, months: int = 12, *, codes=None) -> list[tuple[Period, dict]]:
    """The last ``months`` whole months (this one so far included), oldest first: each
    month's ``values_for``, read in one grouped query over the facts (over the cases, for a
    person) and one over the first responses."""
    first = _add_months(timezone.localdate().replace(day=1), -(months - 1))
    starts = [_add_months(first, i) for i in range(months)]
    periods = [Period.month(day.year, day.month) for day in starts]
    span = Period(periods[0].start, periods[-1].end)
    chosen = [DEFINITIONS[c] for c in codes] if codes else list(DEFINITIONS.values())
    sums = monthly_totals(user, target, span)
    population = 0 if target.person is not None else population_of(target)
    responded = monthly_responses(user, target, span) if any(d.statistic for d in chosen) else {}
    trend = []
    for period in periods:
        month = {**sums.get(period.start, dict.fromkeys(MEASURES, 0)), "population": population}
        answered = responded.get(period.start, NO_RESPONSES)
        trend.append((period, {d.code: value_of(d, month, answered) for d in chosen}))
    return trend


def monthly_totals(user, target: Target, span: Period) -> dict[dt.date, dict[str, int]]:
    """Each measure summed over the target for each month of ``span`` (whole months),
    keyed by the month's first day, in one query; a month with nothing is absent."""
    months: dict[dt.date, dict[str, int]] = {}
    if target.person is not None:
        measure = facts.Measurer()
        for record in facts.load(cases_of(user, target, span)):
            row = months.setdefault(record.day.replace(day=1), dict.fromkeys(MEASURES, 0))
            for name, value in measure(record).items():
                row[name] += value
        return months
    rows = (
        DailyFact.objects.for_user(user)
        .filter(_region_q(target), day__gte=span.start, day__lte=span.end)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in MEASURES})
        .order_by()
    )
    for row in rows:
        months[row["month"]] = {name: row[name] or 0 for name in MEASURES}
    return months
