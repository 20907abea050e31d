"""Cases with a chosen deadline, for the home page's counts and journeys."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from fengqiao.disputes.models import Case
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user

NUMBERS = itertools.count()
YELLOW_RESOLVE = dt.timedelta(days=15)  # the default limit of a yellow case


def case_due(*, deadline: dt.datetime, handler, lon=120.005, risk="yellow") -> Case:
    """A case whose (resolve) time limit runs out at ``deadline``, handled by ``handler``;
    its first action is taken, so that clock does not count."""
    n = next(NUMBERS)
    case = submit_report(
        actor=staff_user(),
        channel="phone",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        level=2 if risk == "red" else 1,
        text=f"第{n}户邻居装修噪音，协商未果",
        reporter_phone=f"13{n % 10}0000{n:04d}",
        lon=lon,
        lat=30.005,
    ).report.case
    limit = dt.timedelta(days=30) if risk == "red" else YELLOW_RESOLVE
    received = deadline - limit
    Case.objects.filter(pk=case.pk).update(received_at=received, first_action_at=received)
    case.handlers.add(handler.person)
    return case


def midnight(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
