"""One search box over the registry: name, pinyin initials, last digits of an ID or phone,
a full ID or phone (by keyed hash, never shown), or address text; always scoped.

What the query looks like decides where to look, so every lookup is one index range
with the user's jurisdiction (see the indexes on ``Resident``):

- a full ID number (18, or a legacy 15) or phone number → the keyed hash, equality;
- 4 to 8 trailing digits → the stored last four, then the sealed value's tail;
- Latin letters → pinyin initials or full pinyin, by prefix ("zs", "zhangs");
- Chinese → a name prefix, and address, unit and house-owner text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from fengqiao.identity import normalize_id_number
from fengqiao.phones import normalize_phone
from fengqiao.registry import sealing, selectors
from fengqiao.registry.models import Address, Establishment, House, Resident

LIMIT = 20
MIN_TEXT = 2
_TAIL = re.compile(r"^\d{3}[\dXx]$|^\d{4,8}[Xx]?$")
_LATIN = re.compile(r"^[A-Za-z]+$")


@dataclass
class SearchResults:
    query: str
    kind: str = ""  # what the query was read as: id, phone, tail, pinyin, text
    residents: list[Resident] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    houses: list[House] = field(default_factory=list)
    establishments: list[Establishment] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.residents or self.addresses or self.houses or self.establishments)

    @property
    def count(self) -> int:
        return (
            len(self.residents) + len(self.addresses) + len(self.houses) + len(self.establishments)
        )


def prefix_q(field_name: str, prefix: str) -> Q:
    """``field`` starts with ``prefix`` as a B-tree range (no LIKE, so any collation)."""
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + "\U0010ffff"})


def search(user, query: str, *, limit: int = LIMIT) -> SearchResults:
    """What ``query`` finds in the user's jurisdiction, at most ``limit`` of each kind."""
    text = "".join((query or "").split())
    results = SearchResults(query=text)
    if len(text) < MIN_TEXT:
        return results
    residents = selectors.residents_for(user)
    full_id = _full_id(text)
    if full_id:
        results.kind = "id"
        results.residents = list(residents.filter(id_hash=sealing.digest(full_id))[:limit])
        return results
    phone = _full_phone(text)
    if phone:
        results.kind = "phone"
        results.residents = list(residents.filter(phone_hash=sealing.digest(phone))[:limit])
        return results
    if _TAIL.match(text):
        results.kind = "tail"
        results.residents = _by_tail(residents, text.upper(), limit)
        return results
    if _LATIN.match(text):
        results.kind = "pinyin"
        results.residents = _by_pinyin(residents, text.lower(), limit)
        return results
    results.kind = "text"
    results.residents = list(residents.filter(prefix_q("name", text)).order_by("name")[:limit])
    results.addresses = list(
        selectors.addresses_for(user).filter(full_text__contains=text).order_by("full_text")[:limit]
    )
    results.houses = list(
        selectors.houses_for(user)
        .filter(prefix_q("owner_name", text))
        .order_by("owner_name")[:limit]
    )
    results.establishments = list(
        selectors.establishments_for(user).filter(name__contains=text).order_by("name")[:limit]
    )
    return results


def _by_pinyin(residents, prefix: str, limit: int) -> list[Resident]:
    """Initials first ("zs" 张三 before "zsf" 张三丰), then full pinyin. Each is read in
    its index's order, so the scan stops at ``limit`` rows even when a common pair of
    initials matches thousands of people (one OR sorted by name read them all)."""
    found: list[Resident] = []
    for key in ("name_initials", "name_pinyin"):
        rows = residents.filter(prefix_q(key, prefix)).order_by(key, "scope_path", "id")
        found.extend(row for row in rows[:limit] if row not in found)
    return found[:limit]


def _full_id(text: str) -> str:
    if len(text) not in (15, 18):
        return ""
    try:
        return normalize_id_number(text)
    except ValidationError:
        return ""


def _full_phone(text: str) -> str:
    digits = text.removeprefix("+86").removeprefix("0086")
    if not digits.isdigit() or len(digits) < 10:
        return ""
    try:
        return normalize_phone(text)
    except ValidationError:
        return ""


def _by_tail(residents, tail: str, limit: int) -> list[Resident]:
    """Residents whose ID or phone ends with ``tail``: the stored last four narrows it to
    a handful, and a longer tail is checked against the sealed values of that handful."""
    last4 = tail[-4:]
    candidates = residents.filter(Q(id_last4=last4) | Q(phone_last4=last4)).order_by("name", "id")
    if len(tail) == 4:
        return list(candidates[:limit])
    found = []
    for resident in candidates[: limit * 20]:
        if resident.id_number.endswith(tail) or resident.phone.endswith(tail):
            found.append(resident)
            if len(found) == limit:
                break
    return found
