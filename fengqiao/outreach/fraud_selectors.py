"""Every read of anti-fraud work, scoped to the user: events and warnings, and the figures
per grid, community or township and per month.

The figures are counted from what was recorded, never typed as totals: events (by kind,
people reached, app installs, leaflets), households whose visit found the anti-fraud app
installed (counted once, in the month of the first such visit), warnings (by level, method
and outcome, payments stopped and the money saved, losses) and the community's anti-fraud
broadcasts with the members they reached (``community.selectors.broadcast_reach``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fengqiao.community import selectors as community
from fengqiao.org.scope import get_for, scope_to
from fengqiao.outreach.fraud_rules import MonthSpan
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent, VisitRecord
from fengqiao.places.models import PATH_SEPARATOR, Region

VIEW_WARNING = "outreach.view_fraudwarning"
ANTI_FRAUD_TOPIC = "anti_fraud"
# The levels the figures may be grouped by.
AREA_LEVELS = ("grid", "community", "township")
RECENT = 10


# --- records ------------------------------------------------------------------------------


def events_for(user) -> QuerySet[OutreachEvent]:
    """Publicity events held in grids of the user's jurisdiction, newest first."""
    return scope_to(
        user, OutreachEvent.objects.select_related("grid__parent", "recorded_by", "campaign")
    )


def get_event_for(user, pk: int) -> OutreachEvent:
    return get_for(user, events_for(user), pk=pk)


def warnings_for(user) -> QuerySet[FraudWarning]:
    """Warnings in the user's jurisdiction, newest first; none for those who may not read
    warnings (they name likely victims)."""
    if not user.has_perm(VIEW_WARNING):
        return FraudWarning.objects.none()
    return scope_to(
        user, FraudWarning.objects.select_related("grid__parent", "recorded_by", "campaign")
    )


def get_warning_for(user, pk: int) -> FraudWarning:
    return get_for(user, warnings_for(user), pk=pk)


def grids_for(user) -> QuerySet[Region]:
    """The grids the user may record events and warnings in."""
    return scope_to(user, Region.objects.filter(level="grid")).select_related("parent")


def campaigns_for(user, *, on: dt.date | None = None) -> QuerySet[Campaign]:
    """Anti-fraud campaigns that cover a grid of the user's jurisdiction (running on ``on``,
    when given): what an event or a warning may be filed under."""
    grids = grids_for(user).values("pk")
    campaigns = Campaign.objects.unscoped_for_jobs().filter(
        kind=Campaign.Kind.ANTI_FRAUD, grids__in=grids
    )
    if on is not None:
        campaigns = campaigns.filter(starts_on__lte=on, ends_on__gte=on)
    return Campaign.objects.unscoped_for_jobs().filter(pk__in=campaigns.values("pk"))


# --- figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """The anti-fraud figures of one area and/or period. ``warnings`` and what follows are
    None for someone who may not read warnings."""

    events: int = 0
    talks: int = 0
    stalls: int = 0
    door_to_door: int = 0
    other_events: int = 0
    people_reached: int = 0
    leaflets: int = 0
    event_installs: int = 0
    household_installs: int = 0
    broadcasts: int = 0
    broadcast_reach: int = 0
    warnings: int | None = None
    high: int = 0
    medium: int = 0
    low: int = 0
    by_sms: int = 0
    by_call: int = 0
    by_visit: int = 0
    dissuaded: int = 0
    not_reached: int = 0
    already_lost: int = 0
    not_fraud: int = 0
    payments_stopped: int = 0
    amount_stopped: Decimal = field(default_factory=lambda: Decimal("0.00"))
    amount_lost: Decimal = field(default_factory=lambda: Decimal("0.00"))

    @property
    def app_installs(self) -> int:
        return self.event_installs + self.household_installs

    def add(self, values: dict) -> None:
        for name, value in values.items():
            if name == "warnings":
                self.warnings = (self.warnings or 0) + value
            else:
                setattr(self, name, getattr(self, name) + (value or 0))

    def merge(self, other: Figures) -> None:
        self.add(
            {f.name: getattr(other, f.name) for f in fields(self) if f.name != "warnings"}
            | ({"warnings": other.warnings} if other.warnings is not None else {})
        )


@dataclass
class Row:
    """One line of a figures table: an area (or None for broadcasts to several areas at
    once) or a month, and its figures."""

    label: str
    figures: Figures
    area: Region | None = None
    month: dt.date | None = None


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    return begin, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _month(field_name: str) -> TruncMonth:
    return TruncMonth(field_name, output_field=DateField())


def _event_rows(user, start, end):
    events = events_for(user).filter(held_on__gte=start, held_on__lte=end)
    kind = OutreachEvent.Kind
    return (
        events.annotate(month=_month("held_on"))
        .values("scope_path", "month")
        .annotate(
            events=Count("pk"),
            talks=Count("pk", filter=Q(kind=kind.TALK)),
            stalls=Count("pk", filter=Q(kind=kind.STALL)),
            door_to_door=Count("pk", filter=Q(kind=kind.DOOR_TO_DOOR)),
            other_events=Count("pk", filter=Q(kind=kind.OTHER)),
            people_reached=Sum("people_reached"),
            leaflets=Sum("leaflets"),
            event_installs=Sum("app_installs"),
        )
        .order_by()
    )


def _household_rows(user, start, end):
    """Households whose visit found the app installed, each once: at its first such visit."""
    begin, stop = _day_bounds(start, end)
    earlier = VisitRecord.objects.unscoped_for_jobs().filter(
        task=OuterRef("task"), app_installed=True, visited_at__lt=OuterRef("visited_at")
    )
    records = scope_to(user, VisitRecord.objects.all()).filter(
        app_installed=True, visited_at__gte=begin, visited_at__lt=stop
    )
    return (
        records.filter(~Exists(earlier))
        .annotate(month=_month("visited_at"))
        .values("scope_path", "month")
        .annotate(household_installs=Count("task", distinct=True))
        .order_by()
    )


def _warning_rows(user, start, end):
    begin, stop = _day_bounds(start, end)
    warnings = warnings_for(user).filter(warned_at__gte=begin, warned_at__lt=stop)
    level, method, outcome = FraudWarning.Level, FraudWarning.Method, FraudWarning.Outcome
    return (
        warnings.annotate(month=_month("warned_at"))
        .values("scope_path", "month")
        .annotate(
            warnings=Count("pk"),
            high=Count("pk", filter=Q(level=level.HIGH)),
            medium=Count("pk", filter=Q(level=level.MEDIUM)),
            low=Count("pk", filter=Q(level=level.LOW)),
            by_sms=Count("pk", filter=Q(method=method.SMS)),
            by_call=Count("pk", filter=Q(method=method.CALL)),
            by_visit=Count("pk", filter=Q(method=method.VISIT)),
            dissuaded=Count("pk", filter=Q(outcome=outcome.DISSUADED)),
            not_reached=Count("pk", filter=Q(outcome=outcome.NOT_REACHED)),
            already_lost=Count("pk", filter=Q(outcome=outcome.ALREADY_LOST)),
            not_fraud=Count("pk", filter=Q(outcome=outcome.NOT_FRAUD)),
            payments_stopped=Count("pk", filter=Q(payment_stopped=True)),
            amount_stopped=Sum("amount_stopped"),
            amount_lost=Sum("amount_lost"),
        )
        .order_by()
    )


def _tallies(user, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dict]]:
    """(area path, month, counts) from every source, as the database grouped them."""
    tallies = []
    sources = [_event_rows(user, start, end), _household_rows(user, start, end)]
    if user.has_perm(VIEW_WARNING):
        sources.append(_warning_rows(user, start, end))
    for rows in sources:
        for row in rows:
            path, month = row.pop("scope_path"), _as_date(row.pop("month"))
            tallies.append((path, month, row))
    for row in community.broadcast_reach(user, topic=ANTI_FRAUD_TOPIC, start=start, end=end):
        counts = {"broadcasts": row["broadcasts"], "broadcast_reach": row["reach"]}
        tallies.append((row["scope_path"], _as_date(row["month"]), counts))
    return tallies


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _new(user) -> Figures:
    return Figures(warnings=0 if user.has_perm(VIEW_WARNING) else None)


def figures_for(user, *, start: dt.date, end: dt.date) -> Figures:
    """All the anti-fraud figures of the user's jurisdiction from ``start`` to ``end``."""
    total = _new(user)
    for _path, _month_start, counts in _tallies(user, start, end):
        total.add(counts)
    return total


def figures_by_month(user, *, span: MonthSpan) -> list[Row]:
    """One row per month of ``span``, in order, empty months too."""
    rows = {
        month: Row(label=span.param(month), figures=_new(user), month=month)
        for month in span.months
    }
    for _path, month, counts in _tallies(user, span.start, span.end):
        if month in rows:
            rows[month].figures.add(counts)
    return list(rows.values())


def figures_by_area(user, *, level: str, start: dt.date, end: dt.date) -> list[Row]:
    """One row per grid, community or township (``level``) with something recorded, in the
    tree's order, and a last row for broadcasts sent to several such areas at once."""
    tallies = _tallies(user, start, end)
    prefixes = {prefix for path, _m, _c in tallies for prefix in _prefixes(path)}
    areas = {
        region.path: region
        for region in Region.objects.unscoped_for_jobs()
        .filter(path__in=prefixes, level=level)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
    }
    by_area: dict[str, Figures] = defaultdict(lambda: _new(user))
    wider = _new(user)
    for path, _month_start, counts in tallies:
        area = next((p for p in _prefixes(path) if p in areas), None)
        (by_area[area] if area else wider).add(counts)
    rows = [
        Row(label=_area_label(areas[path]), figures=by_area[path], area=areas[path])
        for path in sorted(by_area)
    ]
    if wider != _new(user):
        rows.append(Row(label="", figures=wider))
    return rows


def _prefixes(path: str) -> list[str]:
    """``path`` and every ancestor's path, deepest first."""
    codes = [code for code in path.split(PATH_SEPARATOR) if code]
    return [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:n]) + PATH_SEPARATOR
        for n in range(len(codes), 0, -1)
    ]


def _area_label(region: Region) -> str:
    if region.level == "grid" and region.parent_id:
        return f"{region.parent.name} · {region.name}"
    return region.name


def recent_events(user, *, limit: int = RECENT) -> list[OutreachEvent]:
    return list(events_for(user)[:limit])


def recent_warnings(user, *, limit: int = RECENT) -> list[FraudWarning]:
    return list(warnings_for(user)[:limit])
