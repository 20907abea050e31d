"""Posting in groups: members and staff talk, bad input is refused with the field named,
a replayed client id gives the same message, unread counts are one query."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.audit.models import AuditEvent
from fengqiao.community import moderation, selectors, services
from fengqiao.community.models import Member, Message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="p.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_a_resident_posts_in_their_group(world, groups):
    message = services.post_message(actor=world.resident, group=groups.village_a, text=" 你好 ")
    assert message.text == "你好"
    assert message.author_name == "李大姐"
    assert not message.author_is_staff
    assert AuditEvent.objects.filter(action="community.message_posted").count() == 1


def test_a_resident_cannot_post_in_a_group_they_did_not_join(world, groups):
    with pytest.raises(PermissionDenied):
        services.post_message(actor=world.resident, group=groups.community_b, text="你好")
    assert not Message.objects.exists()


def test_staff_of_the_jurisdiction_post_and_become_members(world, groups):
    services.post_message(actor=world.chief, group=groups.village_a, text="大家好")
    assert Member.objects.get(group=groups.village_a, user=world.chief).is_staff


def test_staff_of_another_township_cannot_post(world, groups):
    with pytest.raises(PermissionDenied):
        services.post_message(actor=world.officer_b, group=groups.village_a, text="你好")
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [("   ", "text", "请输入消息内容"), ("长" * 2001, "text", "2000")],
)
def test_empty_and_huge_messages_are_refused(world, groups, text, field, words):
    with pytest.raises(ValidationError) as caught:
        services.post_message(actor=world.resident, group=groups.village_a, text=text)
    assert words in caught.value.message_dict[field][0]
    assert not Message.objects.exists()


def test_wrong_type_and_oversized_photos_are_refused(world, groups, settings):
    with pytest.raises(ValidationError) as caught:
        services.post_message(
            actor=world.resident,
            group=groups.village_a,
            text="看图",
            photos=[photo("x.png", b"MZ not an image")],
        )
    assert "不是 JPEG、PNG 或 GIF" in caught.value.message_dict["photos"][0]
    big = photo("big.png", PNG + b"\x00" * (8 * 1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        services.post_message(actor=world.resident, group=groups.village_a, text="看", photos=[big])
    assert "太大" in caught.value.message_dict["photos"][0]
    assert not Message.objects.exists()


def test_a_photo_is_stored_with_its_type(world, groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="", photos=[photo()]
    )
    stored = message.photos.get()
    assert stored.content_type == "image/png"
    assert stored.size == len(PNG)


def test_a_replayed_client_id_returns_the_first_message(world, groups):
    first = services.post_message(
        actor=world.resident, group=groups.village_a, text="楼道灯坏了", client_id="abc12345"
    )
    again = services.post_message(
        actor=world.resident, group=groups.village_a, text="楼道灯坏了", client_id="abc12345"
    )
    assert again.pk == first.pk
    assert Message.objects.count() == 1


def test_replies_hang_on_the_first_message_of_the_thread(world, groups):
    root = services.post_message(actor=world.resident, group=groups.village_a, text="停水了吗")
    reply = services.post_message(
        actor=groups.neighbour, group=groups.village_a, text="是的", thread=root
    )
    deeper = services.post_message(
        actor=world.resident, group=groups.village_a, text="谢谢", thread=reply
    )
    assert reply.thread == root
    assert deeper.thread == root


def test_a_thread_from_another_group_is_refused(world, groups):
    other = services.post_message(actor=world.resident, group=groups.building_a1, text="你好")
    with pytest.raises(ValidationError) as caught:
        services.post_message(
            actor=world.resident, group=groups.village_a, text="回复", thread=other
        )
    assert "thread" in caught.value.message_dict


def test_members_are_limited_to_ten_messages_a_minute(world, groups, settings):
    settings.FENGQIAO_COMMUNITY_RATE_LIMIT = {"messages": 3, "seconds": 60}
    for n in range(3):
        services.post_message(actor=world.resident, group=groups.village_a, text=f"第{n}条")
    with pytest.raises(ValidationError) as caught:
        services.post_message(actor=world.resident, group=groups.village_a, text="第4条")
    assert "发言太快" in caught.value.message_dict["text"][0]
    assert Message.objects.count() == 3


def test_unread_counts_skip_own_hidden_and_private_messages_in_one_query(
    world, groups, django_assert_num_queries
):
    village, building = groups.village_a, groups.building_a1
    services.post_message(actor=world.resident, group=village, text="我自己的")
    services.post_message(actor=groups.neighbour, group=village, text="邻居一")
    hidden = services.post_message(actor=groups.neighbour, group=village, text="广告")
    moderation.hide_message(actor=world.officer_a, message=hidden, reason="广告")
    Message.objects.create(
        group=village, author_name="系统", text="私信", kind="system", recipient=groups.neighbour
    )
    services.post_message(actor=world.officer_a, group=building, text="楼栋通知")
    with django_assert_num_queries(1):
        counts = selectors.unread_counts(world.resident)
    assert counts == {village.pk: 1, building.pk: 1}


def test_mark_read_moves_the_mark_forward_only(world, groups):
    message = services.post_message(actor=groups.neighbour, group=groups.village_a, text="你好")
    member = selectors.member_of(world.resident, groups.village_a)
    services.mark_read(member=member, up_to_id=message.pk)
    services.mark_read(member=member, up_to_id=1)
    member.refresh_from_db()
    assert member.last_read_id == message.pk
    assert selectors.unread_counts(world.resident)[groups.village_a.pk] == 0


def test_private_notes_are_seen_by_their_recipient_and_staff_only(world, groups):
    note = Message.objects.create(
        group=groups.village_a,
        author_name="系统",
        text="单独联系您",
        kind="system",
        recipient=world.resident,
    )
    assert note in selectors.messages_for(world.resident, groups.village_a)
    assert note in selectors.messages_for(world.officer_a, groups.village_a)
    assert note not in selectors.messages_for(groups.neighbour, groups.village_a)


def test_reading_a_group_marks_the_broadcasts_in_it_read(world, groups):
    from fengqiao.community.models import Member, Receipt
    from fengqiao.community.notices import services as notices

    broadcast = notices.send_broadcast(
        actor=world.officer_a,
        title="防诈提醒",
        text="陌生来电要求转账，一律是诈骗",
        groups=[groups.village_a],
    )
    member = Member.objects.get(group=groups.village_a, user=world.resident)
    receipt = Receipt.objects.get(broadcast=broadcast, member=member)
    assert receipt.read_at is None
    services.mark_read(member=member, up_to_id=broadcast.messages.get().pk)
    receipt.refresh_from_db()
    assert receipt.read_at is not None
    others = Receipt.objects.filter(broadcast=broadcast).exclude(member=member)
    assert not others.filter(read_at__isnull=False).exists()
