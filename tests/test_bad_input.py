"""Bad input gets a 4xx answer that says what is wrong, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case, CaseEvent
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report

DEEP_ARRAYS = "[" * 5000 + "]" * 5000
DEEP_OBJECTS = '{"a":' * 5000 + "1" + "}" * 5000


def _case() -> Case:
    return submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
    ).report.case


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def _counts():
    return (
        Report.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        (AuditEvent.objects.count()),
    )


# --- JSON nested too deep --------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
@pytest.mark.parametrize("endpoint", ["reports", "cases", "transitions"])
def test_a_json_body_nested_5000_deep_is_refused_with_400(world, body, endpoint):
    case = _case()
    url = {
        "reports": reverse("api:report-list"),
        "cases": reverse("api:case-list"),
        "transitions": reverse("api:case-transitions", args=[case.reference]),
    }[endpoint]
    before = _counts()
    response = _api(world.officer_a).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套层数过多" in response.json()["detail"]
    assert _counts() == before


def test_brackets_inside_strings_do_not_count_as_nesting(world):
    text = "邻居装修噪音" + "[" * 100 + "{" * 100
    response = _api(world.officer_a).post(
        reverse("api:report-list"),
        {"channel": "walk_in", "kind": "dispute", "text": text, "lon": 120.005, "lat": 30.005},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == text


def test_malformed_json_is_a_400_with_the_decoders_words(world):
    response = _api(world.officer_a).post(
        reverse("api:report-list"), '{"text": "噪音"', content_type="application/json"
    )
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
