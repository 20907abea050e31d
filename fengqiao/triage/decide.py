"""The rules that turn signals and the model's calibrated probabilities into a grade.

Shared by ``classify`` and by the calibration in ``model.train``, which chooses the
thresholds on out-of-fold predictions by running these very rules, so a threshold is
always chosen for the decision it is used in.
"""

from __future__ import annotations

from fengqiao.triage import signals
from fengqiao.triage.signals import Signal


def is_red(found: list[Signal], red_chance: float, category: str, threshold: float) -> bool:
    """Red when a live red flag is present (``signals.red_flags``), when the calibrated
    chance of red reaches ``threshold``, or when a vulnerable person is missing."""
    names = {s.name for s in found}
    return bool(
        signals.red_flags(found)
        or red_chance >= threshold
        # A missing child or dementia elder is in danger until found.
        or ("vulnerable_person" in names and category == "missing_person")
        or signals.vulnerable_missing(found)
    )


def dispatch(
    found: list[Signal], chance: float, *, red: bool, threshold: float, certain: float
) -> bool:
    """Police to the scene: a red matter with a live danger (or that the model sees as one
    at ``threshold``), fraud money about to leave a victim's hands, or what the model is
    sure needs police on the spot (``certain``); never a danger that is only reported
    second hand or over."""
    if any(s.live and s.name in signals.DISPATCH_ALONE for s in found):
        return True
    dangers = [s for s in found if s.name in signals.RED | signals.DISPATCHABLE]
    if dangers and not any(s.live for s in dangers):
        return False
    if "over" in {s.name for s in found} and not any(
        s.live and s.name in signals.ESCALATING for s in found
    ):
        return bool(chance >= certain)
    live = any(s.live and s.name in signals.DISPATCHABLE for s in found)
    return bool((red and (live or chance >= threshold)) or chance >= certain)


def level(
    chances: dict,
    *,
    risk: str,
    dispatched: bool,
    category: str,
    police: frozenset,
    high_stakes: bool = False,
) -> int:
    """The level the model finds likeliest among those the grade allows (GUIDE.md, Level):
    a blue matter is settled by the building head or grid worker (1) unless it needs a
    professional (3); a yellow or red one starts with community police (2) or goes to a
    professional (3), which high stakes do unless the matter is red or for the police (a
    death after treatment, about ¥100,000 or more, wages owed to many workers). Red,
    dispatched and police-only matters start at 2 at least."""
    allowed = (1, 3) if risk == "blue" else (2, 3)
    best = max(allowed, key=lambda n: chances.get(n, 0.0))
    # A red matter needs police first (2) whatever the stakes; the professional follows.
    if high_stakes and risk != "red" and category not in police:
        best = 3
    if risk == "red" or dispatched or category in police:
        best = max(best, 2)
    return best
