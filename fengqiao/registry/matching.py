"""Typed address → standard address: exact on the canonical elements, then fuzzy.

``AddressMatcher`` reads the region names and the addresses of an area once and then
answers many lookups from memory (an import, a benchmark); ``match_address`` is the
one-off form intake uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from rapidfuzz import fuzz, process

from fengqiao.places.models import Region, subtree_q
from fengqiao.registry.address_text import AddressParts, canonical_tail, parse
from fengqiao.registry.models import Address

# Below this similarity (0–100) a fuzzy candidate is not proposed at all.
FUZZY_CUTOFF = 85
# At most this many addresses are compared one by one in a single database lookup.
FUZZY_POOL = 20000


@dataclass(frozen=True)
class Match:
    address_id: int
    full_text: str
    score: float  # 100 for an exact match
    parts: AddressParts

    @property
    def exact(self) -> bool:
        return self.score >= 100


class AddressMatcher:
    """Matches typed addresses against the standard addresses under ``root_path``."""

    def __init__(self, root_path: str = "/") -> None:
        self.places, self._paths = _place_names(root_path)
        self._by_tail: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self._tails_under: dict[str, list[str]] = defaultdict(list)
        addresses = Address.objects.all()
        if root_path != "/":
            addresses = addresses.filter(subtree_q(root_path, "scope_path"))
        for pk, tail, full_text, path in addresses.values_list(
            "pk", "tail", "full_text", "scope_path"
        ).iterator(chunk_size=5000):
            self._by_tail[tail].append((pk, full_text, path))
            community = community_path_of(path)
            self._tails_under[community].append(tail)

    def match(self, text: str) -> Match | None:
        """The standard address ``text`` means, or None. An exact match on the elements
        wins; otherwise the closest address in the named community (or anywhere, when no
        community is named) if it is similar enough."""
        parts = parse(text, self.places)
        tail = canonical_tail(parts)
        if not tail:
            return None
        region_paths = self._region_paths(parts)
        exact = _inside(self._rows(tail), region_paths)
        if len(exact) == 1:
            pk, full_text, _path = exact[0]
            return Match(pk, full_text, 100.0, parts)
        if exact:
            return None  # the same elements in two places the text does not tell apart
        choices = self._candidates(region_paths)
        best = process.extractOne(tail, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return None
        rows = _inside(self._rows(best[0]), region_paths)
        if len(rows) != 1:
            return None
        pk, full_text, _path = rows[0]
        return Match(pk, full_text, float(best[1]), parts)

    def _rows(self, tail: str) -> list[tuple[int, str, str]]:
        return self._by_tail.get(tail, [])

    def _region_paths(self, parts: AddressParts) -> list[str]:
        if parts.community:
            paths = self._paths.get(("community", parts.community), [])
            if parts.township:
                township = self._paths.get(("township", parts.township), [])
                paths = [p for p in paths if any(p.startswith(t) for t in township)] or paths
            return paths
        if parts.township:
            return self._paths.get(("township", parts.township), [])
        return []

    def _candidates(self, region_paths: list[str]) -> list[str]:
        if not region_paths:
            return list(self._by_tail)
        return [
            tail
            for community, tails in self._tails_under.items()
            if any(community.startswith(p) or p.startswith(community) for p in region_paths)
            for tail in tails
        ]


class _DatabaseMatcher(AddressMatcher):
    """The same rules, asking the database per lookup instead of holding every address."""

    def __init__(self, root_path: str = "/") -> None:
        self.root_path = root_path
        self.places, self._paths = _place_names(root_path)

    def _addresses(self):
        addresses = Address.objects.all()
        if self.root_path != "/":
            addresses = addresses.filter(subtree_q(self.root_path, "scope_path"))
        return addresses

    def _rows(self, tail: str) -> list[tuple[int, str, str]]:
        return list(
            self._addresses().filter(tail=tail).values_list("pk", "full_text", "scope_path")
        )

    def _candidates(self, region_paths: list[str]) -> list[str]:
        if not region_paths:
            return []  # no fuzzy search over a whole county without a community or township
        condition = Q()
        for path in region_paths:
            condition |= subtree_q(path, "scope_path")
        return list(self._addresses().filter(condition).values_list("tail", flat=True)[:FUZZY_POOL])


def _inside(rows: list[tuple[int, str, str]], region_paths: list[str]) -> list:
    return [
        row for row in rows if not region_paths or any(row[2].startswith(p) for p in region_paths)
    ]


def community_path_of(grid_path: str) -> str:
    """The community's path above a grid's (a grid sits right under its community)."""
    return grid_path[: grid_path.rstrip("/").rfind("/") + 1]


def _place_names(root_path: str) -> tuple[list[tuple[str, str]], dict]:
    """The (level, name) pairs a typed address may name, and each one's paths."""
    regions = Region.objects.filter(level__in=("county", "township", "community"))
    if root_path != "/":
        # The root's ancestors too: a text may start with the county's name.
        regions = regions.filter(subtree_q(root_path) | _ancestors_q(root_path))
    places: list[tuple[str, str]] = []
    paths: dict[tuple[str, str], list[str]] = defaultdict(list)
    for level, name, path in regions.values_list("level", "name", "path"):
        places.append((level, name))
        paths[(level, name)].append(path)
    return places, paths


def _ancestors_q(path: str) -> Q:
    prefixes = []
    parts = [code for code in path.split("/") if code]
    for n in range(1, len(parts)):
        prefixes.append("/" + "/".join(parts[:n]) + "/")
    return Q(path__in=prefixes)


def match_address(text: str, *, within: str = "/") -> Match | None:
    """One lookup: the standard address ``text`` means, within the subtree ``within``."""
    return _DatabaseMatcher(within).match(text)
