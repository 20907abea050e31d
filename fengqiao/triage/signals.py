"""Finding the red-flag and context signals in a text, aware of negation, worry and hearsay.

A word counts only in the clause it stands in: "没有动刀，但是打伤了人" has an injury and no
weapon. A negation just before the word cancels it; worry ("怕他动刀") cancels it too.
Hearsay and the past keep the signal but mark it as not live, which is what separates a
threat to report from a threat to dispatch to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fengqiao.triage import lexicon

CLAUSE_END = re.compile(r"[。！？!?；;，,\n]|\.(?:\s|$)|\s-\s")


def _compile(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_SIGNALS = {name: _compile(patterns) for name, patterns in lexicon.SIGNAL_PATTERNS.items()}
_NEGATION_ZH = re.compile(lexicon.NEGATION_ZH)
_NEGATION_EN = re.compile(lexicon.NEGATION_EN)
_NEGATION_BREAKS = re.compile(lexicon.NEGATION_BREAKS)
_SPECULATION = _compile(lexicon.SPECULATION)
_HEARSAY = _compile(lexicon.HEARSAY)
_PAST = _compile(lexicon.PAST)
_NOW = _compile(lexicon.NOW)
_ASSAULT = _compile(lexicon.ASSAULT)
_ACCIDENT_SURE = _compile(lexicon.ACCIDENT_SURE)
_TOOL_ON_THINGS = _compile(lexicon.TOOL_ON_THINGS)

NAMES: tuple[str, ...] = tuple(lexicon.SIGNAL_PATTERNS)
# The signals that make a report red on their own (domain-notes §2.2, items 1-6).
RED = frozenset(
    {
        "threat_to_kill",
        "weapon",
        "injury",
        "crowd_gathering",
        "suicide_risk",
        "repeated_police_calls",
        "failed_mediation",
        "intimidation",
        "petition_threat",
    }
)
# Context that says an injury or a quarrel is not a live danger by itself.
CONTEXT = frozenset({"accidental", "over", "long_running", "missing"})
# What makes an injury or an old quarrel a live danger again: a weapon, a threat, violence
# still going on, someone promising more, violence at home (a pattern, not an incident).
ESCALATING = frozenset(
    {
        "threat_to_kill",
        "weapon",
        "threat_of_more",
        "violence_ongoing",
        "domestic_violence",
        "intimidation",
        "suicide_risk",
        "crowd_gathering",
        "petition_threat",
        "repeated_police_calls",
    }
)
# The ones police can act on at the scene, when they are happening now.
DISPATCHABLE = frozenset(
    {"threat_to_kill", "weapon", "injury", "crowd_gathering", "suicide_risk", "vulnerable_person"}
)
# Police powers needed now although nothing is red: money about to leave a victim's hands,
# a scuffle going on (GUIDE.md, Dispatch).
DISPATCH_ALONE = frozenset({"fraud_in_progress", "violence_ongoing"})


@dataclass(frozen=True)
class Signal:
    """One signal, the words that raised it, and whether it is live (happening now, told
    first hand) or reported (past or second hand)."""

    name: str
    words: tuple[str, ...]
    live: bool


def find_signals(text: str) -> list[Signal]:
    """The signals in normalised ``text`` (see ``text.normalise``), in lexicon order."""
    clauses = _clauses(text)
    found: list[Signal] = []
    for name, pattern in _SIGNALS.items():
        words: list[str] = []
        live = False
        for start, clause in clauses:
            for match in pattern.finditer(clause):
                before = clause[: match.start()]
                if _negated(before) or _SPECULATION.search(before):
                    continue
                if name == "weapon" and _on_a_thing(clause, match):
                    continue
                words.append(match.group(0))
                live = live or _is_live(text, start, clause)
        if words:
            found.append(Signal(name, tuple(dict.fromkeys(words)), live))
    return _without_weak_accident(text, found)


def _on_a_thing(clause: str, match: re.Match) -> bool:
    """A blunt tool in ``match`` used on a thing, not a person (lexicon.TOOL_ON_THINGS)."""
    used = _TOOL_ON_THINGS.search(clause, match.start(), match.end() + 16)
    return used is not None and used.start() < match.end()


def _without_weak_accident(text: str, found: list[Signal]) -> list[Signal]:
    """Someone pushed or hit: a collision word alone ("头撞到石头") does not make it an
    accident; an explicit one ("不小心", a dog, children at play) still does."""
    if not _ASSAULT.search(text):
        return found
    return [
        s for s in found if s.name != "accidental" or any(_ACCIDENT_SURE.search(w) for w in s.words)
    ]


def _clauses(text: str) -> list[tuple[int, str]]:
    clauses, start = [], 0
    for end in CLAUSE_END.finditer(text):
        clauses.append((start, text[start : end.start()]))
        start = end.end()
    clauses.append((start, text[start:]))
    return [(s, c) for s, c in clauses if c.strip()]


def _negated(before: str) -> bool:
    if _NEGATION_EN.search(before):
        return True
    tail = before[-(lexicon.NEGATION_WINDOW + 4) :]
    matches = list(_NEGATION_ZH.finditer(tail))
    if not matches:
        return False
    last = matches[-1]
    gap = tail[last.end() :]
    return len(gap) <= lexicon.NEGATION_WINDOW and not _NEGATION_BREAKS.search(gap)


SENTENCE_END = re.compile(r"[。！？!?\n]|\.(?:\s|$)")


def _is_live(text: str, start: int, clause: str) -> bool:
    """Told first hand and not placed in the past, or placed explicitly in the present.
    The past is read from up to 40 characters before the clause, within its sentence: "he
    moved here last year. He went out at noon" does not put the going out last year."""
    window = max(0, start - 40)
    ends = [m.end() for m in SENTENCE_END.finditer(text, window, start)]
    context = text[max([window, *ends]) : start + len(clause)]
    if _NOW.search(clause):
        return True
    return not (_HEARSAY.search(context) or _PAST.search(context))


def red_flags(found: list[Signal]) -> list[Signal]:
    """The red-flag signals that make a report red on their own (GUIDE.md, Risk): every red
    signal, except an injury that is over or was an accident (told after the fact, done by
    a car, a dog, a fall or children at play) and failed mediation, however often it
    failed, unless something escalating comes with them (a weapon, a threat, more to come,
    violence going on, repeated police calls). Failed mediation is history, not danger:
    domain-notes §2.2 grades a long dispute with failed mediation yellow, and §2.1's red
    example pairs it with eight police calls."""
    # Violence told as going on counts only when it is live, not "昨天两人扭打".
    names = {s.name for s in found if s.name != "violence_ongoing" or s.live}
    if names & ESCALATING:
        return [s for s in found if s.name in RED]
    flags = [s for s in found if s.name in RED]
    injury = next((s for s in flags if s.name == "injury"), None)
    if injury is not None and ("accidental" in names or "over" in names or not injury.live):
        flags.remove(injury)
    return [s for s in flags if s.name != "failed_mediation"]


def vulnerable_missing(found: list[Signal]) -> bool:
    """A small child, a dementia elder or a psychiatric patient missing now (told live):
    the vulnerable words must be more than the missing ones ("钱包不见了" is neither, and
    "孩子" alone is not enough: "老公还没回来，孩子发烧了")."""
    by_name = {s.name: s for s in found}
    missing = by_name.get("missing")
    if missing is None or not missing.live:
        return False
    vulnerable = by_name.get("vulnerable_person")
    who = set(vulnerable.words) - set(missing.words) if vulnerable else set()
    return bool(who)


def danger_now(text: str, found: list[Signal]) -> bool:
    """A live danger police can act on, and words saying it is happening now."""
    return bool(_NOW.search(text)) and any(s.live and s.name in DISPATCHABLE for s in found)


_CATEGORY_WORDS = {
    category: _compile(patterns) for category, patterns in lexicon.CATEGORY_WORDS.items()
}


def category_hints(text: str) -> list[str]:
    """The categories whose typical words appear in normalised ``text``, once each."""
    return [category for category, pattern in _CATEGORY_WORDS.items() if pattern.search(text)]
