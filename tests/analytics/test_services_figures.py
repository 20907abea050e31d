"""The services page (``/figures/services/``) and API (``/api/v1/indicators/services/``) on
the crafted January of ``tests/services/test_figures.py``: township A's six applications
(3 of 4 finished on time, 2 of 3 completed in one visit, 2 of 3 ratings satisfied, 1 door
request visited), December's one (finished on time: the period before) and township B's.
Who may read them, the wall between townships, bad input, downloads and query counts."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fengqiao.analytics import services_indicators
from fengqiao.analytics.indicators import Period, Target
from tests.services.test_figures import build_january

URL = "/figures/services/"
API = "/api/v1/indicators/services/"
JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture
def january(world):
    return build_january(world)


def _results(user, target) -> dict:
    found = services_indicators.results(user, target, Period.parse("2026-01-01", "2026-01-31"))
    return {result.definition.code: result for result in found}


def test_the_indicators_with_their_fractions_and_the_month_before(world, january):
    found = _results(world.chief, Target(region=world.township_a))
    on_time = found["service_on_time_rate"]
    assert (on_time.current.numerator, on_time.current.denominator) == (3, 4)
    assert on_time.current.value == 75.0
    # December: one finished, on time. January is a quarter down on it; no January 2025.
    assert on_time.previous.value == 100.0
    assert on_time.mom == -25.0
    assert on_time.yoy is None
    assert found["service_one_visit_rate"].current.value == 66.67
    assert found["service_satisfaction_rate"].current.denominator == 3
    assert found["service_visit_rate"].current.value == 100.0
    assert found["service_applications"].current.value == 6
    # Nothing rated in December: no value, never 0.
    assert found["service_satisfaction_rate"].previous.value is None


def test_the_chief_sees_the_page_with_its_cards_and_tables(client, world, january):
    client.force_login(world.chief)
    response = client.get(URL, JANUARY)
    assert response.status_code == 200
    page = response.context["page"]
    cards = {card.definition.code: card for card in page.cards}
    assert (cards["service_on_time_rate"].numerator, cards["service_on_time_rate"].denominator) == (
        "3",
        "4",
    )
    assert page.total.average_satisfaction == 3.67
    body = response.content.decode()
    for text in ("服务按时办结率", "一次办结率", "服务满意率", "上门服务完成率", "3 / 4", "3.67"):
        assert text in body
    kinds = {row[0]: row for row in page.services_table.rows}
    assert kinds["居住证"][1] == 5 and kinds["居民身份证换领、补领"][1] == 1
    channels = {row[0]: row for row in page.channels_table.rows}
    assert channels["上门服务"][1] == 1 and channels["上门服务"][-1] == 1
    stations = [str(row[0]) for row in page.stations_table.rows]
    assert stations == ["甲镇派出所"]


def test_the_officer_sees_their_township_and_a_link_from_the_figures(client, world, january):
    client.force_login(world.officer_a)
    response = client.get(URL, {**JANUARY, "unit": world.station_a.code})
    assert response.status_code == 200
    assert response.context["page"].total.applications == 6
    dashboard = client.get(reverse("analytics:dashboard"))
    assert URL.encode() in dashboard.content


def test_officer_b_sees_none_of_township_a(client, world, january):
    client.force_login(world.officer_b)
    own = client.get(URL, JANUARY)
    assert own.status_code == 200
    page = own.context["page"]
    assert page.total.applications == 1
    assert [str(row[0]) for row in page.stations_table.rows] == ["乙镇派出所"]
    assert "甲镇派出所" not in own.content.decode()
    assert client.get(URL, {**JANUARY, "region": world.township_a.code}).status_code == 404
    assert client.get(URL, {**JANUARY, "unit": world.station_a.code}).status_code == 404


def test_a_resident_is_refused_and_a_visitor_sent_to_log_in(client, world, january):
    client.force_login(world.resident)
    assert client.get(URL, JANUARY).status_code == 403
    client.logout()
    response = client.get(URL, JANUARY)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bad_input_names_the_field(client, world):
    client.force_login(world.chief)
    response = client.get(URL, {"from": "2026-13-01"})
    assert response.status_code == 400
    assert "起始日期（from）" in response.content.decode()
    person = client.get(URL, {"person": world.chief.person.pk})
    assert person.status_code == 400
    assert "不能按人员统计" in person.content.decode()
    table = client.get(URL, {"format": "xlsx", "table": "nothing"})
    assert table.status_code == 400


def test_each_table_downloads_as_excel_with_the_page_rows(client, world, january):
    client.force_login(world.chief)
    response = client.get(URL, {**JANUARY, "format": "xlsx", "table": "stations"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][0] == "甲镇派出所"
    assert rows[3][1:5] == (6, 3, 4, 75.0)


def test_the_page_reads_in_a_few_queries(client, world, january, django_assert_max_num_queries):
    client.force_login(world.chief)
    client.get(URL, JANUARY)  # the session and the user's scope are read once
    with django_assert_max_num_queries(24):
        response = client.get(URL, JANUARY)
    assert response.status_code == 200


def test_the_api_answers_with_the_indicators_and_the_counts(world, january):
    api = APIClient()
    api.force_authenticate(world.chief)
    response = api.get(API, {**JANUARY, "unit": world.station_a.code})
    assert response.status_code == 200
    data = response.json()
    on_time = next(i for i in data["indicators"] if i["code"] == "service_on_time_rate")
    assert (on_time["numerator"], on_time["denominator"], on_time["value"]) == (3, 4, 75.0)
    assert (on_time["previous"], on_time["mom"]) == (100.0, -25.0)
    assert (data["average_satisfaction"], data["rated"]) == (3.67, 3)
    assert data["overdue_now"] == 1  # p6, accepted on 20 January, due 4 February
    assert {row["code"]: row["applications"] for row in data["services"]} == {
        "residence_permit": 5,
        "id_renewal": 1,
    }
    channels = {row["code"]: row for row in data["channels"]}
    assert (channels["door"]["door"], channels["door"]["visited"]) == (1, 1)
    assert channels["kiosk"]["finished"] == 0


def test_the_api_keeps_the_wall_and_refuses_a_resident(world, january):
    api = APIClient()
    api.force_authenticate(world.officer_b)
    assert api.get(API, {**JANUARY, "region": world.township_a.code}).status_code == 404
    own = api.get(API, JANUARY).json()
    assert next(i for i in own["indicators"] if i["code"] == "service_applications")["value"] == 1
    api.force_authenticate(world.resident)
    assert api.get(API, JANUARY).status_code == 403
    api.force_authenticate(None)
    assert api.get(API, JANUARY).status_code in (401, 403)
    api.force_authenticate(world.chief)
    assert api.get(API, {"from": "2026-02-30"}).status_code == 400
