"""Officer A works in township A: township B's records do not exist for him, anywhere.

Every denial checks the answer (404, never 403, so nothing leaks) and that nothing changed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.org.scope import scope_for
from fengqiao.places.models import Region
from tests.conftest import PASSWORD


@pytest.fixture
def officer_a_client(client, world):
    client.login(username="officer_a", password=PASSWORD)
    return client


@pytest.fixture
def chief_client(client, world):
    client.login(username="chief", password=PASSWORD)
    return client


def _b_pages(world):
    return [
        reverse("places:region", args=[world.township_b.code]),
        reverse("places:region", args=[world.grid_b1.code]),
        reverse("places:building", args=[world.building_b1.pk]),
        reverse("org:unit", args=[world.station_b.code]),
        reverse("org:person", args=[world.officer_b.person.pk]),
    ]


def test_officer_a_opens_his_own_township_village_grid_building_and_station(
    officer_a_client, world
):
    for url in [
        reverse("places:region", args=[world.township_a.code]),
        reverse("places:region", args=[world.grid_a1.code]),
        reverse("places:building", args=[world.building_a1.pk]),
        reverse("org:unit", args=[world.station_a.code]),
        reverse("org:person", args=[world.grid_worker_a1.person.pk]),
    ]:
        assert officer_a_client.get(url).status_code == 200, url


def test_township_b_pages_are_not_found_for_officer_a(officer_a_client, world):
    for url in _b_pages(world):
        assert officer_a_client.get(url).status_code == 404, url


def test_a_missing_record_and_a_record_outside_scope_look_the_same(officer_a_client, world):
    outside = officer_a_client.get(reverse("places:region", args=[world.township_b.code]))
    missing = officer_a_client.get(reverse("places:region", args=["999999999"]))
    assert outside.status_code == missing.status_code == 404


def test_lists_and_searches_hide_township_b(officer_a_client, world):
    people = officer_a_client.get(reverse("org:people")).content.decode()
    assert "grid_worker_a1" in people and "officer_b" not in people
    units = officer_a_client.get(reverse("org:units")).content.decode()
    assert "甲镇派出所" in units and "乙镇派出所" not in units
    found = officer_a_client.get(reverse("places:regions"), {"q": "镇"}).content.decode()
    assert "甲镇" in found and "乙镇" not in found


def test_my_area_shows_only_the_officers_jurisdiction(officer_a_client, world):
    page = officer_a_client.get(reverse("org:area")).content.decode()
    assert "甲村一网格" in page
    assert "乙社区" not in page


def test_a_user_without_grants_sees_nothing(client, world):
    client.login(username="resident", password=PASSWORD)
    assert client.get(reverse("places:region", args=[world.township_a.code])).status_code in (
        403,
        404,
    )
    assert client.get(reverse("api:region-list")).status_code == 403


def test_pages_need_a_login(client, world):
    response = client.get(reverse("places:region", args=[world.township_a.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- API -------------------------------------------------------------------------------


def test_api_lists_only_township_a(officer_a_client, world):
    codes = {
        row["code"]
        for row in officer_a_client.get(reverse("api:region-list"), {"page_size": 500}).json()[
            "results"
        ]
    }
    assert world.grid_a1.code in codes
    assert world.township_b.code not in codes and world.grid_b1.code not in codes


@pytest.mark.parametrize(
    "name, key",
    [
        ("api:region-detail", lambda w: w.grid_b1.code),
        ("api:building-detail", lambda w: w.building_b1.pk),
        ("api:unit-detail", lambda w: w.station_b.code),
        ("api:beat-detail", lambda w: w.beat_b.code),
        ("api:person-detail", lambda w: w.officer_b.person.pk),
    ],
)
def test_api_detail_outside_scope_is_404(officer_a_client, world, name, key):
    assert officer_a_client.get(reverse(name, args=[key(world)])).status_code == 404


def test_api_masks_phones_for_roles_that_may_not_see_them(client, world):
    client.login(username="grid_worker_a1", password=PASSWORD)
    row = client.get(reverse("api:person-detail", args=[world.grid_worker_a1.person.pk])).json()
    assert "****" in row["phone"]


def test_api_shows_full_phones_to_community_police(officer_a_client, world):
    person = world.grid_worker_a1.person
    row = officer_a_client.get(reverse("api:person-detail", args=[person.pk])).json()
    assert row["phone"] == person.phone


def test_api_is_read_only(officer_a_client, world):
    before = Region.objects.count()
    response = officer_a_client.post(
        reverse("api:region-list"), {"code": "X1", "name": "x", "level": "grid"}
    )
    assert response.status_code in (403, 405)
    assert Region.objects.count() == before


# --- admin -----------------------------------------------------------------------------


def test_admin_lists_only_the_chiefs_station_area(chief_client, world):
    page = chief_client.get(reverse("admin:places_region_changelist")).content.decode()
    assert "甲村一网格" in page and "乙社区一网格" not in page


def test_admin_change_page_outside_scope_is_404(chief_client, world):
    url = reverse("admin:org_person_change", args=[world.officer_b.person.pk])
    assert chief_client.get(url).status_code == 404


def test_admin_refuses_to_save_a_record_outside_scope_and_keeps_it(chief_client, world):
    person = world.officer_b.person
    url = reverse("admin:org_person_change", args=[person.pk])
    events = AuditEvent.objects.count()
    response = chief_client.post(url, {"name": "改名", "phone": person.phone, "active": "on"})
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.name == "officer_b"
    assert AuditEvent.objects.count() == events


def test_admin_site_is_closed_to_staff_without_an_admin_role(client, world):
    world.officer_a.is_staff = True
    world.officer_a.save()
    client.login(username="officer_a", password=PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_posting_opens_its_area_without_a_separate_grant(client, world):
    from tests.factories import PersonFactory, UserFactory

    newcomer = UserFactory(username="newcomer")
    PersonFactory(user=newcomer, unit=world.station_b, role_codes=["community_police"])
    client.force_login(newcomer)
    assert client.get(reverse("places:region", args=[world.grid_b1.code])).status_code == 200
    assert client.get(reverse("places:region", args=[world.grid_a1.code])).status_code == 404


def test_an_inactive_person_loses_the_area_of_the_posting(client, world):
    person = world.officer_b.person
    person.active = False
    person.save()
    world.officer_b.access_grants.all().delete()
    assert scope_for(get_user_model().objects.get(pk=world.officer_b.pk)).empty
    # ... and is signed out: off duty, the session no longer opens any page.
    client.force_login(world.officer_b)
    response = client.get(reverse("places:region", args=[world.grid_b1.code]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
