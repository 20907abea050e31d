"""Evaluation: the police room's stars and the Fengqiao-style station's score, from data.

A scheme (``evaluation.json``) names criteria, each an indicator of ``indicators.json``
worth some points, and how its value scores; deductions for supervision cards and for
flags a person has confirmed; the star bands; and who is a laggard. A unit's figures are
its jurisdiction's (``indicators.Target(unit=...)``), read from the same facts as every
other figure, so a score's every part shows its numerator and denominator and links to the
cases behind them. A flag lowers a score only once a person has confirmed it.

``ranking(user, period, kind=...)`` is what pages and dashboards call.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import DEFINITIONS, Period, Target
from fengqiao.analytics.models import MEASURES, DailyFact, Flag
from fengqiao.disputes.models import Case, Supervision
from fengqiao.org.models import Unit
from fengqiao.org.permissions import VIEW_FIGURES
from fengqiao.places.models import subtree_q

KINDS = (Unit.Kind.POLICE_ROOM, Unit.Kind.STATION)
NO_VALUE = ("skip", "zero", "full")
# Scores are shown to one decimal; points to two, so the parts add up on screen.
SCORE_DIGITS = 1
POINT_DIGITS = 2


@dataclass(frozen=True)
class Criterion:
    """One indicator worth ``points``: 0 at ``floor``, all at ``target``, linear between."""

    indicator: str
    points: float
    floor: float
    target: float
    when_no_value: str = "skip"

    @property
    def definition(self) -> indicators.Definition:
        return DEFINITIONS[self.indicator]

    def earned(self, value: float | None) -> float | None:
        """The points a value earns; None when a value-less criterion is left out."""
        if value is None:
            return {"skip": None, "zero": 0.0, "full": float(self.points)}[self.when_no_value]
        share = (value - self.floor) / (self.target - self.floor)
        return round(min(1.0, max(0.0, share)) * self.points, POINT_DIGITS)


@dataclass(frozen=True)
class Scheme:
    kind: str
    zh: str
    en: str
    criteria: tuple[Criterion, ...]
    per_card_point: float
    per_confirmed_flag: float
    max_deduction: float
    stars: tuple[tuple[int, float], ...]  # (stars, from), highest first
    laggard_below: float
    laggard_bottom: int

    @property
    def name(self) -> str:
        return self.en if (get_language() or "").startswith("en") else self.zh

    @property
    def total(self) -> float:
        return float(sum(c.points for c in self.criteria))

    def stars_for(self, score: float | None) -> int:
        if score is None:
            return 0
        return next(stars for stars, start in self.stars if score >= start)


def _scheme(kind: str, data: dict) -> Scheme:
    """One scheme from its JSON, checked: a wrong definition fails at start-up, not on a
    page."""
    where = f"evaluation scheme {kind}"
    criteria = []
    for item in data["criteria"]:
        criterion = Criterion(**item)
        definition = DEFINITIONS.get(criterion.indicator)
        if definition is None:
            raise ValueError(f"{where}: unknown indicator {criterion.indicator}")
        rising = criterion.target > criterion.floor
        if definition.good not in ("up", "down") or rising != (definition.good == "up"):
            raise ValueError(
                f"{where}: {criterion.indicator} is good '{definition.good}', so its target "
                "must lie beyond its floor in that direction"
            )
        if criterion.points <= 0 or criterion.when_no_value not in NO_VALUE:
            raise ValueError(f"{where}: {criterion.indicator} points or when_no_value")
        criteria.append(criterion)
    stars = tuple((band["stars"], float(band["from"])) for band in data["stars"])
    if [s for s, _f in stars] != sorted((s for s, _f in stars), reverse=True) or stars[-1][1]:
        raise ValueError(f"{where}: star bands go from the most stars down to one from 0")
    deductions = data["deductions"]
    return Scheme(
        kind=kind,
        zh=data["zh"],
        en=data["en"],
        criteria=tuple(criteria),
        per_card_point=float(deductions["per_card_point"]),
        per_confirmed_flag=float(deductions["per_confirmed_flag"]),
        max_deduction=float(deductions["max"]),
        stars=stars,
        laggard_below=float(data["laggards"]["below"]),
        laggard_bottom=int(data["laggards"]["bottom"]),
    )


def _load() -> dict[str, Scheme]:
    data = json.loads(Path(__file__).with_name("evaluation.json").read_text("utf-8"))
    schemes = {kind: _scheme(kind, scheme) for kind, scheme in data["schemes"].items()}
    if set(schemes) != set(KINDS):
        raise ValueError(f"evaluation schemes must be {KINDS}")
    return schemes


SCHEMES = _load()


# --- one score ---------------------------------------------------------------------------


@dataclass
class Part:
    """One criterion of a score: the indicator's value, what it earned, where its cases are."""

    criterion: Criterion
    numerator: float | None
    denominator: float | None
    value: float | None
    points: float | None  # None: no value, left out of the score
    numerator_url: str | None = None
    denominator_url: str | None = None

    @property
    def name(self) -> str:
        return self.criterion.definition.name

    def as_dict(self) -> dict:
        d = self.criterion.definition
        return {
            "indicator": d.code,
            "name": d.name,
            "unit": d.unit,
            "good": d.good,
            "floor": self.criterion.floor,
            "target": self.criterion.target,
            "max_points": self.criterion.points,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "points": self.points,
            "numerator_url": self.numerator_url,
            "denominator_url": self.denominator_url,
        }


@dataclass
class Deduction:
    """Points taken off: a supervision card, or a confirmed flag."""

    kind: str  # "card" or "flag"
    label: str
    points: float
    case_refs: list[str] = field(default_factory=list)
    url: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "points": self.points,
            "case_refs": self.case_refs,
            "url": self.url,
        }


@dataclass
class Score:
    unit: Unit
    scheme: Scheme
    base: float | None  # from the criteria, before deductions
    deducted: float
    score: float | None
    stars: int
    parts: list[Part]
    deductions: list[Deduction]
    rank: int | None = None
    laggard: bool = False

    def as_dict(self) -> dict:
        return {
            "unit": {"code": self.unit.code, "name": self.unit.name, "kind": self.unit.kind},
            "score": self.score,
            "base": self.base,
            "deducted": self.deducted,
            "stars": self.stars,
            "rank": self.rank,
            "laggard": self.laggard,
            "parts": [p.as_dict() for p in self.parts],
            "deductions": [d.as_dict() for d in self.deductions],
        }


def cases_url(code: str, unit: Unit, period: Period, part: str) -> str:
    """The drill-down page listing the cases behind one part of an indicator."""
    try:
        base = reverse("analytics:cases")
    except NoReverseMatch:  # the page is served by the dashboards' module
        base = "/figures/cases/"
    query = {
        "code": code,
        "unit": unit.code,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "part": part,
    }
    return f"{base}?{urlencode(query)}"


def _ancestors(path: str) -> list[str]:
    codes = [code for code in path.split("/") if code]
    return ["/" + "".join(f"{code}/" for code in codes[: i + 1]) for i in range(len(codes))]


def figures(user, scheme: Scheme, units: list[Unit], period: Period) -> dict[int, dict]:
    """Each unit's value of each criterion's indicator, as ``indicators.values_for`` gives
    for ``Target(unit=...)``, read for all units at once: the facts grouped by grid, and the
    response times when a criterion is a statistic of them, each added to every unit whose
    jurisdiction holds it (the same scoped rows ``totals`` sums, a query per page instead of
    three per unit)."""
    if not units:
        return {}
    definitions = [c.definition for c in scheme.criteria]
    by_place: dict[str, list[int]] = defaultdict(list)
    places = Q()
    for unit in units:
        by_place[unit.jurisdiction.path].append(unit.pk)
        places |= subtree_q(unit.jurisdiction.path, "scope_path")
    sums = {unit.pk: {**dict.fromkeys(MEASURES, 0), "population": 0} for unit in units}
    minutes: dict[int, list[float]] = {unit.pk: [] for unit in units}
    rows = (
        DailyFact.objects.for_user(user)
        .filter(places, day__gte=period.start, day__lte=period.end)
        .values("scope_path")
        .annotate(**{name: Sum(name) for name in MEASURES})
        .order_by()
    )
    for row in rows:
        holders = [pk for path in _ancestors(row["scope_path"]) for pk in by_place.get(path, ())]
        for name in MEASURES:
            for pk in holders:
                sums[pk][name] += row[name] or 0
    if any(d.statistic for d in definitions):
        start, end = period.bounds()
        cases = Case.objects.for_user(user).filter(
            places, received_at__gte=start, received_at__lt=end, first_action_at__isnull=False
        )
        for path, received, first in cases.values_list(
            "scope_path", "received_at", "first_action_at"
        ):
            for place in _ancestors(path):
                for pk in by_place.get(place, ()):
                    minutes[pk].append((first - received).total_seconds() / 60)
    if any(d.denominator == "population" for d in definitions):
        for unit in units:
            sums[unit.pk]["population"] = indicators.population_of(Target(unit=unit))
    return {
        unit.pk: {
            d.code: indicators.value_of(d, sums[unit.pk], minutes[unit.pk]) for d in definitions
        }
        for unit in units
    }


def _parts(scheme: Scheme, unit: Unit, period: Period, values: dict) -> list[Part]:
    parts = []
    for criterion in scheme.criteria:
        value = values[criterion.indicator]
        definition = criterion.definition
        parts.append(
            Part(
                criterion=criterion,
                numerator=value.numerator,
                denominator=value.denominator,
                value=value.value,
                points=criterion.earned(value.value),
                numerator_url=cases_url(definition.code, unit, period, "numerator")
                if definition.drillable
                else None,
                denominator_url=cases_url(definition.code, unit, period, "denominator")
                if definition.denominator in indicators.CASE_MEASURES or definition.statistic
                else None,
            )
        )
    return parts


def _base(scheme: Scheme, parts: list[Part]) -> float | None:
    """The criteria's points, scaled to the scheme's total over the criteria with a value."""
    counted = [p for p in parts if p.points is not None]
    available = sum(p.criterion.points for p in counted)
    if not available:
        return None
    return round(sum(p.points for p in counted) / available * scheme.total, SCORE_DIGITS)


def _deductions(user, scheme: Scheme, units: list[Unit], period: Period) -> dict[int, list]:
    """Each unit's deductions in the period: cards against it or a unit under it, and
    flags confirmed on it or a unit under it, read in two queries for all units."""
    if not units:
        return {}
    start, end = period.bounds()
    paths = Q()
    for unit in units:
        paths |= subtree_q(unit.path, "unit__path")
    # Supervision orders are read as the disputes board reads them (scoped to the user),
    # narrowed to the period: the board's selectors sum all time, by name.
    cards = list(
        Supervision.objects.for_user(user)
        .filter(paths, issued_at__gte=start, issued_at__lt=end, points__gt=0)
        .select_related("case", "unit")
        .order_by("issued_at", "id")
    )
    flags = list(
        Flag.objects.for_user(user)
        .filter(
            paths,
            status=Flag.Status.CONFIRMED,
            period_day__gte=period.start,
            period_day__lte=period.end,
        )
        .select_related("unit")
        .order_by("period_day", "id")
    )
    try:
        flags_page = reverse("analytics:flags")
    except NoReverseMatch:
        flags_page = ""
    found: dict[int, list[Deduction]] = {unit.pk: [] for unit in units}
    for unit in units:
        for order in cards:
            if order.unit.path.startswith(unit.path):
                found[unit.pk].append(
                    Deduction(
                        kind="card",
                        label=_("%(unit)s %(card)s（%(reason)s）")
                        % {
                            "unit": order.unit.name,
                            "card": order.get_card_display(),
                            "reason": order.reason[:40],
                        },
                        points=order.points * scheme.per_card_point,
                        case_refs=[order.case.reference],
                        url=reverse("disputes:case", args=[order.case.reference]),
                    )
                )
        for flag in flags:
            if flag.unit.path.startswith(unit.path):
                found[unit.pk].append(
                    Deduction(
                        kind="flag",
                        label=_("%(unit)s %(kind)s（已确认）")
                        % {"unit": flag.unit.name, "kind": flag.get_kind_display()},
                        points=scheme.per_confirmed_flag,
                        case_refs=list(flag.case_refs),
                        url=f"{flags_page}?{urlencode({'id': flag.pk})}" if flags_page else "",
                    )
                )
    return found


def score_unit(
    scheme: Scheme, unit: Unit, period: Period, values: dict, deductions: list[Deduction]
) -> Score:
    """One unit's score for the period from its figures and deductions."""
    parts = _parts(scheme, unit, period, values)
    base = _base(scheme, parts)
    deducted = round(min(scheme.max_deduction, sum(d.points for d in deductions)), POINT_DIGITS)
    score = None if base is None else round(max(0.0, base - deducted), SCORE_DIGITS)
    return Score(
        unit=unit,
        scheme=scheme,
        base=base,
        deducted=deducted,
        score=score,
        stars=scheme.stars_for(score),
        parts=parts,
        deductions=deductions,
    )


def _rank(scheme: Scheme, scores: list[Score]) -> list[Score]:
    """Highest first; equal scores share a rank (1, 2, 2, 4); units with no score (no case
    to judge) come last, unranked. Laggards: below the scheme's threshold, or among the
    ``bottom`` lowest when more units than that are ranked (ties at the edge included)."""
    ranked = sorted(
        (s for s in scores if s.score is not None), key=lambda s: (-s.score, s.unit.code)
    )
    unranked = sorted((s for s in scores if s.score is None), key=lambda s: s.unit.code)
    for index, score in enumerate(ranked):
        previous = ranked[index - 1] if index else None
        score.rank = previous.rank if previous and previous.score == score.score else index + 1
    bottom = scheme.laggard_bottom
    edge = ranked[-bottom].score if bottom and len(ranked) > bottom else None
    for score in ranked:
        score.laggard = score.score < scheme.laggard_below or (
            edge is not None and score.score <= edge
        )
    return ranked + unranked


def units_for(user, kind: str):
    """The units of ``kind`` in the user's jurisdiction, in tree order."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("请选择评价对象：警务室或派出所")})
    return Unit.objects.for_user(user).filter(kind=kind).select_related("jurisdiction")


def ranking(user, period: Period, *, kind: str = Unit.Kind.POLICE_ROOM) -> list[Score]:
    """Every police room (or station) in the user's jurisdiction scored for ``period``,
    ranked, laggards marked; each score carries its parts and deductions. Figures, cards
    and flags are all read inside the user's scope. Needs the right to see figures."""
    if not user.has_perm(VIEW_FIGURES):
        raise PermissionDenied(_("您没有查看统计数据的权限"))
    units = list(units_for(user, kind))
    scheme = SCHEMES[kind]
    values = figures(user, scheme, units, period)
    deductions = _deductions(user, scheme, units, period)
    scores = [
        score_unit(scheme, unit, period, values[unit.pk], deductions[unit.pk]) for unit in units
    ]
    return _rank(scheme, scores)


def laggards(user, period: Period, *, kind: str = Unit.Kind.POLICE_ROOM) -> list[Score]:
    """The laggards of ``ranking``, lowest first: the dashboards' list."""
    return sorted(
        (s for s in ranking(user, period, kind=kind) if s.laggard),
        key=lambda s: (s.score, s.unit.code),
    )
