"""The demo's services: every station's catalogue with the law's limits, and months of
applications in the full townships whose histories run in order, whose clocks hold their
pauses, whose figures look like a station's, a few door to door, and some open now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from fengqiao import sealing
from fengqiao.demo.services import demo_services
from fengqiao.org.models import Unit
from fengqiao.places.models import Building
from fengqiao.services import figures, rules
from fengqiao.services.models import Application, ApplicationEvent, Service

pytestmark = pytest.mark.usefixtures("demo_county")
Event = ApplicationEvent.Type


@pytest.fixture
def db_access(db):
    return db


def test_every_station_has_the_catalogue_with_the_law_s_limits(db_access):
    stations = Unit.objects.filter(kind=Unit.Kind.STATION)
    assert stations.exists()
    for station in stations:
        services = {s.kind: s for s in Service.objects.filter(station=station)}
        assert len(services) == 9, station.name
        assert services["residence_permit"].time_limit_days == 15
        assert services["id_first"].time_limit_days == 60
        assert services["temporary_id"].time_limit_days == 3
        assert "kiosk" in services["id_renewal"].channels
        assert "door" in services["id_renewal"].channels
        assert "door" not in services["residence_permit"].channels
        assert services["residence_permit"].materials
        assert services["residence_permit"].scope_path == station.jurisdiction.path


def test_applications_are_only_in_the_full_townships_with_sealed_phones(db_access):
    applications = Application.objects.unscoped_for_jobs()
    assert applications.count() > 100
    homes = Building.objects.exclude(use="public").values_list("grid__path", flat=True)
    full = {path.split("/")[2] for path in homes}  # the township's code in the grid path
    assert {a.scope_path.split("/")[2] for a in applications} <= full
    codes = list(applications.values_list("tracking_code", flat=True))
    assert len(set(codes)) == len(codes) and all(c.startswith("S") for c in codes)
    sample = applications.first()
    assert sample.phone_masked and "*" in sample.phone_masked
    assert sealing.unseal(sample.phone_sealed).startswith("+861")
    assert sample.phone_hash == sealing.digest(sample.phone)


def test_histories_run_in_order_and_the_clock_holds_its_pauses(db_access):
    applications = Application.objects.unscoped_for_jobs().select_related("service")
    now = timezone.now()
    for app in applications.prefetch_related("events"):
        events = list(app.events.all())
        assert events, app.tracking_code
        assert all(e.at <= now for e in events)
        assert events[0].at >= app.created_at - dt.timedelta(seconds=1)
        types = [e.type for e in events]
        if app.submitted_at:
            expected = rules.due_at(app.submitted_at, app.service.days_allowed, app.paused_seconds)
            assert app.due_at == expected, app.tracking_code
            assert types.count(Event.MISSING) == app.missing_requests
        if app.state == rules.COMPLETED:
            assert types[-1] in (Event.COMPLETED, Event.RATED)
            assert app.finished_at >= app.submitted_at
        if app.state == rules.MISSING:
            assert app.paused_at and app.missing_materials and types[-1] == Event.MISSING
        if app.state == rules.BOOKED:
            assert Event.SUBMITTED not in types


def test_the_figures_look_like_a_station_s(db_access):
    found = figures.tally(Application.objects.unscoped_for_jobs())
    assert 0.85 <= found.on_time / found.finished < 1  # some late
    assert 0.75 <= found.one_visit / found.completed < 1  # some sent for materials
    assert found.rated > found.completed * 0.3
    assert 3.5 < found.average_satisfaction < 4.8
    assert found.door > 0 and found.visited > 0
    states = dict(
        Application.objects.unscoped_for_jobs()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    assert {"completed", "refused", "cancelled", "submitted"} <= set(states)


def test_door_requests_go_to_the_building_s_officer_and_some_are_open(db_access):
    door = Application.objects.unscoped_for_jobs().filter(channel="door")
    for app in door.select_related("building__grid"):
        assert app.scope_path == app.building.grid.path
        assert app.door_reason
        routed = app.events.get(type=Event.ROUTED)
        assert routed.payload["person"] == app.assignee_id
    assert door.exclude(assignee=None).exists()
    assert door.filter(visited_at__isnull=False).exists()
    open_now = Application.objects.unscoped_for_jobs().exclude(state__in=rules.FINISHED)
    assert open_now.filter(state=rules.SUBMITTED).exists()


def test_loading_again_writes_nothing(db_access):
    before = Application.objects.unscoped_for_jobs().count()
    assert demo_services() == dict.fromkeys(
        ("services", "service_applications", "service_events", "door_requests"), 0
    )
    assert Application.objects.unscoped_for_jobs().count() == before
