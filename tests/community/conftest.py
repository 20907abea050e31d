"""Community groups on top of the shared world.

Township A's community 甲村 has a community group with a building group under it (for
building B-A1); township B's 乙社区 has its own community group. officer_a and the grid
worker sit in A's groups as staff, the ``resident`` account as a resident; officer_b sits
in B's group.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from fengqiao import sealing
from fengqiao.community.models import Group, Member
from tests.factories import UserFactory


@dataclass
class Groups:
    village_a: Group
    building_a1: Group
    community_b: Group
    neighbour: object  # a second resident account in A's groups


def make_group(name, level, region, *, parent=None, building=None) -> Group:
    return Group.objects.create(
        name=name,
        level=level,
        region=region,
        parent=parent,
        building=building,
        invite_token=secrets.token_urlsafe(16),
        scope_path=region.path,
    )


def join(group, user, *, name, role="resident", phone="") -> Member:
    return Member.objects.create(
        group=group,
        user=user,
        display_name=name,
        role=role,
        is_staff=role != "resident",
        **sealing.phone_columns(phone),
    )


@pytest.fixture
def groups(world) -> Groups:
    village_a = make_group("甲村居民群", "community", world.community_a)
    building_a1 = make_group(
        "甲村1号楼栋群",
        "building",
        world.grid_a1,
        parent=village_a,
        building=world.building_a1,
    )
    community_b = make_group("乙社区居民群", "community", world.community_b)
    neighbour = UserFactory(username="neighbour", first_name="王阿姨")
    for group in (village_a, building_a1):
        join(group, world.officer_a, name="officer_a", role="community_police")
        join(group, world.grid_worker_a1, name="grid_worker_a1", role="grid_worker")
        join(group, world.resident, name="李大姐", phone="+8613812345678")
        join(group, neighbour, name="王阿姨", phone="+8613900001111")
    join(community_b, world.officer_b, name="officer_b", role="community_police")
    return Groups(village_a, building_a1, community_b, neighbour)
