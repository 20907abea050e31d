"""Triage: read a report's text and say what it is, how dangerous, who should act and why.

Pure Python with no Django imports, so the command line, the product and the benchmarks
share one implementation. ``classify(text)`` answers with a ``Triage``; bad text raises
``TriageInputError``. Red comes from the lexicon's live red flags (they must never wait
on a statistical guess; an injury that is over or was an accident is not one) or from the
model's calibrated chance; category and level come from the model, with the floors the
workflow sets (red, police-only matters and dispatches start at level 2). When the model is
unsure of the category (calibrated confidence below a threshold chosen on held-out data)
the answer says so (``confident`` false) and offers its top choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.triage import decide, model, signals
from fengqiao.triage.signals import Signal
from fengqiao.triage.text import LANGS, TriageInputError, checked, language_of, normalise

__all__ = ["LANGS", "Signal", "Triage", "TriageInputError", "classify", "language_of", "normalise"]

# Matters that belong to the police from the start, whatever their grade.
POLICE_MATTERS = frozenset({"missing_person", "mental_health_incident", "telecom_fraud"})
# The red, dispatch and "please choose" thresholds are chosen when the model is trained, on
# out-of-fold predictions of the training corpus (model.Calibration): missing a red case
# costs far more than an officer's look at a yellow one.
ALTERNATIVES = 3


@dataclass(frozen=True)
class Triage:
    category: str
    risk: str
    dispatch: bool
    level: int
    signals: tuple[Signal, ...]
    lang: str
    confidence: float  # the calibrated chance that the category it chose is right
    # False when that chance is below the threshold chosen on held-out data: the staff
    # pages then ask "请选择类别" with ``alternatives`` instead of asserting one.
    confident: bool = True
    alternatives: tuple[tuple[str, float], ...] = ()  # the top categories, best first

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
    fitted = model.current()
    calibration = fitted.calibration
    scores = fitted.predict(clean, found)
    category = _best(scores["category"])
    red = decide.is_red(
        found,
        calibration.red(scores["risk"].get("red", 0.0)),
        category,
        calibration.red_threshold,
    )
    risk = "red" if red else _not_red(scores, found)
    dispatch = decide.dispatch(
        found,
        calibration.dispatch(scores["dispatch"].get(True, 0.0)),
        red=red,
        threshold=calibration.dispatch_threshold,
        certain=calibration.dispatch_certain,
    )
    level = decide.level(
        scores["level"],
        risk=risk,
        dispatched=dispatch,
        category=category,
        police=POLICE_MATTERS,
        high_stakes=any(s.name == "high_stakes" for s in found),
    )
    confidence = calibration.category(float(scores["category"][category]))
    return Triage(
        category=category,
        risk=risk,
        dispatch=dispatch,
        level=level,
        signals=tuple(found),
        lang=lang or language_of(clean),
        confidence=round(confidence, 3),
        confident=confidence >= calibration.unsure_below,
        alternatives=tuple(
            (code, round(float(chance), 3))
            for code, chance in sorted(scores["category"].items(), key=lambda kv: -kv[1])[
                :ALTERNATIVES
            ]
        ),
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


def _not_red(scores: dict, found: list[Signal]) -> str:
    # A matter already before a court is blue (GUIDE.md, Risk): the court has it in hand.
    if any(s.name == "in_court" for s in found):
        return "blue"
    return "yellow" if scores["risk"].get("yellow", 0) >= scores["risk"].get("blue", 0) else "blue"


def _best(scores: dict):
    return max(scores, key=scores.get)
