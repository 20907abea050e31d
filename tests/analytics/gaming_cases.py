"""Cases built through the services for the evaluation and flag tests: reported, accepted,
closed, rated, visited, as the people of the shared world would do it. A case is "aged" by
moving its registration back, the one thing a test cannot wait for."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from fengqiao.disputes import services as disputes
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import Case, ReturnVisit
from fengqiao.intake import services as intake
from fengqiao.intake.models import Report
from fengqiao.org.models import Unit
from tests.conftest import _staff
from tests.factories import UnitFactory

NOISE = "邻居装修噪音，协商未果"
# Each case its own reporter unless a test says otherwise: the same phone again within 90
# days raises the grade (early warning), which would change the case's time limits.
_PHONES = (f"1370000{n:04d}" for n in itertools.count(1))


def report(world, *, building=None, phone=None, text=NOISE, risk="yellow") -> Report:
    """A dispute reported at the desk by the county's administrator."""
    return intake.submit_report(
        actor=world.county_admin,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=text,
        building=building or world.building_a1,
        reporter_name="王某",
        reporter_phone=phone or next(_PHONES),
    ).report


def age(case: Case, *, hours: float) -> Case:
    """Move the case's registration ``hours`` back (as if reported then)."""
    received = timezone.now() - dt.timedelta(hours=hours)
    Case.objects.filter(pk=case.pk).update(received_at=received)
    case.refresh_from_db()
    return case


def accept(world, case: Case) -> Case:
    return disputes.accept_case(case=case, actor=world.county_admin)


def close(world, case: Case) -> Case:
    """Closed as settled (verified first when the ladder asks for it)."""
    case = disputes.transition(case=case, actor=world.county_admin, action="close", note="和解")
    if case.state == "verifying":
        case = disputes.transition(case=case, actor=world.county_admin, action="verify")
    return case


def rate(report_: Report, satisfaction: int) -> Report:
    return intake.record_feedback(
        tracking_code=report_.tracking_code, feedback="fixed", satisfaction=satisfaction
    )


def settled_case(world, *, hours: float = 3, building=None, phone=None) -> Report:
    """Reported ``hours`` ago, accepted and closed now; returns its report."""
    made = report(world, building=building, phone=phone)
    case = age(made.case, hours=hours)
    close(world, accept(world, case))
    made.refresh_from_db()
    return made


def visit(world, case: Case, *, actor=None, visited_at=None) -> ReturnVisit:
    """A return visit due today on ``case``, made now (or at ``visited_at``)."""
    due = ReturnVisit.objects.create(case=case, due_on=timezone.localdate())
    return mediation.record_return_visit(
        visit=due,
        actor=actor or world.grid_worker_a1,
        method="phone",
        performance="双方均已按协议履行，未再发生争执",
        outcome="settled",
        visited_at=visited_at,
    )


def police_rooms(world) -> tuple[Unit, Unit]:
    """A police room under each station, over each township's community."""
    room_a = UnitFactory(
        code="U3306990101",
        name="甲村警务室",
        kind="police_room",
        parent=world.station_a,
        jurisdiction=world.community_a,
    )
    room_b = UnitFactory(
        code="U3306990201",
        name="乙社区警务室",
        kind="police_room",
        parent=world.station_b,
        jurisdiction=world.community_b,
    )
    return room_a, room_b


def analyst(world, *, username="analyst", unit=None):
    """The bureau's analyst (or one posted in ``unit``), who confirms flags county-wide."""
    user, _person = _staff(
        username, ["analyst"], unit=unit or world.bureau, grant_unit=world.bureau
    )
    return user
