"""A pushed page marks what it showed as read with one POST now and then, not a write per
message delivered."""

from __future__ import annotations

from django.urls import reverse

from fengqiao.community import services
from fengqiao.community.models import Member
from tests.community.conftest import join, make_group
from tests.factories import UserFactory


def _group_with_messages(world, n=3):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.resident, name="李大姐")
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    posted = [
        services.post_message(actor=neighbour, group=group, text=f"第{i}条") for i in range(n)
    ]
    return group, posted


def _mark(world, group):
    return Member.objects.get(group=group, user=world.resident).last_read_id


def test_read_up_to_moves_the_members_mark(world, client):
    group, posted = _group_with_messages(world)
    client.force_login(world.resident)
    response = client.post(reverse("community:read", args=[group.pk]), {"up_to": posted[1].pk})
    assert response.status_code == 204
    assert _mark(world, group) == posted[1].pk


def test_a_made_up_number_marks_no_further_than_the_newest_message(world, client):
    group, posted = _group_with_messages(world)
    client.force_login(world.resident)
    client.post(reverse("community:read", args=[group.pk]), {"up_to": posted[-1].pk + 1000})
    assert _mark(world, group) == posted[-1].pk


def test_a_bad_number_is_refused_and_names_the_field(world, client):
    group, _posted = _group_with_messages(world)
    client.force_login(world.resident)
    response = client.post(reverse("community:read", args=[group.pk]), {"up_to": "abc"})
    assert response.status_code == 400
    assert "up_to" in response.content.decode()
    assert _mark(world, group) == 0


def test_another_townships_group_is_not_found_and_nothing_changes(world, client):
    group, posted = _group_with_messages(world)
    client.force_login(world.officer_b)
    response = client.post(reverse("community:read", args=[group.pk]), {"up_to": posted[-1].pk})
    assert response.status_code == 404
    assert _mark(world, group) == 0
