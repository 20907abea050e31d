"""Tenant reports as pages: a grid worker or building head reports from a phone, the
community police verify or send back. A double tap makes one report; refusals change
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry import selectors, tenants
from fengqiao.registry.models import Resident, TenantReport
from tests.conftest import _staff

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST17 = "33069919950303001"
ID_WANG = FIRST17 + check_character(FIRST17)


def _form(house, **changes) -> dict:
    data = {
        "house": house.pk,
        "kind": "move_in",
        "name": "王小二",
        "id_type": "resident_id",
        "id_number": ID_WANG,
        "phone": "139 0000 1111",
        "moved_on": "",
        "note": "",
        "client_key": "tenant-key-0001",
    }
    data.update(changes)
    return data


def _report(client, data):
    return client.post(reverse("registry:tenant_new"), data)


@pytest.fixture
def report(world, registry):
    made, _created = tenants.report_tenant(
        actor=world.grid_worker_a1,
        kind="move_in",
        house=registry.house_a,
        name="王小二",
        id_number=ID_WANG,
    )
    return made


def _review(client, report, action, **fields):
    data = {f"r{report.pk}-{name}": value for name, value in fields.items()}
    url = reverse("registry:tenant_review", args=[report.pk, action])
    return client.post(url, data, **HTMX)


def _state(report):
    report = TenantReport.objects.get(pk=report.pk)
    return report.status, Resident.objects.count(), AuditEvent.objects.count()


# --- reporting -------------------------------------------------------------------------


def test_the_form_offers_only_houses_in_the_reporters_area(client, world, registry):
    client.force_login(world.grid_worker_a1)
    response = client.get(reverse("registry:tenant_new"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{registry.house_a.pk}"' in page
    assert f'value="{registry.house_b.pk}"' not in page
    assert world.building_a1.name in page  # houses grouped by building
    assert 'name="client_key"' in page


def test_a_grid_worker_reports_a_tenant_and_sees_it_waiting(client, world, registry):
    client.force_login(world.grid_worker_a1)
    response = _report(client, _form(registry.house_a))
    assert response.status_code == 302
    report = TenantReport.objects.get()
    assert (report.name, report.house, report.reported_by) == (
        "王小二",
        registry.house_a,
        world.grid_worker_a1,
    )
    assert report.status == TenantReport.Status.PENDING
    page = client.get(response.url).content.decode()
    assert "已提交，等待社区民警核实" in page
    assert "王小二" in page and "待核实" in page
    assert ID_WANG not in page
    # Ready for the next tenant of the same house.
    assert f'<option value="{registry.house_a.pk}" selected>' in page


def test_a_double_submit_makes_one_report(client, world, registry):
    client.force_login(world.grid_worker_a1)
    for _tap in range(2):
        assert _report(client, _form(registry.house_a)).status_code == 302
    assert TenantReport.objects.count() == 1


def test_a_building_head_may_report_too(client, world, registry):
    head, _person = _staff(
        "head_a1", ["building_head"], region=world.grid_a1, grant_region=world.grid_a1
    )
    client.force_login(head)
    assert _report(client, _form(registry.house_a, client_key="tenant-key-0001")).status_code == 302
    assert TenantReport.objects.filter(reported_by=head).count() == 1


def test_a_key_someone_else_sent_is_a_new_report_of_ones_own(client, world, registry):
    client.force_login(world.grid_worker_a1)
    assert _report(client, _form(registry.house_a)).status_code == 302
    head, _person = _staff(
        "head_a1", ["building_head"], region=world.grid_a1, grant_region=world.grid_a1
    )
    client.force_login(head)
    assert _report(client, _form(registry.house_a, name="李四")).status_code == 302
    assert TenantReport.objects.filter(reported_by=head, name="李四").count() == 1
    assert TenantReport.objects.count() == 2


def test_mistakes_come_back_next_to_their_fields_and_nothing_is_stored(client, world, registry):
    client.force_login(world.grid_worker_a1)
    bad = _form(registry.house_a, name="", id_number=ID_WANG[:-1] + "0", phone="12345")
    response = _report(client, bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"name", "id_number", "phone"}
    assert "校验位" in form.errors["id_number"][0]
    assert TenantReport.objects.count() == 0
    # What was typed is kept, so an elderly building head fixes only the one field.
    assert 'value="12345"' in response.content.decode()


def test_a_house_outside_the_area_is_refused(client, world, registry):
    client.force_login(world.grid_worker_a1)
    response = _report(client, _form(registry.house_b))
    assert response.status_code == 400
    assert "请从列表中选择房屋" in response.content.decode()
    assert TenantReport.objects.count() == 0


def test_people_without_the_permission_cannot_report(client, world, registry):
    client.force_login(world.resident)
    assert client.get(reverse("registry:tenant_new")).status_code == 403
    assert _report(client, _form(registry.house_a)).status_code == 403
    assert TenantReport.objects.count() == 0


# --- review ----------------------------------------------------------------------------


def test_the_review_queue_is_scoped_to_the_officers_jurisdiction(client, world, report):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:tenants")).content.decode()
    assert "王小二" in page and f"tenant-report-{report.pk}" in page
    assert ID_WANG not in page
    client.force_login(world.officer_b)
    assert "王小二" not in client.get(reverse("registry:tenants")).content.decode()


def test_verifying_registers_the_tenant_as_floating_and_the_counts_go_up(
    client, world, registry, report
):
    before = selectors.population_counts(world.officer_a)
    client.force_login(world.officer_a)
    response = _review(client, report, "verify", note="已上门核实")
    fragment = response.content.decode()
    assert response.status_code == 200 and "已核实" in fragment and "<html" not in fragment
    report.refresh_from_db()
    assert report.status == TenantReport.Status.VERIFIED
    tenant = Resident.objects.get(name="王小二")
    assert tenant.house == registry.house_a
    assert tenant.residence_type == Resident.ResidenceType.FLOATING
    after = selectors.population_counts(world.officer_a)
    assert after["floating"] == before.get("floating", 0) + 1
    assert after["total"] == before["total"] + 1
    counts_page = client.get(reverse("registry:counts"), {"grid": world.grid_a1.code})
    building = list(counts_page.context["buildings"])[0]
    assert building["floating"] == 1 and building["residents"] == 2


def test_a_plain_post_verifies_and_returns_to_the_queue(client, world, report):
    client.force_login(world.officer_a)
    url = reverse("registry:tenant_review", args=[report.pk, "verify"])
    response = client.post(url, {})
    assert response.status_code == 302 and response.url == reverse("registry:tenants")
    assert TenantReport.objects.get(pk=report.pk).status == TenantReport.Status.VERIFIED


def test_sending_back_needs_a_reason_and_changes_nothing_without_one(client, world, report):
    client.force_login(world.officer_a)
    before = _state(report)
    response = _review(client, report, "reject", reason="  ")
    assert response.status_code == 200 and "请写明退回原因" in response.content.decode()
    assert _state(report) == before


def test_a_report_sent_back_shows_its_reason_to_the_reporter(client, world, report):
    client.force_login(world.officer_a)
    response = _review(client, report, "reject", reason="证件号码与本人不符")
    assert "已退回" in response.content.decode()
    assert TenantReport.objects.get(pk=report.pk).status == TenantReport.Status.REJECTED
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("registry:tenant_new")).content.decode()
    assert "已退回" in page and "证件号码与本人不符" in page


def test_a_report_handled_twice_says_so(client, world, report):
    client.force_login(world.officer_a)
    _review(client, report, "reject", reason="证件号码与本人不符")
    before = _state(report)
    response = _review(client, report, "verify")
    assert "已经处理过了" in response.content.decode()
    assert _state(report) == before


def test_grid_workers_cannot_review_and_other_townships_cannot_see(client, world, report):
    before = _state(report)
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("registry:tenants")).status_code == 403
    assert _review(client, report, "verify").status_code == 403
    client.force_login(world.officer_b)
    assert _review(client, report, "verify").status_code == 404
    assert _review(client, report, "approve").status_code == 404
    assert _state(report) == before


def test_a_plain_post_without_a_reason_shows_the_queue_with_the_error(client, world, report):
    client.force_login(world.officer_a)
    before = _state(report)
    url = reverse("registry:tenant_review", args=[report.pk, "reject"])
    response = client.post(url, {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<html" in page and "请写明退回原因" in page and f"tenant-report-{report.pk}" in page
    assert _state(report) == before


def test_the_police_may_reveal_a_tenants_number_for_a_reason_before_verifying(
    client, world, registry
):
    report, _created = tenants.report_tenant(
        actor=world.grid_worker_a1,
        kind="move_in",
        house=registry.house_a,
        name="赵六",
        id_number="330699199005150027",
        phone="13700001111",
    )
    client.force_login(world.officer_a)
    queue = client.get(reverse("registry:tenants")).content.decode()
    url = reverse("registry:tenant_reveal", args=[report.pk, "phone"])
    assert url in queue
    refused = client.post(url, {"phone-reason": ""}, headers={"HX-Request": "true"})
    assert "137 0000 1111" not in refused.content.decode()
    shown = client.post(url, {"phone-reason": "电话核实租户"}, headers={"HX-Request": "true"})
    assert "137 0000 1111" in shown.content.decode()
    event = AuditEvent.objects.get(action="registry.revealed")
    assert event.object_type == "registry.tenantreport" and event.changes["field"] == "phone"
    client.force_login(world.grid_worker_a1)
    assert client.post(url, {"phone-reason": "看看"}).status_code == 403
