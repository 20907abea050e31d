"""Triage: read a report's text and say what it is, how dangerous, who should act and why.

Pure Python with no Django imports, so the command line, the product and the benchmarks
share one implementation. ``classify(text)`` answers with a ``Triage``; bad text raises
``TriageInputError``. Red comes from the lexicon's red-flag signals (they must never wait
on a statistical guess) or from the model; category and level come from the model, with
the floors the workflow sets (red, police-only matters and dispatches start at level 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.triage import model, signals
from fengqiao.triage.signals import Signal
from fengqiao.triage.text import LANGS, TriageInputError, checked, language_of, normalise

__all__ = ["LANGS", "Signal", "Triage", "TriageInputError", "classify", "language_of", "normalise"]

# Matters that belong to the police from the start, whatever their grade.
POLICE_MATTERS = frozenset({"missing_person", "mental_health_incident", "telecom_fraud"})
# Thresholds chosen on the development set (bench/triage_eval.py): missing a red case costs
# far more than an officer's look at a yellow one.
RED_THRESHOLD = 0.25
DISPATCH_THRESHOLD = 0.5
DISPATCH_CERTAIN = 0.9


@dataclass(frozen=True)
class Triage:
    category: str
    risk: str
    dispatch: bool
    level: int
    signals: tuple[Signal, ...]
    lang: str
    confidence: float  # the model's probability for the category it chose

    def as_contract(self, id_) -> dict:
        """The line ``fengqiao triage`` writes (DESIGN.md §5)."""
        return {
            "id": id_,
            "category": self.category,
            "risk": self.risk,
            "dispatch": self.dispatch,
            "level": self.level,
            "signals": [s.name for s in self.signals],
        }


def classify(text, lang: str | None = None) -> Triage:
    """Grade one report's text (Chinese, English or both)."""
    lang = _lang_code(lang)
    clean = normalise(checked(text))
    found = signals.find_signals(clean)
    scores = model.current().predict(clean, found)
    category = _best(scores["category"])
    risk = _risk(found, scores, category)
    dispatch = _dispatch(found, scores, red=risk == "red")
    level = int(_best(scores["level"]))
    if risk == "red" or dispatch or category in POLICE_MATTERS:
        level = max(level, 2)
    return Triage(
        category=category,
        risk=risk,
        dispatch=dispatch,
        level=level,
        signals=tuple(found),
        lang=lang or language_of(clean),
        confidence=round(float(scores["category"][category]), 3),
    )


def _lang_code(lang) -> str | None:
    """``zh``, ``en`` or ``mixed`` from what a client sends: also "zh-CN", "zh_Hans", "EN";
    nothing (or empty) means "find out"."""
    if lang is None or (isinstance(lang, str) and not lang.strip()):
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0] if isinstance(lang, str) else ""
    if code not in LANGS:
        raise TriageInputError("lang", f"未知语言 / unknown lang: {lang!r} (zh, en, mixed)")
    return code


def _risk(found: list[Signal], scores: dict, category: str) -> str:
    names = {s.name for s in found}
    red = (
        bool(names & signals.RED)
        or scores["risk"].get("red", 0) >= RED_THRESHOLD
        # A missing child or dementia elder is in danger until found.
        or ("vulnerable_person" in names and category == "missing_person")
    )
    if red:
        return "red"
    return "yellow" if scores["risk"].get("yellow", 0) >= scores["risk"].get("blue", 0) else "blue"


def _dispatch(found: list[Signal], scores: dict, *, red: bool) -> bool:
    """Police to the scene: a red matter with a live danger (or that the model sees as one),
    or what the model is sure needs police on the spot (a scuffle, fraud in progress); never
    a danger that is only reported second hand or over."""
    dangers = [s for s in found if s.name in signals.RED | signals.DISPATCHABLE]
    if dangers and not any(s.live for s in dangers):
        return False
    likely = scores["dispatch"].get(True, 0)
    live = any(s.live and s.name in signals.DISPATCHABLE for s in found)
    return (red and (live or likely >= DISPATCH_THRESHOLD)) or likely >= DISPATCH_CERTAIN


def _best(scores: dict):
    return max(scores, key=scores.get)
