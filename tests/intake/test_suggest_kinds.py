"""Describe first: as a resident types, triage suggests the likeliest kinds of dispute;
the endpoint reads only so much text and is rate limited."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from fengqiao.intake import grading

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _suggest(client, text, **extra):
    return client.post(reverse("intake:suggest_kinds"), {"text": text, **extra})


def test_a_story_gets_a_short_list_led_by_triage_s_choice(client, world):
    response = _suggest(client, "老板拖欠了我三个月工资，一直不给")
    page = response.content.decode()
    assert response.status_code == 200
    assert "是不是下面这种？" in page
    suggested = page.count("data-suggested")
    assert 1 <= suggested <= grading.SUGGEST_TOP
    assert page.index('value="labour"') < page.index("不确定")
    assert "不确定" in page and "其他类型…" in page


def test_likely_categories_are_distinct_and_at_most_top():
    codes = grading.likely_categories("楼上邻居天天半夜很吵，还漏水到我家")
    assert codes[0] == "neighbourhood"
    assert len(codes) == len(set(codes)) == grading.SUGGEST_TOP


@pytest.mark.parametrize("text", ["", "   ", "吵", "\x00\x01\x02\x03\x04\x05"])
def test_too_little_or_bad_text_suggests_nothing_but_still_offers_the_choices(client, text):
    response = _suggest(client, text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-suggested" not in page
    assert "不确定" in page and "其他类型…" in page


def test_only_the_first_part_of_a_long_text_is_read():
    story = "老板拖欠了我三个月工资，一直不给。"
    padded = story + "邻居家的狗" * 5000
    assert (
        grading.likely_categories(padded)[:1]
        == grading.likely_categories((story + "邻居家的狗" * 5000)[: grading.SUGGEST_MAX_CHARS])[:1]
    )
    # A text far beyond what triage accepts at all is still answered, not an error.
    assert grading.likely_categories("工资" * 50_000)


def test_a_get_is_refused_and_a_post_needs_the_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(reverse("intake:suggest_kinds")).status_code == 405
    assert strict.post(reverse("intake:suggest_kinds"), {"text": "拖欠工资"}).status_code == 403


def test_asking_too_often_is_refused(client, settings):
    settings.FENGQIAO_SUGGEST_RATE_LIMIT = {"per_sender": 3}
    for _ in range(3):
        assert _suggest(client, "老板拖欠工资不给").status_code == 200
    refused = _suggest(client, "老板拖欠工资不给")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "data-suggested" not in page and "不确定" in page


def test_the_public_form_starts_with_the_story_and_keeps_the_full_list_without_script(
    client, world
):
    page = client.get(reverse("intake:report")).content.decode()
    assert page.index('id="id_text"') < page.index('name="kind"') < page.index("data-categories")
    assert page.count("data-category-full") == 20
    assert "data-offline-queue" in page and 'name="client_key"' in page
    assert "没有地图？按名称选择" in page


def test_the_staff_form_starts_with_the_story_and_is_queued_offline(client, world):
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:new")).content.decode()
    assert page.index('id="id_text"') < page.index('name="channel"')
    assert "data-offline-queue" in page and 'name="client_key"' in page
