"""Near a grid's edge the public form asks the reporter which grid they mean."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.intake import services
from fengqiao.intake.models import Report
from fengqiao.places import selectors as places

# grid_a1 is the square 120.00–120.01 E, grid_a2 the square east of it: they share the
# meridian 120.01. 0.0001° of longitude at 30° N is about 9.6 m.
NEAR_EDGE = (120.0099, 30.005)
MIDDLE = (120.005, 30.005)


def test_grids_near_a_point_by_an_edge_are_both_sides_nearest_first(world):
    assert places.grids_near(*NEAR_EDGE) == [world.grid_a1, world.grid_a2]
    assert places.locate(*NEAR_EDGE).near_boundary


def test_a_point_in_the_middle_of_a_grid_has_only_its_own(world):
    assert places.grids_near(*MIDDLE) == [world.grid_a1]
    assert places.grids_near(130.0, 10.0) == []


# --- the public form asks -------------------------------------------------------------------


def _form(**extra):
    values = {
        "kind": "hazard",
        "text": "路灯杆上的电线垂下来了，很危险",
        "lon": str(NEAR_EDGE[0]),
        "lat": str(NEAR_EDGE[1]),
        "reporter_name": "李师傅",
        "client_key": "web-edge-1",
    }
    return {**values, **extra}


def test_a_point_near_an_edge_asks_which_grid_and_keeps_what_was_typed(client, world):
    response = client.post(reverse("intake:report"), _form())
    page = response.content.decode()
    assert response.status_code == 200 and not Report.objects.exists()
    assert "您的位置靠近网格边界" in page
    assert f'value="{world.grid_a1.code}"' in page and f'value="{world.grid_a2.code}"' in page
    assert "路灯杆上的电线垂下来了" in page and 'value="李师傅"' in page
    assert f'value="{NEAR_EDGE[0]}"' in page  # the point travels on with the answer

    response = client.post(reverse("intake:report"), _form(chosen_grid=world.grid_a2.code))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.grid == world.grid_a2 and report.grid_confirmed and report.near_boundary


def test_a_grid_that_is_not_near_the_point_is_refused(client, world):
    response = client.post(reverse("intake:report"), _form(chosen_grid=world.grid_b1.code))
    assert "请从列出的网格中选择一个" in response.content.decode()
    assert not Report.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.submit_report(
            channel="web",
            kind="hazard",
            text="电线垂下来了",
            lon=MIDDLE[0],
            lat=MIDDLE[1],
            chosen_grid=world.grid_a2.code,
        )
    assert "chosen_grid" in error.value.message_dict


def test_a_point_well_inside_a_grid_is_not_questioned(client, world):
    form = _form(lon=str(MIDDLE[0]), lat=str(MIDDLE[1]))
    assert client.post(reverse("intake:report"), form).status_code == 302
    report = Report.objects.get()
    assert report.grid == world.grid_a1 and not report.grid_confirmed


def test_with_a_script_the_question_comes_before_sending(client, world):
    url = reverse("intake:grid_choice")
    near = client.get(url, {"lon": NEAR_EDGE[0], "lat": NEAR_EDGE[1]}).content.decode()
    assert 'name="chosen_grid"' in near and "甲村一网格" in near and "甲村二网格" in near
    assert (
        "chosen_grid" not in client.get(url, {"lon": MIDDLE[0], "lat": MIDDLE[1]}).content.decode()
    )
    assert client.get(url, {"lon": "abc", "lat": "1e999"}).status_code == 200
    form = client.get(reverse("intake:report")).content.decode()
    assert f'hx-get="{url}"' in form and 'hx-trigger="change from:#id_lon"' in form


def test_staff_and_the_api_are_not_asked(world):
    report = services.submit_report(
        channel="phone",
        kind="hazard",
        text="电线垂下来了",
        lon=NEAR_EDGE[0],
        lat=NEAR_EDGE[1],
        actor=world.officer_a,
    ).report
    assert report.grid == world.grid_a1 and report.near_boundary and not report.grid_confirmed
