"""Registry editing beyond residents: the police add an address, a house, a unit, an
employee and a stay, correct and end them, by service, page and API; another township's
officer, a grid worker and a resident are refused and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import adding, checks
from fengqiao.registry.models import (
    Address,
    Employment,
    Establishment,
    House,
    Occupancy,
)

pytestmark = pytest.mark.django_db

CODE17 = "91330699MA2B3C4D5"
CREDIT = CODE17 + checks.credit_check_character(CODE17)
BAD_CREDIT = CODE17 + ("0" if CREDIT[-1] != "0" else "1")
SHOP = {"name": "平安超市", "kind": "shop", "credit_code": CREDIT, "in_charge_phone": "13900001111"}


def _counts():
    return tuple(
        model.objects.count()
        for model in (Address, House, Establishment, Employment, Occupancy, AuditEvent)
    )


# --- services --------------------------------------------------------------------------


def test_an_officer_adds_an_address_in_their_grid_and_the_same_elements_are_one(world):
    added = adding.add_address(
        actor=world.officer_a, grid=world.grid_a1, values={"road": "人民路", "door_number": "9号"}
    )
    assert added.created and added.record.scope_path == world.grid_a1.path
    again = adding.add_address(
        actor=world.officer_a, grid=world.grid_a1, values={"road": "人民路", "door_number": "9号"}
    )
    assert (again.record, again.created) == (added.record, False)
    event = AuditEvent.objects.get(action="registry.address.added")
    assert "人民路" in event.changes["fields"]["full_text"]["new"]


def test_an_address_outside_the_officers_area_is_refused_and_nothing_is_added(world):
    before = _counts()
    with pytest.raises(PermissionDenied):
        adding.add_address(actor=world.officer_a, grid=world.grid_b1, values={"road": "人民路"})
    with pytest.raises(ValidationError) as error:
        adding.grid_for(world.officer_a, world.grid_b1.code)
    assert "grid" in error.value.message_dict
    assert _counts() == before


def test_an_address_element_too_long_names_the_field(world):
    with pytest.raises(ValidationError) as error:
        adding.add_address(actor=world.officer_a, grid=world.grid_a1, values={"road": "路" * 61})
    assert "街路巷不能超过 60 个字" in error.value.message_dict["road"][0]


def test_an_officer_adds_a_house_once_per_key_with_the_owner_phone_masked_in_the_audit(
    world, registry
):
    values = {"label": "东厢", "use": "rented", "owner_phone": "13900001111"}
    first = adding.add_house(
        actor=world.officer_a, address=registry.address_a, values=values, client_key="house-0001"
    )
    again = adding.add_house(
        actor=world.officer_a, address=registry.address_a, values=values, client_key="house-0001"
    )
    assert first.created and not again.created and again.record.pk == first.record.pk
    assert House.objects.filter(address=registry.address_a, label="东厢").count() == 1
    fields = AuditEvent.objects.get(action="registry.house.added").changes["fields"]
    assert fields["owner_phone"]["new"].startswith("139****1111 #")
    assert "13900001111" not in str(fields)


def test_a_house_at_a_retired_address_or_out_of_scope_is_refused(world, registry):
    before = _counts()
    with pytest.raises(PermissionDenied):
        adding.add_house(actor=world.officer_b, address=registry.address_a, values={})
    registry.address_a.retired_on = dt.date(2024, 1, 1)
    with pytest.raises(ValidationError) as error:
        adding.add_house(actor=world.officer_a, address=registry.address_a, values={})
    assert "已注销" in error.value.message_dict["address"][0]
    assert _counts() == before


def test_a_unit_with_a_bad_credit_code_is_refused_naming_the_field(world, registry):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        adding.add_unit(
            actor=world.officer_a,
            address=registry.address_a,
            values={**SHOP, "credit_code": BAD_CREDIT},
        )
    assert "校验位" in error.value.message_dict["credit_code"][0]
    assert _counts() == before


def test_an_officer_adds_a_unit_and_an_employee_then_ends_the_job(world, registry):
    unit = adding.add_unit(
        actor=world.officer_a, address=registry.address_a, values=SHOP, client_key="unit-00001"
    ).record
    assert unit.credit_code == CREDIT
    fields = AuditEvent.objects.get(action="registry.establishment.added").changes["fields"]
    assert fields["name"] == {"old": None, "new": "平安超市"}
    assert "13900001111" not in str(fields)
    job = adding.add_employee(
        actor=world.officer_a, unit=unit, resident=registry.zhang, since="2024-03-01"
    ).record
    with pytest.raises(ValidationError) as error:
        adding.add_employee(actor=world.officer_a, unit=unit, resident=registry.zhang)
    assert "resident" in error.value.message_dict
    from fengqiao.registry import editing

    with pytest.raises(ValidationError) as error:
        editing.end_employment(actor=world.officer_a, employment=job, on="2024-01-01")
    assert "不能早于入职日期" in error.value.message_dict["on"][0]
    editing.end_employment(actor=world.officer_a, employment=job, on="2024-06-30")
    job.refresh_from_db()
    assert job.until == dt.date(2024, 6, 30)


def test_an_employee_from_another_township_is_refused(world, registry):
    unit = adding.add_unit(actor=world.officer_a, address=registry.address_a, values=SHOP).record
    with pytest.raises(PermissionDenied):
        adding.add_employee(actor=world.officer_a, unit=unit, resident=registry.li)
    with pytest.raises(PermissionDenied):
        adding.add_employee(actor=world.officer_b, unit=unit, resident=registry.li)
    assert not Employment.objects.exists()


def test_a_resident_moves_into_another_house_and_the_old_stay_ends(world, registry):
    house = adding.add_house(
        actor=world.officer_a, address=registry.address_a, values={"label": "2号"}
    ).record
    zhang = registry.zhang
    stay = adding.add_stay(
        actor=world.officer_a,
        resident=zhang,
        house=house,
        values={"moved_in": "2024-05-01", "residence_type": "floating"},
        client_key="stay-00001",
    ).record
    zhang.refresh_from_db()
    assert (zhang.house, zhang.residence_type, stay.moved_in) == (
        house,
        "floating",
        dt.date(2024, 5, 1),
    )
    old = Occupancy.objects.get(resident=zhang, house=registry.house_a)
    assert old.moved_out == dt.date(2024, 5, 1)
    fields = AuditEvent.objects.get(action="registry.occupancy.added").changes["fields"]
    assert fields["house"] == {"old": registry.house_a.pk, "new": house.pk}
    with pytest.raises(ValidationError) as error:
        adding.end_stay(
            actor=world.officer_a, stay=stay, values={"on": "2024-04-01", "reason": "moved_away"}
        )
    assert "不能早于迁入日期" in error.value.message_dict["on"][0]
    adding.end_stay(
        actor=world.officer_a, stay=stay, values={"on": "2024-08-01", "reason": "moved_away"}
    )
    zhang.refresh_from_db()
    stay.refresh_from_db()
    assert (zhang.moved_out, zhang.house, stay.moved_out) == (
        dt.date(2024, 8, 1),
        None,
        dt.date(2024, 8, 1),
    )


def test_a_move_into_the_current_house_or_another_township_is_refused(world, registry):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        adding.add_stay(
            actor=world.officer_a,
            resident=registry.zhang,
            house=registry.house_a,
            values={"moved_in": "2024-01-01"},
        )
    assert "已住在" in error.value.message_dict["house"][0]
    with pytest.raises(PermissionDenied):
        adding.add_stay(
            actor=world.officer_a,
            resident=registry.zhang,
            house=registry.house_b,
            values={"moved_in": "2024-01-01"},
        )
    assert _counts() == before


def test_a_move_overlapping_the_last_stay_or_into_an_ended_house_is_refused(world, registry):
    zhang = registry.zhang
    adding.end_stay(
        actor=world.officer_a,
        stay=zhang.occupancies.get(),
        values={"on": "2024-03-01", "reason": "moved_away"},
    )
    zhang.refresh_from_db()
    before = _counts()
    with pytest.raises(ValidationError) as error:
        adding.add_stay(
            actor=world.officer_a,
            resident=zhang,
            house=registry.house_a,
            values={"moved_in": "2024-02-01"},
        )
    assert "2024-03-01" in error.value.message_dict["moved_in"][0]
    registry.house_a.ended_on = dt.date(2024, 4, 1)
    with pytest.raises(ValidationError) as error:
        adding.add_stay(
            actor=world.officer_a,
            resident=zhang,
            house=registry.house_a,
            values={"moved_in": "2024-05-01"},
        )
    assert "灭失" in error.value.message_dict["house"][0]
    assert _counts() == before


@pytest.mark.parametrize("who", ["grid_worker_a1", "resident"])
def test_a_grid_worker_or_a_resident_adds_none_of_these(world, registry, who):
    user = getattr(world, who)
    before = _counts()
    calls = [
        lambda: adding.add_address(actor=user, grid=world.grid_a1, values={"road": "新路"}),
        lambda: adding.add_house(actor=user, address=registry.address_a, values={"label": "x"}),
        lambda: adding.add_unit(actor=user, address=registry.address_a, values=SHOP),
        lambda: adding.add_stay(
            actor=user,
            resident=registry.zhang,
            house=registry.house_a,
            values={"moved_in": "2024-01-01"},
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert _counts() == before


# --- the API ---------------------------------------------------------------------------


@pytest.fixture
def api(world):
    from rest_framework.test import APIClient

    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def test_the_api_adds_an_address_a_house_and_a_unit_once_per_key(world, registry, api):
    client = api(world.officer_a)
    made = client.post(
        "/api/v1/addresses/",
        {"grid": world.grid_a1.code, "road": "人民路", "door_number": "9号"},
        format="json",
    )
    assert made.status_code == 201, made.content
    address = made.json()["id"]
    body = {"address": address, "label": "1室", "owner_phone": "13900001111"}
    house = client.post("/api/v1/houses/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-h-0001")
    again = client.post("/api/v1/houses/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-h-0001")
    assert (house.status_code, again.status_code) == (201, 200), house.content
    assert again.json()["id"] == house.json()["id"]
    assert "13900001111" not in house.content.decode()
    unit = client.post("/api/v1/establishments/", {**SHOP, "address": address}, format="json")
    assert unit.status_code == 201, unit.content
    bad = client.post(
        "/api/v1/establishments/",
        {**SHOP, "credit_code": BAD_CREDIT, "address": address},
        format="json",
    )
    assert bad.status_code == 400 and "校验位" in bad.json()["credit_code"][0]


def test_the_api_adds_and_ends_an_employment_and_moves_a_resident(world, registry, api):
    client = api(world.officer_a)
    unit = adding.add_unit(actor=world.officer_a, address=registry.address_a, values=SHOP).record
    job = client.post(
        f"/api/v1/establishments/{unit.pk}/employees/",
        {"resident": registry.zhang.pk, "since": "2024-03-01"},
        format="json",
    )
    assert job.status_code == 201, job.content
    early = client.post(
        f"/api/v1/establishments/{unit.pk}/end-employment/",
        {"employment": job.json()["id"], "on": "2024-01-01"},
        format="json",
    )
    assert early.status_code == 400 and "入职日期" in early.json()["on"][0]
    ended = client.post(
        f"/api/v1/establishments/{unit.pk}/end-employment/",
        {"employment": job.json()["id"], "on": "2024-06-30"},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["until"] == "2024-06-30"
    house = adding.add_house(
        actor=world.officer_a, address=registry.address_a, values={"label": "2号"}
    ).record
    moved = client.post(
        f"/api/v1/residents/{registry.zhang.pk}/move/",
        {"house": house.pk, "moved_in": "2024-05-01"},
        format="json",
    )
    assert moved.status_code == 201, moved.content
    out = client.post(
        f"/api/v1/residents/{registry.zhang.pk}/end-stay/",
        {"stay": moved.json()["id"], "on": "2024-09-01", "reason": "moved_away"},
        format="json",
    )
    assert out.status_code == 200 and out.json()["moved_out"] == "2024-09-01", out.content


def test_the_api_refuses_another_township_and_the_ground(world, registry, api):
    before = _counts()
    other = api(world.officer_b)
    assert (
        other.post("/api/v1/houses/", {"address": registry.address_a.pk}, format="json").status_code
        == 400
    )
    assert (
        other.post(
            "/api/v1/addresses/", {"grid": world.grid_a1.code, "road": "新路"}, format="json"
        ).status_code
        == 400
    )
    assert (
        other.post(
            f"/api/v1/residents/{registry.zhang.pk}/move/",
            {"house": registry.house_a.pk, "moved_in": "2024-05-01"},
            format="json",
        ).status_code
        == 404
    )
    worker = api(world.grid_worker_a1)
    for url, body in (
        ("/api/v1/houses/", {"address": registry.address_a.pk}),
        ("/api/v1/addresses/", {"grid": world.grid_a1.code, "road": "新路"}),
        ("/api/v1/establishments/", {**SHOP, "address": registry.address_a.pk}),
    ):
        assert worker.post(url, body, format="json").status_code in (403, 400)
    assert api(world.resident).post("/api/v1/houses/", {}, format="json").status_code == 403
    assert _counts() == before


# --- the pages -------------------------------------------------------------------------


def _page(client, user, name, *args, data=None):
    client.force_login(user)
    url = reverse(f"registry:{name}", args=args)
    return client.post(url, data) if data is not None else client.get(url)


def test_an_officer_adds_an_address_a_house_and_a_unit_by_page(client, world, registry):
    officer = world.officer_a
    assert _page(client, officer, "address_new").status_code == 200
    made = _page(
        client,
        officer,
        "address_new",
        data={"grid": world.grid_a1.code, "road": "人民路", "door_number": "9号"},
    )
    assert made.status_code == 302
    address = Address.objects.get(road="人民路", door_number="9号")
    house = {
        "label": "1室",
        "use": "rented",
        "owner_phone": "139 0000 1111",
        "client_key": "pg-h-0001",
    }
    assert _page(client, officer, "house_new", address.pk, data=house).status_code == 302
    assert _page(client, officer, "house_new", address.pk, data=house).status_code == 302
    assert House.objects.filter(address=address).count() == 1
    page = _page(client, officer, "address", address.pk).content.decode()
    assert "新增单位" in page and "修改房屋" in page
    bad = _page(client, officer, "unit_new", address.pk, data={**SHOP, "credit_code": BAD_CREDIT})
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    assert "平安超市" in bad.content.decode()  # what was typed is kept
    ok = _page(client, officer, "unit_new", address.pk, data={**SHOP, "employee_count": "3"})
    assert ok.status_code == 302
    assert Establishment.objects.get(address=address).employee_count == 3


def test_an_officer_corrects_and_ends_a_house_and_retires_its_address(client, world, registry):
    officer = world.officer_a
    address = adding.add_address(
        actor=officer, grid=world.grid_a1, values={"road": "新路", "door_number": "1号"}
    ).record
    house = adding.add_house(actor=officer, address=address, values={"label": "东"}).record
    form = _page(client, officer, "house_edit", house.pk).content.decode()
    assert 'value="东"' in form
    fixed = _page(
        client, officer, "house_edit", house.pk, data={"label": "西", "use": "own", "area_m2": "80"}
    )
    assert fixed.status_code == 302
    house.refresh_from_db()
    assert (house.label, str(house.area_m2)) == ("西", "80.00")
    fields = AuditEvent.objects.get(action="registry.house.corrected").changes["fields"]
    assert set(fields) == {"label", "area_m2"}
    refused = _page(client, officer, "address_retire", address.pk, data={"reason": "拆迁"})
    assert refused.status_code == 400 and "请先办理灭失" in refused.content.decode()
    empty = _page(client, officer, "house_end", house.pk, data={"on": "", "reason": ""})
    assert empty.status_code == 400 and "请写明原因" in empty.content.decode()
    assert _page(client, officer, "house_end", house.pk, data={"reason": "拆迁"}).status_code == 302
    assert (
        _page(client, officer, "address_retire", address.pk, data={"reason": "拆迁"}).status_code
        == 302
    )
    address.refresh_from_db()
    assert address.retired_on is not None


def test_an_officer_corrects_closes_a_unit_and_ends_an_employment_by_page(client, world, registry):
    officer = world.officer_a
    unit = adding.add_unit(actor=officer, address=registry.address_a, values=SHOP).record
    assert (
        _page(
            client,
            officer,
            "unit_edit",
            unit.pk,
            data={**SHOP, "in_charge_phone": "", "name": "平安便利店", "employee_count": "0"},
        ).status_code
        == 302
    )
    unit.refresh_from_db()
    assert unit.name == "平安便利店" and unit.in_charge_phone == "+8613900001111"
    outsider = _page(client, officer, "employee_new", unit.pk, data={"resident": registry.li.pk})
    assert outsider.status_code == 400 and "不在您的辖区" in outsider.content.decode()
    hired = _page(
        client,
        officer,
        "employee_new",
        unit.pk,
        data={"resident": registry.zhang.pk, "since": "2024-03-01", "client_key": "pg-e-0001"},
    )
    assert hired.status_code == 302
    job = Employment.objects.get(establishment=unit)
    early = _page(client, officer, "employment_end", job.pk, data={"on": "2024-01-01"})
    assert early.status_code == 400 and "不能早于入职日期" in early.content.decode()
    assert (
        _page(client, officer, "employment_end", job.pk, data={"on": "2024-06-01"}).status_code
        == 302
    )
    assert _page(client, officer, "unit_close", unit.pk, data={"reason": "停业"}).status_code == 302
    unit.refresh_from_db()
    assert unit.closed_on is not None


def test_an_officer_moves_a_resident_and_ends_the_stay_by_page(client, world, registry):
    officer = world.officer_a
    house = adding.add_house(
        actor=officer, address=registry.address_a, values={"label": "2号"}
    ).record
    moved = _page(
        client,
        officer,
        "resident_move",
        registry.zhang.pk,
        data={"house": house.pk, "moved_in": "2024-05-01", "client_key": "pg-m-0001"},
    )
    assert moved.status_code == 302
    stay = Occupancy.objects.get(resident=registry.zhang, house=house)
    page = _page(client, officer, "resident", registry.zhang.pk).content.decode()
    assert reverse("registry:stay_end", args=[stay.pk]) in page
    ended = _page(
        client, officer, "stay_end", stay.pk, data={"reason": "moved_away", "on": "2024-07-01"}
    )
    assert ended.status_code == 302
    stay.refresh_from_db()
    assert stay.moved_out == dt.date(2024, 7, 1)


def test_the_pages_are_404_in_another_township_and_403_for_the_ground(client, world, registry):
    before = _counts()
    for name, pk in (
        ("house_new", registry.address_a.pk),
        ("house_edit", registry.house_a.pk),
        ("address_retire", registry.address_a.pk),
        ("resident_move", registry.zhang.pk),
    ):
        assert _page(client, world.officer_b, name, pk).status_code == 404
        assert _page(client, world.officer_b, name, pk, data={"reason": "x"}).status_code == 404
        assert _page(client, world.grid_worker_a1, name, pk).status_code == 403
        assert _page(client, world.resident, name, pk, data={}).status_code == 403
    grid = _page(
        client, world.officer_b, "address_new", data={"grid": world.grid_a1.code, "road": "新路"}
    )
    assert grid.status_code == 400
    assert _counts() == before
