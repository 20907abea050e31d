"""@mentions: of a staff member by name or by role, refused for people outside the group,
answered by a reply in the thread, due on the daytime clock, overdue on the worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fengqiao.community import rules, selectors, services
from fengqiao.community.models import Mention, Message


def test_a_role_mention_reaches_every_staff_member_with_that_role(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 楼道堆放杂物"
    )
    mention = message.mentions.get()
    assert mention.recipient == world.officer_a
    assert mention.role == "community_police"
    assert mention.due_at > message.created_at


def test_a_role_label_needs_no_space_after_it(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="@网格员在吗"
    )
    assert message.mentions.get().recipient == world.grid_worker_a1


def test_a_staff_member_is_mentioned_by_name(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="@grid_worker_a1 你好"
    )
    assert message.mentions.get().recipient == world.grid_worker_a1


def test_a_resident_named_gets_no_response_clock(world, groups):
    message = services.post_message(actor=world.resident, group=groups.village_a, text="@王阿姨 好")
    assert not message.mentions.exists()


def test_mentioning_someone_outside_the_group_is_refused(world, groups):
    with pytest.raises(ValidationError) as caught:
        services.post_message(actor=world.resident, group=groups.village_a, text="@officer_b 你好")
    assert "群里没有“officer_b”" in caught.value.message_dict["text"][0]
    assert not Message.objects.exists()


def test_a_role_nobody_holds_in_the_group_is_refused(world, groups):
    with pytest.raises(ValidationError) as caught:
        services.post_message(actor=world.resident, group=groups.village_a, text="@物业人员 漏水")
    assert "本群暂时没有物业人员" in caught.value.message_dict["text"][0]


def test_an_email_address_is_not_a_mention(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="邮箱 li@example.com"
    )
    assert not message.mentions.exists()


def test_a_staff_reply_in_the_thread_answers_the_mention(world, groups):
    question = services.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 @网格员 有人吵架"
    )
    services.post_message(
        actor=world.officer_a, group=groups.village_a, text="马上到", thread=question
    )
    answered = Mention.objects.get(recipient=world.officer_a)
    assert answered.answered_at is not None
    assert answered.answer.text == "马上到"
    assert Mention.objects.get(recipient=world.grid_worker_a1).answered_at is None


def test_a_resident_reply_answers_nothing(world, groups):
    question = services.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 有人吵架"
    )
    services.post_message(
        actor=groups.neighbour, group=groups.village_a, text="是", thread=question
    )
    assert Mention.objects.get().answered_at is None


def test_overdue_mentions_show_for_their_recipient_and_on_the_chiefs_board(world, groups):
    message = services.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 有人吵架"
    )
    later = message.mentions.get().due_at + dt.timedelta(minutes=1)
    assert list(selectors.overdue_mentions_for(world.officer_a, now=later)) == [
        message.mentions.get()
    ]
    assert not selectors.overdue_mentions_for(world.officer_a, now=timezone.now()).exists()
    assert (
        selectors.overdue_mentions_for(world.chief, now=later, everyone_in_scope=True).count() == 1
    )
    assert not selectors.overdue_mentions_for(
        world.officer_b, now=later, everyone_in_scope=True
    ).exists()


def test_the_inbox_puts_open_mentions_first(world, groups):
    first = services.post_message(actor=world.resident, group=groups.village_a, text="@社区民警 一")
    services.post_message(actor=world.officer_a, group=groups.village_a, text="好", thread=first)
    services.post_message(actor=world.resident, group=groups.village_a, text="@社区民警 二")
    texts = [m.message.text for m in selectors.inbox_for(world.officer_a)]
    assert texts == ["@社区民警 二", "@社区民警 一"]


# --- the response clock, without a database ---------------------------------------------


def at(hour, minute=0, day=3):
    return dt.datetime(2025, 3, day, hour, minute)


@pytest.mark.parametrize(
    ("posted", "due"),
    [
        (at(9), at(11)),
        (at(19), at(9, day=4)),
        (at(22), at(10, day=4)),
        (at(5), at(10)),
        (at(20), at(10, day=4)),
        (at(18, 30), at(8, 30, day=4)),
    ],
)
def test_a_mention_is_due_two_daytime_hours_later(posted, due):
    assert rules.response_due(posted, {}) == due


def test_the_clock_is_configurable():
    chosen = {"hours": 1, "day_start": "09:00", "day_end": "17:30"}
    assert rules.response_due(at(17), chosen) == at(9, 30, day=4)


def test_an_aware_time_is_counted_in_local_time():
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    posted = dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.UTC)  # 22:00 in Shanghai
    due = rules.response_due(posted, {"time_zone": "Asia/Shanghai"})
    assert due == dt.datetime(2025, 3, 4, 10, 0, tzinfo=shanghai)
