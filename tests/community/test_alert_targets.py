"""Choosing who a broadcast or alert goes to: the target picker (township → community →
group, "全选本镇"), the service's own scope check (a hand-made post with another township's
group is refused), the empty choice's error at the field, and the alert as a card in the
group's chat (photo, last seen place and time, the clue button) for those who may open it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fengqiao.community.models import Alert, AlertRecipient, Broadcast, Message
from fengqiao.community.notices import selectors as notice_selectors
from fengqiao.community.notices import services as notices
from tests.community.conftest import join, make_group
from tests.factories import AssignmentFactory, PersonFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def more(world, groups):
    """A second community in township A with one group (two members), and a closed group
    there that no picker offers."""
    village_a2 = RegionFactory(
        code="330699001002", name="甲镇二村", level="community", parent=world.township_a
    )
    second = make_group("二村居民群", "community", village_a2)
    closed = make_group("二村旧群", "community", village_a2)
    closed.active = False
    closed.save(update_fields=["active"])
    join(second, UserFactory(username="er_a"), name="二村甲")
    join(second, UserFactory(username="er_b"), name="二村乙")
    return {"village_a2": village_a2, "second": second, "closed": closed}


def _alert(world, **kwargs):
    values = {
        "actor": world.officer_a,
        "kind": Alert.Kind.MISSING_PERSON,
        "title": "寻找走失老人张大爷",
        "description": "78 岁，穿灰色外套",
        "last_seen_place": "甲村菜市场",
        "last_seen_at": timezone.now() - dt.timedelta(hours=2),
    }
    values.update(kwargs)
    return notices.raise_alert(**values)


# --- the service checks the scope -----------------------------------------------------------


def test_an_alert_to_another_townships_group_is_refused_by_the_service(world, groups):
    with pytest.raises(PermissionDenied):
        _alert(world, groups=[groups.village_a, groups.community_b])
    with pytest.raises(PermissionDenied):
        _alert(world, regions=[world.community_b])
    assert Alert.objects.count() == 0 and AlertRecipient.objects.count() == 0
    assert not Message.objects.filter(kind=Message.Kind.ALERT).exists()


def test_a_closed_group_is_refused_too(world, groups, more):
    with pytest.raises(PermissionDenied):
        _alert(world, groups=[more["closed"]])
    assert Alert.objects.count() == 0


def test_choosing_no_group_is_a_chinese_error_on_the_groups_field(world, groups):
    with pytest.raises(ValidationError) as error:
        _alert(world, groups=[])
    assert error.value.message_dict == {"groups": ["请选择要发送的群（至少一个）"]}


def test_a_hand_made_post_with_another_townships_group_sends_nothing(client, world, groups):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("community:alert-new"),
        {
            "kind": "missing_person",
            "title": "寻人",
            "description": "穿灰色外套",
            "groups": [str(groups.village_a.pk), str(groups.community_b.pk)],
            "client_key": "hand-made-0001",
        },
    )
    assert answer.status_code == 403
    assert "所选的群不在您的管辖范围内" in answer.content.decode()
    assert Alert.objects.count() == 0 and Message.objects.count() == 0


def test_the_empty_choice_is_shown_at_the_picker(client, world, groups):
    client.force_login(world.officer_a)
    page = client.post(
        reverse("community:alert-new"),
        {"kind": "missing_person", "title": "寻人", "description": "穿灰色外套"},
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="targets-error"' in content and "请选择要发送的群（至少一个）" in content
    assert Alert.objects.count() == 0


# --- whole townships and communities -----------------------------------------------------


def test_select_all_of_a_township_picks_exactly_its_groups_in_scope(world, groups, more):
    picked = notice_selectors.township_group_ids(world.officer_a, world.township_a.pk)
    assert picked == sorted([groups.village_a.pk, groups.building_a1.pk, more["second"].pk])
    # Another township's groups are outside officer_a's jurisdiction: nothing to pick.
    assert notice_selectors.township_group_ids(world.officer_a, world.township_b.pk) == []
    assert notice_selectors.township_group_ids(world.officer_a, "not-a-number") == []


def test_the_no_script_select_all_ticks_the_township_and_sends_nothing(client, world, more):
    client.force_login(world.officer_a)
    page = client.post(
        reverse("community:alert-new"),
        {
            "kind": "missing_person",
            "title": "寻人",
            "description": "穿灰色外套",
            "pick_township": str(world.township_a.pk),
            "client_key": "pick-town-0001",
        },
    )
    assert page.status_code == 200
    assert Alert.objects.count() == 0
    content = page.content.decode()
    assert f'name="groups" value="{more["second"].pk}" data-members="2" checked' in content
    assert f'value="{more["closed"].pk}"' not in content
    assert 'value="寻人"' in content  # what was typed stays
    tree = page.context["tree"]
    assert tree.chosen_groups == 3
    assert {t.name for t in tree.townships} == {"甲镇"}


def test_a_township_wide_alert_reaches_every_group_of_it_once(world, groups, more, heads_a):
    picked = notice_selectors.township_group_ids(world.officer_a, world.township_a.pk)
    alert = _alert(world, groups=picked)
    posted = sorted(Message.objects.filter(alert=alert).values_list("group_id", flat=True))
    assert posted == picked
    users = set(AlertRecipient.objects.filter(alert=alert).values_list("user_id", flat=True))
    assert groups.neighbour.pk in users and world.resident.pk in users
    assert set(more["second"].members.values_list("user_id", flat=True)) <= users
    assert heads_a.pk in users  # the building head of a grid the groups cover
    assert AlertRecipient.objects.filter(alert=alert).count() == len(users)
    assert set(alert.grids.values_list("pk", flat=True)) == {world.grid_a1.pk, world.grid_a2.pk}
    assert alert.scope_path == world.township_a.path


def test_a_ticked_community_sends_to_all_its_groups(client, world, groups):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("community:broadcast-new"),
        {
            "title": "防诈骗提醒",
            "text": "陌生来电让转账的，一律是诈骗",
            "regions": [str(world.community_a.pk)],
            "client_key": "community-0001",
        },
    )
    assert answer.status_code == 302
    broadcast = Broadcast.objects.get()
    assert set(broadcast.groups.values_list("pk", flat=True)) == {
        groups.village_a.pk,
        groups.building_a1.pk,
    }


def test_the_picker_lists_townships_communities_and_member_counts(client, world, groups, more):
    client.force_login(world.officer_a)
    page = client.get(reverse("community:broadcast-new"))
    content = page.content.decode()
    assert "全选本镇" in content and "甲镇二村" in content and "乙社区居民群" not in content
    assert "按住 Ctrl" not in content and "<select" not in content.split("targets")[1]
    tree = page.context["tree"]
    (township,) = tree.townships
    assert [c.name for c in township.communities] == ["甲村", "甲镇二村"]
    counts = {g.pk: g.members for g in township.groups}
    assert counts[groups.village_a.pk] == 4 and counts[more["second"].pk] == 2


# --- the alert inside the group's chat -----------------------------------------------------


@pytest.fixture
def heads_a(world):
    user = UserFactory(username="head_a1")
    person = PersonFactory(
        user=user, name="楼栋长", region=world.grid_a1, role_codes=["building_head"]
    )
    AssignmentFactory(person=person, duty="building_head", building=world.building_a1)
    return user


@pytest.fixture
def photo_alert(world, groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return _alert(
        world,
        groups=[groups.village_a],
        photo=SimpleUploadedFile("old.png", PNG, content_type="image/png"),
    )


def test_a_member_sees_the_alert_card_with_photo_place_time_and_the_clue_button(
    client, world, groups, photo_alert
):
    client.force_login(world.resident)
    content = client.get(reverse("community:group", args=[groups.village_a.pk])).content.decode()
    alert_url = reverse("community:alert", args=[photo_alert.pk])
    assert f'data-alert-card="{photo_alert.pk}"' in content
    assert reverse("community:alert-photo", args=[photo_alert.pk]) in content
    assert "甲村菜市场" in content
    seen = timezone.localtime(photo_alert.last_seen_at).strftime("%Y-%m-%d %H:%M")
    assert seen in content
    assert f'href="{alert_url}#sighting"' in content and "我看到了 / 提供线索" in content
    # The button leads to the clue form, which the offline queue may hold.
    page = client.get(alert_url).content.decode()
    assert 'id="sighting"' in page and "data-offline-queue" in page and "data-client-key" in page
    assert client.get(reverse("community:alert-photo", args=[photo_alert.pk])).status_code == 200


def test_a_member_who_may_not_open_the_alert_sees_no_card(client, world, groups, photo_alert):
    """Joined after the alert went out: not a recipient, so neither its page nor its photo
    and therefore no card, only the message's text."""
    late = UserFactory(username="late")
    join(groups.village_a, late, name="后来的人")
    client.force_login(late)
    content = client.get(reverse("community:group", args=[groups.village_a.pk])).content.decode()
    assert "寻找走失老人张大爷" in content
    assert "data-alert-card" not in content
    assert reverse("community:alert-photo", args=[photo_alert.pk]) not in content
    assert client.get(reverse("community:alert-photo", args=[photo_alert.pk])).status_code == 404


def test_an_ended_alert_shows_its_status_and_no_clue_button(client, world, groups, photo_alert):
    notices.close_alert(actor=world.officer_a, alert=photo_alert, status="found")
    client.force_login(world.resident)
    content = client.get(reverse("community:group", args=[groups.village_a.pk])).content.decode()
    assert f'data-alert-card="{photo_alert.pk}"' in content and "已找到" in content
    assert "我看到了 / 提供线索" not in content


def test_the_chat_poll_shows_the_card_too(client, world, groups, photo_alert):
    client.force_login(world.resident)
    poll = client.get(reverse("community:poll", args=[groups.village_a.pk]) + "?after=0")
    assert f'data-alert-card="{photo_alert.pk}"' in poll.content.decode()


def test_communities_with_a_boundary_are_drawn_as_a_map_to_tap(client, world, groups, more):
    square = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01], [120.0, 30.0]]
    world.community_a.boundary = {"type": "Polygon", "coordinates": [square]}
    world.community_a.save(update_fields=["boundary"])
    client.force_login(world.officer_a)
    content = client.get(reverse("community:alert-new")).content.decode()
    # Hidden until the script can make a tap toggle the community's box.
    assert "data-pick-map hidden" in content
    assert f'data-pick-area="{world.community_a.pk}"' in content
    assert f'data-pick-area="{more["village_a2"].pk}"' not in content  # no boundary on record
    assert f'name="regions" value="{world.community_a.pk}"' in content
