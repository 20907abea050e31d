"""The registry's pages: search, the resident's page with its logged reveal, the address
and unit pages, related-record panels, counts, and the overdue-visits panel on the worklist.

Scope first: officer_a finds township A's people and nothing of B's. A refused reveal
checks that nothing reached the audit log.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry import care, panels, services
from fengqiao.registry.models import Address
from tests.conftest import _staff
from tests.registry.conftest import ID_ZHANG, address_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _search(client, q: str, **headers) -> str:
    return client.get(reverse("registry:search"), {"q": q}, **headers).content.decode()


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def building_head(world):
    user, _person = _staff(
        "head_a1", ["building_head"], region=world.grid_a1, grant_region=world.grid_a1
    )
    return user


# --- search ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["张三", "zs", "zhangs", "0014", "5678"])
def test_search_finds_a_resident_by_name_initials_or_last_four_digits(
    client, world, registry, query
):
    client.force_login(world.officer_a)
    page = _search(client, query)
    assert reverse("registry:resident", args=[registry.zhang.pk]) in page
    assert "330***********0014" in page and "138****5678" in page
    assert ID_ZHANG not in page


def test_search_finds_an_address_by_its_text(client, world, registry):
    client.force_login(world.officer_a)
    page = _search(client, "3组12号")
    assert reverse("registry:address", args=[registry.address_a.pk]) in page


def test_search_stays_inside_the_jurisdiction(client, world, registry):
    client.force_login(world.officer_b)
    for query in ("张三", "zs", "0014", "3组12号"):
        page = _search(client, query)
        assert reverse("registry:resident", args=[registry.zhang.pk]) not in page
        assert reverse("registry:address", args=[registry.address_a.pk]) not in page
    assert reverse("registry:resident", args=[registry.li.pk]) in _search(client, "李四")


def test_htmx_gets_only_the_results_as_one_types(client, world, registry):
    client.force_login(world.officer_a)
    fragment = _search(client, "zs", **HTMX)
    assert "张三" in fragment and "<html" not in fragment
    page = _search(client, "zs")
    assert "<html" in page and 'hx-trigger="input changed delay:250ms' in page
    assert "拼音首字母（如 zs）" in page


def test_a_floating_resident_is_marked_in_the_results(client, world, registry):
    client.force_login(world.officer_b)
    page = _search(client, "李四", **HTMX)
    assert "流动" in page


def test_the_search_page_shows_the_jurisdictions_counts(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:search")).content.decode()
    assert "辖区实有人口" in page


def test_a_building_head_finds_addresses_but_not_people(client, world, registry, building_head):
    client.force_login(building_head)
    assert reverse("registry:resident", args=[registry.zhang.pk]) not in _search(client, "张三")
    page = _search(client, "3组12号")
    assert reverse("registry:address", args=[registry.address_a.pk]) in page
    assert "辖区实有人口" not in page


def test_the_search_page_links_to_import_and_to_exports_of_what_it_shows(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:search")).content.decode()
    assert f'href="{reverse("registry:import")}"' in page and "批量导入" in page
    assert f'href="{reverse("registry:export", args=["residents"])}"' in page
    found = _search(client, "张三", **HTMX)
    assert reverse("registry:export", args=["residents"]) + "?q=%E5%BC%A0%E4%B8%89" in found
    assert "导出 Excel" not in _search(client, "查无此人", **HTMX)


def test_import_and_export_links_follow_the_users_permissions(
    client, world, registry, building_head
):
    client.force_login(world.grid_worker_a1)  # may view the lists, not add to them
    page = client.get(reverse("registry:search")).content.decode()
    assert f'href="{reverse("registry:import")}"' not in page and "批量导入" not in page
    assert reverse("registry:export", args=["residents"]) in page
    client.force_login(building_head)  # addresses and houses only
    page = client.get(reverse("registry:search")).content.decode()
    assert "批量导入" not in page
    assert reverse("registry:export", args=["houses"]) in page
    assert reverse("registry:export", args=["residents"]) not in page


def test_people_without_a_staff_role_get_no_registry(client, world, registry):
    client.force_login(world.resident)
    assert client.get(reverse("registry:search")).status_code == 403
    assert client.get(reverse("registry:resident", args=[registry.zhang.pk])).status_code == 403


def test_the_nav_links_to_the_registry_for_staff_only(client, world):
    client.force_login(world.grid_worker_a1)
    assert reverse("registry:search") in client.get(reverse("home")).content.decode()
    client.force_login(world.resident)
    assert reverse("registry:search") not in client.get(reverse("home")).content.decode()


# --- the resident's page ---------------------------------------------------------------


def test_the_resident_page_masks_numbers_and_audits_the_read(client, world, registry):
    client.force_login(world.officer_a)
    before = _events("registry.viewed")
    response = client.get(reverse("registry:resident", args=[registry.zhang.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "330***********0014" in page and "138****5678" in page
    assert ID_ZHANG not in page and "12345678" not in page
    assert _events("registry.viewed") == before + 1
    event = AuditEvent.objects.filter(action="registry.viewed").first()
    assert event.actor == world.officer_a and event.object_id == str(registry.zhang.pk)
    assert "3组12号" in page  # where they live, and the history


def test_a_resident_outside_the_jurisdiction_is_not_found_and_not_logged(client, world, registry):
    client.force_login(world.officer_b)
    before = AuditEvent.objects.count()
    assert client.get(reverse("registry:resident", args=[registry.zhang.pk])).status_code == 404
    assert client.get(reverse("registry:resident", args=[999999])).status_code == 404
    assert AuditEvent.objects.count() == before


def _reveal(client, resident, field="id_number", reason="核查租户身份", **headers):
    url = reverse("registry:resident_reveal", args=[resident.pk, field])
    return client.post(url, {f"{field}-reason": reason}, **headers)


def test_reveal_shows_the_full_number_in_place_and_logs_who_and_why(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "查看完整号码" in page
    response = _reveal(client, registry.zhang, **HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert ID_ZHANG in fragment and "<html" not in fragment
    event = AuditEvent.objects.get(action="registry.revealed")
    assert event.actor == world.officer_a
    assert event.changes == {"field": "id_number", "reason": "核查租户身份"}


def test_reveal_of_the_phone_shows_it_readable(client, world, registry):
    client.force_login(world.officer_a)
    fragment = _reveal(client, registry.zhang, field="phone", **HTMX).content.decode()
    assert "138 1234 5678" in fragment


def test_reveal_without_a_plain_form_returns_the_whole_page(client, world, registry):
    client.force_login(world.officer_a)
    page = _reveal(client, registry.zhang).content.decode()
    assert "<html" in page and ID_ZHANG in page


def test_reveal_needs_a_reason_and_shows_the_error_next_to_it(client, world, registry):
    client.force_login(world.officer_a)
    before = AuditEvent.objects.count()
    for reason in ("", "  看看 "):
        response = _reveal(client, registry.zhang, reason=reason, **HTMX)
        fragment = response.content.decode()
        assert response.status_code == 200  # htmx swaps only 2xx: the error shows in place
        assert "请写明查看完整信息的理由" in fragment and ID_ZHANG not in fragment
    assert _reveal(client, registry.zhang, reason="").status_code == 400
    assert AuditEvent.objects.count() == before


def test_a_grid_worker_sees_masked_numbers_and_cannot_reveal(client, world, registry):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "330***********0014" in page and "查看完整号码" not in page
    before = AuditEvent.objects.count()
    response = _reveal(client, registry.zhang, **HTMX)
    assert response.status_code == 403 and ID_ZHANG not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_reveal_outside_the_jurisdiction_is_not_found(client, world, registry):
    client.force_login(world.officer_b)
    before = AuditEvent.objects.count()
    assert _reveal(client, registry.zhang).status_code == 404
    assert _reveal(client, registry.li, field="email").status_code == 404
    assert AuditEvent.objects.count() == before


def test_reveal_is_post_only(client, world, registry):
    client.force_login(world.officer_a)
    url = reverse("registry:resident_reveal", args=[registry.zhang.pk, "id_number"])
    assert client.get(url).status_code == 405


# --- related records from the modules above --------------------------------------------


def _cases_of(user, obj):
    return [(f"案件 {obj.pk}", "/cases/X-1/")]


@pytest.fixture
def extra_panel():
    panels.register("resident", "测试关联案件", _cases_of)
    panels.register("address", "测试关联案件", _cases_of)
    yield
    panels.unregister("resident", _cases_of)
    panels.unregister("address", _cases_of)


def test_registered_panels_list_related_records_on_resident_and_address_pages(
    client, world, registry, extra_panel
):
    client.force_login(world.officer_a)
    for url, pk in (
        (reverse("registry:resident", args=[registry.zhang.pk]), registry.zhang.pk),
        (reverse("registry:address", args=[registry.address_a.pk]), registry.address_a.pk),
    ):
        page = client.get(url).content.decode()
        assert "测试关联案件" in page and f"案件 {pk}" in page and "/cases/X-1/" in page


def test_registering_a_provider_twice_shows_it_once(world, registry, extra_panel):
    panels.register("resident", "测试关联案件", _cases_of)
    found = [p for p in panels.panels_for(world.officer_a, "resident", registry.zhang)]
    assert [p.title for p in found].count("测试关联案件") == 1


def test_a_panel_kind_must_be_known():
    with pytest.raises(ValueError):
        panels.register("case", "x", _cases_of)


# --- addresses and units ---------------------------------------------------------------


def test_the_address_page_lists_houses_and_residents_masked(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:address", args=[registry.address_a.pk])).content.decode()
    assert registry.address_a.full_text in page
    assert reverse("registry:resident", args=[registry.zhang.pk]) in page
    assert "330***********0014" in page and ID_ZHANG not in page
    assert "尚未实地核实" in page and "核实" in page
    assert reverse("registry:address", args=[registry.address_b.pk]) not in page


def test_an_address_outside_the_jurisdiction_is_not_found(client, world, registry):
    client.force_login(world.officer_b)
    assert client.get(reverse("registry:address", args=[registry.address_a.pk])).status_code == 404
    assert (
        client.post(reverse("registry:address_verify", args=[registry.address_a.pk])).status_code
        == 404
    )
    assert Address.objects.get(pk=registry.address_a.pk).verified_at is None


def test_an_officer_verifies_an_address_in_place(client, world, registry):
    client.force_login(world.officer_a)
    url = reverse("registry:address_verify", args=[registry.address_a.pk])
    fragment = client.post(url, **HTMX).content.decode()
    assert "已核实" in fragment and "<html" not in fragment
    address = Address.objects.get(pk=registry.address_a.pk)
    assert address.verified_by == world.officer_a and address.verified_at is not None
    assert _events("registry.address.verified") == 1


def test_a_grid_worker_cannot_verify_an_address(client, world, registry):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("registry:address", args=[registry.address_a.pk])).content.decode()
    assert reverse("registry:address_verify", args=[registry.address_a.pk]) not in page
    before = AuditEvent.objects.count()
    url = reverse("registry:address_verify", args=[registry.address_a.pk])
    assert client.post(url).status_code == 403
    assert Address.objects.get(pk=registry.address_a.pk).verified_at is None
    assert AuditEvent.objects.count() == before


def test_a_building_head_sees_the_address_without_residents(client, world, registry, building_head):
    client.force_login(building_head)
    page = client.get(reverse("registry:address", args=[registry.address_a.pk])).content.decode()
    assert "张三" not in page and "报告租户变动" in page


def test_the_unit_page_lists_its_employees(client, world, registry):
    admin = world.county_admin
    shop = services.register_establishment(
        actor=admin, address=registry.address_a, name="甲村小卖部", kind="shop"
    )
    services.add_employee(actor=admin, establishment=shop, resident=registry.zhang, position="店员")
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:unit", args=[shop.pk])).content.decode()
    assert "甲村小卖部" in page and "张三" in page and "330***********0014" in page
    address_page = client.get(reverse("registry:address", args=[registry.address_a.pk]))
    assert "甲村小卖部" in address_page.content.decode()
    client.force_login(world.officer_b)
    assert client.get(reverse("registry:unit", args=[shop.pk])).status_code == 404


# --- counts ----------------------------------------------------------------------------


def test_counts_per_grid_and_building_follow_the_records(client, world, registry):
    client.force_login(world.officer_a)
    url = reverse("registry:counts")
    page = client.get(url, {"grid": world.grid_a1.code}).content.decode()
    assert world.grid_a1.name in page and world.building_a1.name in page
    assert world.grid_b1.name not in page
    second = address_in(world.grid_a1, "3组14号", actor=world.officer_a, building=world.building_a1)
    house = services.register_house(actor=world.officer_a, address=second)
    services.register_resident(
        actor=world.officer_a,
        house=house,
        name="王五",
        id_number="330699800101003",
        residence_type="floating",
    )
    response = client.get(url, {"grid": world.grid_a1.code})
    rows = [row for row in response.context["buildings"]]
    assert rows[0]["residents"] == 2 and rows[0]["floating"] == 1


# --- the overdue-visits panel on the worklist ------------------------------------------


def test_overdue_visits_show_on_the_officers_worklist(client, world, registry):
    since = timezone.localdate() - dt.timedelta(days=40)  # regular care: due after 30 days
    care.enrol_key_person(
        actor=world.officer_a, resident=registry.zhang, kind="elderly_alone", since=since
    )
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert "逾期走访" in page and "张三" in page and "逾期 10 天" in page
    client.force_login(world.officer_b)
    assert "逾期走访" not in client.get(reverse("disputes:cases")).content.decode()


# --- busy pages keep their number of queries -------------------------------------------


_NAMES = "一二三四五六七八九十百千"


def _id_number(n: int) -> str:
    first17 = f"33069919900101{n:03d}"
    return first17 + check_character(first17)


@pytest.mark.parametrize("extra", [2, 12])
def test_busy_pages_keep_a_fixed_number_of_queries(
    client, world, registry, django_assert_max_num_queries, extra
):
    officer = world.officer_a
    for n in range(extra):
        address = address_in(world.grid_a1, f"5组{n + 1}号", actor=officer)
        house = services.register_house(actor=officer, address=address)
        for where in (house, registry.house_a):
            services.register_resident(
                actor=officer,
                house=where,
                name=f"张{_NAMES[n]}{'甲' if where is house else '乙'}",
                id_number=_id_number(2 * n + (where is house)),
                residence_type="floating",
            )
        shop = services.register_establishment(
            actor=officer, address=registry.address_a, name=f"5组{n}号商店", kind="shop"
        )
        services.add_employee(actor=officer, establishment=shop, resident=registry.zhang)
    for kind in ("elderly_alone", "petitioner", "severe_mental_disorder")[: extra // 4 + 1]:
        record = care.enrol_key_person(actor=officer, resident=registry.zhang, kind=kind)
        for _visit in range(extra // 4 + 1):
            care.record_care_visit(
                actor=officer, key_person=record, method="home", finding="在家，身体尚好"
            )
    client.force_login(officer)
    # Session, user, permissions, posting and scope come first (7); then each page's own
    # reads, one per list; the resident page also asks each registered panel (two) once.
    for url, most in [
        (reverse("registry:search") + "?q=zs", 11),  # initials, then full pinyin
        (reverse("registry:search") + "?q=5组", 13),
        # + likely duplicates, + the audit chain's head for the audited view; both pages'
        # cases panels read the counties' time limits (their overdue flag) once; + the
        # resident's registry changes (registry.editing)
        (reverse("registry:resident", args=[registry.zhang.pk]), 21),
        (reverse("registry:address", args=[registry.address_a.pk]), 17),
    ]:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200
