"""How alike two reports are: a score out of 100 from the same phone, the same place, similar
text and the same names, with the reasons that made it. Pure Python over plain values: the
candidates are read in ``selectors.duplicate_candidates``.

The weights are a judgement, not a measurement: a shared phone number (the same person
reporting again, or a party named twice) says most; the same place and similar words
together say as much; a name alone is weak (common surnames, 王阿姨).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

PHONE_POINTS = 40
PLACE_POINTS = 25  # the same standard address or building, or an identical address
NEAR_ADDRESS_POINTS = 15  # addresses that differ by a few characters
TEXT_POINTS = 30  # scaled by how alike the texts are, between TEXT_FLOOR and TEXT_FULL
NAME_POINTS = 10
# Below the floor two texts share no more than any two reports of one kind do; two people
# telling one story in their own words reach 0.3–0.5, one person pasting it again ~0.7+.
TEXT_FLOOR = 0.25
TEXT_FULL = 0.65
NEAR_ADDRESS_RATIO = 85
# A candidate worth showing staff; the public is told of one only from place and text.
SHOW_FROM = 35
PUBLIC_FROM = 35  # counted without phones and names: the same place and like words, never one alone

_NOT_WORDS = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Facts:
    """What is compared of one report."""

    text: str
    address: str = ""
    place_keys: frozenset[str] = frozenset()  # "addr:<id>", "bldg:<id>"
    phone_hashes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Likeness:
    score: int
    reasons: tuple[str, ...]
    # The part of the score that does not rest on who reported (phones, names).
    public_score: int


def likeness(new: Facts, old: Facts) -> Likeness:
    """How alike ``old`` is to ``new``, out of 100, and why."""
    reasons: list[str] = []
    score = public = 0
    if new.phone_hashes & old.phone_hashes:
        score += PHONE_POINTS
        reasons.append(_("同一电话"))
    if new.place_keys & old.place_keys or (new.address and new.address == old.address):
        score += PLACE_POINTS
        public += PLACE_POINTS
        reasons.append(_("同一地址"))
    elif new.address and old.address and fuzz.ratio(new.address, old.address) >= NEAR_ADDRESS_RATIO:
        score += NEAR_ADDRESS_POINTS
        public += NEAR_ADDRESS_POINTS
        reasons.append(_("地址相近"))
    similarity = text_similarity(new.text, old.text)
    if similarity > TEXT_FLOOR:
        share = min(1.0, (similarity - TEXT_FLOOR) / (TEXT_FULL - TEXT_FLOOR))
        points = round(TEXT_POINTS * share)
        score += points
        public += points
        reasons.append(_("内容相似 %(percent)s%%") % {"percent": round(similarity * 100)})
    if new.names & old.names:
        score += NAME_POINTS
        reasons.append(_("同一姓名"))
    return Likeness(min(score, 100), tuple(reasons), min(public, 100))


def text_similarity(a: str, b: str) -> float:
    """0..1: the Dice coefficient of the two texts' character pairs.

    Pairs of characters, not words: Chinese has no spaces, and two people describing one
    quarrel share its words (漏水, 楼上, 噪音) in any order and any segmentation.
    """
    pairs_a, pairs_b = _pairs(a), _pairs(b)
    if not pairs_a or not pairs_b:
        return 0.0
    shared = len(pairs_a & pairs_b)
    return 2 * shared / (len(pairs_a) + len(pairs_b))


def _pairs(text: str) -> set[str]:
    letters = _NOT_WORDS.sub("", (text or "").lower())
    return {letters[i : i + 2] for i in range(len(letters) - 1)}
