"""Registry editing as pages: 新增居民, 修改 and 迁出 from a phone, the police's queue of
ground submissions; mistakes come back next to their fields and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry import editing
from fengqiao.registry.models import RegistryChange, Resident
from tests.conftest import _staff
from tests.registry.conftest import ID_ZHANG

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST17 = "33069919950303001"
ID_WANG = FIRST17 + check_character(FIRST17)


def _add_form(house, **changes) -> dict:
    data = {
        "house": house.pk,
        "name": "王小二",
        "id_type": "resident_id",
        "id_number": ID_WANG,
        "phone": "139 0000 1111",
        "residence_type": "floating",
        "hukou_place": "",
        "moved_in": "",
        "note": "",
        "client_key": "add-key-0001",
    }
    data.update(changes)
    return data


def _edit_form(resident, **changes) -> dict:
    data = {
        "name": resident.name,
        "id_type": resident.id_type,
        "id_number": "",
        "phone": "",
        "residence_type": resident.residence_type,
        "hukou_place": resident.hukou_place,
        "moved_in": "",
        "note": resident.note,
        "client_key": "edit-key-0001",
    }
    data.update(changes)
    return data


def _state():
    return (
        Resident.objects.count(),
        RegistryChange.objects.count(),
        AuditEvent.objects.count(),
        list(Resident.objects.values_list("name", "phone_hash", "moved_out").order_by("pk")),
    )


def test_the_officer_adds_a_resident_from_the_address_page(client, world, registry):
    client.force_login(world.officer_a)
    address_page = client.get(reverse("registry:address", args=[registry.address_a.pk]))
    link = f"{reverse('registry:resident_new')}?house={registry.house_a.pk}"
    assert link in address_page.content.decode()
    form_page = client.get(link).content.decode()
    assert f'<option value="{registry.house_a.pk}" selected>' in form_page
    assert f'value="{registry.house_b.pk}"' not in form_page
    response = client.post(reverse("registry:resident_new"), _add_form(registry.house_a))
    wang = Resident.objects.get(name="王小二")
    assert response.status_code == 302 and response.url == reverse(
        "registry:resident", args=[wang.pk]
    )
    page = client.get(response.url).content.decode()
    assert "已登记" in page and ID_WANG not in page
    assert reverse("registry:resident_edit", args=[wang.pk]) in page
    # A double tap adds nothing.
    client.post(reverse("registry:resident_new"), _add_form(registry.house_a))
    assert Resident.objects.filter(name="王小二").count() == 1


def test_mistakes_come_back_next_to_their_fields_and_nothing_is_stored(client, world, registry):
    client.force_login(world.officer_a)
    before = _state()
    bad = _add_form(registry.house_a, name="", id_number=ID_WANG[:-1] + "0", phone="12345")
    response = client.post(reverse("registry:resident_new"), bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"name", "id_number", "phone"}
    assert "校验位" in form.errors["id_number"][0]
    assert 'value="12345"' in response.content.decode()
    assert _state() == before


def test_a_duplicate_number_points_to_the_existing_record(client, world, registry):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("registry:resident_new"), _add_form(registry.house_a, id_number=ID_ZHANG)
    )
    assert response.status_code == 400
    message = response.context["form"].errors["id_number"][0]
    assert "张三" in message and str(registry.zhang.pk) in message


def test_the_officer_corrects_and_ends_a_resident(client, world, registry):
    zhang = registry.zhang
    client.force_login(world.officer_a)
    edit_url = reverse("registry:resident_edit", args=[zhang.pk])
    page = client.get(edit_url).content.decode()
    assert zhang.phone_masked in page and ID_ZHANG not in page and "+8613812345678" not in page
    response = client.post(edit_url, _edit_form(zhang, phone="137 0000 2222", note="电话已换"))
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.note) == ("+8613700002222", "电话已换")
    fields = AuditEvent.objects.get(action="registry.resident.corrected").changes["fields"]
    assert set(fields) == {"phone", "note"}
    end_url = reverse("registry:resident_end", args=[zhang.pk])
    response = client.post(end_url, {"reason": "moved_away", "on": "2025-01-01"})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.moved_out is not None and zhang.end_reason == "moved_away"


def test_an_end_date_before_moving_in_comes_back_on_the_form(client, world, registry):
    zhang = registry.zhang
    editing.correct_resident(
        actor=world.officer_a, resident=zhang, values={"moved_in": "2020-05-01"}
    )
    client.force_login(world.officer_a)
    before = _state()
    response = client.post(
        reverse("registry:resident_end", args=[zhang.pk]), {"reason": "died", "on": "2020-04-30"}
    )
    assert response.status_code == 400
    assert "不能早于迁入日期" in response.context["form"].errors["on"][0]
    assert _state() == before


def test_a_grid_workers_add_waits_for_the_officer_who_applies_it(client, world, registry):
    client.force_login(world.grid_worker_a1)
    response = client.post(reverse("registry:resident_new"), _add_form(registry.house_a))
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "等待社区民警核实" in page and "待核实" in page and "王小二" in page
    assert not Resident.objects.filter(name="王小二").exists()
    change = RegistryChange.objects.get()
    client.force_login(world.officer_b)
    assert "王小二" not in client.get(reverse("registry:changes")).content.decode()
    url = reverse("registry:change_review", args=[change.pk, "apply"])
    assert client.post(url, {}, **HTMX).status_code == 404
    client.force_login(world.officer_a)
    queue = client.get(reverse("registry:changes")).content.decode()
    assert "王小二" in queue and ID_WANG not in queue and "139****1111" in queue
    response = client.post(url, {f"c{change.pk}-note": "已上门核实"}, **HTMX)
    assert response.status_code == 200 and "已核实" in response.content.decode()
    wang = Resident.objects.get(name="王小二")
    assert wang.id_number == ID_WANG and wang.residence_type == "floating"


def test_a_rejection_needs_a_reason_and_then_changes_nothing(client, world, registry):
    edit = editing.correct_resident(
        actor=world.grid_worker_a1, resident=registry.zhang, values={"name": "张叁"}
    )
    client.force_login(world.officer_a)
    url = reverse("registry:change_review", args=[edit.change.pk, "reject"])
    response = client.post(url, {}, **HTMX)
    assert "请写明退回原因" in response.content.decode()
    response = client.post(url, {f"c{edit.change.pk}-reason": "姓名无误"}, **HTMX)
    assert "已退回" in response.content.decode()
    registry.zhang.refresh_from_db()
    assert registry.zhang.name == "张三"


def test_people_without_a_role_or_outside_the_area_cannot_edit(client, world, registry):
    before = _state()
    client.force_login(world.resident)
    assert client.get(reverse("registry:resident_new")).status_code == 403
    assert (
        client.post(reverse("registry:resident_new"), _add_form(registry.house_a)).status_code
        == 403
    )
    client.force_login(world.officer_b)
    for name in ("registry:resident_edit", "registry:resident_end"):
        url = reverse(name, args=[registry.zhang.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, _edit_form(registry.zhang, name="冒名")).status_code == 404
    client.force_login(world.grid_worker_a1)
    response = client.post(reverse("registry:resident_new"), _add_form(registry.house_b))
    assert response.status_code == 400  # house B is not offered
    assert _state() == before


def test_a_building_head_submits_an_add_but_cannot_review(client, world, registry):
    head, _person = _staff(
        "head_a1", ["building_head"], region=world.grid_a1, grant_region=world.grid_a1
    )
    client.force_login(head)
    assert (
        client.post(reverse("registry:resident_new"), _add_form(registry.house_a)).status_code
        == 302
    )
    assert RegistryChange.objects.get().status == RegistryChange.Status.PENDING
    assert client.get(reverse("registry:changes")).status_code == 403
