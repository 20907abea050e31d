"""Open311 GeoReport v2: the spec's resources, shapes and errors, privacy, and keys."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case
from fengqiao.intake import services
from fengqiao.intake.models import Open311Key, Report
from fengqiao.intake.open311.services import create_open311_key
from tests.conftest import staff_user

BASE = "/open311/v2"
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


@pytest.fixture
def api_key(world) -> str:
    return create_open311_key(name="城市服务App")[1]


def _post(client, api_key, fmt="json", **fields):
    data = {
        "api_key": api_key,
        "service_code": "hazard",
        "lat": "30.005",
        "long": "120.005",
        "description": "楼道里有人飞线给电动车充电，很危险",
        "first_name": "大姐",
        "last_name": "李",
        "phone": "13812345678",
        "email": "li@example.com",
        **fields,
    }
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def _report(**extra) -> Report:
    values = {
        "actor": staff_user(),
        "channel": "web",
        "kind": "hazard",
        "category": "public_safety_hazard",
        "text": "3号楼下高空抛物，差点砸到人",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "王五",
        "reporter_phone": "13900001111",
    }
    return services.submit_report(**{**values, **extra}).report


def _xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def _ids(response) -> set[str]:
    return {row["service_request_id"] for row in response.json()}


# --- services ---------------------------------------------------------------------------


def test_the_service_list_in_json_has_the_spec_fields_and_our_codes(client, world):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    rows = response.json()
    assert all(list(row) == SERVICE_FIELDS for row in rows)
    codes = {row["service_code"] for row in rows}
    assert {"dispute.neighbourhood", "dispute.marriage_family", "hazard", "suggestion"} <= codes
    assert "dispute.missing_person" not in codes and "registry" not in codes
    assert all(row["metadata"] is False and row["type"] == "realtime" for row in rows)


def test_the_service_list_in_xml_is_services_of_service_elements(client, world):
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    first = root[0]
    assert [element.tag for element in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "false"


def test_a_service_definition_has_no_attributes_and_unknown_codes_are_404(client, world):
    response = client.get(f"{BASE}/services/dispute.neighbourhood.json")
    assert response.json() == {"service_code": "dispute.neighbourhood", "attributes": []}
    root = _xml(client.get(f"{BASE}/services/hazard.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "hazard"
    missing = client.get(f"{BASE}/services/pothole.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_an_unknown_jurisdiction_is_404(client, world):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999"})
    assert response.status_code == 404
    assert "jurisdiction_id" in response.json()[0]["description"]


# --- POST requests ----------------------------------------------------------------------


def test_posting_without_a_valid_key_is_403_and_stores_nothing(client, world):
    for key in (None, "not-a-key"):
        response = _post(client, key)
        assert response.status_code == 403
        [error] = response.json()
        assert error["code"] == 403 and "api_key" in error["description"]
    root = _xml(_post(client, "", fmt="xml"))
    assert root.tag == "errors" and [e.tag for e in root[0]] == ["code", "description"]
    assert Report.objects.count() == 0


def test_a_deactivated_key_no_longer_works(client, world, api_key):
    Open311Key.objects.update(active=False)
    assert _post(client, api_key).status_code == 403
    assert Report.objects.count() == 0


def test_bad_data_is_400_listing_every_problem_by_parameter(client, world, api_key):
    response = _post(client, api_key, service_code="pothole", lat=None, long=None, description="")
    assert response.status_code == 400
    described = " ".join(error["description"] for error in response.json())
    assert "service_code" in described and "lat" in described
    assert all(error["code"] == 400 for error in response.json())
    too_short = _post(client, api_key, description="危险")
    assert too_short.status_code == 400 and too_short.json()[0]["description"].startswith(
        "description:"
    )
    assert Report.objects.count() == 0


def test_a_good_post_creates_a_report_from_the_open311_channel(client, world, api_key):
    response = _post(client, api_key, account_id="acct-7")
    assert response.status_code == 200
    [row] = response.json()
    assert list(row) == ["service_request_id", "service_notice", "account_id"]
    report = Report.objects.get(pk=int(row["service_request_id"]))
    assert report.channel == "open311" and report.kind == "hazard"
    assert report.grid == world.grid_a1 and report.reporter_name == "李大姐"
    assert report.tracking_code in row["service_notice"] and row["account_id"] == "acct-7"
    assert AuditEvent.objects.filter(action="intake.open311_received").count() == 1


def test_a_dispute_post_opens_a_case_and_answers_in_xml(client, world, api_key):
    response = _post(
        client,
        api_key,
        fmt="xml",
        service_code="dispute.neighbourhood",
        description="楼上每天半夜拖椅子，沟通多次没用",
    )
    root = _xml(response)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert [e.tag for e in root[0]] == ["service_request_id", "service_notice", "account_id"]
    report = Report.objects.get(pk=int(root[0].findtext("service_request_id")))
    assert report.category == "neighbourhood" and Case.objects.get(report=report)


def test_the_same_idempotency_key_never_makes_a_second_report(client, world, api_key):
    first = _post(client, api_key, idempotency_key="app-2024-0001").json()
    again = _post(client, api_key, idempotency_key="app-2024-0001", description="再次提交同一条")
    assert again.status_code == 200 and again.json() == first
    header = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "hazard",
            "lat": "30.005",
            "long": "120.005",
            "description": "楼道里有人飞线给电动车充电",
        },
        headers={"Idempotency-Key": "app-2024-0001"},
    )
    assert header.json() == first
    assert Report.objects.count() == 1


def test_another_clients_idempotency_key_does_not_collide(client, world, api_key):
    other_key = create_open311_key(name="另一个App")[1]
    _post(client, api_key, idempotency_key="same-value-1")
    _post(client, other_key, idempotency_key="same-value-1")
    assert Report.objects.count() == 2


def test_a_point_outside_the_jurisdiction_is_rejected_and_rolled_back(client, world, api_key):
    response = _post(client, api_key, jurisdiction_id=world.township_b.code)
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("jurisdiction_id:")
    assert Report.objects.count() == 0 and Case.objects.count() == 0
    inside = _post(client, api_key, jurisdiction_id=world.township_a.code)
    assert inside.status_code == 200 and Report.objects.count() == 1


def test_a_key_limited_to_a_region_may_not_post_outside_it(client, world):
    limited = create_open311_key(name="乙镇App", jurisdiction=world.township_b)[1]
    assert _post(client, limited).status_code == 403
    assert Report.objects.count() == 0
    assert _post(client, limited, lat="30.005", long="120.105").status_code == 200


def test_a_point_in_no_grid_is_400(client, world, api_key):
    response = _post(client, api_key, lat="31.5", long="121.5")
    assert response.status_code == 400 and response.json()[0]["description"].startswith("lat:")


# --- GET requests -----------------------------------------------------------------------


def test_requests_are_listed_with_the_spec_fields_in_json_and_xml(client, world):
    report = _report()
    [row] = client.get(f"{BASE}/requests.json").json()
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] == str(report.pk) and row["status"] == "open"
    assert row["service_code"] == "hazard" and row["agency_responsible"] == "甲镇派出所"
    assert row["lat"] == 30.005 and row["long"] == 120.005
    assert row["requested_datetime"].endswith("+08:00")
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    assert [e.tag for e in root[0]] == REQUEST_FIELDS


def test_requests_filter_by_service_code_and_status(client, world):
    hazard = _report()
    dispute = _report(kind="dispute", category="neighbourhood", text="邻居家狗天天叫")
    suggestion = _report(kind="suggestion", category="", text="建议路口装个路灯")
    Report.objects.filter(pk=suggestion.pk).update(status="closed", closed_at=timezone.now())
    Case.objects.filter(report=dispute).update(state="closed", closed_at=timezone.now())
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "hazard,suggestion"})
    assert _ids(by_code) == {str(hazard.pk), str(suggestion.pk)}
    opened = client.get(f"{BASE}/requests.json", {"status": "open"})
    assert _ids(opened) == {str(hazard.pk)}
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"})
    assert _ids(closed) == {str(dispute.pk), str(suggestion.pk)}
    assert {r["status"] for r in closed.json()} == {"closed"}
    both = client.get(f"{BASE}/requests.json", {"status": "open,closed"})
    assert len(both.json()) == 3
    bad = client.get(f"{BASE}/requests.json", {"status": "pending"})
    assert bad.status_code == 400


def test_requests_filter_by_date_and_default_to_the_last_90_days(client, world):
    recent = _report()
    old = _report(text="很久以前的安全隐患反映")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    assert _ids(client.get(f"{BASE}/requests.json")) == {str(recent.pk)}
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=100)).isoformat(timespec="seconds")
    window = client.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})
    assert window.status_code == 200 and _ids(window) == {str(old.pk)}
    too_wide = client.get(
        f"{BASE}/requests.json", {"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01"}
    )
    assert too_wide.status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_requests_by_id_list_override_the_other_filters(client, world):
    first, second, third = (_report(text=f"第{n}条安全隐患反映") for n in "一二三")
    Report.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=200))
    ids = f"{first.pk},{third.pk},nonsense"
    response = client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "closed"})
    assert _ids(response) == {str(first.pk), str(third.pk)}


def test_requests_filter_by_jurisdiction(client, world):
    in_a = _report()
    in_b = _report(lon=120.105, lat=30.005)
    response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": world.township_b.code})
    assert _ids(response) == {str(in_b.pk)}
    assert response.json()[0]["agency_responsible"] == "乙镇派出所"
    assert str(in_a.pk) not in _ids(response)


def test_one_request_by_id_and_unknown_ids_are_404_in_the_spec_format(client, world):
    report = _report()
    [row] = client.get(f"{BASE}/requests/{report.pk}.json").json()
    assert row["service_request_id"] == str(report.pk)
    root = _xml(client.get(f"{BASE}/requests/{report.pk}.xml"))
    assert root[0].findtext("service_request_id") == str(report.pk)
    for unknown in ("999999", report.tracking_code):
        response = client.get(f"{BASE}/requests/{unknown}.json")
        assert response.status_code == 404
        assert response.json()[0]["code"] == 404
    root = _xml(client.get(f"{BASE}/requests/999999.xml"))
    assert root.tag == "errors" and root[0].findtext("code") == "404"


def test_public_output_never_shows_names_phones_or_tracking_codes(client, world):
    hazard = _report(text="王五说：高空抛物，电话 139 0000 1111，请尽快处理")
    dispute = _report(
        kind="dispute",
        category="marriage_family",
        text="赵六和丈夫长期争吵，住在甲村1号",
        reporter_name="赵六",
        address="甲村1号302室",
    )
    registry = _report(kind="registry", category="", text="登记租户张三，身份证号码")
    body = client.get(f"{BASE}/requests.json").content.decode()
    body += client.get(f"{BASE}/requests.xml").content.decode()
    for secret in ("王五", "赵六", "13900001111", "139 0000 1111", "302室", "张三", "身份证"):
        assert secret not in body
    for report in (hazard, dispute, registry):
        assert report.tracking_code not in body
    rows = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert str(registry.pk) not in rows
    assert rows[str(dispute.pk)]["description"] is None
    assert rows[str(dispute.pk)]["lat"] != 30.005  # only roughly where
    assert rows[str(hazard.pk)]["description"].startswith("***说：高空抛物")


def test_a_dispute_shows_its_case_state_and_expected_time(client, world):
    dispute = _report(
        kind="dispute", category="neighbourhood", text="邻居家狗天天叫", risk="yellow"
    )
    [row] = client.get(f"{BASE}/requests/{dispute.pk}.json").json()
    expected = dt.datetime.fromisoformat(row["expected_datetime"])
    late = expected - dispute.case.received_at - dt.timedelta(days=15)  # yellow: 15 days
    assert abs(late) < dt.timedelta(seconds=1)
    assert row["status"] == "open" and row["status_notes"] == "已登记"


def test_the_expected_time_follows_the_countys_limits(client, world):
    from fengqiao.disputes import policy

    policy.set_county_policy(
        actor=world.county_admin,
        county=world.county,
        escalate_on_deadline=True,
        time_limits={"yellow": {"resolve_days": 10}},
    )
    dispute = _report(
        kind="dispute", category="neighbourhood", text="邻居家狗天天叫", risk="yellow"
    )
    [row] = client.get(f"{BASE}/requests/{dispute.pk}.json").json()
    expected = dt.datetime.fromisoformat(row["expected_datetime"])
    late = expected - dispute.case.received_at - dt.timedelta(days=10)
    assert abs(late) < dt.timedelta(seconds=1)


def test_the_request_list_runs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        _report(text=f"第{n}条安全隐患反映")
        _report(kind="dispute", category="neighbourhood", text=f"第{n}条邻里纠纷反映")
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{BASE}/requests.json").json()) == 10


# --- keys -------------------------------------------------------------------------------


def test_the_key_command_prints_a_key_once_that_then_works(client, world):
    out, err = StringIO(), StringIO()
    call_command("create_open311_key", "街道App", stdout=out, stderr=err)
    raw_key = out.getvalue().strip()
    key = Open311Key.objects.get(name="街道App")
    assert len(raw_key) >= 40 and raw_key not in key.key_hash and key.key_hash != raw_key
    assert "只显示这一次" in err.getvalue()
    assert _post(client, raw_key).status_code == 200
    assert AuditEvent.objects.filter(action="intake.open311_key_created").count() == 1


def test_xml_escapes_text_and_posting_needs_no_csrf_token(world, api_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = _post(strict, api_key, description="<b>楼道</b> & 飞线充电 ]]> 很危险")
    assert response.status_code == 200
    root = _xml(strict.get(f"{BASE}/requests.xml"))
    assert root[0].findtext("description") == "<b>楼道</b> & 飞线充电 ]]> 很危险"
