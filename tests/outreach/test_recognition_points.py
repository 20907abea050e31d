"""Points counted from real records: each kind of evidence made through its own module's
services, credited to the right person and month, never for self-checked work, inside the
viewer's jurisdiction, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from fengqiao.community import selectors as community_selectors
from fengqiao.community import services as community
from fengqiao.community.models import Member, Sighting
from fengqiao.community.notices import services as notices
from fengqiao.community.to_case import message_to_report
from fengqiao.dispatch import patrol_services as patrols
from fengqiao.org.models import Team
from fengqiao.outreach import recognition
from fengqiao.outreach import recognition_rules as rules
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.registry import services as registry
from fengqiao.registry import tenants
from fengqiao.registry.address_text import parse
from tests.conftest import _staff
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ID_NUMBERS = ["330699198001010014", "330699197503030029", "330699199005150027"]


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _row(rows, user):
    return next((row for row in rows if row.person.user_id == user.pk), None)


def _points(world, user, month=None, viewer=None):
    rows = recognition.monthly_points(
        viewer or world.chief, community=world.community_a, month=month or _this_month()
    )
    return _row(rows, user)


def _house(world):
    text = "甲街8号幸福小区1幢2单元302室"
    address, _created = registry.register_address(
        actor=world.county_admin,
        grid=world.grid_a1,
        parts=parse(text),
        building=world.building_a1,
        raw_text=text,
    )
    return registry.register_house(actor=world.county_admin, address=address, use="rented")


def _tenant_report(world, reporter, house, id_number, name="新租户"):
    report, _created = tenants.report_tenant(
        actor=reporter, kind="move_in", house=house, name=name, id_number=id_number
    )
    return report


# --- tenant reports -----------------------------------------------------------------------


def test_a_tenant_report_verified_by_the_police_earns_its_reporter_points(world):
    house = _house(world)
    report = _tenant_report(world, world.grid_worker_a1, house, ID_NUMBERS[0])
    assert _points(world, world.grid_worker_a1) is None  # waiting: nothing yet
    tenants.verify_tenant_report(actor=world.officer_a, report=report)
    row = _points(world, world.grid_worker_a1)
    kind = row.points.of("tenant_report_verified")
    assert (kind.evidence, kind.points) == (1, 2) and row.points.total == 2


def test_a_rejected_or_self_verified_tenant_report_earns_nothing(world):
    house = _house(world)
    rejected = _tenant_report(world, world.grid_worker_a1, house, ID_NUMBERS[0])
    tenants.reject_tenant_report(actor=world.officer_a, report=rejected, reason="证件照片不清楚")
    own = _tenant_report(world, world.officer_a, house, ID_NUMBERS[1])
    tenants.verify_tenant_report(actor=world.officer_a, report=own)
    assert own.status == "verified"
    assert _points(world, world.grid_worker_a1) is None
    assert _points(world, world.officer_a) is None


# --- group messages -----------------------------------------------------------------------


def _group(world):
    return community.create_group(
        actor=world.officer_a,
        name="甲村一幢群",
        level="building",
        region=world.grid_a1,
        building=world.building_a1,
    )


def test_a_message_an_officer_turns_into_a_case_earns_its_author_points(world):
    group = _group(world)
    message = community.post_message(
        actor=world.grid_worker_a1, group=group, text="三楼楼道堆满杂物，邻居为此争吵"
    )
    message_to_report(actor=world.officer_a, message=message)
    message_to_report(actor=world.officer_a, message=message)  # idempotent: still one
    kind = _points(world, world.grid_worker_a1).points.of("message_became_case")
    assert (kind.evidence, kind.points) == (1, 3)


def test_a_message_its_own_author_converts_earns_nothing(world):
    group = _group(world)
    message = community.post_message(
        actor=world.officer_a, group=group, text="一楼门口电动车充电，存在火灾隐患"
    )
    message_to_report(actor=world.officer_a, message=message, kind="hazard")
    assert _points(world, world.officer_a) is None


def test_a_resident_without_a_person_is_never_ranked(world):
    group = _group(world)
    # A resident joins by the group's invite and a confirmed phone; here, directly.
    Member.objects.create(group=group, user=world.resident, display_name="张阿姨")
    message = community.post_message(
        actor=world.resident, group=group, text="二楼邻居装修噪音太大，晚上十点还在施工"
    )
    message_to_report(actor=world.officer_a, message=message)
    rows = recognition.monthly_points(world.chief, community=world.community_a, month=_this_month())
    assert all(row.person.user_id != world.resident.pk for row in rows)


# --- alert sightings ----------------------------------------------------------------------


def test_a_sighting_reported_but_not_confirmed_earns_nothing(world):
    alert = notices.raise_alert(
        actor=world.officer_a,
        kind="missing_person",
        title="寻找走失老人",
        description="八十岁男性，穿灰色外套",
        grids=[world.grid_a1],
    )
    notices.report_sighting(actor=world.grid_worker_a1, alert=alert, text="在菜场门口见过")
    notices.close_alert(actor=world.officer_a, alert=alert, status="found")
    row = _points(world, world.grid_worker_a1)
    assert row is None


def _alert(world):
    return notices.raise_alert(
        actor=world.officer_a,
        kind="missing_person",
        title="寻找走失老人",
        description="八十岁男性，穿灰色外套",
        grids=[world.grid_a1],
    )


def test_a_sighting_confirmed_by_an_officer_earns_its_reporter_points(world):
    alert = _alert(world)
    sighting = notices.report_sighting(
        actor=world.grid_worker_a1, alert=alert, text="在菜场门口见过"
    )
    assert _points(world, world.grid_worker_a1) is None
    notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    row = _points(world, world.grid_worker_a1)
    kind = row.points.of("sighting_confirmed")
    assert (kind.evidence, kind.points) == (1, 5) and row.points.total == 5
    assert _points(world, world.officer_a) is None  # the confirmer earns nothing


def test_confirmed_sightings_count_in_the_local_month_of_the_confirmation(world):
    alert = _alert(world)
    late, early = (
        notices.report_sighting(actor=world.grid_worker_a1, alert=alert, text=text)
        for text in ("在菜场门口见过", "在公交站见过")
    )
    for sighting in (late, early):
        notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    # 23:30 on 31 October in Shanghai is 15:30 UTC; 00:30 on 1 November is still 31 October UTC.
    Sighting.objects.filter(pk=late.pk).update(
        confirmed_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI)
    )
    Sighting.objects.filter(pk=early.pk).update(
        confirmed_at=dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI)
    )
    for month in (dt.date(2026, 10, 1), dt.date(2026, 11, 1)):
        kind = _points(world, world.grid_worker_a1, month=month).points.of("sighting_confirmed")
        assert (kind.evidence, kind.points) == (1, 5)


def test_a_sighting_cannot_earn_points_for_its_own_confirmer(world):
    alert = _alert(world)
    own = notices.report_sighting(actor=world.officer_a, alert=alert, text="巡逻时在桥头看到")
    with pytest.raises(PermissionDenied):
        notices.confirm_sighting(actor=world.officer_a, sighting=own)
    # Even a row that says so (written around the service) is not counted.
    Sighting.objects.filter(pk=own.pk).update(
        confirmed_by=world.officer_a, confirmed_at=timezone.now()
    )
    assert _points(world, world.officer_a) is None


def test_confirmed_sightings_are_capped_at_five_a_month(world):
    alert = _alert(world)
    for n in range(7):
        sighting = notices.report_sighting(
            actor=world.grid_worker_a1, alert=alert, text=f"第 {n + 1} 次在菜场门口见过"
        )
        notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    kind = _points(world, world.grid_worker_a1).points.of("sighting_confirmed")
    assert (kind.evidence, kind.counted, kind.points) == (7, 5, 25)


def test_officer_b_sees_no_points_for_township_a_sightings(world):
    alert = _alert(world)
    sighting = notices.report_sighting(
        actor=world.grid_worker_a1, alert=alert, text="在菜场门口见过"
    )
    notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    rows = community_selectors.sightings_confirmed(
        world.officer_b, start=timezone.now() - dt.timedelta(days=1), end=timezone.now()
    )
    assert rows == []
    rows = community_selectors.sightings_confirmed(
        world.chief, start=timezone.now() - dt.timedelta(days=1), end=timezone.now()
    )
    assert rows == [(world.grid_worker_a1.pk, _this_month(), 1)]


# --- visits -------------------------------------------------------------------------------


def _visit_task(world, house=None, name="冬季大走访"):
    campaign = Campaign.objects.create(
        kind=Campaign.Kind.VISIT,
        name=name,
        station=world.station_a,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    return VisitTask.objects.create(
        campaign=campaign, house=house or _house(world), grid=world.grid_a1
    )


def _visit(task, person, at, outcome=VisitRecord.Outcome.MET):
    return VisitRecord.objects.create(task=task, visitor=person, visited_at=at, outcome=outcome)


def test_visits_count_households_met_once_a_month_and_nobody_home_earns_nothing(world):
    task = _visit_task(world)
    worker = world.grid_worker_a1.person
    at = dt.datetime(2026, 10, 10, 10, tzinfo=SHANGHAI)
    _visit(task, worker, at)
    _visit(task, worker, at + dt.timedelta(days=3))  # the same door again: no more
    _visit(task, worker, at + dt.timedelta(days=4), VisitRecord.Outcome.NOBODY_HOME)
    row = _points(world, world.grid_worker_a1, month=dt.date(2026, 10, 1))
    assert row.points.of("visit_met").evidence == 1
    assert row.points.of("visit_nobody_home").evidence == 1
    assert row.points.total == 1


def test_only_nobody_home_visits_put_nobody_on_the_list(world):
    task = _visit_task(world)
    at = dt.datetime(2026, 10, 10, 10, tzinfo=SHANGHAI)
    _visit(task, world.grid_worker_a1.person, at, VisitRecord.Outcome.NOBODY_HOME)
    assert _points(world, world.grid_worker_a1, month=dt.date(2026, 10, 1)) is None


def _second_house(world):
    text = "甲街8号幸福小区1幢2单元402室"
    address, _created = registry.register_address(
        actor=world.county_admin,
        grid=world.grid_a1,
        parts=parse(text),
        building=world.building_a1,
        raw_text=text,
    )
    return registry.register_house(actor=world.county_admin, address=address, use="own")


def test_months_are_local_days_in_shanghai(world):
    first = _visit_task(world)
    second = VisitTask.objects.create(
        campaign=first.campaign, house=_second_house(world), grid=world.grid_a1
    )
    worker = world.grid_worker_a1.person
    # 23:30 on 31 October in Shanghai is still October (15:30 UTC) ...
    _visit(first, worker, dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    # ... and 00:30 on 1 November is November, though still 31 October in UTC.
    _visit(second, worker, dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    october = _points(world, world.grid_worker_a1, month=dt.date(2026, 10, 1))
    november = _points(world, world.grid_worker_a1, month=dt.date(2026, 11, 1))
    assert october.points.of("visit_met").evidence == 1
    assert november.points.of("visit_met").evidence == 1
    assert _points(world, world.grid_worker_a1, month=dt.date(2026, 9, 1)) is None


def test_the_monthly_cap_stops_volume_from_climbing_the_list(world):
    cap = rules.RULES_BY_CODE["visit_met"].monthly_cap
    house = _house(world)
    worker = world.grid_worker_a1.person
    at = dt.datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)
    for n in range(cap + 5):  # a task per campaign: cap + 5 households met
        task = _visit_task(world, house=house, name=f"走访第{n}批")
        _visit(task, worker, at + dt.timedelta(hours=n))
    kind = _points(world, world.grid_worker_a1, month=dt.date(2026, 10, 1)).points.of("visit_met")
    assert (kind.evidence, kind.counted, kind.points) == (cap + 5, cap, cap)


# --- patrols ------------------------------------------------------------------------------


def _patrol(world):
    route = patrols.save_route(
        actor=world.chief,
        name="甲村夜巡",
        station=world.station_a,
        region=world.community_a,
        points=[{"name": "村委会", "lon": 120.005, "lat": 30.005, "radius_m": 80}],
    )
    team = Team.objects.create(
        name="甲村群防群治队", kind="joint_defence", region=world.community_a
    )
    team.members.set([world.grid_worker_a1.person])
    now = timezone.localtime()
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    patrols.plan_shift(
        actor=world.chief,
        route=route,
        date=start.date(),
        start=start.time().replace(second=0, microsecond=0),
        end=end.time().replace(second=0, microsecond=0),
        team=team,
    )
    return route.points.get()


def test_a_clean_check_in_earns_a_point_and_an_off_point_one_nothing(world):
    point = _patrol(world)
    clean, _ = patrols.check_in(
        actor=world.grid_worker_a1, point=point, lon=point.lon, lat=point.lat
    )
    far, _ = patrols.check_in(actor=world.grid_worker_a1, point=point, lon=point.lon, lat=30.008)
    assert not clean.flagged and far.off_point
    kind = _points(world, world.grid_worker_a1).points.of("patrol_checkin")
    assert (kind.evidence, kind.points) == (1, 1)


def test_a_hazard_found_on_a_clean_check_in_earns_a_bonus(world):
    point = _patrol(world)
    patrols.check_in(
        actor=world.grid_worker_a1,
        point=point,
        lon=point.lon,
        lat=point.lat,
        hazard="消防通道被三轮车堵住",
    )
    points = _points(world, world.grid_worker_a1).points
    assert points.of("patrol_checkin").points == 1
    assert points.of("patrol_hazard_found").points == 2 and points.total == 3


def test_an_out_of_shift_check_in_earns_nothing(world):
    point = _patrol(world)
    checkin, _ = patrols.check_in(actor=world.officer_a, point=point, lon=point.lon, lat=point.lat)
    assert checkin.off_shift
    assert _points(world, world.officer_a) is None


# --- scope and cost -----------------------------------------------------------------------


def test_officer_b_gets_404_for_township_a_community_and_sees_none_of_its_people(world):
    with pytest.raises(Http404):
        recognition.get_community_for(world.officer_b, world.community_a.pk)
    assert not recognition.communities_for(world.officer_b).filter(pk=world.community_a.pk)
    house = _house(world)
    report = _tenant_report(world, world.grid_worker_a1, house, ID_NUMBERS[0])
    tenants.verify_tenant_report(actor=world.officer_a, report=report)
    rows = recognition.monthly_points(
        world.officer_b, community=world.community_a, month=_this_month()
    )
    assert rows == []


def test_a_grid_worker_opens_their_own_community_and_sees_only_what_is_in_reach(world):
    assert recognition.default_community(world.grid_worker_a1) == world.community_a
    house = _house(world)
    report = _tenant_report(world, world.grid_worker_a1, house, ID_NUMBERS[0])
    tenants.verify_tenant_report(actor=world.officer_a, report=report)
    rows = recognition.monthly_points(
        world.grid_worker_a1, community=world.community_a, month=_this_month()
    )
    assert [row.person.user_id for row in rows] == [world.grid_worker_a1.pk]


def test_the_list_costs_the_same_queries_for_one_person_or_many(
    world, django_assert_max_num_queries
):
    task = _visit_task(world)
    at = dt.datetime(2026, 10, 10, 10, tzinfo=SHANGHAI)
    for n in range(8):
        user, person = _staff(f"volunteer_{n}", ["volunteer"], region=world.grid_a1)
        _visit(task, person, at)
    PersonFactory(name="没有账号的志愿者", region=world.grid_a2)
    with django_assert_max_num_queries(12):
        rows = recognition.monthly_points(
            world.chief, community=world.community_a, month=dt.date(2026, 10, 1)
        )
        assert len(rows) == 8 and {r.rank for r in rows} == {1}
        assert all(row.roles for row in rows)
