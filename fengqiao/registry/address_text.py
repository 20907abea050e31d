"""Chinese addresses as people type them, taken apart into standard-address elements.

Pure text work, no database: ``parse(text, places)`` knows the region names it is given
(township, community ...) and reads the rest with the everyday grammar of an address
(GA/T 2000.32 element order): road + door number or compound, building, unit, floor,
room; in the countryside village, group and house number. ``canonical_tail`` writes the
elements below community level in one form, so "人民路12号3栋2单元502" and
"人民路１２号三幢二单元502室" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=幢|栋|号|单元|层|楼|室|组|座)")
_ROAD = re.compile(r"^(?P<road>.+?(?:大道|大街|路|街|巷|弄|胡同))(?P<door>\d+(?:-\d+)?)号")
_BUILDING = re.compile(r"(?P<no>\d+[A-Za-z]?)(?:号楼|幢|栋|座|号?楼(?!层))")
_GROUP = re.compile(r"^(?P<no>\d+)组")
_DOOR = re.compile(r"^(?P<no>\d+(?:-\d+)?)号")
_UNIT = re.compile(r"^(?P<no>\d+)单元")
_FLOOR = re.compile(r"^(?P<no>-?\d+)(?:层|楼)")
_ROOM = re.compile(r"^(?P<no>\d+[A-Za-z]?)(?:室|房|号房|号)?$")
_NOISE = re.compile(r"[\s,，、。.·\-—_/（）()]+$|^[\s,，、。.·—_/]+")


@dataclass(frozen=True)
class AddressParts:
    """The elements found in a typed address; "" where absent."""

    township: str = ""
    community: str = ""
    road: str = ""
    door_number: str = ""
    compound: str = ""
    village_group: str = ""
    building_no: str = ""
    unit_no: str = ""
    floor: str = ""
    room: str = ""
    rest: str = ""

    @property
    def is_room(self) -> bool:
        return bool(self.room)


def normalize(text: str) -> str:
    """Full-width to half-width, no spaces, Chinese numerals before 幢/号/单元/室 as digits."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text.split())
    return _CN_NUMBER.sub(lambda m: str(_chinese_number(m.group())), text)


def _chinese_number(text: str) -> int:
    """二十三 → 23, 十 → 10, 一〇二 → 102 (digit by digit when there is no 十/百)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


def parse(text: str, places: Iterable[tuple[str, str]] = ()) -> AddressParts:
    """The elements of ``text``. ``places`` are (level, name) pairs of regions the text may
    name (township, community); the longest one found is taken and anything before it
    (province, city, county) dropped."""
    rest = normalize(text)
    found: dict[str, str] = {}
    # Larger regions first (a township name may also end a community's), longest first.
    order = {"county": 0, "township": 1, "community": 2}
    for level, name in sorted(places, key=lambda place: (order.get(place[0], 3), -len(place[1]))):
        if level in found or not name:
            continue
        at = rest.find(name)
        if at >= 0:
            found[level] = name
            rest = rest[at + len(name) :]
            # A community name is the last region element; stop at it.
            if level == "community":
                break
    parts = AddressParts(township=found.get("township", ""), community=found.get("community", ""))
    rest = _NOISE.sub("", rest)
    road = _ROAD.match(rest)
    if road:
        parts = replace(parts, road=road["road"], door_number=road["door"])
        rest = rest[road.end() :]
    building = _BUILDING.search(rest)
    if building:
        if building.start() > 0:
            parts = replace(parts, compound=rest[: building.start()])
        parts = replace(parts, building_no=building["no"].upper())
        rest = rest[building.end() :]
    elif not road:
        group = _GROUP.match(rest)
        if group:
            parts = replace(parts, village_group=group["no"])
            rest = rest[group.end() :]
        door = _DOOR.match(rest)
        if door:
            parts = replace(parts, door_number=door["no"])
            rest = rest[door.end() :]
    for pattern, field in ((_UNIT, "unit_no"), (_FLOOR, "floor")):
        match = pattern.match(rest)
        if match:
            parts = replace(parts, **{field: match["no"]})
            rest = rest[match.end() :]
    room = _ROOM.match(rest)
    if room and (parts.building_no or parts.door_number):
        parts = replace(parts, room=room["no"].upper())
        rest = ""
    if parts.room and not parts.floor and len(parts.room) >= 3 and parts.room[:-2].isdigit():
        parts = replace(parts, floor=str(int(parts.room[:-2])))
    return replace(parts, rest=_NOISE.sub("", rest))


def canonical_tail(parts: AddressParts) -> str:
    """The elements below community level in one written form (the match key)."""
    pieces = [parts.road]
    if parts.road and parts.door_number:
        pieces.append(f"{parts.door_number}号")
    if parts.village_group:
        pieces.append(f"{parts.village_group}组")
    if not parts.road and parts.door_number:
        pieces.append(f"{parts.door_number}号")
    pieces.append(parts.compound)
    if parts.building_no:
        pieces.append(f"{parts.building_no}幢")
    if parts.unit_no:
        pieces.append(f"{parts.unit_no}单元")
    if parts.room:
        pieces.append(f"{parts.room}室")
    pieces.append(parts.rest)
    return "".join(pieces)
