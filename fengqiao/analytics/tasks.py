"""Background work for the figures (Django Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task

from fengqiao.analytics import briefs, columnar, facts, flags


@task()
def produce_briefs() -> dict:
    """Last week's (Monday to Sunday) and last month's brief of every police station,
    replacing any kept for the same periods; returns how many, for the log."""
    produced = briefs.produce_all()
    return {kind: sum(1 for b in produced if b.period == kind) for kind in briefs.KINDS}


@task()
def detect_flags() -> dict:
    """Run every flag detector over the last month (late ratings and visits included);
    returns how many new flags each kind added, for the log."""
    start, end = flags.default_range()
    return flags.detect(start, end)


@task()
def rebuild_recent_facts() -> dict:
    """The nightly healing of the daily facts: the last ``facts.RECENT_DAYS`` days rebuilt
    from scratch, and the rows of every older case or report touched since (a missed
    signal heals overnight); returns how many rows were written, for the log."""
    return facts.heal_recent()


@task()
def export_columnar() -> dict:
    """The nightly columnar copy of the daily facts that province-wide tables read
    (``columnar.export``); returns its rows and when it was made, for the log."""
    copy = columnar.export()
    return {"rows": copy.rows, "made_at": copy.made_at.isoformat(), "path": str(copy.path)}
