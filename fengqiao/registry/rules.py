"""Pure decisions for the registry: how often a key person is visited, what is overdue."""

from __future__ import annotations

import datetime as dt

# Days between visits by care level: 1 close, 2 regular, 3 light. Local rules vary (weekly
# to quarterly); these are the common middle.
VISIT_EVERY_DAYS = {1: 7, 2: 30, 3: 90}


def next_visit(after: dt.date, every_days: int) -> dt.date:
    return after + dt.timedelta(days=every_days)


def days_overdue(due: dt.date, today: dt.date) -> int:
    """How many days past ``due`` (0 when not yet due)."""
    return max(0, (today - due).days)
