"""Response times (出警时间) from incidents run through the real dispatch services with the
clock set for each step: the legs, the tables per station, police room, unit and month, the
two arrival indicators with 环比 and 同比 on the page and the API, and the scope.

March 2026 in township A (``MARCH``):

====  ==========  ===========  ====================================================  =======
inc.  how         received     what happened (minutes after received)                到场
====  ==========  ===========  ====================================================  =======
a1    alarm       03-02 10:00  car: dispatched 1, accepted 2, departed 3, scene 9,   9
                               result 30
a2    alarm       03-05 21:00  the room's unit: dispatched 2, accepted 3, departed   14
                               5, scene 14, result 40
a3    110         03-10 08:00  car: dispatched 5, accepted 6, departed 7, scene 30,  30
                               result 60 (typed in at 08:03)
a4    alarm       03-20 12:00  car: dispatched 4, accepted 5 — still on the way      —
a5    alarm       03-25 18:00  nobody sent yet                                       —
====  ==========  ===========  ====================================================  =======

Beside them: f1 in February (to scene 20 min: the period before); b1 in township B in March
(to scene 5 min), which officer_a must never count.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fengqiao.analytics import response
from fengqiao.analytics.indicators import Period, Target
from fengqiao.dispatch import rules, services
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.org.models import Unit
from fengqiao.places.models import Region
from tests.analytics.indicator_cases import Clock, at
from tests.conftest import _staff
from tests.dispatch.conftest import units  # noqa: F401 (a fixture)
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
QUERY = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, at(2, 1))


class Incidents:
    def __init__(self, world, on_duty, clock) -> None:
        self.world, self.units, self.clock = world, on_duty, clock
        self.made: dict[str, Incident] = {}
        self.room = UnitFactory(
            code="U3306990101",
            name="甲村警务室",
            kind=Unit.Kind.POLICE_ROOM,
            parent=world.station_a,
            jurisdiction=world.community_a,
        )
        self.room_unit = DutyUnit.objects.create(
            call_sign="甲村巡1",
            kind="foot_patrol",
            station=self.room,
            status=DutyUnit.Status.AVAILABLE,
        )
        self.room_unit.members.set([world.officer_a.person])

    def alarm(self, name, received, *, lon=120.005, lat=30.005):
        self.clock.set(received)
        self.made[name] = services.raise_alarm(
            actor=None, sender=f"session:{name}", client_key=f"alarm-key-{name}", lon=lon, lat=lat
        )
        return self.made[name]

    def transfer(self, name, received, typed_at):
        self.clock.set(typed_at)
        self.made[name], _created = services.receive_110(
            actor=self.world.officer_a,
            number=f"110{name.upper()}2026",
            received_at=received,
            text="报警人称邻居家中传出打斗声",
            grid_code=self.world.grid_a2.code,
        )
        return self.made[name]

    def respond(self, name, unit, *, dispatcher, responder, minutes):
        """Dispatch, then each step at its minute after the incident was received."""
        incident = self.made[name]
        received = incident.received_at
        steps = ["dispatch", "accepted", "departed", "on_scene", "result"]
        for step, minute in zip(steps, minutes, strict=False):
            self.clock.set(received + dt.timedelta(minutes=minute))
            if step == "dispatch":
                incident = services.dispatch_incident(
                    incident=incident, unit=unit, actor=dispatcher
                )
            elif step == "result":
                incident = services.report_result(
                    incident=incident, actor=responder, outcome="handled", result="现场劝解完毕"
                )
            else:
                incident = services.record_step(incident=incident, actor=responder, step=step)
        self.made[name] = incident


@pytest.fixture
def incidents(world, units, clock) -> Incidents:  # noqa: F811 (units is the fixture)
    made = Incidents(world, units, clock)
    chief, car, patrol = world.chief, units.car, units.patrol_a
    made.alarm("f1", at(2, 10, 9))
    made.respond("f1", car, dispatcher=chief, responder=patrol, minutes=[1, 2, 3, 20, 25])
    made.alarm("a1", at(3, 2, 10))
    made.respond("a1", car, dispatcher=chief, responder=patrol, minutes=[1, 2, 3, 9, 30])
    made.alarm("a2", at(3, 5, 21))
    made.respond(
        "a2",
        made.room_unit,
        dispatcher=chief,
        responder=world.officer_a,
        minutes=[2, 3, 5, 14, 40],
    )
    made.alarm("b1", at(3, 6, 9), lon=120.105, lat=30.005)
    made.respond(
        "b1",
        units.car_b,
        dispatcher=world.officer_b,
        responder=world.officer_b,
        minutes=[1, 2, 3, 5, 10],
    )
    made.transfer("a3", at(3, 10, 8), at(3, 10, 8, 3))
    made.respond("a3", car, dispatcher=chief, responder=patrol, minutes=[5, 6, 7, 30, 60])
    made.alarm("a4", at(3, 20, 12))
    made.respond("a4", car, dispatcher=chief, responder=patrol, minutes=[4, 5])
    made.alarm("a5", at(3, 25, 18))
    made.clock.set(at(4, 2, 9))
    return made


def _township_a() -> Target:
    return Target(region=Region.objects.get(code="330699001"))


# --- the legs ------------------------------------------------------------------------


def test_each_leg_counts_the_incidents_that_have_it_with_median_and_p90(world, incidents):
    found = response.times(response.incidents_of(world.officer_a, _township_a(), MARCH))
    assert found.received == 5
    arrival = found.arrival
    assert (arrival.count, arrival.median_minutes, arrival.p90_minutes) == (3, 14.0, 26.8)
    assert found.legs["to_dispatch"].count == 4  # a5 was never sent
    assert found.legs["to_dispatch"].median_minutes == 3.0  # 1, 2, 4, 5
    assert found.legs["to_accept"].count == 4 and found.legs["to_accept"].p90 == 60
    assert found.legs["to_depart"].count == 3
    assert (found.legs["on_the_way"].median_minutes, found.legs["on_the_way"].count) == (9.0, 3)
    assert found.legs["to_report"].count == 3
    assert found.legs["to_report"].median_minutes == 26.0  # 21, 26, 30


def test_a_110_transfer_is_timed_from_when_110_received_it_not_when_it_was_typed_in(
    world, incidents
):
    a3 = Incident.objects.get(pk=incidents.made["a3"].pk)
    assert a3.received_at == at(3, 10, 8) and a3.created_at == at(3, 10, 8, 3)
    only = Incident.objects.filter(pk=a3.pk)
    assert response.times(only).arrival.median_minutes == 30.0


def test_the_database_and_python_agree_on_awkward_seconds(world, units, clock):  # noqa: F811
    made = Incidents(world, units, clock)
    # Arrivals at 487.123457 s, 611.5 s, 1000.000001 s and 59.999999 s: percentiles fall
    # between ranks and on microseconds.
    for n, seconds in enumerate([487.123457, 611.5, 1000.000001, 59.999999]):
        name = f"w{n}"
        made.alarm(name, at(3, 3 + n, 10))
        incident = services.dispatch_incident(
            incident=made.made[name], unit=units.car, actor=world.chief
        )
        for step in ("accepted", "departed"):
            incident = services.record_step(incident=incident, actor=units.patrol_a, step=step)
        clock.set(at(3, 3 + n, 10) + dt.timedelta(seconds=seconds))
        incident = services.record_step(incident=incident, actor=units.patrol_a, step="on_scene")
        services.report_result(
            incident=incident, actor=units.patrol_a, outcome="handled", result="现场处置完毕"
        )
    incidents_ = response.incidents_of(world.officer_a, _township_a(), MARCH)
    computed = response.times(incidents_)
    by_hand = rules.leg_statistics(list(incidents_.values(*response.TIMESTAMPS)))
    for code in response.LEG_CODES:
        leg = computed.legs[code]
        assert (leg.count, leg.median, leg.p90) == (
            by_hand[code]["count"],
            by_hand[code]["median"],
            by_hand[code]["p90"],
        ), (connection.vendor, code)
    assert computed.arrival.median == pytest.approx((487.123457 + 611.5) / 2)


# --- the tables ------------------------------------------------------------------------


def test_stations_rooms_units_and_months_each_count_their_own(world, incidents):
    figures = response.Figures(world.chief, _township_a(), MARCH)
    stations = {row.label: row for row in figures.stations}
    assert list(stations) == ["甲镇派出所", "甲村警务室"]
    assert stations["甲镇派出所"].times.received == 5
    assert stations["甲镇派出所"].times.arrival.count == 3
    room = stations["甲村警务室"]
    assert room.depth == 1 and room.times.received == 1
    assert room.times.arrival.median_minutes == 14.0
    by_unit = {row.label: row.times for row in figures.units}
    assert by_unit["甲镇巡1（甲镇派出所）"].received == 3
    assert by_unit["甲镇巡1（甲镇派出所）"].arrival.median_minutes == 19.5  # 9 and 30
    assert by_unit["甲村巡1（甲村警务室）"].arrival.count == 1
    assert by_unit["未派警"].received == 1
    assert [(row.label, row.times.received) for row in figures.months] == [("2026-03", 5)]


def test_the_months_of_a_longer_period_each_have_a_row(world, incidents):
    figures = response.Figures(
        world.chief, _township_a(), Period(dt.date(2026, 1, 15), dt.date(2026, 3, 31))
    )
    months = {row.label: row.times for row in figures.months}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    assert (months["2026-01"].received, months["2026-02"].received) == (0, 1)
    assert months["2026-02"].arrival.median_minutes == 20.0


# --- the indicators --------------------------------------------------------------------


def test_the_arrival_indicators_compare_with_the_month_before(world, incidents):
    results = {
        r.definition.code: r for r in response.arrival_results(world.chief, _township_a(), MARCH)
    }
    median = results["arrival_median"]
    assert (median.current.value, median.current.denominator) == (14.0, 3)
    assert median.previous.value == 20.0 and median.mom == -30.0
    assert median.last_year.value is None and median.yoy is None
    assert results["arrival_p90"].current.value == 26.8


def test_the_api_gives_the_indicators_and_every_leg(world, incidents):
    client = APIClient()
    client.force_authenticate(world.officer_a)
    reply = client.get(reverse("api:indicators-response"), {"region": "330699001", **QUERY})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["target"] == {"kind": "region", "code": "330699001", "name": "甲镇"}
    assert body["received"] == 5
    rows = {row["code"]: row for row in body["indicators"]}
    assert rows["arrival_median"]["name"] == "出警到场时间中位数"
    assert (rows["arrival_median"]["value"], rows["arrival_median"]["denominator"]) == (14.0, 3)
    assert (rows["arrival_median"]["previous"], rows["arrival_median"]["mom"]) == (20.0, -30.0)
    assert rows["arrival_p90"]["value"] == 26.8 and rows["arrival_p90"]["unit"] == "minutes"
    legs = {row["code"]: row for row in body["legs"]}
    assert legs["to_scene"] == {
        "code": "to_scene",
        "name": "接警→到场",
        "count": 3,
        "median": 14.0,
        "p90": 26.8,
    }
    assert legs["to_dispatch"]["count"] == 4


def test_the_api_counts_nothing_of_township_b_and_refuses_its_region(world, incidents):
    client = APIClient()
    client.force_authenticate(world.officer_a)
    url = reverse("api:indicators-response")
    own = client.get(url, QUERY).json()  # officer_a's own area: township A
    assert own["target"]["code"] == "330699001" and own["received"] == 5
    assert client.get(url, {"region": "330699002", **QUERY}).status_code == 404
    assert client.get(url, {"unit": world.station_b.code, **QUERY}).status_code == 404
    client.force_authenticate(world.officer_b)
    theirs = client.get(url, QUERY).json()
    assert theirs["received"] == 1 and theirs["legs"][0]["median"] == 5.0


def test_the_api_names_the_wrong_field_and_refuses_who_may_not_read_incidents(world, incidents):
    client = APIClient()
    client.force_authenticate(world.officer_a)
    url = reverse("api:indicators-response")
    bad = client.get(url, {"from": "2026-3-1"})
    assert bad.status_code == 400 and list(bad.json()) == ["from"]
    person = client.get(url, {"person": world.officer_a.person.pk, **QUERY})
    assert person.status_code == 400 and list(person.json()) == ["person"]
    mediator, _person = _staff(
        "mediator_a", ["mediator"], unit=world.station_a, grant_unit=world.station_a
    )
    client.force_authenticate(mediator)
    assert client.get(url, QUERY).status_code == 403
    client.force_authenticate(None)
    assert client.get(url, QUERY).status_code in (401, 403)


# --- the page --------------------------------------------------------------------------


def test_the_page_shows_the_cards_the_tables_and_the_chart_data(
    client, world, incidents, django_assert_max_num_queries
):
    client.force_login(world.chief)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("analytics:response"), QUERY)
    assert page.status_code == 200
    html = page.content.decode()
    assert "出警到场时间中位数" in html and "出警到场时间 P90" in html
    assert "甲村警务室" in html and "甲镇巡1（甲镇派出所）" in html
    assert 'id="response-data"' in html and "figures-response.js" in html
    chart = page.context["chart_data"]
    assert chart["places"] == ["甲镇派出所"] and chart["values"] == [26.8]
    assert chart["links"][0].startswith(reverse("analytics:response") + "?unit=")
    assert "乙镇" not in html


def test_the_figures_nav_links_the_page_for_those_who_may_read_incidents(client, world):
    client.force_login(world.officer_a)
    assert (
        reverse("analytics:response") in client.get(reverse("analytics:dashboard")).content.decode()
    )
    mediator, _person = _staff(
        "mediator_a", ["mediator"], unit=world.station_a, grant_unit=world.station_a
    )
    client.force_login(mediator)
    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    assert reverse("analytics:response") not in dashboard
    assert client.get(reverse("analytics:response")).status_code == 403


def test_a_station_of_township_b_is_not_found_and_a_bad_date_names_its_field(
    client, world, incidents
):
    client.force_login(world.officer_a)
    url = reverse("analytics:response")
    assert client.get(url, {"unit": world.station_b.code, **QUERY}).status_code == 404
    bad = client.get(url, {"from": "2026-02-30"})
    assert bad.status_code == 400 and "起始日期（from）" in bad.content.decode()
    person = client.get(url, {"person": world.officer_a.person.pk})
    assert person.status_code == 400 and "不能按人员统计" in person.content.decode()


def test_each_table_downloads_as_excel_with_the_pages_numbers(client, world, incidents):
    client.force_login(world.chief)
    url = reverse("analytics:response")
    reply = client.get(url, {**QUERY, "format": "xlsx", "table": "stations"})
    assert reply.status_code == 200
    sheet = load_workbook(io.BytesIO(reply.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:5] == (
        "派出所 / 警务室",
        "接警数",
        "接警→到场 件数",
        "接警→到场 中位数（分钟）",
        "接警→到场 P90（分钟）",
    )
    assert rows[1][:5] == ("甲镇派出所", 5, 3, 14.0, 26.8)
    assert client.get(url, {**QUERY, "format": "xlsx", "table": "nope"}).status_code == 400


def test_the_target_picker_lists_the_users_area_and_its_stations(client, world, incidents):
    client.force_login(world.county_admin)
    page = client.get(reverse("analytics:response"), QUERY)
    labels = [label for label, _url, _current in page.context["page"].choices]
    assert labels == ["全辖区", "甲镇派出所", "乙镇派出所"]
    station = client.get(reverse("analytics:response"), {"unit": world.station_a.code, **QUERY})
    assert station.context["page"].figures.total.received == 5
    current = [label for label, _url, chosen in station.context["page"].choices if chosen]
    assert current == ["甲镇派出所"]


def test_the_dashboard_shows_the_median_to_scene_to_who_may_read_incidents(
    client, world, incidents
):
    client.force_login(world.chief)
    html = client.get(reverse("analytics:dashboard"), QUERY).content.decode()
    assert 'data-code="arrival_median"' in html
    assert "<strong>14.0</strong>" in html and "样本 3 起" in html
    mediator, _person = _staff(
        "mediator_a", ["mediator"], unit=world.station_a, grant_unit=world.station_a
    )
    client.force_login(mediator)
    html = client.get(reverse("analytics:dashboard"), QUERY).content.decode()
    assert 'data-code="arrival_median"' not in html
