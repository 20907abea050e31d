"""What a refused request must leave as it found: the rows of every table we own."""

from __future__ import annotations

from django.apps import apps

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
