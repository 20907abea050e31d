"""The shared world furnished with the people who look after township A's buildings, for the
building page and poster tests.

building_a1 (grid_a1) has its building head 张楼长 (published phone) and an earlier head whose
assignment ended; its neighbour building_a1n in the same grid has 邻楼长. grid_a1 has its own
grid worker (the world's grid_worker_a1); grid_a2 has none, so the village's grid worker 社区网格员
answers for it. The village has the auxiliary 李辅警, the people's mediation committee of
甲村 (王调解, its leader, and 赵调解) and the police room 甲村警务室; the township has a committee
too, which the village's hides. officer_a is the beat's community police.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fengqiao.org.models import Team, Unit
from tests.factories import AssignmentFactory, BuildingFactory, PersonFactory, UnitFactory

PRIVATE = {
    "head": "+8613811110001",
    "worker": "+8613811110002",
    "aux": "+8613811110003",
    "mediator": "+8613811110004",
}
PUBLISHED_HEAD = "+8613922220001"
PUBLISHED_MEDIATOR = "+8613922220004"


@dataclass
class Guarded:
    world: object
    building: object  # building_a1
    neighbour: object  # building_a1n, same grid
    building_a2: object  # grid_a2: the village's grid worker
    head: object
    old_head: object
    neighbour_head: object
    village_worker: object
    aux: object
    mediator: object
    second_mediator: object
    township_mediator: object
    police_room: object


def furnish(world) -> Guarded:
    today = dt.date.today()
    neighbour = BuildingFactory(code="B-A1N", name="甲村2号", grid=world.grid_a1)
    building_a2 = BuildingFactory(
        code="B-A2", name="甲村二网格3号", grid=world.grid_a2, address="甲镇甲村二组3号"
    )
    head = PersonFactory(
        name="张楼长",
        phone=PRIVATE["head"],
        public_phone=PUBLISHED_HEAD,
        region=world.grid_a1,
        role_codes=["building_head"],
    )
    old_head = PersonFactory(name="钱旧楼长", region=world.grid_a1, role_codes=["building_head"])
    neighbour_head = PersonFactory(
        name="邻楼长", region=world.grid_a1, role_codes=["building_head"]
    )
    AssignmentFactory(
        person=old_head,
        duty="building_head",
        building=world.building_a1,
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=31),
    )
    AssignmentFactory(
        person=head,
        duty="building_head",
        building=world.building_a1,
        starts_on=today - dt.timedelta(days=30),
    )
    AssignmentFactory(person=neighbour_head, duty="building_head", building=neighbour)
    village_worker = PersonFactory(
        name="社区网格员",
        phone=PRIVATE["worker"],
        region=world.community_a,
        role_codes=["grid_worker"],
    )
    AssignmentFactory(person=village_worker, duty="grid_worker", region=world.community_a)
    aux = PersonFactory(
        name="李辅警",
        phone=PRIVATE["aux"],
        unit=world.station_a,
        role_codes=["auxiliary_police"],
    )
    AssignmentFactory(person=aux, duty="auxiliary_police", region=world.community_a)
    mediator = PersonFactory(
        name="王调解",
        phone=PRIVATE["mediator"],
        public_phone=PUBLISHED_MEDIATOR,
        region=world.community_a,
        role_codes=["mediator"],
    )
    second_mediator = PersonFactory(
        name="赵调解", region=world.community_a, role_codes=["mediator"]
    )
    committee = Team.objects.create(
        name="甲村人民调解委员会",
        kind=Team.Kind.COMMITTEE,
        region=world.community_a,
        leader=mediator,
    )
    committee.members.add(mediator, second_mediator)
    township_mediator = PersonFactory(
        name="镇调解", region=world.township_a, role_codes=["mediator"]
    )
    township_committee = Team.objects.create(
        name="甲镇人民调解委员会", kind=Team.Kind.COMMITTEE, region=world.township_a
    )
    township_committee.members.add(township_mediator)
    police_room = UnitFactory(
        code="U3306990101",
        name="甲村警务室",
        kind=Unit.Kind.POLICE_ROOM,
        parent=world.station_a,
        jurisdiction=world.community_a,
        phone="0575-85120001",
    )
    return Guarded(
        world=world,
        building=world.building_a1,
        neighbour=neighbour,
        building_a2=building_a2,
        head=head,
        old_head=old_head,
        neighbour_head=neighbour_head,
        village_worker=village_worker,
        aux=aux,
        mediator=mediator,
        second_mediator=second_mediator,
        township_mediator=township_mediator,
        police_room=police_room,
    )


def private_forms(phone: str) -> list[str]:
    """Every way a number could appear in a page: E.164, national, spaced."""
    national = phone[3:]
    return [phone, national, f"{national[:3]} {national[3:7]} {national[7:]}"]
