"""The demo's units on duty and incidents: every station staffed and placed, months of
incidents whose timestamps run in order and whose times to scene look like a county's, a
few open now on the board, and the cases incidents became carrying their numbers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from fengqiao.analytics import response
from fengqiao.analytics.indicators import Period, Target
from fengqiao.dispatch import rules, selectors
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.disputes.models import Case
from fengqiao.intake.models import Report
from fengqiao.org.models import Unit
from fengqiao.places.models import Region

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.fixture
def db_access(db):
    return db


def test_every_station_has_cars_beat_units_and_an_auxiliary_team(db_access):
    for station in Unit.objects.filter(kind=Unit.Kind.STATION):
        units = DutyUnit.objects.filter(unit_path__startswith=station.path)
        kinds = set(units.values_list("kind", flat=True))
        assert {"patrol_car", "beat_officer", "auxiliary_team"} <= kinds, station.name
        short = station.name.removesuffix("派出所")
        assert units.filter(call_sign=f"{short}巡1", kind="patrol_car").exists()
    beat_units = DutyUnit.objects.filter(kind="beat_officer")
    assert not beat_units.filter(beat__isnull=True).exists()
    staffed = beat_units.annotate(n=Count("members")).filter(n__gt=0).count()
    assert staffed == beat_units.count()


def test_units_on_duty_stand_near_their_own_places(db_access):
    for unit in DutyUnit.objects.exclude(lon=None).select_related("station__jurisdiction"):
        area = unit.station.jurisdiction
        grids = Region.objects.filter(level="grid", path__startswith=area.path).exclude(lon=None)
        nearest = min(rules.distance_m(unit.lon, unit.lat, g.lon, g.lat) for g in grids)
        assert nearest < 1_000, (unit.call_sign, nearest)
    off = DutyUnit.objects.filter(status="off_duty")
    assert off.exists() and not off.exclude(lon=None).exists()


def test_incident_timestamps_run_in_order_and_each_has_its_alarm_report(db_access):
    incidents = Incident.objects.select_related("report", "unit")
    assert incidents.count() > 100
    assert set(incidents.values_list("channel", flat=True)) == {
        "one_click_alarm",
        "alarm_110",
        "kiosk",
    }
    for incident in incidents:
        assert incident.report.kind == Report.Kind.ALARM
        assert incident.scope_path == incident.grid.path
        assert incident.received_at <= incident.created_at
        times = [
            getattr(incident, name)
            for name in ("created_at", *rules.STEP_FIELD.values(), "reported_at")
        ]
        recorded = [t for t in times if t is not None]
        assert recorded == sorted(recorded), incident.number
        if incident.status == "closed":
            assert incident.outcome and incident.reported_at and incident.unit_id
            assert incident.report.status == "closed"
    transfers = incidents.filter(from_110=True)
    assert transfers.exists()
    assert all(n.startswith("110") for n in transfers.values_list("number", flat=True))


def test_the_median_time_to_scene_is_about_ten_minutes_with_a_slow_tail(db_access):
    county = Region.objects.get(level="county")
    end = Incident.objects.latest("received_at").received_at.date()
    period = Period(end.replace(year=end.year - 1), end)
    found = response.times(response.incidents_of(_admin(), Target(region=county), period))
    arrival = found.arrival
    assert arrival.count > 100
    assert 8 <= arrival.median_minutes <= 12, arrival
    assert arrival.p90_minutes > arrival.median_minutes + 3


def test_a_few_incidents_are_open_now_and_their_units_are_busy(db_access):
    open_ = Incident.objects.exclude(status="closed")
    assert set(open_.values_list("status", flat=True)) >= {"new", "dispatched", "on_scene"}
    for incident in open_.exclude(status="new").select_related("unit"):
        expected = {"dispatched": "busy", "departed": "en_route", "on_scene": "at_scene"}
        assert incident.unit.status == expected[incident.status]
    chief = get_user_model().objects.get(username="chief")
    assert selectors.incidents_for(chief, open_only=True).exists()
    police = get_user_model().objects.get(username="police")
    assert selectors.assigned_to(police).exists()  # the login's own beat unit has one


def test_cases_that_came_from_an_incident_carry_its_number(db_access):
    made = Incident.objects.filter(outcome="case").select_related("case")
    assert made.exists()
    for incident in made:
        case = incident.case
        assert case.incident_number == incident.number
        assert case.grid_id == incident.grid_id
        assert case.received_at == incident.reported_at
        assert Report.objects.get(case=case).source == f"dispatch.incident:{incident.pk}"
    assert Case.objects.exclude(incident_number="").count() == made.count()


def _admin():
    return get_user_model().objects.get(username="admin")
