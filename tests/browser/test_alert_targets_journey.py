"""A township-wide missing-person alert on phones: the officer picks the whole township with
"全选本镇" (no list to hold Ctrl in), a resident of a group there sees the alert in the chat
as a card (photo, last seen place and time) and taps "我看到了 / 提供线索" to reach the clue
form. No console errors anywhere (the CSP forbids inline scripts)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from fengqiao.community.models import Alert, Message, Sighting
from tests.browser.conftest import PHONE, log_in, screenshot_dir
from tests.community import conftest as community_data

pytestmark = pytest.mark.browser

# The community's groups fixture lives beside its tests; named here to be found.
groups = community_data.groups

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (120, 120, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_alert_to_a_whole_township_reaches_a_residents_chat_as_a_card(
    world,
    groups,
    browser,
    live_server,
    page,
    page_errors,
    tmp_path,
    settings,  # noqa: F811
):
    settings.MEDIA_ROOT = tmp_path / "media"
    log_in(page, "officer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/community/notices/alerts/new/")
    page.get_by_label("寻人").check()
    page.get_by_label("标题").fill("寻找走失老人张大爷")
    page.get_by_label("特征描述").fill("78 岁，灰色外套，说本地话")
    page.locator("input[type=file][name=photo]").set_input_files(
        files=[{"name": "zhang.png", "mimeType": "image/png", "buffer": _photo()}]
    )
    page.get_by_label("最后出现地点").fill("甲村菜市场")
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=2)).replace(second=0)
    page.get_by_label("最后出现时间").fill(seen.strftime("%Y-%m-%dT%H:%M"))

    picker = page.locator("[data-target-picker]")
    expect(picker.locator("[data-pick-groups]")).to_have_text("0")
    picker.get_by_role("button", name="全选本镇").click()
    expect(picker.get_by_label("甲村居民群")).to_be_checked()
    expect(picker.get_by_label("甲村1号楼栋群")).to_be_checked()
    expect(picker.locator("[data-pick-groups]")).to_have_text("2")
    expect(picker.locator("[data-pick-members]")).to_have_text("8")
    assert Alert.objects.count() == 0  # ticking is no send
    page.screenshot(path=screenshot_dir(tmp_path) / "alert-targets-picked.png", full_page=True)
    page.get_by_role("button", name="发出预警").click()
    expect(page.get_by_role("heading", name="寻找走失老人张大爷")).to_be_visible()
    alert = Alert.objects.get()
    posted = set(Message.objects.filter(alert=alert).values_list("group_id", flat=True))
    assert posted == {groups.village_a.pk, groups.building_a1.pk}

    # The resident, on another phone, opens the village group's chat.
    resident = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    resident.on("pageerror", lambda error: page_errors.append(f"resident page error: {error}"))
    resident.on(
        "response",
        lambda answer: (
            answer.status >= 400
            and page_errors.append(f"resident HTTP {answer.status} from {answer.url}")
        ),
    )
    log_in(resident, "resident")
    resident.wait_for_url(lambda url: "/accounts/login/" not in url)
    resident.goto(f"/community/g/{groups.village_a.pk}/")
    card = resident.locator(f"[data-alert-card='{alert.pk}']")
    expect(card).to_be_visible()
    photo = card.get_by_role("img", name="寻找走失老人张大爷 的照片")
    expect(photo).to_be_visible()
    # decode() waits for the (lazy) image to arrive: a photo that would not load rejects.
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 60
    expect(card.locator("[data-last-seen-place]")).to_have_text("甲村菜市场")
    expect(card.locator("[data-last-seen-at]")).to_have_text(seen.strftime("%Y-%m-%d %H:%M"))
    button = card.get_by_role("link", name="我看到了 / 提供线索")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a big tap target on a 390 px phone
    resident.screenshot(path=screenshot_dir(tmp_path) / "alert-card.png", full_page=True)
    button.click()
    resident.wait_for_url(f"**/community/notices/alerts/{alert.pk}/#sighting")
    expect(resident.get_by_role("heading", name="提供线索")).to_be_visible()
    resident.get_by_label("看到的情况").fill("菜市场东门有位穿灰外套的老人")
    resident.get_by_role("button", name="发送线索").click()
    expect(resident.locator(".messages")).to_contain_text("线索已送达")
    assert Sighting.objects.get(alert=alert).reporter == world.resident
    resident.context.close()
    assert page_errors == []


def test_tapping_a_community_on_the_map_ticks_and_clears_its_groups(
    world, groups, page, page_errors
):
    square = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01], [120.0, 30.0]]
    world.community_a.boundary = {"type": "Polygon", "coordinates": [square]}
    world.community_a.save(update_fields=["boundary"])
    log_in(page, "officer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/community/notices/broadcasts/new/")
    area = page.locator(f"[data-pick-area='{world.community_a.pk}']")
    expect(area).to_be_visible()
    area.click()
    expect(page.get_by_label("甲村居民群")).to_be_checked()
    expect(page.get_by_label("甲村1号楼栋群")).to_be_checked()
    expect(page.locator("[data-pick-groups]")).to_have_text("2")
    expect(area).to_have_attribute("aria-pressed", "true")
    page.get_by_label("甲村1号楼栋群").uncheck()  # one group off: the community is partly on
    expect(page.locator("[data-pick-groups]")).to_have_text("1")
    expect(area).to_have_class("pick-area partly")
    area.click()
    expect(page.get_by_label("甲村居民群")).to_be_checked()
    expect(page.get_by_label("甲村1号楼栋群")).to_be_checked()
    area.click()
    expect(page.locator("[data-pick-groups]")).to_have_text("0")
    assert page_errors == []
