"""Triage at the door: grade a report's text, and learn from the people who correct it.

Triage never blocks intake: if it fails for any reason the report is stored ungraded and
flagged ``needs_grading`` for a person to grade.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from fengqiao import triage
from fengqiao.intake.models import Report, TriageFeedback

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
