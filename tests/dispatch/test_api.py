"""The dispatch API: incidents scoped like the board, 110 transfers answered once, the unit's
steps from its own phone, units on duty, and the residents' one-click alarm.

Every refusal checks the answer and that nothing changed (the incident, the audit trail).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import services
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.intake.models import Report
from tests.conftest import _staff

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # The alarm's throttles count in the cache, which outlives a test's transaction.
    cache.clear()
    yield
    cache.clear()


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _alarm(*, lon=120.005, key="alarm-key-0001", sender="session:test-a", **extra) -> Incident:
    return services.raise_alarm(
        actor=None,
        sender=sender,
        client_key=key,
        lon=lon,
        lat=30.005,
        caller_phone=PHONE,
        **extra,
    )


def _transfer(**extra) -> dict:
    return {
        "number": "3306990000123",
        "received_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
        "text": f"报警人称邻居持刀威胁，回拨电话{PHONE}",
        "caller_name": "李大姐",
        "caller_phone": PHONE,
        "grid_code": "330699001001G01",
        **extra,
    }


def _snapshot(incident: Incident) -> tuple:
    incident = Incident.objects.get(pk=incident.pk)
    return (
        incident.status,
        incident.unit_id,
        incident.accepted_at,
        incident.outcome,
        AuditEvent.objects.count(),
    )


def _url(name: str, incident: Incident) -> str:
    return reverse(f"api:incident-{name}", args=[incident.number])


# --- reading ---------------------------------------------------------------------------


def test_each_township_lists_its_own_incidents(world):
    mine, theirs = _alarm(), _alarm(lon=120.105, key="alarm-key-0002", sender="session:test-b")
    rows = _api(world.officer_a).get(reverse("api:incident-list")).json()["results"]
    assert [row["number"] for row in rows] == [mine.number]
    rows = _api(world.officer_b).get(reverse("api:incident-list")).json()["results"]
    assert [row["number"] for row in rows] == [theirs.number]


def test_officer_b_can_neither_see_nor_act_on_township_a_incidents(world, units):
    incident = _alarm()
    before = _snapshot(incident)
    client = _api(world.officer_b)
    assert client.get(_url("detail", incident)).status_code == 404
    assert client.get(_url("suggestions", incident)).status_code == 404
    for name, body in (
        ("dispatch", {"unit": units.car_b.pk}),
        ("steps", {"step": "accepted"}),
        ("result", {"outcome": "handled", "result": "现场已处置完毕"}),
    ):
        response = client.post(_url(name, incident), body, format="json")
        assert response.status_code == 404 and set(response.json()) == {"detail"}
    assert _snapshot(incident) == before


def test_a_missing_number_and_one_outside_scope_look_the_same(world):
    theirs = _alarm(lon=120.105)
    client = _api(world.officer_a)
    outside = client.get(_url("detail", theirs))
    missing = client.get(reverse("api:incident-detail", args=["330699NOSUCH"]))
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_the_callers_phone_is_masked_everywhere(world):
    incident = _alarm(note=f"有人打架，回拨{PHONE}")
    client = _api(world.officer_a)
    listed = client.get(reverse("api:incident-list"))
    detail = client.get(_url("detail", incident))
    assert listed.json()["results"][0]["caller_phone"] == "138****5678"
    assert detail.json()["caller_phone"] == "138****5678"
    assert PHONE not in listed.content.decode() and PHONE not in detail.content.decode()
    assert "138****5678" in detail.json()["text"]


def test_the_detail_says_where_and_what_comes_next(world, units):
    incident = _alarm(lon=None, building=world.building_a1, location_source="last_known")
    body = _api(world.officer_a).get(_url("detail", incident)).json()
    assert body["grid"] == world.grid_a1.code and body["grid_name"] == world.grid_a1.name
    assert body["building"] == world.building_a1.code
    assert body["location_source"] == "last_known" and body["location_uncertain"] is True
    assert body["station"] == world.station_a.code and body["status"] == "new"
    assert body["report"] == incident.report.tracking_code and body["next_step"] is None


def test_incidents_filter_by_number_phone_status_station_and_day(world, units):
    first = _alarm()
    second = _alarm(key="alarm-key-0002", sender="session:other", lon=120.006)
    services.dispatch_incident(incident=second, unit=units.car, actor=world.chief)
    client = _api(world.chief)

    def numbers(**query):
        response = client.get(reverse("api:incident-list"), query)
        assert response.status_code == 200, response.json()
        return {row["number"] for row in response.json()["results"]}

    both = {first.number, second.number}
    assert numbers(q=first.number) == {first.number}
    assert numbers(q="5678") == both  # the caller's phone's last four digits
    assert numbers(status="dispatched") == {second.number}
    assert numbers(open="true") == both
    assert numbers(station=world.station_a.code) == both
    today = timezone.localdate()
    assert numbers(**{"from": today.isoformat(), "to": today.isoformat()}) == both
    assert numbers(to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_bad_filters_are_named(world):
    client = _api(world.officer_a)
    outside = client.get(reverse("api:incident-list"), {"station": world.station_b.code})
    assert outside.status_code == 400 and "station" in outside.json()
    backwards = client.get(reverse("api:incident-list"), {"from": "2026-02-02", "to": "2026-02-01"})
    assert backwards.status_code == 400 and "to" in backwards.json()
    unknown = client.get(reverse("api:incident-list"), {"status": "lost"})
    assert unknown.status_code == 400 and "status" in unknown.json()


def test_the_incident_list_does_not_grow_queries_with_incidents(
    world, units, django_assert_max_num_queries
):
    for n in range(5):
        incident = _alarm(key=f"alarm-key-100{n}", sender=f"session:s{n}")
        services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    client = _api(world.officer_a)
    with django_assert_max_num_queries(8):
        rows = client.get(reverse("api:incident-list")).json()["results"]
    assert len(rows) == 5 and {row["unit"] for row in rows} == {units.car.call_sign}


def test_residents_and_the_anonymous_may_not_read_incidents(world):
    incident = _alarm()
    assert _api(world.resident).get(reverse("api:incident-list")).status_code == 403
    assert _api().get(_url("detail", incident)).status_code in (401, 403)


# --- 110 transfers ---------------------------------------------------------------------


def test_a_110_transfer_is_created_once_and_answered_again(world):
    client = _api(world.officer_a)
    first = client.post(reverse("api:incident-list"), _transfer(), format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["number"] == "3306990000123" and body["from_110"] is True
    assert body["channel"] == "alarm_110" and body["caller_phone"] == "138****5678"
    assert PHONE not in first.content.decode()
    again = client.post(
        reverse("api:incident-list"), _transfer(text="重复推送的同一警情"), format="json"
    )
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert again.json()["text"] == body["text"]  # unchanged by the replay
    assert Incident.objects.count() == 1 and Report.objects.count() == 1


def test_a_110_transfer_names_each_wrong_field(world):
    client = _api(world.officer_a)
    empty = client.post(reverse("api:incident-list"), {}, format="json")
    assert empty.status_code == 400
    assert {"number", "received_at", "text"} <= set(empty.json())
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    cases = {
        "received_at": {"received_at": future},
        "number": {"number": "110/警情"},
        "grid_code": {"grid_code": world.grid_b1.code},  # township B
        "caller_phone": {"caller_phone": "12345"},
        "text": {"text": "打架"},
    }
    for field, change in cases.items():
        response = client.post(reverse("api:incident-list"), _transfer(**change), format="json")
        assert response.status_code == 400, (field, response.json())
        assert field in response.json(), (field, response.json())
        assert all(isinstance(m, str) and m for m in response.json()[field])
    assert Incident.objects.count() == 0 and Report.objects.count() == 0


def test_another_townships_110_number_is_not_answered_with_its_incident(world):
    theirs = _api(world.officer_b).post(
        reverse("api:incident-list"),
        _transfer(grid_code=world.grid_b1.code),
        format="json",
    )
    assert theirs.status_code == 201
    response = _api(world.officer_a).post(reverse("api:incident-list"), _transfer(), format="json")
    assert response.status_code == 400 and "number" in response.json()
    assert "乙" not in response.content.decode() and Incident.objects.count() == 1


def test_only_those_who_take_110_transfers_may_post_them(world):
    for user in (world.grid_worker_a1, world.resident):
        response = _api(user).post(reverse("api:incident-list"), _transfer(), format="json")
        assert response.status_code == 403
    assert Incident.objects.count() == 0


# --- dispatch and the officer's steps --------------------------------------------------


def test_the_whole_response_through_the_api(world, units):
    incident = _alarm(note="邻居两家因漏水吵起来了")
    chief, crew = _api(world.chief), _api(units.patrol_a)
    suggested = chief.get(_url("suggestions", incident)).json()
    assert [s["unit"] for s in suggested[:2]] == [units.beat_unit.pk, units.car.pk]
    assert suggested[0]["beat_officer"] is True and suggested[0]["eta_minutes"] >= 1

    sent = chief.post(_url("dispatch", incident), {"unit": units.car.pk}, format="json")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "dispatched" and sent.json()["unit"] == units.car.call_sign
    assert sent.json()["suggested"][0]["unit"] == units.beat_unit.pk
    assert crew.get(_url("detail", incident)).json()["next_step"] == "accepted"

    early = crew.post(_url("steps", incident), {"step": "on_scene"}, format="json")
    assert early.status_code == 400 and "step" in early.json()
    not_sent = _api(world.officer_a).post(_url("steps", incident), {"step": "accepted"})
    assert not_sent.status_code == 403
    for step in ("accepted", "departed", "on_scene"):
        response = crew.post(_url("steps", incident), {"step": step}, format="json")
        assert response.status_code == 200 and response.json()["status"] == step
    assert DutyUnit.objects.get(pk=units.car.pk).status == "at_scene"

    short = crew.post(_url("result", incident), {"outcome": "case", "result": "好"})
    assert short.status_code == 400 and "result" in short.json()
    done = crew.post(
        _url("result", incident),
        {
            "outcome": "case",
            "result": "双方情绪稳定，需要调解漏水赔偿",
            "category": "neighbourhood",
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "closed" and body["outcome"] == "case" and body["case"]
    assert Incident.objects.count() == 1  # the case is the incident's sequel, not a new call
    times = [body[f] for f in ("received_at", "dispatched_at", "accepted_at", "departed_at")]
    times += [body["arrived_at"], body["reported_at"]]
    assert all(times) and times == sorted(times)
    case = _api(world.officer_a).get(reverse("api:case-detail", args=[body["case"]])).json()
    assert case["incident_number"] == incident.number
    found = chief.get(reverse("api:incident-list"), {"q": body["case"]}).json()["results"]
    assert [row["number"] for row in found] == [incident.number]


def test_a_unit_sent_from_another_station_reads_and_answers_the_incident(world, units):
    incident = _alarm()
    county_desk, _person = _staff(
        "county_desk", ["station_chief"], unit=world.bureau, grant_unit=world.bureau
    )
    services.dispatch_incident(incident=incident, unit=units.car_b, actor=county_desk)
    crew = _api(world.officer_b)  # station B's car, sent into township A by the county
    assert crew.get(_url("detail", incident)).status_code == 200
    response = crew.post(_url("steps", incident), {"step": "accepted"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert crew.get(reverse("api:incident-list")).json()["results"] == []


def test_dispatching_a_unit_outside_the_jurisdiction_is_refused(world, units):
    incident = _alarm()
    before = _snapshot(incident)
    chief = _api(world.chief)
    outside = chief.post(_url("dispatch", incident), {"unit": units.car_b.pk}, format="json")
    assert outside.status_code == 400 and "unit" in outside.json()
    DutyUnit.objects.filter(pk=units.car.pk).update(status="off_duty")
    off = chief.post(_url("dispatch", incident), {"unit": units.car.pk}, format="json")
    assert off.status_code == 400 and "unit" in off.json()
    # An auxiliary answers incidents but does not dispatch them.
    crew = _api(units.patrol_a).post(_url("dispatch", incident), {"unit": units.beat_unit.pk})
    assert crew.status_code == 403
    assert _snapshot(incident) == before


# --- units on duty ---------------------------------------------------------------------


def test_units_are_listed_inside_the_jurisdiction_with_a_stale_flag(world, units):
    DutyUnit.objects.filter(pk=units.car.pk).update(fix_at=timezone.now() - dt.timedelta(hours=1))
    rows = _api(world.chief).get(reverse("api:duty-unit-list")).json()["results"]
    by_sign = {row["call_sign"]: row for row in rows}
    assert set(by_sign) == {units.beat_unit.call_sign, units.car.call_sign}
    assert by_sign[units.car.call_sign]["stale"] is True
    assert by_sign[units.beat_unit.call_sign]["stale"] is False
    assert by_sign[units.car.call_sign]["station"] == world.station_a.code
    assert by_sign[units.car.call_sign]["members"] == ["patrol_a"]
    query = {"station": world.station_a.code, "status": "available", "on_duty": "true"}
    filtered = _api(world.chief).get(reverse("api:duty-unit-list"), query)
    assert filtered.status_code == 200 and len(filtered.json()["results"]) == 2


def test_a_member_sets_the_units_status_and_another_township_may_not(world, units):
    url = reverse("api:duty-unit-status", args=[units.car.pk])
    response = _api(units.patrol_a).post(url, {"status": "busy"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "busy"
    unknown = _api(units.patrol_a).post(url, {"status": "asleep"}, format="json")
    assert unknown.status_code == 400 and "status" in unknown.json()
    outside = _api(world.officer_b).post(url, {"status": "off_duty"}, format="json")
    assert outside.status_code == 404
    assert DutyUnit.objects.get(pk=units.car.pk).status == "busy"


def test_the_officers_phone_reports_its_position(world, units):
    url = reverse("api:duty-unit-position")
    response = _api(units.patrol_a).post(
        url, {"lon": 120.0071, "lat": 30.0072, "accuracy_m": 8}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"units": 1}
    car = DutyUnit.objects.get(pk=units.car.pk)
    assert (car.lon, car.lat, car.accuracy_m) == (120.0071, 30.0072, 8)
    wrong = _api(units.patrol_a).post(url, {"lon": 500, "lat": 30}, format="json")
    assert wrong.status_code == 400 and "lon" in wrong.json()
    assert _api(world.resident).post(url, {"lon": 120, "lat": 30}).status_code == 403
    assert DutyUnit.objects.get(pk=units.car.pk).lon == 120.0071


# --- the one-click alarm ---------------------------------------------------------------


def _raise(client: APIClient, **body):
    values = {"client_key": "phone-key-0001", "lon": 120.005, "lat": 30.005, **body}
    return client.post(reverse("api:alarm-list"), values, format="json")


def test_an_anonymous_alarm_is_raised_once_per_key(world):
    client = _api()
    first = _raise(client, note="楼道里有人打架")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert set(body) == {"number", "tracking_code", "status"} and body["status"] == "new"
    incident = Incident.objects.get(number=body["number"])
    assert incident.grid == world.grid_a1 and incident.channel == "one_click_alarm"
    again = _raise(client, note="楼道里有人打架")
    assert again.status_code == 200 and again.json() == body
    assert Incident.objects.count() == 1


def test_an_alarm_by_building_code_and_a_silent_one(world):
    response = _raise(_api(), lon=None, lat=None, building=world.building_a1.code, silent=True)
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(number=response.json()["number"])
    assert incident.building == world.building_a1 and incident.silent and incident.risk == "red"


def test_an_alarm_names_what_is_wrong(world):
    client = _api()
    cases = {
        "client_key": {"client_key": "short"},
        "lon": {"lon": None, "lat": None},  # no place at all
        "lat": {"lat": None},  # half a point
        "building": {"lon": None, "lat": None, "building": "NO-SUCH"},
        "location_source": {"location_source": "guess"},
        "caller_phone": {"caller_phone": "12345"},
    }
    for field, change in cases.items():
        response = _raise(client, **change)
        assert response.status_code == 400, (field, response.json())
        assert field in response.json(), (field, response.json())
    assert Incident.objects.count() == 0 and Report.objects.count() == 0


def test_a_resident_with_a_token_raises_the_alarm_as_themself(world):
    token, _created = Token.objects.get_or_create(user=world.resident)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    first = _raise(client)
    assert first.status_code == 201, first.json()
    # The same key from the same account on another connection is the same alarm.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    again = _raise(other)
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    assert Report.objects.get().reporter_id == world.resident.pk


def test_alarms_are_throttled_per_client(world, settings):
    settings.FENGQIAO_ALARM_RATES = {"client": "2/min"}
    client = _api()
    # The first alarm is counted by address (no session yet), the rest by the session.
    answers = [_raise(client, client_key=f"phone-key-000{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [201, 200, 200, 429]
    assert "detail" in answers[-1].json()
    assert _raise(_api(), lon=120.006).status_code == 201  # another client is not held
    assert Incident.objects.count() == 2
