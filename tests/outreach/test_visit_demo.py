"""The demo's visit campaigns: one per full township over its grids with houses, a task per
house, about 60% reached with visits in the past; once only and the same for the same seed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fengqiao.demo.outreach_visits import demo_visits
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.registry import services as registry
from fengqiao.registry.address_text import parse
from tests.outreach.test_campaign_services import homes

pytestmark = pytest.mark.django_db


def _county(world):
    homes(world, world.grid_a1, 40, building=world.building_a1)
    homes(world, world.grid_a2, 20)
    # Township B: only a shop is registered, so it is not a full township.
    text = "乙社区一网格丙街1号"
    address, _created = registry.register_address(
        actor=world.county_admin, grid=world.grid_b1, parts=parse(text), raw_text=text
    )
    registry.register_house(actor=world.county_admin, address=address, use="business")


def _states():
    return sorted(
        VisitTask.objects.unscoped_for_jobs().values_list("house_id", "state", "assignee_id")
    )


def test_one_campaign_per_full_township_about_sixty_percent_reached(world):
    _county(world)
    counts = demo_visits(seed=7)
    campaign = Campaign.objects.unscoped_for_jobs().get()
    assert campaign.station == world.station_a and campaign.kind == "visit"
    assert set(campaign.grids.all()) == {world.grid_a1, world.grid_a2}
    tasks = VisitTask.objects.unscoped_for_jobs()
    assert counts == {
        "visit_campaigns": 1,
        "visit_tasks": 60,
        "visit_records": VisitRecord.objects.unscoped_for_jobs().count(),
    }
    reached = tasks.filter(state="reached").count()
    assert 25 <= reached <= 50
    assert not tasks.filter(state="pending", last_visit_at__isnull=False).exists()
    assert not tasks.exclude(state="pending").filter(last_visit_at__isnull=True).exists()
    worker = world.grid_worker_a1.person
    assert set(tasks.filter(grid=world.grid_a1).values_list("assignee", flat=True)) == {worker.pk}
    records = VisitRecord.objects.unscoped_for_jobs()
    assert records.filter(visited_at__gt=timezone.now()).count() == 0
    assert not records.filter(outcome="met", people_home=0).exists()
    assert {r.scope_path for r in records} <= {world.grid_a1.path, world.grid_a2.path}


def test_once_only_and_the_same_for_the_same_seed(world):
    _county(world)
    demo_visits(seed=7)
    first = _states()
    assert demo_visits(seed=7) == dict.fromkeys(
        ("visit_campaigns", "visit_tasks", "visit_records"), 0
    )
    Campaign.objects.unscoped_for_jobs().delete()
    demo_visits(seed=7)
    assert _states() == first
