"""Small things the resident and the officer see: the emergency notice, the report's badge
beside its case's state, case titles cut with an ellipsis, and an empty search that offers
closed cases."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from fengqiao.disputes.models import Case
from fengqiao.intake import services


def _dispute(world, text="楼上每天半夜拖椅子，沟通多次没用"):
    return services.submit_report(
        channel="web", kind="dispute", text=text, grid_code=world.grid_a1.code
    ).report


def test_the_public_form_says_it_is_not_for_emergencies_and_offers_110(client, world):
    page = client.get(reverse("intake:report")).content.decode()
    assert "这里不受理紧急求助" in page and 'href="tel:110"' in page and "一键报警" in page
    assert page.index("这里不受理紧急求助") < page.index("data-report-form")


def test_the_report_badge_follows_its_case_to_closed(client, world):
    report = _dispute(world)
    Case.objects.filter(pk=report.case_id).update(state="closed", closed_at=timezone.now())
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "已结案" in page and "处理中" not in page
    assert 'class="badge state state-closed"' in page


def test_a_report_without_a_case_keeps_its_own_status(client, world):
    report = services.submit_report(
        channel="web", kind="hazard", text="楼道里电动车飞线充电", grid_code=world.grid_a1.code
    ).report
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert 'class="badge state state-open">待处理<' in page


def test_long_case_titles_are_cut_with_an_ellipsis_on_whole_characters(client, world):
    report = _dispute(world)
    title = "𠮷" + "邻居家装修噪音扰民" * 10  # starts past U+FFFF, runs past 60 characters
    Case.objects.filter(pk=report.case_id).update(title=title)
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert f'title="{title}"' in page
    shown = re.search(r'class="case-title"[^>]*>([^<]*)</a>', page).group(1)
    # Django's truncatechars counts code points and ends with the language's mark ("..." in
    # its Chinese catalogue, "…" in English); two lines of it are clamped by the stylesheet.
    cut = shown.removesuffix("...").removesuffix("…")
    assert cut != shown and len(shown) <= 60 and title.startswith(cut)
    assert shown.startswith("𠮷邻居家")


def test_an_empty_search_offers_to_include_closed_cases(client, world):
    report = _dispute(world, text="张家和李家为宅基地边界争执")
    Case.objects.filter(pk=report.case_id).update(state="closed", closed_at=timezone.now())
    client.force_login(world.officer_a)
    url = reverse("disputes:cases")
    page = client.get(url, {"q": "宅基地"}).content.decode()
    assert "没有符合条件的案件" in page and "包括已结案的案件再找一次" in page
    offered = client.get(url, {"q": "宅基地", "state": ""}).content.decode()
    assert report.case.reference in offered and "包括已结案的案件再找一次" not in offered
    fragment = client.get(url, {"q": "宅基地"}, headers={"HX-Request": "true"}).content.decode()
    assert "state=" in fragment and "q=%E5%AE%85%E5%9F%BA%E5%9C%B0" in fragment
