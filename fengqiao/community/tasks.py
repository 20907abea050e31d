"""Background work for community groups (Django Tasks API through django-tasks)."""

from __future__ import annotations

from django_tasks import task

from fengqiao.community.bridge import deliver_due


@task()
def deliver_outbound() -> dict:
    """Send the due pushes to external chat groups; returns what happened, for the log."""
    return deliver_due()
