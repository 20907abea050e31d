"""save_campaign: a visit campaign's tasks are the registry's houses in its grids, one each,
handed to the grid's grid worker; saving again adds only what is new; bad grids, dates and
names are refused and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.outreach.campaign_services import save_campaign
from fengqiao.outreach.models import Campaign, VisitTask
from fengqiao.registry import services as registry
from fengqiao.registry.address_text import parse
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def id_number(seq: int) -> str:
    first17 = f"33069919800101{seq:03d}"
    return first17 + check_character(first17)


def homes(world, grid, n: int, *, building=None, start: int = 1) -> list:
    """``n`` registry houses in ``grid``: one a room of one door address there."""
    road = {"G01": "甲", "G02": "乙"}.get(grid.code[-3:], "丙")
    text = f"{grid.name}{road}街{start}号"
    address, _created = registry.register_address(
        actor=_admin(world), grid=grid, parts=parse(text), building=building, raw_text=text
    )
    return [
        registry.register_house(actor=_admin(world), address=address, label=f"{i}室")
        for i in range(start, start + n)
    ]


def _admin(world):
    return world.county_admin


def today() -> dt.date:
    return timezone.localdate()


def visit_campaign(world, grids, *, actor=None, name="秋季大走访", **changes) -> Campaign:
    values = {
        "actor": actor or world.officer_a,
        "kind": "visit",
        "name": name,
        "station": world.station_a,
        "grids": grids,
        "starts_on": today(),
        "ends_on": today() + dt.timedelta(days=30),
    }
    return save_campaign(**(values | changes))


def test_a_visit_campaign_makes_one_task_per_house_assigned_to_the_grid_worker(world):
    a1 = homes(world, world.grid_a1, 3, building=world.building_a1)
    a2 = homes(world, world.grid_a2, 2)
    campaign = visit_campaign(world, [world.grid_a1, world.grid_a2])
    tasks = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign)
    assert sorted(t.house_id for t in tasks) == sorted(h.pk for h in a1 + a2)
    worker = world.grid_worker_a1.person
    assert {t.assignee_id for t in tasks if t.grid == world.grid_a1} == {worker.pk}
    # Grid a2 has no grid worker of its own and none above it: nobody yet.
    assert {t.assignee_id for t in tasks if t.grid == world.grid_a2} == {None}
    assert {t.state for t in tasks} == {"pending"}
    assert {t.scope_path for t in tasks if t.grid == world.grid_a1} == {world.grid_a1.path}
    assert campaign.scope_path == world.township_a.path
    event = AuditEvent.objects.get(action="outreach.campaign_saved")
    assert event.changes["tasks_added"] == 5
    assert event.changes["grids"] == sorted([world.grid_a1.pk, world.grid_a2.pk])


def test_saving_again_adds_only_the_new_grids_houses(world):
    homes(world, world.grid_a1, 2)
    campaign = visit_campaign(world, [world.grid_a1])
    first = set(VisitTask.objects.unscoped_for_jobs().values_list("pk", flat=True))
    visit_campaign(world, [world.grid_a1], campaign=campaign)
    assert set(VisitTask.objects.unscoped_for_jobs().values_list("pk", flat=True)) == first
    homes(world, world.grid_a2, 3)
    homes(world, world.grid_a1, 1, start=9)  # a house registered since: it joins too
    visit_campaign(world, [world.grid_a1, world.grid_a2], campaign=campaign)
    tasks = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign)
    assert tasks.count() == 6 and first <= set(tasks.values_list("pk", flat=True))
    added = [
        e.changes["tasks_added"]
        for e in AuditEvent.objects.filter(action__endswith="saved").order_by("pk")
    ]
    assert added == [2, 0, 4]


def test_an_anti_fraud_campaign_has_no_tasks(world):
    homes(world, world.grid_a1, 2)
    campaign = visit_campaign(world, [world.grid_a1], kind="anti_fraud", name="反诈进万家")
    assert campaign.kind == "anti_fraud"
    assert not VisitTask.objects.unscoped_for_jobs().exists()


def test_a_grid_with_visits_cannot_be_taken_out_one_without_can(world):
    from fengqiao.outreach.visit_services import record_visit

    (house,) = homes(world, world.grid_a1, 1)
    homes(world, world.grid_a2, 1)
    campaign = visit_campaign(world, [world.grid_a1, world.grid_a2])
    task = VisitTask.objects.unscoped_for_jobs().get(house=house)
    record_visit(actor=world.officer_a, task=task, outcome="nobody_home")
    with pytest.raises(ValidationError) as refused:
        visit_campaign(world, [world.grid_a2], campaign=campaign)
    assert "甲村一网格" in refused.value.message_dict["grids"][0]
    visit_campaign(world, [world.grid_a1], campaign=campaign)
    assert list(VisitTask.objects.unscoped_for_jobs().values_list("grid", flat=True)) == [
        world.grid_a1.pk
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grids": []}, "grids"),
        ({"name": "  "}, "name"),
        ({"kind": "party"}, "kind"),
        ({"ends_on": dt.date(2020, 1, 1), "starts_on": dt.date(2020, 1, 2)}, "ends_on"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": dt.date(2030, 1, 1), "starts_on": dt.date(2026, 1, 1)}, "ends_on"),
        ({"note": "说" * 2001}, "note"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, changes, field):
    homes(world, world.grid_a1, 1)
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        visit_campaign(world, changes.pop("grids", [world.grid_a1]), **changes)
    assert field in refused.value.message_dict
    assert db_snapshot() == before


def test_grids_outside_the_stations_jurisdiction_and_non_grids_are_refused(world):
    before = db_snapshot()
    with pytest.raises(ValidationError) as outside:
        visit_campaign(world, [world.grid_a1, world.grid_b1])
    assert "乙社区一网格" in outside.value.message_dict["grids"][0]
    with pytest.raises(ValidationError) as not_grid:
        visit_campaign(world, [world.community_a])
    assert "不是网格" in not_grid.value.message_dict["grids"][0]
    with pytest.raises(ValidationError) as other_station:
        visit_campaign(world, [world.grid_b1], station=world.station_b)
    assert "station" in other_station.value.message_dict
    assert db_snapshot() == before


def test_a_second_campaign_of_the_same_name_is_refused(world):
    visit_campaign(world, [world.grid_a1])
    with pytest.raises(ValidationError) as refused:
        visit_campaign(world, [world.grid_a2])
    assert "同名" in refused.value.message_dict["name"][0]


def test_only_police_may_plan_and_only_their_own_campaigns(world):
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        visit_campaign(world, [world.grid_a1], actor=world.grid_worker_a1)
    assert db_snapshot() == before
    campaign = visit_campaign(world, [world.grid_a1])
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        visit_campaign(
            world,
            [world.grid_b1],
            actor=world.officer_b,
            campaign=campaign,
            station=world.station_b,
        )
    assert db_snapshot() == before


def test_the_kind_and_station_stay_as_created(world):
    campaign = visit_campaign(world, [world.grid_a1])
    with pytest.raises(ValidationError) as refused:
        visit_campaign(world, [world.grid_a1], campaign=campaign, kind="anti_fraud")
    assert "kind" in refused.value.message_dict
