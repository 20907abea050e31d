"""What a refused request must leave as it found, for the denial tests: the rows of every
table we own (``db_snapshot``), and a case with its timeline and return visits
(``case_snapshot``). Take one before, refuse, and compare."""

from __future__ import annotations

from django.apps import apps

from fengqiao.disputes.models import Case

# Tables that change on any request, refused or not: who is logged in, login attempts.
_BOOKKEEPING = {"sessions", "axes", "admin", "contenttypes", "auth", "authtoken"}


def db_snapshot() -> dict[str, int]:
    """Row counts of every model of ours (a refused write adds, and so changes, a count),
    with the newest id of each, so a deletion paired with an insert is seen too."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in _BOOKKEEPING or model._meta.proxy:
            continue
        rows = model._base_manager.all()
        last = rows.order_by("-pk").values_list("pk", flat=True).first()
        counts[model._meta.label] = (rows.count(), last)
    return counts


def case_snapshot(case: Case) -> tuple:
    """The case as stored (state, level, risk, version), its timeline's length, its return
    visits (done or cancelled), and every table's rows (``db_snapshot``: the audit log,
    sessions, agreements, other cases ...)."""
    case = Case.objects.get(pk=case.pk)
    visits = case.return_visits.order_by("pk").values_list("pk", "done_at", "cancelled_at")
    return (
        case.state,
        case.level,
        case.risk,
        case.version,
        case.events.count(),
        list(visits),
        db_snapshot(),
    )
