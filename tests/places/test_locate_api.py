"""GET /api/v1/locate/: the grid under a point, for staff, inside their own jurisdiction."""

from __future__ import annotations

from django.urls import reverse


def test_a_point_in_the_officers_grid_names_the_grid_and_its_path(client, world):
    client.force_login(world.officer_a)
    body = client.get(reverse("api:locate"), {"lon": 120.005, "lat": 30.005}).json()
    assert body["grid"]["code"] == world.grid_a1.code
    assert [r["code"] for r in body["regions"]] == [
        world.county.code,
        world.township_a.code,
        world.community_a.code,
        world.grid_a1.code,
    ]
    assert body["near_boundary"] is False


def test_a_point_on_a_grid_edge_is_flagged(client, world):
    client.force_login(world.officer_a)
    body = client.get(reverse("api:locate"), {"lon": 120.0099, "lat": 30.005}).json()
    assert body["near_boundary"] is True and body["boundary_distance_m"] < 30


def test_a_point_in_another_township_is_not_found_like_a_point_nowhere(client, world):
    client.force_login(world.officer_a)
    other = client.get(reverse("api:locate"), {"lon": 120.105, "lat": 30.005})
    nowhere = client.get(reverse("api:locate"), {"lon": 100.0, "lat": 10.0})
    assert other.status_code == nowhere.status_code == 404


def test_bad_coordinates_name_the_field(client, world):
    client.force_login(world.officer_a)
    response = client.get(reverse("api:locate"), {"lon": "abc", "lat": 95})
    assert response.status_code == 400
    assert set(response.json()) == {"lon", "lat"}


def test_locate_needs_a_login(client, world):
    assert client.get(reverse("api:locate"), {"lon": 120.005, "lat": 30.005}).status_code in (
        401,
        403,
    )
