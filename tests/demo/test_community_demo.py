"""The demo's community groups: a tree of groups in the showcase town, the logins in the
groups of their places, a little history with answered and overdue mentions, a delivered
broadcast and an alert that ended."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from fengqiao.community.models import (
    Alert,
    Broadcast,
    Group,
    Member,
    Mention,
    Message,
    Receipt,
)
from fengqiao.places.models import Region

pytestmark = pytest.mark.usefixtures("demo_county")


def _user(username):
    return get_user_model().objects.get(username=username)


def test_each_community_and_grid_of_the_showcase_town_has_its_group(db):
    town = Group.objects.get(level="community", members__user__username="police").region.parent
    for region in Region.objects.filter(
        level__in=["community", "grid"], path__startswith=town.path
    ):
        group = Group.objects.get(region=region, building=None)
        assert group.scope_path == region.path
        expected = "community" if region.level == "community" else "compound"
        assert group.level == expected
    assert not Group.objects.exclude(scope_path__startswith=town.path).exists()


def test_groups_hang_community_over_grid_over_building(db):
    buildings = Group.objects.filter(level="building").select_related("parent__parent", "building")
    assert buildings.exists()
    for group in buildings:
        assert group.parent.level == "compound"
        assert group.parent.region_id == group.building.grid_id == group.region_id
        assert group.parent.parent.level == "community"
        assert group.parent.parent.region_id == group.region.parent_id


def test_the_staff_logins_are_staff_members_of_their_places_groups(db):
    for username, role in [
        ("police", "community_police"),
        ("grid", "grid_worker"),
        ("building", "building_head"),
    ]:
        members = Member.objects.filter(user__username=username)
        assert members.exists(), username
        assert all(m.is_staff and m.role == role for m in members), username
    building_group = Group.objects.get(level="building", members__user__username="building")
    staff = set(building_group.members.filter(is_staff=True).values_list("role", flat=True))
    assert {"community_police", "grid_worker", "building_head"} <= staff


def test_residents_are_in_one_to_three_groups_and_the_resident_login_in_its_block(db):
    per_resident = (
        Member.objects.filter(is_staff=False)
        .values("user")
        .annotate(n=Count("group"))
        .values_list("n", flat=True)
    )
    assert set(per_resident) <= {1, 2, 3}
    mine = Member.objects.filter(user__username="resident").select_related("group")
    assert sorted(m.group.level for m in mine) == ["building", "community", "compound"]
    assert _user("resident").has_usable_password()  # the login keeps its password
    residents = (
        get_user_model()
        .objects.filter(group_memberships__role="resident", person__isnull=True)
        .exclude(username="resident")
    )
    assert residents.exists()
    # Accounts are named by a keyed hash of the phone, and no phone is kept in the clear.
    assert not residents.filter(username__regex=r"^p[0-9]{8,15}$").exists()
    assert not Member.objects.exclude(phone_hash="").filter(phone_masked__regex=r"^[0-9+]{11,}$")
    assert not any(user.has_usable_password() for user in residents[:20])


def test_messages_are_in_time_order_and_some_are_unread(db):
    for group in Group.objects.filter(messages__isnull=False).distinct():
        times = list(group.messages.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times)
    member = Member.objects.get(user__username="resident", group__level="building")
    assert member.group.messages.filter(id__gt=member.last_read_id).exists() or (
        member.last_read_id == member.group.messages.order_by("id").last().id
    )


def test_mentions_of_the_police_one_answered_one_overdue(db):
    now = timezone.now()
    mentions = Mention.objects.filter(recipient=_user("police")).select_related("answer")
    answered = [m for m in mentions if m.answered_at]
    overdue = [m for m in mentions if not m.answered_at and m.due_at < now]
    waiting = [m for m in mentions if not m.answered_at and m.due_at >= now]
    assert len(answered) == len(overdue) == len(waiting) == 1
    assert answered[0].answer.thread_id == answered[0].message_id
    assert answered[0].answer.author == _user("police")
    assert all("@社区民警" in m.message.text for m in mentions)


def test_the_past_broadcast_reached_every_member_of_its_groups(db):
    broadcast = Broadcast.objects.get()
    members = Member.objects.filter(group__in=broadcast.groups.all())
    assert broadcast.member_count == members.count() == broadcast.receipts.count()
    assert broadcast.group_count == broadcast.groups.count() > 1
    assert Receipt.objects.filter(read_at__isnull=False).exists()
    assert Message.objects.filter(broadcast=broadcast).count() == broadcast.group_count


def test_the_missing_person_alert_ended_found_with_a_sighting(db):
    alert = Alert.objects.get()
    assert (alert.kind, alert.status) == ("missing_person", "found")
    assert alert.closed_at > alert.created_at
    assert alert.sightings.count() == 1
    assert alert.recipients.filter(user__username="building").exists()
