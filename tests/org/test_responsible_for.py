import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.org.models import Assignment
from fengqiao.org.selectors import packages_for_place, responsible_for, responsibles_for_grids
from fengqiao.org.services import assign, end_assignment
from tests.factories import AssignmentFactory, BuildingFactory, PersonFactory

TODAY = dt.date(2026, 6, 1)


def test_grid_worker_is_found_on_the_grid(world):
    people = responsible_for(world.grid_a1, "grid_worker", at=TODAY)
    assert [p.name for p in people] == ["grid_worker_a1"]


def test_building_answers_for_its_grid(world):
    assert [p.name for p in responsible_for(world.building_a1, "grid_worker", at=TODAY)] == [
        "grid_worker_a1"
    ]


def test_community_police_is_found_through_the_beat_covering_the_village(world):
    assert [p.name for p in responsible_for(world.grid_a2, "community_police", at=TODAY)] == [
        "officer_a"
    ]
    assert [p.name for p in responsible_for(world.grid_b1, "community_police", at=TODAY)] == [
        "officer_b"
    ]


def test_nearest_assignment_wins_over_one_further_up(world):
    village_worker = PersonFactory(region=world.community_a, role_codes=["grid_worker"])
    AssignmentFactory(person=village_worker, duty="grid_worker", region=world.community_a)
    # grid_a1 has its own worker; grid_a2 has none and falls back to the village's.
    assert [p.name for p in responsible_for(world.grid_a1, "grid_worker", at=TODAY)] == [
        "grid_worker_a1"
    ]
    assert responsible_for(world.grid_a2, "grid_worker", at=TODAY) == [village_worker]


def test_several_grid_workers_share_one_grid(world):
    second = PersonFactory(region=world.grid_a1, role_codes=["grid_worker"])
    AssignmentFactory(person=second, duty="grid_worker", region=world.grid_a1)
    names = {p.name for p in responsible_for(world.grid_a1, "grid_worker", at=TODAY)}
    assert names == {"grid_worker_a1", second.name}


def test_building_head_is_answered_only_for_the_building(world):
    head = PersonFactory(region=world.grid_a1, role_codes=["building_head"])
    AssignmentFactory(person=head, duty="building_head", building=world.building_a1)
    assert responsible_for(world.building_a1, "building_head", at=TODAY) == [head]
    assert responsible_for(world.grid_a1, "building_head", at=TODAY) == []


def test_responsibility_respects_start_and_end_dates(world):
    building = BuildingFactory(grid=world.grid_a2)
    old = PersonFactory(region=world.grid_a2, role_codes=["building_head"])
    new = PersonFactory(region=world.grid_a2, role_codes=["building_head"])
    AssignmentFactory(
        person=old,
        duty="building_head",
        building=building,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    AssignmentFactory(
        person=new, duty="building_head", building=building, starts_on=dt.date(2026, 4, 1)
    )
    assert responsible_for(building, "building_head", at=dt.date(2024, 12, 31)) == []
    assert responsible_for(building, "building_head", at=dt.date(2026, 3, 31)) == [old]
    assert responsible_for(building, "building_head", at=dt.date(2026, 4, 1)) == [new]


def test_unknown_duty_and_wrong_place_are_refused(world):
    with pytest.raises(ValueError):
        responsible_for(world.grid_a1, "janitor")
    with pytest.raises(ValueError):
        responsible_for(world.community_a, "grid_worker")


def test_batch_answer_uses_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    grids = [world.grid_a1, world.grid_a2, world.grid_b1]
    with django_assert_max_num_queries(3):
        answer = responsibles_for_grids(grids, at=TODAY)
    assert [p.name for p in answer[world.grid_b1.pk]["community_police"]] == ["officer_b"]


# --- the assign service -----------------------------------------------------------------


def _head(world):
    return PersonFactory(region=world.grid_a1, role_codes=["building_head"])


def test_chief_assigns_a_building_head_and_it_is_audited(world):
    head = _head(world)
    assignment = assign(
        actor=world.chief,
        person=head,
        duty="building_head",
        place=world.building_a1,
        starts_on=TODAY,
    )
    assert responsible_for(world.building_a1, "building_head", at=TODAY) == [head]
    event = AuditEvent.objects.get(action="org.assign")
    assert event.object_id == str(assignment.pk) and event.actor == world.chief
    assert event.region_path == world.grid_a1.path


def test_second_building_head_for_the_same_period_is_refused(world):
    assign(
        actor=world.chief,
        person=_head(world),
        duty="building_head",
        place=world.building_a1,
        starts_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        assign(
            actor=world.chief,
            person=_head(world),
            duty="building_head",
            place=world.building_a1,
            starts_on=TODAY + dt.timedelta(days=10),
        )
    assert "已由" in str(error.value)
    assert Assignment.objects.filter(building=world.building_a1).count() == 1


def test_handover_after_the_previous_head_ends_is_accepted(world):
    first = assign(
        actor=world.chief,
        person=_head(world),
        duty="building_head",
        place=world.building_a1,
        starts_on=TODAY,
    )
    end_assignment(actor=world.chief, assignment=first, ends_on=TODAY + dt.timedelta(days=30))
    second = assign(
        actor=world.chief,
        person=_head(world),
        duty="building_head",
        place=world.building_a1,
        starts_on=TODAY + dt.timedelta(days=31),
    )
    assert responsible_for(
        world.building_a1, "building_head", at=TODAY + dt.timedelta(days=40)
    ) == [second.person]


def test_duty_on_the_wrong_kind_of_place_is_refused(world):
    with pytest.raises(ValidationError) as error:
        assign(
            actor=world.chief,
            person=_head(world),
            duty="building_head",
            place=world.grid_a1,
            starts_on=TODAY,
        )
    assert "place" in error.value.message_dict


def test_person_without_the_role_cannot_take_the_duty(world):
    volunteer = PersonFactory(region=world.grid_a1, role_codes=["volunteer"])
    with pytest.raises(ValidationError) as error:
        assign(
            actor=world.chief,
            person=volunteer,
            duty="grid_worker",
            place=world.grid_a1,
            starts_on=TODAY,
        )
    assert "person" in error.value.message_dict


def test_end_before_start_is_refused(world):
    with pytest.raises(ValidationError) as error:
        assign(
            actor=world.chief,
            person=_head(world),
            duty="building_head",
            place=world.building_a1,
            starts_on=TODAY,
            ends_on=TODAY - dt.timedelta(days=1),
        )
    assert "ends_on" in error.value.message_dict


def test_assigning_outside_ones_jurisdiction_is_refused_and_changes_nothing(world):
    stranger = PersonFactory(region=world.grid_b1, role_codes=["building_head"])
    before = Assignment.objects.count()
    with pytest.raises(PermissionDenied):
        assign(
            actor=world.chief,
            person=stranger,
            duty="building_head",
            place=world.building_b1,
            starts_on=TODAY,
        )
    assert Assignment.objects.count() == before
    assert not AuditEvent.objects.filter(action="org.assign").exists()


def test_officer_without_the_permission_cannot_assign(world):
    with pytest.raises(PermissionDenied):
        assign(
            actor=world.officer_a,
            person=_head(world),
            duty="building_head",
            place=world.building_a1,
            starts_on=TODAY,
        )
    assert not Assignment.objects.filter(building=world.building_a1).exists()


def test_a_places_packages_hold_the_grids_people_and_the_buildings_heads(world):
    head = PersonFactory(name="楼栋长甲", region=world.grid_a1, role_codes=["building_head"])
    AssignmentFactory(person=head, duty="building_head", building=world.building_a1)
    on_grid = packages_for_place(world.grid_a1)
    in_building = packages_for_place(world.grid_a1, world.building_a1)
    assert "building_head" not in on_grid
    assert in_building["building_head"] == [head]
    assert {k: v for k, v in in_building.items() if k != "building_head"} == on_grid
    assert [p.name for p in on_grid["grid_worker"]] == ["grid_worker_a1"]
    assert [p.name for p in on_grid["community_police"]] == ["officer_a"]
