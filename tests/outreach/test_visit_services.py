"""record_visit and reassign_task: a visit on a phone moves the household's task, a problem
found becomes a report through intake's door, the same key twice is one visit, and a visit
to someone else's household or with a stranger's key person is refused, writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.intake.models import Report
from fengqiao.outreach.models import VisitRecord, VisitTask
from fengqiao.outreach.visit_services import reassign_task, record_visit, state_after
from fengqiao.registry import care
from fengqiao.registry import services as registry
from tests.outreach.test_campaign_services import homes, id_number, today, visit_campaign
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def task_in(world, grid=None, *, building=None) -> VisitTask:
    grid = grid or world.grid_a1
    (house,) = homes(world, grid, 1, building=building)
    station = world.station_a if grid.path.startswith(world.township_a.path) else world.station_b
    officer = world.officer_a if station == world.station_a else world.officer_b
    campaign = visit_campaign(
        world, [grid], actor=officer, station=station, name=f"{grid.name}走访"
    )
    return VisitTask.objects.unscoped_for_jobs().get(campaign=campaign, house=house)


NAMES = "零甲乙丙丁戊"


def key_person_in(world, house, seq: int, kind: str = "elderly_alone"):
    resident = registry.register_resident(
        actor=world.county_admin, house=house, name=f"住户{NAMES[seq]}", id_number=id_number(seq)
    )
    return care.enrol_key_person(actor=world.county_admin, resident=resident, kind=kind)


def test_a_visit_with_a_problem_files_a_report_through_intake_and_keeps_its_code(world):
    task = task_in(world, building=world.building_a1)
    record, created = record_visit(
        actor=world.grid_worker_a1,
        task=task,
        outcome="met",
        people_home=3,
        situation="三口之家，租住",
        problem="楼道堆放杂物堵塞消防通道",
        problem_kind="hazard",
        app_installed=True,
        contact_card_given=True,
        client_key="visit-key-0001",
    )
    assert created and record.visitor == world.grid_worker_a1.person
    report = Report.objects.get(tracking_code=record.report_code)
    assert report.channel == "visit" and report.kind == "hazard"
    assert report.building == world.building_a1 and report.grid == world.grid_a1
    assert report.source == f"outreach.visitrecord:{record.pk}"
    task.refresh_from_db()
    assert task.state == "reached" and task.last_visit_at == record.visited_at
    event = AuditEvent.objects.get(action="outreach.visit_recorded")
    assert event.changes["report"] == record.report_code
    assert event.changes["state"] == ["pending", "reached"]
    assert event.object_id == str(record.pk)


def test_a_house_without_a_building_reports_on_its_grid(world):
    task = task_in(world)
    record, _created = record_visit(
        actor=world.officer_a,
        task=task,
        outcome="met",
        people_home=1,
        problem="两户因漏水争吵",
        problem_kind="dispute",
    )
    report = Report.objects.get(tracking_code=record.report_code)
    assert report.grid == world.grid_a1 and report.kind == "dispute" and report.case is not None


def test_the_same_client_key_twice_is_one_visit(world):
    task = task_in(world)
    first, created = record_visit(
        actor=world.grid_worker_a1, task=task, outcome="nobody_home", client_key="same-key-123"
    )
    again, created_again = record_visit(
        actor=world.grid_worker_a1,
        task=task,
        outcome="met",
        people_home=2,
        client_key="same-key-123",
    )
    assert created and not created_again and again.pk == first.pk
    assert VisitRecord.objects.unscoped_for_jobs().count() == 1
    task.refresh_from_db()
    assert task.state == "attempted"
    # The same key from someone else is their own, new visit.
    _other, created_other = record_visit(
        actor=world.officer_a, task=task, outcome="nobody_home", client_key="same-key-123"
    )
    assert created_other and VisitRecord.objects.unscoped_for_jobs().count() == 2


def test_state_never_goes_back():
    assert state_after("pending", "nobody_home") == "attempted"
    assert state_after("attempted", "met") == "reached"
    assert state_after("reached", "nobody_home") == "reached"
    assert state_after("pending", "vacant") == "reached"
    assert state_after("pending", "refused") == "attempted"


def test_key_people_seen_must_live_in_that_house(world):
    task = task_in(world)
    own = key_person_in(world, task.house, 1)
    (other_house,) = homes(world, world.grid_a1, 1, start=5)
    stranger = key_person_in(world, other_house, 2, kind="released_prisoner")
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        record_visit(
            actor=world.grid_worker_a1,
            task=task,
            outcome="met",
            people_home=1,
            key_people_seen=[own, stranger],
        )
    assert "住户乙" in refused.value.message_dict["key_people_seen"][0]
    assert db_snapshot() == before
    record, _created = record_visit(
        actor=world.grid_worker_a1, task=task, outcome="met", people_home=1, key_people_seen=[own]
    )
    assert list(record.key_people_seen.all()) == [own]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"outcome": "party"}, "outcome"),
        ({"outcome": "met", "people_home": 0}, "people_home"),
        ({"outcome": "nobody_home", "people_home": 2}, "people_home"),
        ({"outcome": "met", "people_home": "many"}, "people_home"),
        (
            {"outcome": "met", "people_home": 1, "problem": "有纠纷", "problem_kind": ""},
            "problem_kind",
        ),
        ({"outcome": "met", "people_home": 1, "problem": "长" * 2001}, "problem"),
        ({"outcome": "nobody_home", "app_installed": True}, "app_installed"),
        ({"outcome": "met", "people_home": 1, "client_key": "bad key!"}, "client_key"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, values, field):
    task = task_in(world)
    before = db_snapshot()
    with pytest.raises(ValidationError) as refused:
        record_visit(actor=world.grid_worker_a1, task=task, **values)
    assert field in refused.value.message_dict
    assert db_snapshot() == before


def test_a_visit_outside_the_campaign_dates_is_refused(world):
    task = task_in(world)
    campaign = task.campaign
    visit_campaign(
        world,
        [world.grid_a1],
        campaign=campaign,
        name=campaign.name,
        starts_on=today() - dt.timedelta(days=20),
        ends_on=today() - dt.timedelta(days=1),
    )
    task.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        record_visit(actor=world.grid_worker_a1, task=task, outcome="nobody_home")
    assert "结束" in refused.value.message_dict["task"][0]


def test_another_townships_household_is_refused_and_nothing_changes(world):
    task = task_in(world, world.grid_b1)
    before = db_snapshot()
    for outsider in (world.officer_a, world.grid_worker_a1, world.resident):
        with pytest.raises(PermissionDenied):
            record_visit(actor=outsider, task=task, outcome="nobody_home")
    assert db_snapshot() == before


def test_a_household_handed_to_someone_outside_may_be_visited_by_them(world):
    task = task_in(world, world.grid_a2)
    worker = world.grid_worker_a1
    with pytest.raises(PermissionDenied):
        record_visit(actor=worker, task=task, outcome="nobody_home")
    reassign_task(actor=world.officer_a, task=task, assignee=worker.person)
    record, created = record_visit(actor=worker, task=task, outcome="nobody_home")
    assert created and record.task == task
    event = AuditEvent.objects.get(action="outreach.visit_task_reassigned")
    assert event.changes["assignee"] == [None, worker.person.pk]


def test_only_police_reassign_and_only_to_people_in_reach(world):
    task = task_in(world)
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        reassign_task(actor=world.grid_worker_a1, task=task, assignee=None)
    with pytest.raises(PermissionDenied):
        reassign_task(actor=world.officer_b, task=task, assignee=world.officer_b.person)
    with pytest.raises(ValidationError) as refused:
        reassign_task(actor=world.officer_a, task=task, assignee=world.officer_b.person)
    assert "assignee" in refused.value.message_dict
    assert db_snapshot() == before
