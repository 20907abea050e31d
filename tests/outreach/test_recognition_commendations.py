"""record_commendation: chiefs only, in their jurisdiction, for someone working in the
community, not themselves, not in the future; audited; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.outreach import recognition
from fengqiao.outreach.models import Commendation
from fengqiao.outreach.recognition_services import record_commendation
from tests.conftest import _staff
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def _commend(world, **overrides):
    kwargs = {
        "actor": world.chief,
        "person": world.grid_worker_a1.person,
        "community": world.community_a,
        "awarded_on": timezone.localdate(),
        "title": "优秀网格员",
        "reason": "全年走访住户三百余户，及时发现并上报隐患",
    }
    return record_commendation(**{**kwargs, **overrides})


def _refused(world, error, field=None, **overrides):
    before = (Commendation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as raised:
        _commend(world, **overrides)
    if field is not None:
        assert field in raised.value.message_dict, raised.value
    assert (Commendation.objects.count(), AuditEvent.objects.count()) == before
    return raised.value


def test_a_chief_commends_a_grid_worker_of_the_community_and_it_is_audited(world):
    commendation = _commend(world)
    assert commendation.scope_path == world.community_a.path
    assert commendation.recorded_by == world.chief
    event = AuditEvent.objects.get(action="outreach.commendation_recorded")
    assert event.actor == world.chief and event.changes["title"] == "优秀网格员"
    assert event.changes["person"] == world.grid_worker_a1.person.pk
    assert list(recognition.commendations_for(world.officer_a, community=world.community_a)) == [
        commendation
    ]
    assert not recognition.commendations_for(world.officer_b).exists()


def test_a_future_date_is_refused_with_what_to_fix(world):
    error = _refused(
        world,
        ValidationError,
        "awarded_on",
        awarded_on=timezone.localdate() + dt.timedelta(days=1),
    )
    assert "不能晚于今天" in error.message_dict["awarded_on"][0]


def test_nobody_commends_themselves(world):
    chief_person = world.chief.person
    AssignmentFactory(
        person=chief_person, duty="grid_worker", region=world.grid_a2, starts_on=dt.date(2020, 1, 1)
    )
    _refused(world, ValidationError, "person", person=chief_person)


def test_a_title_and_a_reason_are_needed(world):
    _refused(world, ValidationError, "title", title="  ")
    _refused(world, ValidationError, "reason", reason="好")


def test_someone_not_working_in_the_community_is_refused(world):
    _user, outsider = _staff("volunteer_b", ["volunteer"], region=world.grid_b1)
    _refused(world, PermissionDenied, person=outsider)  # township B: out of the chief's scope
    _refused(world, PermissionDenied, community=world.community_b)
    _user, elsewhere = _staff("station_clerk", ["volunteer"], unit=world.station_a)
    _refused(world, ValidationError, "person", person=elsewhere)


def test_a_resident_or_a_grid_worker_may_not_record_a_commendation(world):
    _refused(world, PermissionDenied, actor=world.resident)
    _refused(world, PermissionDenied, actor=world.grid_worker_a1, person=world.officer_a.person)
    _refused(world, PermissionDenied, actor=world.officer_b)


def test_an_assignment_that_ended_before_the_month_does_not_count(world):
    _user, former = _staff("former_head", ["building_head"], unit=world.station_a)
    AssignmentFactory(
        person=former,
        duty="building_head",
        building=world.building_a1,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 12, 31),
    )
    _refused(world, ValidationError, "person", person=former)
    assert _commend(world, person=former, awarded_on=dt.date(2020, 12, 5)).pk
