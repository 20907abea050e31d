"""The recognition pages and API: the list for a grid worker and a chief, the breakdown and
how points are earned, the commendation form (chiefs only), a person's months, and the
wall between townships."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.outreach.models import Commendation
from fengqiao.registry import services as registry
from fengqiao.registry import tenants
from fengqiao.registry.address_text import parse

pytestmark = pytest.mark.django_db

LIST = reverse("outreach:recognition")


def _client(client, user):
    client.force_login(user)
    return client


def _verified_report(world):
    text = "甲街8号幸福小区1幢2单元302室"
    address, _created = registry.register_address(
        actor=world.county_admin,
        grid=world.grid_a1,
        parts=parse(text),
        building=world.building_a1,
        raw_text=text,
    )
    house = registry.register_house(actor=world.county_admin, address=address, use="rented")
    report, _created = tenants.report_tenant(
        actor=world.grid_worker_a1,
        kind="move_in",
        house=house,
        name="新租户",
        id_number="330699198001010014",
    )
    return tenants.verify_tenant_report(actor=world.officer_a, report=report)


def _this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def test_a_grid_worker_sees_their_community_list_with_the_breakdown_and_the_rules(client, world):
    _verified_report(world)
    response = _client(client, world.grid_worker_a1).get(LIST, {"month": _this_month()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "甲村" in html and "grid_worker_a1" in html
    assert "租户信息核实" in html and "积分怎么来" in html
    assert "不参加排名" in html  # residents are not ranked, and the page says so
    assert "<details>" in html  # the breakdown opens on a tap, no script needed
    assert "登记表彰" not in html  # the form is for chiefs


def test_the_list_defaults_to_the_last_full_month(client, world):
    html = _client(client, world.chief).get(LIST).content.decode()
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert f'value="{last:%Y-%m}"' in html


def test_a_chief_sees_the_list_and_the_commendation_form(
    client, world, django_assert_max_num_queries
):
    _verified_report(world)
    _client(client, world.chief)
    client.get(LIST)  # warm the per-user caches
    with django_assert_max_num_queries(30):
        response = client.get(LIST, {"community": world.community_a.pk, "month": _this_month()})
    html = response.content.decode()
    assert response.status_code == 200 and "登记表彰" in html and "grid_worker_a1" in html


def test_a_chief_records_a_commendation_through_the_form(client, world):
    url = reverse("outreach:recognition_commend", args=[world.community_a.pk])
    response = _client(client, world.chief).post(
        url,
        {
            "person": world.grid_worker_a1.person.pk,
            "awarded_on": f"{timezone.localdate():%Y-%m-%d}",
            "title": "优秀网格员",
            "reason": "及时上报租户变动，信息准确",
            "month": _this_month(),
        },
    )
    assert response.status_code == 302
    commendation = Commendation.objects.get()
    assert commendation.person == world.grid_worker_a1.person
    html = client.get(response["Location"]).content.decode()
    assert "优秀网格员" in html and "表彰已登记" in html


def test_a_bad_commendation_comes_back_with_the_errors_and_records_nothing(client, world):
    url = reverse("outreach:recognition_commend", args=[world.community_a.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _client(client, world.chief).post(
        url,
        {
            "person": world.grid_worker_a1.person.pk,
            "awarded_on": f"{tomorrow:%Y-%m-%d}",
            "title": "",
            "reason": "及时上报",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "表彰日期不能晚于今天" in html and "请填写表彰名称" in html
    assert not Commendation.objects.exists()
    assert not AuditEvent.objects.filter(action="outreach.commendation_recorded").exists()


def test_a_grid_worker_may_not_post_a_commendation(client, world):
    url = reverse("outreach:recognition_commend", args=[world.community_a.pk])
    response = _client(client, world.grid_worker_a1).post(
        url,
        {
            "person": world.grid_worker_a1.person.pk,
            "awarded_on": f"{timezone.localdate():%Y-%m-%d}",
            "title": "自荐",
            "reason": "我自己觉得干得不错",
        },
    )
    assert response.status_code == 403 and not Commendation.objects.exists()


def test_officer_b_gets_404_for_township_a_community_person_and_commendation_form(client, world):
    _client(client, world.officer_b)
    assert client.get(LIST, {"community": world.community_a.pk}).status_code == 404
    person_url = reverse("outreach:recognition_person", args=[world.grid_worker_a1.person.pk])
    assert client.get(person_url).status_code == 404
    html = client.get(LIST).content.decode()
    assert "甲村" not in html and "grid_worker_a1" not in html


def test_a_resident_is_refused(client, world):
    assert _client(client, world.resident).get(LIST).status_code == 403


def test_a_person_page_shows_twelve_months_of_points(client, world):
    _verified_report(world)
    url = reverse("outreach:recognition_person", args=[world.grid_worker_a1.person.pk])
    response = _client(client, world.officer_a).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<th scope="row">') == 12
    assert f"{timezone.localdate():%Y-%m}" in html and "租户信息核实 1 → 2" in html


def test_the_api_answers_the_list_and_404_for_another_township(client, world):
    _verified_report(world)
    api = reverse("api:recognition")
    _client(client, world.officer_a)
    answer = client.get(api, {"community": world.community_a.pk, "month": _this_month()}).json()
    assert answer["community_name"] == "甲村" and answer["month"] == _this_month()
    row = answer["rows"][0]
    assert row["name"] == "grid_worker_a1" and row["total"] == 2 and row["rank"] == 1
    kinds = {kind["code"]: kind for kind in row["kinds"]}
    assert kinds["tenant_report_verified"] == {
        "code": "tenant_report_verified",
        "evidence": 1,
        "counted": 1,
        "points": 2,
    }
    assert client.get(api, {"month": "2026-13"}).status_code == 400
    _client(client, world.officer_b)
    assert client.get(api, {"community": world.community_a.pk}).status_code == 404
