"""Broadcast and alert pages: forms, reach, acknowledgement and sightings, closing; 404
outside the jurisdiction, 403 without the permission."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fengqiao.community.models import Alert, AlertRecipient, Broadcast, Member, Receipt, Sighting
from fengqiao.community.notices import services as notices

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def alert(world, groups):
    return notices.raise_alert(
        actor=world.officer_a,
        kind="missing_person",
        title="寻找走失儿童",
        description="7 岁男孩，穿红色上衣",
        grids=[world.grid_a1],
        last_seen_place="甲村小学门口",
        lon=120.004,
        lat=30.004,
    )


def test_an_officer_sends_a_broadcast_from_the_form(client, world, groups):
    client.force_login(world.officer_a)
    page = client.get(reverse("community:broadcast-new"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "甲村居民群" in content and "乙社区居民群" not in content

    answer = client.post(
        reverse("community:broadcast-new"),
        {
            "title": "防诈骗提醒",
            "text": "陌生来电让转账的，一律是诈骗",
            "regions": [str(world.community_a.pk)],
            "client_key": "form-key-00001",
        },
    )
    broadcast = Broadcast.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("community:broadcast", args=[broadcast.pk])
    assert broadcast.group_count == 2 and broadcast.member_count == 8

    again = client.post(
        reverse("community:broadcast-new"),
        {
            "title": "防诈骗提醒",
            "text": "重复",
            "regions": [str(world.community_a.pk)],
            "client_key": "form-key-00001",
        },
    )
    assert again.status_code == 302
    assert Broadcast.objects.count() == 1


def test_an_empty_broadcast_form_says_what_is_missing(client, world, groups):
    client.force_login(world.officer_a)
    page = client.post(reverse("community:broadcast-new"), {"title": "", "text": ""})
    assert page.status_code == 200
    content = page.content.decode()
    assert "请填写标题" in content and "请选择要发送的群或区域" in content
    assert Broadcast.objects.count() == 0


def test_a_group_outside_the_jurisdiction_posted_by_hand_is_refused(client, world, groups):
    client.force_login(world.officer_a)
    page = client.post(
        reverse("community:broadcast-new"),
        {
            "title": "t",
            "text": "x",
            "groups": [str(groups.village_a.pk), str(groups.community_b.pk)],
        },
    )
    assert page.status_code == 403  # the service refuses it, not only the form
    content = page.content.decode()
    assert "所选的群不在您的管辖范围内" in content and "乙社区居民群" not in content
    assert Broadcast.objects.count() == 0 and Receipt.objects.count() == 0


def test_the_list_and_page_show_the_reach(client, world, groups, django_assert_max_num_queries):
    broadcast = notices.send_broadcast(
        actor=world.officer_a, title="防汛通知", text="注意安全", groups=[groups.village_a]
    )
    member = Member.objects.get(group=groups.village_a, user=world.resident)
    notices.mark_broadcast_read(member=member, broadcast=broadcast)
    client.force_login(world.officer_a)
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("community:broadcasts"))
    assert "防汛通知" in listing.content.decode()
    assert "送达 4 人" in listing.content.decode() and "已读 25.0%" in listing.content.decode()
    detail = client.get(reverse("community:broadcast", args=[broadcast.pk]))
    assert "25.0%" in detail.content.decode()


def test_broadcast_pages_are_404_outside_scope_and_403_without_permission(client, world, groups):
    broadcast = notices.send_broadcast(
        actor=world.officer_a, title="t", text="x", groups=[groups.village_a]
    )
    client.force_login(world.officer_b)
    assert client.get(reverse("community:broadcast", args=[broadcast.pk])).status_code == 404
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("community:broadcasts")).status_code == 403
    answer = client.post(
        reverse("community:broadcast-new"),
        {"title": "t", "text": "x", "groups": [str(groups.building_a1.pk)]},
    )
    assert answer.status_code == 403
    assert Receipt.objects.count() == 4  # only the first broadcast's


def test_an_officer_raises_an_alert_with_a_photo(client, world, groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.officer_a)
    page = client.get(reverse("community:alert-new")).content.decode()
    assert "甲村1号楼栋群" in page and "乙社区居民群" not in page
    answer = client.post(
        reverse("community:alert-new"),
        {
            "kind": "missing_person",
            "title": "寻找走失老人",
            "description": "穿灰色外套",
            "last_seen_place": "菜市场",
            "last_seen_at": "2026-01-02T08:30",
            "groups": [str(groups.building_a1.pk)],
            "photo": SimpleUploadedFile("old.png", PNG, content_type="image/png"),
            "client_key": "alert-form-0001",
        },
    )
    alert = Alert.objects.get()
    assert answer.status_code == 302
    photo = client.get(reverse("community:alert-photo", args=[alert.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_a_wrong_type_photo_is_shown_next_to_the_field(client, world, groups):
    client.force_login(world.officer_a)
    page = client.post(
        reverse("community:alert-new"),
        {
            "kind": "missing_person",
            "title": "寻人",
            "description": "描述",
            "grids": [str(world.grid_a1.pk)],
            "photo": SimpleUploadedFile("x.png", b"<html>not a photo</html>"),
        },
    )
    assert page.status_code == 200
    assert "不是 JPEG、PNG 或 GIF 照片" in page.content.decode()
    assert Alert.objects.count() == 0


def test_a_recipient_acknowledges_and_reports_a_sighting(client, world, alert):
    client.force_login(world.resident)
    page = client.get(reverse("community:alert", args=[alert.pk]))
    assert page.status_code == 200
    assert "收到，我会留意" in page.content.decode()
    assert "谁已确认" not in page.content.decode()  # residents do not see the list

    client.post(reverse("community:alert-acknowledge", args=[alert.pk]))
    assert AlertRecipient.objects.get(alert=alert, user=world.resident).acknowledged_at

    bad = client.post(
        reverse("community:alert-sighting", args=[alert.pk]),
        {"text": "看到了", "photo": SimpleUploadedFile("a.jpg", b"GIF? no")},
    )
    assert bad.status_code == 400 and "不是 JPEG、PNG 或 GIF 照片" in bad.content.decode()
    answer = client.post(
        reverse("community:alert-sighting", args=[alert.pk]),
        {"text": "在公交站看到红衣男孩", "place": "公交站", "client_key": "seen-page-0001"},
    )
    assert answer.status_code == 302
    client.post(
        reverse("community:alert-sighting", args=[alert.pk]),
        {"text": "在公交站看到红衣男孩", "place": "公交站", "client_key": "seen-page-0001"},
    )
    assert Sighting.objects.count() == 1


def test_the_officer_sees_activity_and_the_map_and_the_poll_gets_a_fragment(
    client, world, alert, django_assert_max_num_queries
):
    notices.acknowledge_alert(actor=world.grid_worker_a1, alert=alert)
    notices.report_sighting(
        actor=world.grid_worker_a1, alert=alert, text="超市门口", lon=120.006, lat=30.006
    )
    client.force_login(world.officer_a)
    page = client.get(reverse("community:alert", args=[alert.pk])).content.decode()
    assert "超市门口" in page and "grid_worker_a1" in page
    assert '<circle class="last-seen"' in page and '<circle class="sighting"' in page
    assert 'hx-trigger="every 5s, push-nudge"' in page
    with django_assert_max_num_queries(14):
        fragment = client.get(
            reverse("community:alert", args=[alert.pk]),
            headers={"HX-Request": "true", "HX-Target": "alert-activity"},
        )
    body = fragment.content.decode()
    assert body.startswith('<div id="alert-activity"') and "<html" not in body
    assert "超市门口" in body


def test_the_officer_closes_the_alert_as_found(client, world, alert):
    client.force_login(world.officer_a)
    page = client.get(reverse("community:alert", args=[alert.pk])).content.decode()
    assert "已找到" in page
    answer = client.post(
        reverse("community:alert-close", args=[alert.pk]), {"status": "found", "note": "已回家"}
    )
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "found"
    page = client.get(reverse("community:alert", args=[alert.pk])).content.decode()
    assert "every 5s" not in page and "确认结束" not in page


def test_alert_pages_are_404_outside_and_403_without_permission(client, world, alert):
    client.force_login(world.officer_b)
    assert client.get(reverse("community:alert", args=[alert.pk])).status_code == 404
    assert client.post(reverse("community:alert-acknowledge", args=[alert.pk])).status_code == 404
    assert (
        client.post(reverse("community:alert-close", args=[alert.pk]), {"status": "found"})
    ).status_code == 404
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("community:alert-new")).status_code == 403
    assert (
        client.post(reverse("community:alert-close", args=[alert.pk]), {"status": "found"})
    ).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"
