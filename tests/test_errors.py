"""Programs get refusals in their interface's own format, people get the Chinese page: not
found (404), and a write that lost a race on a unique constraint (409, never 500). And the
API docs page works under the CSP."""

from __future__ import annotations

import json
import re

from django.db import IntegrityError, transaction
from django.test import RequestFactory

from fengqiao.errors import ConflictMiddleware
from fengqiao.places.models import Building
from tests.factories import BuildingFactory, UserFactory
from tests.races import lands_after


def test_an_unknown_api_address_answers_json(client, world):
    client.force_login(world.officer_a)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


def test_an_unknown_open311_address_answers_the_specs_error_list(client, world):
    as_json = client.get("/open311/v2/nothing.json")
    assert as_json.status_code == 404 and as_json.json()[0]["code"] == 404
    as_xml = client.get("/open311/v2/nothing.xml")
    assert as_xml.status_code == 404 and b"<errors>" in as_xml.content


def test_an_unknown_page_is_the_chinese_404_page(client, world):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "找不到" in response.content.decode()


# --- a unique constraint lost to a simultaneous request ---------------------------------


def _root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))


def _building_form(world, name: str) -> dict:
    return {
        "code": "B-NEW",
        "name": name,
        "grid": world.grid_a1.pk,
        "lon": "120.005",
        "lat": "30.005",
        "use": "residential",
        "floors": "1",
        "households": "0",
    }


def _first_building(world):
    return BuildingFactory(code="B-NEW", name="先到的楼", grid=world.grid_a1, lon=120.0, lat=30.0)


def test_a_save_that_loses_a_race_on_a_unique_code_is_409_with_the_reload_page(client, world):
    _root(client)
    first = lambda: _first_building(world)  # noqa: E731 - another administrator's save
    with lands_after('FROM "places_building"', '"code" =', write=first) as raced:
        response = client.post("/admin/places/building/add/", _building_form(world, "后到的楼"))
    assert raced
    assert response.status_code == 409
    assert "刚刚被其他人修改过，请刷新后再试" in response.content.decode()
    # (The admin saves inside one transaction, which here also holds the other save.)
    assert not Building.objects.filter(name="后到的楼").exists()


def test_an_htmx_request_that_loses_such_a_race_is_told_to_reload(client, world):
    _root(client)
    first = lambda: _first_building(world)  # noqa: E731
    with lands_after('FROM "places_building"', '"code" =', write=first):
        response = client.post(
            "/admin/places/building/add/",
            _building_form(world, "后到的楼"),
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 409 and response["HX-Refresh"] == "true"
    home = client.get("/").content.decode()
    assert "刚刚被其他人修改过" in home  # the message waits on the reloaded page


def _integrity_error(write) -> IntegrityError:
    try:
        with transaction.atomic():
            write()
    except IntegrityError as error:
        return error
    raise AssertionError("the write was taken")


def test_the_api_answers_such_a_race_with_409_json(world):
    _first_building(world)
    error = _integrity_error(lambda: _first_building(world))
    request = RequestFactory().post("/api/v1/buildings/")
    response = ConflictMiddleware(lambda r: None).process_exception(request, error)
    assert response.status_code == 409
    assert json.loads(response.content) == {"detail": "这条记录刚刚被其他人修改过，请刷新后再试"}


def test_other_integrity_errors_are_left_alone_as_the_bugs_they_are(world):
    error = _integrity_error(
        lambda: BuildingFactory(code="B-X", grid=world.grid_a1, lon=120.0, lat=None)
    )
    request = RequestFactory().post("/cases/")
    assert ConflictMiddleware(lambda r: None).process_exception(request, error) is None


# --- the API docs page under the CSP ----------------------------------------------------


def test_the_api_docs_page_has_no_inline_script_for_the_csp_to_refuse(client, world):
    client.force_login(world.officer_a)
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert len(scripts) == 3 and all(" src=" in tag for tag in scripts)
    assert "/static/fengqiao/api-docs.js" in page and 'data-schema-url="/api/schema/"' in page
    assert client.get("/static/fengqiao/api-docs.js").status_code == 200
