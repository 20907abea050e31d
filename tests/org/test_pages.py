"""The pages every staff user starts from: login, home, lists with htmx search, language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.privacy import display_phone
from tests.conftest import PASSWORD
from tests.factories import AssignmentFactory, PersonFactory


def test_login_with_the_form_lands_on_home(client, world):
    response = client.post(
        reverse("login"), {"username": "officer_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    page = response.content.decode()
    assert "officer_a" in page and "社区民警" in page


def test_a_wrong_password_says_so_in_chinese_and_logs_nobody_in(client, world):
    response = client.post(reverse("login"), {"username": "officer_a", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "用户名" in response.content.decode()


def test_logout_is_a_post_and_returns_to_login(client, world):
    client.force_login(world.officer_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_my_area_lists_the_officers_places_and_who_packages_each_grid(client, world):
    client.force_login(world.officer_a)
    page = client.get(reverse("org:area")).content.decode()
    assert "甲镇派出所" in page
    assert "甲村一网格" in page and "grid_worker_a1" in page
    assert "<svg" in page


def test_my_area_for_an_account_without_a_jurisdiction_says_what_to_do(client, world):
    client.force_login(world.resident)
    page = client.get(reverse("org:area")).content.decode()
    assert "还没有分配辖区" in page


def test_english_is_one_click_away(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert 'lang="en"' in response.content.decode()


def test_people_search_answers_htmx_with_only_the_rows(client, world):
    client.force_login(world.officer_a)
    url = reverse("org:people")
    full = client.get(url, {"q": "grid"}).content.decode()
    fragment = client.get(url, {"q": "grid"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and "<html" not in fragment
    assert "grid_worker_a1" in fragment and "officer_a" not in fragment


def test_person_page_masks_the_phone_for_a_grid_worker(client, world):
    neighbour = PersonFactory(region=world.grid_a1, role_codes=["volunteer"])
    client.force_login(world.grid_worker_a1)
    person = neighbour
    page = client.get(reverse("org:person", args=[person.pk])).content.decode()
    assert person.phone not in page and "****" in page
    assert not AuditEvent.objects.filter(action="org.person.phone_shown").exists()


def test_showing_a_full_phone_to_police_is_logged(client, world):
    client.force_login(world.officer_a)
    person = world.grid_worker_a1.person
    page = client.get(reverse("org:person", args=[person.pk])).content.decode()
    assert f'href="tel:{person.phone}"' in page and display_phone(person.phone) in page
    event = AuditEvent.objects.get(action="org.person.phone_shown")
    assert event.actor == world.officer_a and event.object_id == str(person.pk)


@pytest.mark.parametrize("extra_grids", [0, 30])
def test_busy_pages_keep_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, extra_grids
):
    from tests.factories import RegionFactory, square

    for n in range(extra_grids):
        grid = RegionFactory(
            code=f"330699001001G{n + 10}",
            level="grid",
            parent=world.community_a,
            boundary=square(120.0 + n * 0.01, 30.05),
        )
        worker = PersonFactory(region=grid, role_codes=["grid_worker"])
        AssignmentFactory(person=worker, duty="grid_worker", region=grid)
    client.force_login(world.officer_a)
    for url in [
        reverse("home"),
        reverse("org:area"),
        reverse("places:region", args=[world.community_a.code]),
        reverse("org:people"),
        reverse("org:unit", args=[world.station_a.code]),
    ]:
        with django_assert_max_num_queries(25):
            assert client.get(url).status_code == 200


def test_a_map_with_too_many_grids_draws_the_areas_one_level_down(client, world, monkeypatch):
    from fengqiao.places import maps
    from tests.factories import square

    monkeypatch.setattr(maps, "MAP_GRID_LIMIT", 1)
    world.community_a.boundary = square(120.0, 30.0, 0.02)
    world.community_a.save()
    client.force_login(world.officer_a)
    page = client.get(reverse("places:region", args=[world.township_a.code])).content.decode()
    assert f'data-code="{world.community_a.code}"' in page
    assert f'data-code="{world.grid_a1.code}"' not in page
    assert "1 个下级区域" in page


def test_not_found_and_forbidden_pages_speak_chinese_and_lead_home(client, world):
    client.force_login(world.grid_worker_a1)
    missing = client.get(reverse("places:region", args=["nowhere"]))
    assert missing.status_code == 404 and "不在您的辖区内" in missing.content.decode()
    forbidden = client.get(reverse("org:units"))
    assert forbidden.status_code == 403 and "返回首页" in forbidden.content.decode()


def test_the_menu_offers_only_what_the_role_may_open(client, world):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("home")).content.decode()
    assert reverse("places:regions") in page and reverse("org:units") not in page


def test_my_area_of_a_big_jurisdiction_lists_the_officers_own_grids(client, world, monkeypatch):
    from fengqiao.org import maps
    from tests.factories import RegionFactory, square

    other_village = RegionFactory(code="330699001002", level="community", parent=world.township_a)
    RegionFactory(
        code="330699001002G01",
        level="grid",
        parent=other_village,
        boundary=square(120.02, 30.0),
    )
    monkeypatch.setattr(maps, "GRID_TABLE_LIMIT", 2)
    client.force_login(world.officer_a)
    page = client.get(reverse("org:area")).content.decode()
    assert "我负责的网格" in page and "各网格责任人" not in page
    assert page.count("grid selected") == 2  # beat A covers village A: both its grids
