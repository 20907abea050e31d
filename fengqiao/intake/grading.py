"""Triage at the door: grade a report's text, and learn from the people who correct it.

Triage never blocks intake: if it fails for any reason the report is stored ungraded and
flagged ``needs_grading`` for a person to grade.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from fengqiao import triage
from fengqiao.intake.models import Report, TriageFeedback
from fengqiao.triage import model, signals

log = logging.getLogger(__name__)

GRADED_FIELDS = ("category", "risk", "level", "dispatch")


def grade(text: str) -> dict | None:
    """Triage's reading of ``text`` as stored on a report, or None when it could not run."""
    try:
        result = triage.classify(text)
    except Exception:  # a grader's failure must never lose a report
        log.exception("triage failed; the report is kept for manual grading")
        return None
    return {
        "category": result.category,
        "risk": result.risk,
        "dispatch": result.dispatch,
        "level": result.level,
        "confidence": result.confidence,
        # Below the threshold chosen on held-out data the staff pages ask a person to
        # choose among the alternatives instead of asserting the category.
        "confident": result.confident,
        "alternatives": [[code, chance] for code, chance in result.alternatives],
        "signals": [
            {"name": s.name, "words": list(s.words), "live": s.live} for s in result.signals
        ],
    }


def record_corrections(report: Report, final: dict, actor) -> TriageFeedback | None:
    """Store a person's grading where it differs from the prediction (``final`` holds the
    graded fields the person chose; fields they left to triage are not corrections)."""
    predicted = report.triage
    if not predicted or actor is None or not getattr(actor, "is_authenticated", False):
        return None
    chosen = {field: final[field] for field in GRADED_FIELDS if final.get(field) is not None}
    if all(predicted.get(field) == value for field, value in chosen.items()):
        return None
    return TriageFeedback.objects.create(
        report=report,
        text=report.text,
        predicted={field: predicted.get(field) for field in GRADED_FIELDS},
        final={**{field: predicted.get(field) for field in GRADED_FIELDS}, **chosen},
        by=actor,
        at=timezone.now(),
    )


def as_corpus_line(feedback: TriageFeedback) -> dict:
    """A correction as a corpus example (``fengqiao/triage/data/GUIDE.md``)."""
    final = feedback.final
    return {
        "id": f"fb-{feedback.pk:06d}",
        "text": feedback.text,
        "lang": triage.language_of(triage.normalise(feedback.text)),
        "category": final["category"],
        "risk": final["risk"],
        "dispatch": bool(final["dispatch"]),
        "level": int(final["level"]),
        "signals": [],
        "source": f"feedback:{feedback.report.channel}",
    }


# What the report form's "is it one of these?" list offers while a resident types.
SUGGEST_MIN_CHARS = 5
SUGGEST_MAX_CHARS = 2000
SUGGEST_TOP = 3


def likely_categories(text: str, *, top: int = SUGGEST_TOP) -> list[str]:
    """The categories triage finds likeliest for ``text``, best first: its own choice,
    then those whose typical words the text uses, then the model's next best; at most
    ``top``, none for text too short to read or that it cannot grade. Only the first
    ``SUGGEST_MAX_CHARS`` characters are read."""
    text = (text or "")[:SUGGEST_MAX_CHARS]
    if len(text.strip()) < SUGGEST_MIN_CHARS:
        return []
    try:
        result = triage.classify(text)
        clean = triage.normalise(text)
        scores = model.current().predict(clean, signals.find_signals(clean))["category"]
    except triage.TriageInputError:
        return []
    except Exception:  # a suggestion is a help; its failure must not break the form
        log.exception("triage could not suggest categories")
        return []
    ranked = sorted(scores, key=scores.get, reverse=True)
    hinted = signals.category_hints(clean)
    chosen = list(dict.fromkeys([result.category, *hinted, *ranked]))
    return chosen[:top]
