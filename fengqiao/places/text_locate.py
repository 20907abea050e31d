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

``PlaceNames`` is plain Python over plain rows (no database), so it can be built and
benchmarked without Django (``bench/locate_text.py``); ``locate_text`` wraps it with the
database and a per-process cache that is checked against the region table on every call.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from django.db import connection

from fengqiao.places.models import Building, Region, subtree_q

# A text shorter than this names nothing we could trust.
MIN_TEXT_LENGTH = 2
# The levels a text is located to; names of the levels above only tell same-named places
# apart ("甲镇甲村" is the 甲村 of 甲镇).
TARGET_LEVELS = ("grid", "community")
# At most this many candidates come back with "not sure".
MAX_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class RegionRow:
    """What the name index keeps of a region."""

    id: int
    code: str
    name: str
    level: str
    path: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class NameHit:
    """What ``PlaceNames.find`` read in a text: one grid, or the places it could mean.

    ``grid_id`` is set when the text names exactly one grid's worth of place; otherwise
    ``candidate_ids`` lists the regions (grids or communities) it could mean, in path
    order, and is empty when the text names no place at all.
    """

    grid_id: int | None = None
    candidate_ids: tuple[int, ...] = ()


class PlaceNames:
    """Every region's name in one Aho-Corasick automaton, to find the places a text names.

    Built once from ``RegionRow``s and read-only after, so one instance may be shared
    between threads. A lookup costs one pass over the text plus a little work per name
    found, whatever the number of regions.
    """

    def __init__(self, rows: Iterable[RegionRow]) -> None:
        self.rows: dict[int, RegionRow] = {}
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._grids_of: dict[int, list[int]] = defaultdict(list)
        for row in rows:
            self.rows[row.id] = row
            name = row.name.strip()
            if name:
                self._by_name[name].append(row.id)
            if row.level == "grid" and row.parent_id is not None:
                self._grids_of[row.parent_id].append(row.id)
        for ids in (*self._by_name.values(), *self._grids_of.values()):
            ids.sort(key=lambda pk: self.rows[pk].path)
        self._automaton = ahocorasick.Automaton()
        for name in self._by_name:
            self._automaton.add_word(name, name)
        if self._by_name:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.rows)

    def grids_of(self, region_id: int) -> list[int]:
        """The grids directly under a region (a community's grids), in path order."""
        return self._grids_of.get(region_id, [])

    def label(self, region_id: int) -> str:
        """The region's name with its parent's, to tell same-named places apart."""
        row = self.rows[region_id]
        parent = self.rows.get(row.parent_id) if row.parent_id is not None else None
        return f"{row.name}（{parent.name}）" if parent is not None else row.name

    def find(self, text: str, *, within: str = "") -> NameHit:
        """The grid ``text`` names, or the places it could mean.

        Only regions at or under the path ``within`` count (a county's, when the caller
        knows it). A name inside a longer name found at the same place in the text does
        not count ("甲村" inside "甲村二网格"). A place whose ancestor the text also
        names beats one whose ancestor it does not ("甲镇甲村" over 乙镇's 甲村).
        """
        named = self._names_in(text, within)
        targets = [
            pk
            for ids in named
            for pk in ids
            if self.rows[pk].level in TARGET_LEVELS
            and (self.rows[pk].level == "grid" or self.grids_of(pk))
        ]
        if not targets:
            return NameHit()
        support = {pk: self._support(pk, named) for pk in targets}
        best = max(support.values())
        targets = list(dict.fromkeys(pk for pk in targets if support[pk] == best))
        # A community named beside one of its own grids means that grid.
        paths = [self.rows[pk].path for pk in targets]
        targets = [
            pk
            for pk in targets
            if not any(
                other != self.rows[pk].path and other.startswith(self.rows[pk].path)
                for other in paths
            )
        ]
        targets.sort(key=lambda pk: self.rows[pk].path)
        grids = {grid for pk in targets for grid in self._grids_for(pk)}
        if len(grids) == 1:
            return NameHit(grid_id=grids.pop())
        if len(targets) == 1:
            # One community of several grids: which of them is the question.
            return NameHit(candidate_ids=tuple(self.grids_of(targets[0])[:MAX_CANDIDATES]))
        return NameHit(candidate_ids=tuple(targets[:MAX_CANDIDATES]))

    def _names_in(self, text: str, within: str) -> list[list[int]]:
        """Per name found in the text (and not inside a longer one): its regions in scope."""
        if not self._by_name:
            return []
        found: list[tuple[int, int, list[int]]] = []
        for end, name in self._automaton.iter(text):
            ids = self._by_name[name]
            if within:
                ids = [pk for pk in ids if self.rows[pk].path.startswith(within)]
            if ids:
                found.append((end + 1 - len(name), end + 1, ids))
        return [
            ids
            for start, end, ids in found
            if not any(
                other_start <= start and end <= other_end and other_end - other_start > end - start
                for other_start, other_end, _ids in found
            )
        ]

    def _support(self, pk: int, named: list[list[int]]) -> int:
        """How many of the regions the text names are ancestors of region ``pk``."""
        path = self.rows[pk].path
        return len(
            {
                other
                for ids in named
                for other in ids
                if self.rows[other].path != path and path.startswith(self.rows[other].path)
            }
        )

    def _grids_for(self, pk: int) -> list[int]:
        return [pk] if self.rows[pk].level == "grid" else self.grids_of(pk)


# --- the database side --------------------------------------------------------------


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
            rows = Region.objects.values_list("id", "code", "name", "level", "path", "parent_id")
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
        grid = Region.objects.filter(pk=hit.grid_id, level="grid").first()
        # None only when the grid was deleted since the index was read.
        return TextLocation(grid=grid)
    return TextLocation(
        candidates=tuple(
            PlaceCandidate(names.rows[pk].code, names.rows[pk].level, names.label(pk))
            for pk in hit.candidate_ids
        )
    )


def _by_building_address(text: str, within: str) -> TextLocation | None:
    """A building whose address is exactly ``text``; its grid when several such buildings
    share one grid; "not sure" when they lie in different grids; None when there is none."""
    buildings = Building.objects.select_related("grid").filter(address=text)
    if within:
        buildings = buildings.filter(subtree_q(within, "grid__path"))
    buildings = list(buildings[: MAX_CANDIDATES + 1])
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
