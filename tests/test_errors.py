"""Programs get not-found in their interface's own format, people get the Chinese page."""

from __future__ import annotations


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
