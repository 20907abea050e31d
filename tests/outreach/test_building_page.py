"""The public page a building's QR code opens (/b/<code>/): the right people for THAT
building, their published phones only, and the doors to the alarm and the report form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.org import services as org
from fengqiao.org.models import Assignment, Person
from fengqiao.outreach import building_selectors
from tests.factories import BuildingFactory
from tests.outreach.building_world import (
    PUBLISHED_HEAD,
    PUBLISHED_MEDIATOR,
    furnish,
    private_forms,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(world):
    return furnish(world)


def _page(client, code: str):
    return client.get(reverse("building:page", args=[code]))


def test_the_page_names_who_looks_after_that_building(client, guarded):
    response = _page(client, "B-A1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "甲村1号" in html and "平安楼栋" in html
    for name in ("张楼长", "grid_worker_a1", "officer_a", "李辅警", "王调解", "赵调解"):
        assert name in html, name
    # The neighbour's head, the ended head, the village's grid worker (grid_a1 has its own)
    # and the township's mediator (the village has a committee) are not this building's.
    for name in ("邻楼长", "钱旧楼长", "社区网格员", "镇调解"):
        assert name not in html, name
    assert "甲村警务室" in html and "tel:05758512" in html
    assert "甲镇派出所" in html


def test_each_person_is_under_their_role(guarded):
    card = building_selectors.guardians_of("B-A1")
    assert [g.name for g in card.of_role("building_head")] == ["张楼长"]
    assert [g.name for g in card.of_role("grid_worker")] == ["grid_worker_a1"]
    assert [g.name for g in card.of_role("community_police")] == ["officer_a"]
    assert [g.name for g in card.of_role("auxiliary_police")] == ["李辅警"]
    # The committee's leader first, then its other mediators.
    assert [g.name for g in card.of_role("mediator")] == ["王调解", "赵调解"]
    assert card.of_role("mediator")[0].team == "甲村人民调解委员会"
    assert [u.name for u in card.police_units] == ["甲村警务室", "甲镇派出所"]


def test_the_neighbours_page_has_its_own_head(client, guarded):
    html = _page(client, "B-A1N").content.decode()
    assert "邻楼长" in html
    assert "张楼长" not in html


def test_a_grid_without_its_own_worker_gets_the_villages(client, guarded):
    html = _page(client, "B-A2").content.decode()
    assert "社区网格员" in html
    assert "grid_worker_a1" not in html
    assert "甲镇甲村二组3号" in html  # its address
    # No building head there: the role is said to be unfilled, not left out.
    assert "暂未安排" in html


def test_a_building_of_township_b_shows_township_bs_people(client, guarded):
    html = _page(client, "B-B1").content.decode()
    assert "officer_b" in html
    for name in ("officer_a", "张楼长", "李辅警", "王调解", "镇调解"):
        assert name not in html, name


def test_an_ended_or_off_duty_person_is_not_shown(client, guarded):
    Assignment.objects.filter(person=guarded.aux).update(ends_on=dt.date.today() - dt.timedelta(1))
    Person.objects.filter(pk=guarded.head.pk).update(active=False)
    html = _page(client, "B-A1").content.decode()
    assert "李辅警" not in html
    assert "张楼长" not in html and PUBLISHED_HEAD not in html


def test_a_published_phone_is_a_tel_link_and_no_private_phone_is_in_the_page(client, guarded):
    html = _page(client, "B-A1").content.decode()
    assert f'href="tel:{PUBLISHED_HEAD}"' in html
    assert "139 2222 0001" in html
    assert f'href="tel:{PUBLISHED_MEDIATOR}"' in html
    # Everyone else published nothing: their name and role, and the way to reach them.
    assert "未公开电话" in html
    for phone in Person.objects.exclude(phone="").values_list("phone", flat=True):
        for form in private_forms(phone):
            assert form not in html, form


def test_withdrawing_a_published_phone_takes_it_off_the_page(client, guarded):
    org.set_public_contact(actor=_account_of(guarded.head), phone="")
    html = _page(client, "B-A1").content.decode()
    assert "张楼长" in html
    assert PUBLISHED_HEAD not in html and "139 2222 0001" not in html


def _account_of(person):
    from tests.factories import UserFactory

    user = UserFactory(username=f"u{person.pk}")
    Person.objects.filter(pk=person.pk).update(user=user)
    return user


def test_the_page_links_to_the_alarm_and_the_report_form_for_the_building(client, guarded):
    html = _page(client, "B-A1").content.decode()
    assert f'href="{reverse("dispatch:alarm")}?place=B-A1"' in html
    assert f'href="{reverse("intake:report")}?building=B-A1"' in html
    assert 'href="tel:110"' in html and 'href="tel:12345"' in html


def test_the_alarm_page_opens_with_the_building_chosen(client, guarded):
    html = client.get(reverse("dispatch:alarm"), {"place": "B-A1"}).content.decode()
    assert '<option value="B-A1" selected>' in html
    assert '<option value="330699001001G01" selected>' in html
    # An unknown code chooses nothing and is no error.
    response = client.get(reverse("dispatch:alarm"), {"place": "NOPE"})
    assert response.status_code == 200
    assert " selected>" not in response.content.decode()


def test_the_report_form_opens_with_the_buildings_grid_and_address(client, guarded):
    html = client.get(reverse("intake:report"), {"building": "B-A2"}).content.decode()
    assert '<option value="330699001001G02" selected>' in html
    assert 'value="甲镇甲村二组3号"' in html


def test_an_unknown_code_is_a_friendly_404_in_chinese(client, guarded):
    response = _page(client, "NO-SUCH")
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有找到这栋楼" in html
    assert "tel:110" in html


def test_a_code_too_long_is_a_404_too(client, guarded):
    assert _page(client, "X" * 200).status_code == 404


def test_the_page_is_cacheable_by_the_phone(client, guarded):
    response = _page(client, "B-A1")
    assert "max-age=300" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_page_answers_in_a_fixed_number_of_queries(
    client, guarded, django_assert_max_num_queries
):
    _page(client, "B-A1")  # warm: content types, permissions caches
    with django_assert_max_num_queries(10):
        assert _page(client, "B-A1").status_code == 200


def test_many_buildings_cost_no_more_queries_than_one(guarded, django_assert_max_num_queries):
    world = guarded.world
    for n in range(30):
        BuildingFactory(code=f"B-MANY{n}", grid=world.grid_a2 if n % 2 else world.grid_b1)
    buildings = list(
        building_selectors._published_buildings().filter(code__startswith="B-").order_by("code")
    )
    with django_assert_max_num_queries(8):
        cards = building_selectors.guardians_for(buildings)
    assert len(cards) == len(buildings)


def test_a_post_is_refused(client, guarded):
    assert client.post(reverse("building:page", args=["B-A1"])).status_code == 405
