"""Address text -> grid: which grid (and building) a typed address names, or "not sure".

The text side of ``selectors.locate`` (DESIGN.md §3): a report that comes with an address
and no map point is placed by

1. an exact building address (``Building.address``), then
2. the names of the places it mentions, found in one pass by an Aho-Corasick automaton
   over every region's name (``PlaceNames``): a grid it names, else the only grid of a
   community (village) it names.

The registry's standard-address matcher sits above places and is applied by its callers
(intake links the standard address once the grid is known). Texts that name places which
disagree (two villages of one name in different townships, two grids, a community of
several grids) come back "not sure" with the candidates, never as a guess: the reporter
picks on the map or chooses a grid.

The index itself, ``place_names.PlaceNames``, is plain Python over plain rows;
``locate_text`` wraps it with the database and a per-process cache that is checked against
the region table on every call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.db import connection

from fengqiao.places.models import Building, Region, subtree_q
from fengqiao.places.place_names import MAX_CANDIDATES, PlaceNames, RegionRow

# A text shorter than this names nothing we could trust.
MIN_TEXT_LENGTH = 2


@dataclass(frozen=True)
class PlaceCandidate:
    """A place an ambiguous text could mean: a region (grid or community) or a building."""

    code: str
    level: str  # a region level code, or "building"
    label: str  # its name with its parent's: 甲村（甲镇）


@dataclass(frozen=True)
class TextLocation:
    """Where an address text puts a report.

    ``grid`` (and ``building`` when the text is a building's exact address) when the text
    is clear; otherwise ``candidates`` lists the places it could mean ("not sure"), and
    both are empty when it names no place that we know.
    """

    grid: Region | None = None
    building: Building | None = None
    candidates: tuple[PlaceCandidate, ...] = ()

    @property
    def found(self) -> bool:
        return self.grid is not None

    @property
    def not_sure(self) -> bool:
        return self.grid is None and bool(self.candidates)


# Each process keeps the last index it built with the signature of the region table it
# was built from, and reads the signature before every use, as ``selectors.grid_index``
# does: a region added, removed or saved in any process is seen at every process's next
# lookup, so the cache is never stale for a request (DESIGN.md §6).


@dataclass(frozen=True)
class _CachedNames:
    signature: tuple
    names: PlaceNames


_cached: _CachedNames | None = None
_build_lock = threading.Lock()


def _regions_signature() -> tuple:
    """Changes whenever a region is added, removed or saved (renamed): one query answered
    from three indexes (see ``selectors._grid_signature`` for why it is written so)."""
    table = connection.ops.quote_name(Region._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table}),"
            f" (SELECT MAX(id) FROM {table})"
        )
        return tuple(cursor.fetchone())


def place_names() -> PlaceNames:
    """The name index of every region as the database has them now.

    One small query when nothing changed; rebuilt when any region did. Edits that skip
    ``Model.save`` (``QuerySet.update`` of a name) do not touch ``updated_at`` and are not
    seen: rename regions through the places services or admin.
    """
    global _cached
    signature = _regions_signature()
    cached = _cached
    if cached is not None and cached.signature == signature:
        return cached.names
    with _build_lock:
        cached = _cached
        if cached is None or cached.signature != signature:
            rows = Region.objects.values_list(
                "id", "code", "name", "level", "path", "parent_id", "stat_code"
            )
            cached = _CachedNames(signature, PlaceNames(RegionRow(*row) for row in rows))
            _cached = cached
    return cached.names


def locate_text(text: str, *, within: str = "") -> TextLocation:
    """The grid (and building) an address text names, or "not sure" with candidates.

    ``within`` is a region path (the reporter's county, when the caller knows it): only
    places at or under it count. A system lookup like ``locate``: it answers whoever asks;
    the caller checks the result against the actor's jurisdiction. Three small queries:
    the building address, the index signature and the grid.
    """
    text = (text or "").strip()
    if len(text) < MIN_TEXT_LENGTH:
        return TextLocation()
    by_building = _by_building_address(text, within)
    if by_building is not None:
        return by_building
    names = place_names()
    hit = names.find(text, within=within)
    if hit.grid_id is not None:
        grids = list(Region.objects.filter(pk=hit.grid_id, level="grid"))
        # None only when the grid was deleted since the index was read.
        return TextLocation(grid=grids[0] if grids else None)
    return TextLocation(
        candidates=tuple(
            PlaceCandidate(names.rows[pk].code, names.rows[pk].level, names.label(pk))
            for pk in hit.candidate_ids
        )
    )


def _by_building_address(text: str, within: str) -> TextLocation | None:
    """A building whose address is exactly ``text``; its grid when several such buildings
    share one grid; "not sure" when they lie in different grids; None when there is none."""
    matching = Building.objects.filter(address=text)
    if within:
        matching = matching.filter(subtree_q(within, "grid__path"))
    # Most texts are no building's address: ask for ids first, the objects only on a hit.
    hits = list(matching.order_by().values_list("id", flat=True)[: MAX_CANDIDATES + 1])
    buildings = list(Building.objects.select_related("grid").filter(pk__in=hits)) if hits else []
    if not buildings:
        return None
    if len(buildings) == 1:
        return TextLocation(grid=buildings[0].grid, building=buildings[0])
    if len({building.grid_id for building in buildings}) == 1:
        return TextLocation(grid=buildings[0].grid)
    return TextLocation(
        candidates=tuple(
            PlaceCandidate(building.code, "building", f"{building.name}（{building.grid.name}）")
            for building in buildings[:MAX_CANDIDATES]
        )
    )
