"""Broadcasts: fan-out to groups and regions, receipts, reach, scope and replays."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.community.models import Broadcast, Member, Message, Receipt
from fengqiao.community.notices import selectors as notice_selectors
from fengqiao.community.notices import services as notices
from tests.community.conftest import join, make_group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _send(world, **kwargs):
    values = {"actor": world.officer_a, "title": "防诈骗提醒", "text": "不要给陌生人转账"}
    values.update(kwargs)
    return notices.send_broadcast(**values)


def test_every_active_member_of_the_chosen_groups_gets_one_receipt(world, groups):
    gone = Member.objects.get(group=groups.village_a, user=groups.neighbour)
    gone.removed_at = timezone.now()
    gone.save()

    broadcast = _send(world, groups=[groups.village_a, groups.building_a1])

    receipts = Receipt.objects.filter(broadcast=broadcast)
    expected = set(
        Member.objects.filter(
            group__in=[groups.village_a, groups.building_a1], removed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    assert set(receipts.values_list("member_id", flat=True)) == expected
    assert receipts.count() == len(expected) == 7
    assert not receipts.filter(member=gone).exists()
    assert broadcast.group_count == 2
    assert broadcast.member_count == 7
    assert broadcast.delivered_at is not None
    assert set(broadcast.groups.all()) == {groups.village_a, groups.building_a1}


def test_each_group_gets_one_broadcast_message(world, groups):
    broadcast = _send(world, groups=[groups.village_a, groups.building_a1])
    posted = Message.objects.filter(broadcast=broadcast)
    assert posted.count() == 2
    assert set(posted.values_list("kind", flat=True)) == {Message.Kind.BROADCAST}
    assert {m.group_id for m in posted} == {groups.village_a.pk, groups.building_a1.pk}


def test_a_region_reaches_every_active_group_under_it(world, groups):
    inactive = make_group("停用群", "compound", world.grid_a2)
    inactive.active = False
    inactive.save()
    join(inactive, UserFactory(username="ghost"), name="ghost")

    broadcast = _send(world, regions=[world.community_a])

    assert set(broadcast.groups.all()) == {groups.village_a, groups.building_a1}
    assert not Receipt.objects.filter(broadcast=broadcast, member__group=inactive).exists()
    assert broadcast.scope_path == world.community_a.path


def test_groups_and_regions_together_count_each_group_once(world, groups):
    broadcast = _send(world, groups=[groups.building_a1], regions=[world.community_a])
    assert broadcast.group_count == 2
    assert Receipt.objects.filter(broadcast=broadcast).count() == 8


def test_a_replay_with_the_same_key_creates_nothing(world, groups):
    first = _send(world, groups=[groups.village_a], client_key="bcast-key-0001")
    again = _send(world, groups=[groups.village_a], client_key="bcast-key-0001")
    assert again.pk == first.pk
    assert Broadcast.objects.count() == 1
    assert Receipt.objects.count() == 4
    assert Message.objects.filter(kind=Message.Kind.BROADCAST).count() == 1
    assert AuditEvent.objects.filter(action="community.broadcast_sent").count() == 1


def test_someone_elses_key_is_refused(world, groups):
    _send(world, groups=[groups.village_a], client_key="bcast-key-0002")
    with pytest.raises(ValidationError) as error:
        notices.send_broadcast(
            actor=world.chief,
            title="t",
            text="x",
            groups=[groups.village_a],
            client_key="bcast-key-0002",
        )
    assert "client_key" in error.value.message_dict
    assert Broadcast.objects.count() == 1


def test_a_group_outside_the_jurisdiction_is_refused_and_nothing_is_written(world, groups):
    with pytest.raises(PermissionDenied):
        _send(world, groups=[groups.village_a, groups.community_b])
    with pytest.raises(PermissionDenied):
        _send(world, regions=[world.township_b])
    assert Broadcast.objects.count() == 0
    assert Receipt.objects.count() == 0
    assert Message.objects.count() == 0
    assert AuditEvent.objects.filter(action="community.broadcast_sent").count() == 0


def test_residents_and_grid_workers_may_not_broadcast(world, groups):
    for actor in (world.resident, world.grid_worker_a1):
        with pytest.raises(PermissionDenied):
            _send(world, actor=actor, groups=[groups.building_a1])
    assert Broadcast.objects.count() == 0


def test_missing_title_text_and_targets_are_named(world, groups):
    with pytest.raises(ValidationError) as error:
        _send(world, title=" ", text="", groups=[])
    assert set(error.value.message_dict) == {"title", "text", "groups"}


def test_the_push_is_queued_after_commit(world, groups, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        broadcast = _send(world, groups=[groups.village_a])
    assert len(callbacks) == 2  # the outward push, and the note to open pages (live)
    assert broadcast.pk


def test_reading_marks_the_receipt_and_the_reach_counts_it(world, groups):
    broadcast = _send(world, groups=[groups.village_a])
    member = Member.objects.get(group=groups.village_a, user=world.resident)
    assert notices.mark_broadcast_read(member=member, broadcast=broadcast)
    assert not notices.mark_broadcast_read(member=member, broadcast=broadcast)

    reach = notice_selectors.reach_of(broadcast)
    assert reach == {"groups": 1, "members": 4, "delivered": 4, "read": 1, "read_pct": 25.0}


def test_reach_is_one_query(world, groups, django_assert_num_queries):
    broadcast = _send(world, groups=[groups.village_a])
    with django_assert_num_queries(1):
        notice_selectors.reach_of(broadcast)


def test_reading_a_groups_messages_marks_its_broadcast_receipts(world, groups):
    first = _send(world, groups=[groups.village_a, groups.building_a1], title="一")
    second = _send(world, groups=[groups.village_a], title="二")
    up_to = Message.objects.get(broadcast=first, group=groups.village_a).pk

    marked = notices.mark_receipts_read(user=world.resident, group=groups.village_a, up_to_id=up_to)

    assert marked == 1
    read = Receipt.objects.filter(read_at__isnull=False)
    assert list(read.values_list("broadcast_id", "member__group_id")) == [
        (first.pk, groups.village_a.pk)
    ]
    assert not Receipt.objects.filter(broadcast=second, read_at__isnull=False).exists()


def test_the_list_shows_reach_from_the_row(world, groups):
    broadcast = _send(world, groups=[groups.village_a])
    member = Member.objects.get(group=groups.village_a, user=world.resident)
    notices.mark_broadcast_read(member=member, broadcast=broadcast)
    row = notice_selectors.broadcasts_for(world.officer_a).get()
    assert notice_selectors.reach_from_row(row)["read_pct"] == 25.0
    assert not notice_selectors.broadcasts_for(world.officer_b).exists()


def test_fan_out_to_many_groups_is_set_based(world, django_assert_max_num_queries):
    """200 groups × 10 members: the statement count does not grow with the members."""
    users = [UserFactory(username=f"m{n}") for n in range(10)]
    created = []
    for n in range(200):
        group = make_group(f"群{n}", "building", world.grid_a1)
        Member.objects.bulk_create(
            Member(group=group, user=user, display_name=user.username) for user in users
        )
        created.append(group)
    with django_assert_max_num_queries(30):
        broadcast = _send(world, regions=[world.grid_a1])
    assert broadcast.group_count == 200
    assert Receipt.objects.filter(broadcast=broadcast).count() == 2000
