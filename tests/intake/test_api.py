"""The reports API: scoped like the pages, one door (submit_report), replays answered once."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.disputes.models import Case
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user


def _report(*, lon=120.005, kind="hazard", **extra) -> Report:
    values = {
        "actor": staff_user(),
        "channel": "grid_report",
        "kind": kind,
        "text": "楼道灭火器过期，需要更换",
        "lon": lon,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": "13812345678",
        **extra,
    }
    return submit_report(**values).report


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _dispute(**extra) -> dict:
    return {
        "channel": "walk_in",
        "kind": "dispute",
        "category": "neighbourhood",
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": "138 1234 5678",
        **extra,
    }


# --- reading ---------------------------------------------------------------------------


def test_officer_a_lists_township_a_reports_and_not_township_b(world):
    mine, _theirs = _report(), _report(lon=120.105)
    rows = _api(world.officer_a).get(reverse("api:report-list")).json()["results"]
    assert [row["tracking_code"] for row in rows] == [mine.tracking_code]


def test_a_report_in_township_b_is_not_found_for_officer_a(world):
    theirs = _report(lon=120.105)
    url = reverse("api:report-detail", args=[theirs.tracking_code])
    response = _api(world.officer_a).get(url)
    assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_the_tracking_code_may_be_typed_in_lower_case(world):
    report = _report()
    url = reverse("api:report-detail", args=[report.tracking_code.lower()])
    body = _api(world.officer_a).get(url).json()
    assert body["tracking_code"] == report.tracking_code
    assert body["grid"] == world.grid_a1.code and body["kind"] == "hazard"


def test_reports_filter_by_kind_and_grid(world):
    hazard = _report()
    dispute = _report(kind="dispute", category="neighbourhood", text="邻居噪音扰民，多次沟通无果")
    client = _api(world.officer_a)

    def codes(**query):
        rows = client.get(reverse("api:report-list"), query).json()["results"]
        return {row["tracking_code"] for row in rows}

    assert codes(kind="dispute") == {dispute.tracking_code}
    assert codes(grid=world.grid_a1.code) == {hazard.tracking_code, dispute.tracking_code}
    assert codes(grid=world.grid_a2.code) == set()


def test_police_see_the_reporters_phone_masked_too(world):
    # A full number is revealed on the report's page, for a reason (test_reporter_numbers.py).
    report = _report()
    url = reverse("api:report-detail", args=[report.tracking_code])
    assert _api(world.officer_a).get(url).json()["reporter_phone"] == "138****5678"


def test_grid_workers_see_a_masked_phone(world):
    report = _report()
    url = reverse("api:report-detail", args=[report.tracking_code])
    assert _api(world.grid_worker_a1).get(url).json()["reporter_phone"] == "138****5678"


def test_staff_see_the_name_of_a_reporter_who_is_anonymous_to_the_public(world):
    report = _report(anonymous=True)
    url = reverse("api:report-detail", args=[report.tracking_code])
    body = _api(world.officer_a).get(url).json()
    assert body["anonymous"] is True and body["reporter_name"] == "李大姐"


def test_the_report_list_does_not_grow_queries_with_reports(world, django_assert_max_num_queries):
    for _ in range(5):
        _report()
    with django_assert_max_num_queries(10):
        rows = _api(world.officer_a).get(reverse("api:report-list")).json()["results"]
    assert len(rows) == 5


def test_a_resident_without_a_role_may_not_list_or_submit(world):
    client = _api(world.resident)
    assert client.get(reverse("api:report-list")).status_code == 403
    response = client.post(reverse("api:report-list"), _dispute(), format="json")
    assert response.status_code == 403 and Report.objects.count() == 0


# --- submitting ------------------------------------------------------------------------


def test_a_staff_client_submits_a_dispute_with_its_token(world):
    token = Token.objects.create(user=world.grid_worker_a1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(reverse("api:report-list"), _dispute(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    report = Report.objects.get(tracking_code=body["tracking_code"])
    assert report.created_by == world.grid_worker_a1 and report.grid == world.grid_a1
    assert body["case"] == report.case.reference and body["status"] == "in_progress"


def test_the_same_idempotency_key_returns_the_first_report(world):
    client = _api(world.officer_a)
    url = reverse("api:report-list")
    first = client.post(url, _dispute(), format="json", HTTP_IDEMPOTENCY_KEY="app-7f3a9c21")
    again = client.post(
        url,
        _dispute(text="重发时内容不同也不会再建一条"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="app-7f3a9c21",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Report.objects.count() == 1 and Case.objects.count() == 1


def test_the_client_key_field_works_like_the_header(world):
    client = _api(world.officer_a)
    url = reverse("api:report-list")
    first = client.post(url, _dispute(client_key="app-0000aaaa"), format="json")
    again = client.post(url, _dispute(), format="json", HTTP_IDEMPOTENCY_KEY="app-0000aaaa")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Report.objects.count() == 1


def test_a_header_and_field_that_disagree_are_refused(world):
    response = _api(world.officer_a).post(
        reverse("api:report-list"),
        _dispute(client_key="app-0000aaaa"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="app-1111bbbb",
    )
    assert response.status_code == 400 and "client_key" in response.json()
    assert Report.objects.count() == 0


def test_every_problem_comes_back_keyed_by_field_and_nothing_is_stored(world):
    body = _dispute(category="", text="吵", reporter_phone="12", kind="gossip")
    response = _api(world.officer_a).post(reverse("api:report-list"), body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"kind", "text", "reporter_phone"}
    assert all(isinstance(messages, list) for messages in errors.values())
    assert Report.objects.count() == 0


def test_a_report_located_in_another_township_is_refused_and_rolled_back(world):
    response = _api(world.officer_a).post(
        reverse("api:report-list"), _dispute(lon=120.105), format="json"
    )
    assert response.status_code == 400 and "lon" in response.json()
    assert Report.objects.count() == 0 and Case.objects.count() == 0


def test_a_grid_outside_the_jurisdiction_is_refused(world):
    body = _dispute(lon=None, lat=None, grid_code=world.grid_b1.code)
    response = _api(world.officer_a).post(reverse("api:report-list"), body, format="json")
    assert response.status_code == 400 and "grid_code" in response.json()
    assert Report.objects.count() == 0


def test_a_building_in_the_jurisdiction_places_the_report(world):
    body = _dispute(lon=None, lat=None, building=world.building_a1.code)
    response = _api(world.officer_a).post(reverse("api:report-list"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["building"] == world.building_a1.code


def test_a_key_someone_else_used_is_a_new_request_that_shows_nothing_of_theirs(world):
    theirs = _report(lon=120.105, client_key="app-b0000001", actor=world.officer_b)
    response = _api(world.officer_a).post(
        reverse("api:report-list"), _dispute(), format="json", HTTP_IDEMPOTENCY_KEY="app-b0000001"
    )
    assert response.status_code == 201
    assert response.json()["tracking_code"] != theirs.tracking_code
    assert theirs.tracking_code not in response.content.decode()
    assert Report.objects.count() == 2
