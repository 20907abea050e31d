"""The building posters (/outreach/posters/): one A4 page a building with its QR code's
address, the right people and only published phones; scoped, bounded and audited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from fengqiao.audit.models import AuditEvent
from fengqiao.org.models import Person
from fengqiao.outreach import poster_services
from tests.factories import BuildingFactory
from tests.outreach.building_world import PUBLISHED_HEAD, furnish, private_forms

pytestmark = pytest.mark.django_db
URL = reverse("outreach:posters")


@pytest.fixture
def guarded(world):
    return furnish(world)


def _pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return [page.extract_text() or "" for page in reader.pages]


def _squashed(text: str) -> str:
    return "".join(text.split())


def test_a_villages_batch_is_one_page_a_building_with_its_qr_address(client, guarded):
    client.force_login(guarded.world.officer_a)
    response = client.get(URL, {"region": "330699001001"})
    assert response.status_code == 200
    assert 'filename="posters-330699001001.pdf"' in response["Content-Disposition"]
    pages = [_squashed(text) for text in _pages(response)]
    # 甲村's buildings: B-A1 and its neighbour in grid 1, B-A2 in grid 2, by grid and code.
    assert len(pages) == 3
    assert "甲村1号" in pages[0] and "http://testserver/b/B-A1/" in pages[0]
    assert "甲村2号" in pages[1] and "http://testserver/b/B-A1N/" in pages[1]
    assert "甲村二网格3号" in pages[2] and "http://testserver/b/B-A2/" in pages[2]
    assert all("平安楼栋" in page and "110" in page for page in pages)


def test_each_page_names_that_buildings_people_and_published_phones_only(client, guarded):
    client.force_login(guarded.world.officer_a)
    first, neighbour, _a2 = (
        _squashed(text) for text in _pages(client.get(URL, {"region": "330699001001"}))
    )
    for name in ("张楼长", "grid_worker_a1", "officer_a", "李辅警", "王调解", "甲村警务室"):
        assert name in first, name
    assert "邻楼长" not in first and "钱旧楼长" not in first
    assert "邻楼长" in neighbour and "张楼长" not in neighbour
    assert "13922220001" in first  # the head published it
    text = first + neighbour + _a2
    for phone in Person.objects.exclude(phone="").values_list("phone", flat=True):
        for form in private_forms(phone):
            assert _squashed(form) not in text, form


def test_a_single_building(client, guarded):
    client.force_login(guarded.world.officer_a)
    pages = _pages(client.get(URL, {"building": "B-A1"}))
    assert len(pages) == 1
    assert "/b/B-A1/" in _squashed(pages[0])


def test_printing_is_audited(client, guarded):
    client.force_login(guarded.world.officer_a)
    client.get(URL, {"region": "330699001001G01"})
    event = AuditEvent.objects.get(action="outreach.posters_printed")
    assert event.actor_id == guarded.world.officer_a.pk
    assert event.changes == {"place": "330699001001G01", "buildings": 2}


def test_another_townships_village_or_building_is_a_404_and_nothing_is_written(client, guarded):
    client.force_login(guarded.world.officer_b)
    for query in ({"region": "330699001001"}, {"region": "330699001"}, {"building": "B-A1"}):
        assert client.get(URL, query).status_code == 404, query
    assert not AuditEvent.objects.filter(action="outreach.posters_printed").exists()


def test_the_chooser_lists_only_the_users_places(client, guarded):
    client.force_login(guarded.world.officer_b)
    html = client.get(URL).content.decode()
    assert "乙社区" in html
    assert "甲村" not in html and "330699001001" not in html


def test_a_batch_too_large_is_refused_with_a_clear_message(client, guarded, settings):
    settings.FENGQIAO_POSTER_MAX_BUILDINGS = 2
    client.force_login(guarded.world.officer_a)
    response = client.get(URL, {"region": "330699001001"})
    assert response.status_code == 400
    assert "超过 2 栋" in response.content.decode()
    assert not AuditEvent.objects.filter(action="outreach.posters_printed").exists()
    # A grid of two is within the limit.
    assert client.get(URL, {"region": "330699001001G01"}).status_code == 200


def test_a_place_without_buildings_is_refused(client, guarded):
    client.force_login(guarded.world.county_admin)
    from tests.factories import RegionFactory

    RegionFactory(
        code="330699001009", name="空村", level="community", parent=guarded.world.township_a
    )
    response = client.get(URL, {"region": "330699001009"})
    assert response.status_code == 400
    assert "还没有登记楼栋" in response.content.decode()


def test_staff_without_the_permission_and_visitors_are_refused(client, guarded):
    assert client.get(URL, {"region": "330699001001"}).status_code == 302
    client.force_login(guarded.world.resident)
    assert client.get(URL, {"region": "330699001001"}).status_code == 403
    assert client.post(URL).status_code == 403


def test_the_service_checks_permission_and_scope_itself(guarded):
    world = guarded.world

    def url_for(code):
        return f"https://fq.example/b/{code}/"

    with pytest.raises(PermissionDenied):
        poster_services.print_posters(
            actor=world.resident, region=world.community_a, url_for=url_for
        )
    with pytest.raises(PermissionDenied):
        poster_services.print_posters(
            actor=world.officer_b, region=world.community_a, url_for=url_for
        )
    with pytest.raises(PermissionDenied):
        poster_services.print_posters(
            actor=world.officer_b, building=world.building_a1, url_for=url_for
        )
    with pytest.raises(ValidationError):
        poster_services.print_posters(actor=world.officer_a, url_for=url_for)
    assert not AuditEvent.objects.filter(action="outreach.posters_printed").exists()
    pdf, pages = poster_services.print_posters(
        actor=world.officer_a, building=world.building_a1, url_for=url_for
    )
    assert pages == 1
    assert "https://fq.example/b/B-A1/" in _squashed(
        PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    )


def test_a_batch_of_many_buildings_stays_one_page_each(client, guarded):
    for n in range(40):
        BuildingFactory(code=f"B-G2-{n:02d}", name=f"二网格{n}号", grid=guarded.world.grid_a2)
    client.force_login(guarded.world.officer_a)
    pages = _pages(client.get(URL, {"region": "330699001001G02"}))
    assert len(pages) == 41
    assert PUBLISHED_HEAD[3:] not in "".join(pages)  # B-A1's head is not grid 2's
