"""The heat map of a place: its grids (or, for a big place, the areas one level down) drawn
as plain SVG by the places map code and coloured by one measure. No tiles, no script: it
works on an isolated intranet and on a phone.

Cases and reports are summed from the daily facts per grid; red cases are counted from the
cases received in the period (the facts keep no risk); reports per 10,000 residents divide
by the 常住人口 recorded for each place (a place without one has no value, never 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from fengqiao.analytics import indicators
from fengqiao.analytics.indicators import Period, Target
from fengqiao.analytics.models import DailyFact
from fengqiao.places.map_svg import MapShape, SvgMap, draw
from fengqiao.places.maps import MAP_GRID_LIMIT
from fengqiao.places.models import Region, subtree_q
from fengqiao.places.selectors import grids_under

MEASURES = {
    "cases": _("案件数"),
    "red": _("红色案件数"),
    "reports_per_10k": _("每万人报事数"),
}
STEPS = 5


@dataclass
class HeatArea:
    """One shape of the map and its figures for the period."""

    region: Region
    cases: int = 0
    red: int = 0
    reports: int = 0
    population: int = 0

    @property
    def reports_per_10k(self) -> float | None:
        if not self.population:
            return None
        return round(self.reports / self.population * 10_000, 1)

    def value(self, measure: str) -> float | None:
        return getattr(self, measure)


@dataclass(frozen=True)
class LegendStep:
    css_class: str
    label: str


@dataclass
class HeatMap:
    measure: str
    areas: list[HeatArea]
    svg: SvgMap | None
    legend: list[LegendStep]
    # "grids" or "areas" (the places one level down, for a place with many grids).
    shows: str

    @property
    def measure_label(self) -> str:
        return str(MEASURES[self.measure])


def _number(value: float, measure: str) -> str:
    return f"{value:.1f}" if measure == "reports_per_10k" else f"{value:.0f}"


def steps(values: list[float | None]) -> tuple[float, Callable[[float | None], str]]:
    """The largest value and the function giving a value its colour class: ``heat-none``
    for no value, ``heat-0`` for zero, ``heat-1`` … ``heat-5`` in equal steps up to the
    largest."""
    top = max((v for v in values if v is not None), default=0) or 0

    def css_class(value: float | None) -> str:
        if value is None:
            return "heat-none"
        if value <= 0 or top <= 0:
            return "heat-0"
        return f"heat-{min(STEPS, max(1, math.ceil(value / top * STEPS)))}"

    return top, css_class


def legend(measure: str, top: float, has_none: bool) -> list[LegendStep]:
    """What each colour means: the range of values it stands for."""
    items = [LegendStep("heat-none", str(_("无人口数据")))] if has_none else []
    items.append(LegendStep("heat-0", "0"))
    counts = measure != "reports_per_10k"
    for step in range(1, STEPS + 1):
        low, high = top * (step - 1) / STEPS, top * step / STEPS
        if top <= 0:
            break
        if counts:
            first, last = math.floor(low) + 1, math.floor(high)
            if first > last:
                continue
            label = str(first) if first == last else f"{first}–{last}"
        else:
            label = f"{_number(low, measure)}–{_number(high, measure)}"
        items.append(LegendStep(f"heat-{step}", label))
    return items


def _areas(user, region: Region) -> tuple[list[HeatArea], dict[int, HeatArea], str]:
    """The shapes to colour and, for every grid under ``region``, the shape it adds to."""
    grids = grids_under(user, [region])
    if grids.count() <= MAP_GRID_LIMIT:
        areas = [HeatArea(grid, population=grid.population or 0) for grid in grids]
        return areas, {area.region.pk: area for area in areas}, "grids"
    children = Region.objects.for_user(user).filter(parent=region).order_by("path")
    areas = [HeatArea(child, population=child.population or 0) for child in children]
    by_path = {area.region.path: area for area in areas}
    of_grid: dict[int, HeatArea] = {}
    depth = len(region.path)
    for pk, path, population in grids.values_list("pk", "path", "population"):
        area = by_path.get(path[:depth] + path[depth:].split("/", 1)[0] + "/")
        if area is None:
            continue
        of_grid[pk] = area
        if not area.region.population:
            area.population += population or 0
    return areas, of_grid, "areas"


def heat_map(
    user, region: Region, period: Period, measure: str, link: Callable[[Region], str]
) -> HeatMap:
    """The map of ``region`` for ``period`` coloured by ``measure``; each shape links to
    ``link(place)`` (the cases behind it)."""
    areas, of_grid, shows = _areas(user, region)
    facts = (
        DailyFact.objects.for_user(user)
        .filter(subtree_q(region.path, "scope_path"), day__gte=period.start, day__lte=period.end)
        .values("grid_id")
        .annotate(cases=Sum("received"), reports=Sum("reports"))
    )
    for row in facts:
        area = of_grid.get(row["grid_id"])
        if area is not None:
            area.cases += row["cases"] or 0
            area.reports += row["reports"] or 0
    red = (
        indicators.cases_of(user, Target(region=region), period)
        .filter(risk="red")
        .values("grid_id")
        .annotate(n=Count("id"))
    )
    for row in red:
        area = of_grid.get(row["grid_id"])
        if area is not None:
            area.red += row["n"]
    values = [area.value(measure) for area in areas]
    top, css_class = steps(values)
    shapes = []
    for area, value in zip(areas, values, strict=True):
        shown = "—" if value is None else _number(value, measure)
        shapes.append(
            MapShape(
                key=area.region.code,
                label=f"{area.region.name}：{MEASURES[measure]} {shown}",
                geometry=area.region.boundary,
                href=link(area.region),
                css_class=f"heat {css_class(value)}",
            )
        )
    has_none = any(value is None for value in values)
    return HeatMap(measure, areas, draw(shapes, shows=shows), legend(measure, top, has_none), shows)
