"""Scope by default, escape by name: the manager every jurisdiction-bound model carries.

``Case.objects.for_user(user)`` is what a page, the API or the admin reads: the records
inside the user's jurisdiction. ``Case.objects.unscoped_for_jobs()`` is what a background
job reads (deadlines, early warning, rollups, delivery): everything, and the name says so,
so a reviewer sees it. A plain ``Case.objects`` in a view, form, API or admin module is a
finding; ``tests/security/test_scoped_reads.py`` reads the code and fails on one.

Which records a user may see is the org app's business (``fengqiao.org.scope``); this
module sits below every app, so org hands its rule in when it starts (``use``) rather than
being imported from here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

_scope_to: Callable[[object, models.QuerySet], models.QuerySet] | None = None


def use(scope_to: Callable[[object, models.QuerySet], models.QuerySet]) -> None:
    """Set the rule ``for_user`` applies (called once, by the org app when it is ready)."""
    global _scope_to
    _scope_to = scope_to


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user) -> ScopedQuerySet:
        """These records, narrowed to the user's jurisdiction."""
        if _scope_to is None:
            raise RuntimeError("fengqiao.org is not ready: no scope rule to apply")
        return _scope_to(user, self)

    def unscoped_for_jobs(self) -> ScopedQuerySet:
        """Every record, for background jobs that must see all places; never for a page."""
        return self.all()

    def published(self) -> ScopedQuerySet:
        """Every record, for a public interface (Open311) that shows a cut-down, masked
        view of any place by design; what it may show is the caller's to cut."""
        return self.all()


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
