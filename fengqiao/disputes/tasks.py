"""Background work for cases (Django Tasks API through django-tasks; database backend)."""

from __future__ import annotations

from django_tasks import task

from fengqiao.disputes.deadlines import check_deadlines


@task()
def watch_deadlines() -> dict:
    """Flag overdue clocks and escalate by the rules; returns what it did, for the log."""
    report = check_deadlines()
    return {
        "flagged": len(report.flagged),
        "escalated": len(report.escalated),
        "warned": len(report.warned),
        "handoffs_overdue": len(report.handoffs_overdue),
    }
