"""Which places a text names: every region's name in one Aho-Corasick automaton.

Plain Python over plain rows: no Django here, so the index can be built and benchmarked
without a database (``bench/locate_text.py``). ``places.text_locate`` wraps it with the
database, the building addresses and the cache.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

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
    stat_code: str = ""  # the NBS 12-digit code of a township, village or community


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
            # A region is named by its name, our code or its 12-digit statistical code
            # (a case file's 行政区划 column may hold any of them).
            for name in dict.fromkeys((row.name.strip(), row.code, row.stat_code)):
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
        named_paths = {self.rows[pk].path for ids in named for pk in ids}
        support = {pk: _ancestors_named(self.rows[pk].path, named_paths) for pk in targets}
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
            if _is_code(name) and not _whole_word(text, end + 1 - len(name), end + 1):
                continue  # a code inside a longer number (an ID number) names nothing
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

    def _grids_for(self, pk: int) -> list[int]:
        return [pk] if self.rows[pk].level == "grid" else self.grids_of(pk)


def _is_code(name: str) -> bool:
    return name.isascii() and name.isalnum()


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (_is_code(before) or _is_code(after))


def _ancestors_named(path: str, named_paths: set[str]) -> int:
    """How many of the regions at ``named_paths`` are proper ancestors of ``path``."""
    count, cut = 0, path.find("/", 1)
    while cut != -1 and cut < len(path) - 1:
        count += path[: cut + 1] in named_paths
        cut = path.find("/", cut + 1)
    return count
