"""Patrols through their services and selectors: routes and their points, shifts and their
roster, check-ins (flagged, never refused), hazards found on patrol going through intake's
door, and what each person gave to patrols."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import patrol_rules as rules
from fengqiao.dispatch import patrol_selectors as selectors
from fengqiao.dispatch import patrol_services as services
from fengqiao.dispatch.models import CheckIn, PatrolPoint, PatrolRoute, PatrolShift
from fengqiao.intake.models import Report
from fengqiao.org.models import Team
from tests.conftest import _staff
from tests.factories import PersonFactory
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
# 村委会 lies in grid A1 (120.00–120.01); 小学门口 in grid A2 (120.01–120.02).
OFFICE = {"name": "村委会", "lon": 120.005, "lat": 30.005, "radius_m": 80}
SCHOOL = {"name": "小学门口", "lon": 120.015, "lat": 30.005}


@dataclass
class Patrol:
    route: PatrolRoute
    office: PatrolPoint
    school: PatrolPoint
    team: Team
    shift: PatrolShift  # running now, the team's, on the route
    volunteer: object  # a user on the team (and so on the shift), scoped to grid A1 only
    shop_owner: object  # a team member with no account


def _around_now(before: int = 60, after: int = 60) -> dict:
    """A shift's date and times from ``before`` minutes ago to ``after`` from now, local."""
    now = timezone.localtime()
    start = now - dt.timedelta(minutes=before)
    return {
        "date": start.date(),
        "start": start.time().replace(second=0, microsecond=0),
        "end": (now + dt.timedelta(minutes=after)).time().replace(second=0, microsecond=0),
    }


def make_patrol(world) -> Patrol:
    route = services.save_route(
        actor=world.chief,
        name="甲村夜巡",
        station=world.station_a,
        region=world.community_a,
        note="村委会到小学",
        points=[OFFICE, SCHOOL],
    )
    volunteer, volunteer_person = _staff(
        "volunteer_a", ["volunteer"], region=world.grid_a1, grant_region=world.grid_a1
    )
    shop_owner = PersonFactory(name="小卖部老板", region=world.grid_a1)
    team = Team.objects.create(
        name="甲村群防群治队", kind=Team.Kind.JOINT_DEFENCE, region=world.community_a
    )
    team.members.set([volunteer_person, shop_owner])
    shift = services.plan_shift(actor=world.chief, route=route, team=team, **_around_now())
    office, school = route.points.order_by("order")
    return Patrol(route, office, school, team, shift, volunteer, shop_owner)


@pytest.fixture
def patrol(world) -> Patrol:
    return make_patrol(world)


def _check_in(actor, point, *, lon=None, lat=None, **kwargs):
    return services.check_in(
        actor=actor,
        point=point,
        lon=point.lon if lon is None else lon,
        lat=point.lat if lat is None else lat,
        **kwargs,
    )


# --- rules --------------------------------------------------------------------------------


def test_a_shift_ending_before_it_starts_ends_the_next_morning():
    starts, ends = rules.shift_window(dt.date(2026, 3, 1), dt.time(22), dt.time(6), TZ)
    assert starts == dt.datetime(2026, 3, 1, 22, tzinfo=TZ)
    assert ends == dt.datetime(2026, 3, 2, 6, tzinfo=TZ)


def test_a_check_in_just_before_or_after_a_shift_still_counts_for_it():
    shift = rules.ShiftTimes(
        7, dt.datetime(2026, 3, 1, 8, tzinfo=TZ), dt.datetime(2026, 3, 1, 10, tzinfo=TZ)
    )
    assert rules.shift_at([shift], dt.datetime(2026, 3, 1, 7, 50, tzinfo=TZ)) == 7
    assert rules.shift_at([shift], dt.datetime(2026, 3, 1, 10, 15, tzinfo=TZ)) == 7
    assert rules.shift_at([shift], dt.datetime(2026, 3, 1, 10, 16, tzinfo=TZ)) is None
    assert rules.shift_at([shift], dt.datetime(2026, 3, 1, 7, 44, tzinfo=TZ)) is None


def test_of_two_shifts_the_one_running_wins_over_the_one_in_its_grace():
    ending = rules.ShiftTimes(
        1, dt.datetime(2026, 3, 1, 6, tzinfo=TZ), dt.datetime(2026, 3, 1, 8, tzinfo=TZ)
    )
    starting = rules.ShiftTimes(
        2, dt.datetime(2026, 3, 1, 8, 5, tzinfo=TZ), dt.datetime(2026, 3, 1, 10, tzinfo=TZ)
    )
    assert rules.shift_at([ending, starting], dt.datetime(2026, 3, 1, 8, 6, tzinfo=TZ)) == 2
    assert rules.shift_at([ending, starting], dt.datetime(2026, 3, 1, 7, 59, tzinfo=TZ)) == 1


def test_placement_measures_metres_and_flags_beyond_the_radius():
    near = rules.placement(point_lon=120.0, point_lat=30.0, radius_m=100, lon=120.0, lat=30.0008)
    far = rules.placement(point_lon=120.0, point_lat=30.0, radius_m=100, lon=120.0, lat=30.0027)
    assert 85 < near.distance_m < 92 and not near.off_point
    assert 295 < far.distance_m < 305 and far.off_point


# --- routes -------------------------------------------------------------------------------


def test_a_chief_saves_a_route_with_its_points_in_order(world, patrol):
    route = patrol.route
    assert route.unit_path == world.station_a.path
    assert route.scope_path == world.community_a.path
    assert [(p.order, p.name, p.radius_m) for p in route.points.order_by("order")] == [
        (1, "村委会", 80),
        (2, "小学门口", 100),  # the default radius
    ]
    event = AuditEvent.objects.get(action="dispatch.patrol_route_saved")
    assert event.actor == world.chief and event.object_id == str(route.pk)
    assert event.changes["points"] == ["村委会", "小学门口"]


def test_bad_points_are_named_by_their_place_and_nothing_is_written(world):
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.save_route(
            actor=world.chief,
            name="乱填的路线",
            station=world.station_a,
            points=[
                {"name": "甲", "lon": "东经", "lat": 30.0},
                {"name": "乙", "lon": 120.0, "lat": 30.0, "radius_m": 5},
                {"name": "甲", "lon": 120.0, "lat": 30.0},
            ],
        )
    problems = error.value.message_dict["points"]
    assert any("第 1 个打卡点" in p and "数字" in p for p in problems)
    assert any("第 2 个打卡点" in p and "10 到 2000 米" in p for p in problems)
    assert any("第 3 个打卡点" in p and "重复" in p for p in problems)
    assert db_snapshot() == before


def test_a_route_needs_a_name_and_a_point_and_an_area_inside_the_station(world):
    with pytest.raises(ValidationError) as error:
        services.save_route(
            actor=world.chief, name=" ", station=world.station_a, region=world.grid_b1, points=[]
        )
    assert set(error.value.message_dict) == {"name", "region", "points"}


def test_nobody_keeps_routes_of_another_station_or_without_the_permission(world):
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.save_route(
            actor=world.officer_b, name="越界", station=world.station_a, points=[OFFICE]
        )
    assert "管辖范围" in error.value.message_dict["station"][0]
    with pytest.raises(PermissionDenied):
        services.save_route(
            actor=world.grid_worker_a1, name="越权", station=world.station_a, points=[OFFICE]
        )
    assert db_snapshot() == before


def test_editing_a_route_retires_a_point_checked_in_at_and_deletes_an_unused_one(world, patrol):
    _check_in(world.officer_a, patrol.office)
    services.save_route(
        actor=world.officer_a,
        route=patrol.route,
        name="甲村夜巡",
        station=world.station_a,
        region=world.community_a,
        points=[{"name": "祠堂", "lon": 120.006, "lat": 30.006}],
    )
    points = {p.name: p for p in PatrolPoint.objects.filter(route=patrol.route)}
    assert set(points) == {"村委会", "祠堂"}  # 小学门口 had no check-ins: gone
    assert not points["村委会"].active and points["祠堂"].active
    assert CheckIn.objects.get().point == patrol.office  # the old check-in keeps its point
    # Named again, a retired point comes back as itself.
    services.save_route(
        actor=world.officer_a,
        route=patrol.route,
        name="甲村夜巡",
        station=world.station_a,
        points=[{"name": "村委会", "lon": 120.005, "lat": 30.005}],
    )
    office = PatrolPoint.objects.get(pk=patrol.office.pk)
    assert office.active and office.order == 1


def test_another_township_neither_sees_nor_opens_the_route(world, patrol):
    assert list(selectors.routes_for(world.chief)) == [patrol.route]
    assert not selectors.routes_for(world.officer_b).exists()
    with pytest.raises(Http404):
        selectors.get_route_for(world.officer_b, patrol.route.pk)
    with pytest.raises(PermissionDenied):
        services.save_route(
            actor=world.officer_b,
            route=patrol.route,
            name="改名",
            station=world.station_b,
            points=[OFFICE],
        )
    assert PatrolRoute.objects.get(pk=patrol.route.pk).name == "甲村夜巡"


# --- shifts -------------------------------------------------------------------------------


def test_a_team_shift_takes_the_team_members_as_its_roster(world, patrol):
    shift = patrol.shift
    assert set(shift.people.values_list("name", flat=True)) == {"volunteer_a", "小卖部老板"}
    assert shift.scope_path == patrol.route.scope_path and shift.team == patrol.team
    # Leaving the team later does not rewrite the shift served.
    patrol.team.members.remove(patrol.shop_owner)
    assert shift.people.filter(pk=patrol.shop_owner.pk).exists()
    event = AuditEvent.objects.get(action="dispatch.patrol_shift_planned")
    assert event.changes["team"] == patrol.team.pk


def test_named_people_are_the_roster_and_a_night_shift_ends_next_day(world, patrol):
    today = timezone.localdate()
    shift = services.plan_shift(
        actor=world.chief,
        route=patrol.route,
        date=today,
        start=dt.time(22),
        end=dt.time(6),
        team=patrol.team,
        people=[world.officer_a.person],
    )
    assert list(shift.people.all()) == [world.officer_a.person]
    assert timezone.localtime(shift.ends_at).date() == today + dt.timedelta(days=1)


def test_a_shift_is_refused_field_by_field_and_nothing_is_written(world, patrol):
    committee = Team.objects.create(
        name="甲镇调委会", kind=Team.Kind.COMMITTEE, region=world.township_a
    )
    empty = Team.objects.create(name="空队", kind=Team.Kind.PATROL, region=world.township_a)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.plan_shift(
            actor=world.chief,
            route=patrol.route,
            date=timezone.localdate() - dt.timedelta(days=30),
            start=dt.time(8),
            end=dt.time(8),
            team=committee,
            people=[world.officer_b.person],
        )
    errors = error.value.message_dict
    assert "7 天" in errors["date"][0] and "相同" in errors["end"][0]
    assert "不参加巡逻" in errors["team"][0] and "officer_b" in errors["people"][0]
    with pytest.raises(ValidationError) as error:
        services.plan_shift(actor=world.chief, route=patrol.route, team=empty, **_around_now())
    assert "巡逻人员" in error.value.message_dict["people"][0]
    with pytest.raises(PermissionDenied):
        services.plan_shift(
            actor=world.officer_b, route=patrol.route, team=patrol.team, **_around_now()
        )
    assert db_snapshot() == before


# --- check-ins ----------------------------------------------------------------------------


def test_a_check_in_at_the_point_on_shift_is_clean_and_audited(world, patrol):
    checkin, created = _check_in(patrol.volunteer, patrol.office, lat=30.0052, accuracy_m=12)
    assert created and checkin.shift == patrol.shift
    assert not checkin.off_point and not checkin.off_shift and not checkin.flagged
    assert 20 < checkin.distance_m < 25 and checkin.accuracy_m == 12
    assert checkin.person.user == patrol.volunteer and checkin.route == patrol.route
    assert abs((checkin.at - timezone.now()).total_seconds()) < 60  # the server's time
    event = AuditEvent.objects.get(action="dispatch.checked_in")
    assert event.actor == patrol.volunteer and event.changes["shift"] == patrol.shift.pk


def test_a_check_in_far_from_its_point_is_kept_and_flagged_with_the_distance(world, patrol):
    checkin, created = _check_in(patrol.volunteer, patrol.office, lat=30.0080)
    assert created and checkin.off_point and checkin.flagged
    assert 325 < checkin.distance_m < 340  # 80 m radius


def test_a_check_in_outside_any_shift_is_kept_and_marked(world, patrol):
    checkin, _created = _check_in(world.officer_a, patrol.office)  # in scope, no shift
    assert checkin.off_shift and checkin.shift is None and checkin.flagged
    later = services.plan_shift(
        actor=world.chief,
        route=patrol.route,
        people=[world.officer_a.person],
        **_around_now(before=-180, after=240),  # starts in three hours
    )
    checkin, _created = _check_in(world.officer_a, patrol.office)
    assert checkin.off_shift and later.checkins.count() == 0


def test_the_same_key_from_the_same_phone_is_one_check_in(world, patrol):
    first, created = _check_in(patrol.volunteer, patrol.office, client_key="checkin-key-0001")
    again, created_again = _check_in(patrol.volunteer, patrol.office, client_key="checkin-key-0001")
    assert created and not created_again and first.pk == again.pk
    # Someone else's identical key is their own request.
    other, other_created = _check_in(world.officer_a, patrol.office, client_key="checkin-key-0001")
    assert other_created and other.pk != first.pk
    assert CheckIn.objects.count() == 2
    assert AuditEvent.objects.filter(action="dispatch.checked_in").count() == 2


def test_being_on_the_shift_opens_a_route_outside_ones_own_area(world, patrol):
    # The volunteer's jurisdiction is grid A1; the route covers the whole village.
    assert not selectors.routes_for(patrol.volunteer).exists()
    checkin, _created = _check_in(patrol.volunteer, patrol.school)
    assert checkin.shift == patrol.shift
    assert selectors.checkin_point_for(patrol.volunteer, patrol.school.pk) == patrol.school


def test_nobody_off_the_roster_and_outside_the_area_checks_in(world, patrol):
    stranger, _person = _staff(
        "volunteer_b", ["volunteer"], region=world.grid_b1, grant_region=world.grid_b1
    )
    before = db_snapshot()
    for actor in (stranger, world.officer_b, world.resident):
        with pytest.raises(PermissionDenied):
            _check_in(actor, patrol.office)
        with pytest.raises(Http404):
            selectors.checkin_point_for(actor, patrol.office.pk)
    with pytest.raises(PermissionDenied):
        _check_in(world.chief, patrol.office)  # chiefs plan; they do not check in
    assert db_snapshot() == before


def test_a_check_in_without_a_location_is_refused_with_how_to_fix_it(world, patrol):
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        services.check_in(actor=patrol.volunteer, point=patrol.office, lon=None, lat=None)
    assert "定位" in error.value.message_dict["lon"][0]
    assert db_snapshot() == before


def test_a_hazard_found_on_patrol_goes_through_intake_and_the_check_in_keeps_its_code(
    world, patrol
):
    checkin, _created = _check_in(
        patrol.volunteer, patrol.office, hazard="消防通道被三轮车堵住", note="已劝离一辆"
    )
    report = Report.objects.get()
    assert report.kind == "hazard" and report.channel == "grid_report"
    assert report.source == f"dispatch.checkin:{checkin.pk}"
    assert (report.lon, report.lat) == (checkin.lon, checkin.lat)
    assert report.grid == world.grid_a1 and report.created_by == patrol.volunteer
    assert checkin.report == report and checkin.hazard_code == report.tracking_code
    assert CheckIn.objects.get(pk=checkin.pk).hazard_code == report.tracking_code


def test_a_hazard_intake_refuses_refuses_the_check_in_too(world, patrol):
    before = db_snapshot()
    # The school lies outside the volunteer's own grid: intake will not take it from them.
    with pytest.raises(ValidationError) as error:
        _check_in(patrol.volunteer, patrol.school, hazard="路口的井盖缺失了")
    assert "辖区" in error.value.message_dict["hazard"][0]
    with pytest.raises(ValidationError) as error:
        _check_in(
            patrol.volunteer,
            patrol.office,
            hazard="楼道里电线私拉乱接",
            hazard_photo=SimpleUploadedFile("x.png", b"not a picture", content_type="image/png"),
        )
    assert "hazard_photo" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _check_in(
            patrol.volunteer,
            patrol.office,
            hazard_photo=SimpleUploadedFile("x.png", b"x", content_type="image/png"),
        )
    assert "隐患" in error.value.message_dict["hazard"][0]
    assert db_snapshot() == before


def test_a_retired_point_takes_no_check_ins(world, patrol):
    PatrolPoint.objects.filter(pk=patrol.office.pk).update(active=False)
    patrol.office.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        _check_in(patrol.volunteer, patrol.office)
    assert "停用" in error.value.message_dict["point"][0]


# --- reads --------------------------------------------------------------------------------


def test_my_patrols_are_the_shifts_i_am_on_today_with_their_points(world, patrol):
    [shift] = selectors.shifts_of(patrol.volunteer)
    assert shift == patrol.shift
    assert [p.name for p in shift.route.active_points] == ["村委会", "小学门口"]
    assert selectors.shifts_of(world.officer_a) == []
    assert selectors.shifts_of(world.resident) == []


def test_the_days_shifts_and_check_ins_stay_inside_the_jurisdiction(world, patrol):
    _check_in(patrol.volunteer, patrol.office)
    today = timezone.localdate()
    assert list(selectors.shifts_for(world.chief, day=today)) == [patrol.shift]
    assert selectors.shifts_for(world.chief, day=today)[0].checkin_count == 1
    assert not selectors.shifts_for(world.chief, day=today + dt.timedelta(days=2)).exists()
    assert not selectors.shifts_for(world.officer_b, day=today).exists()
    assert selectors.checkins_for(world.chief, route=patrol.route, day=today).count() == 1
    assert not selectors.checkins_for(world.officer_b).exists()


def test_contributions_count_shifts_served_check_ins_and_hazards_per_person(world, patrol):
    _check_in(patrol.volunteer, patrol.office)
    _check_in(patrol.volunteer, patrol.office, lat=30.0051, hazard="路灯不亮，巷口很黑")
    _check_in(world.officer_a, patrol.office)  # not on the team's shift
    services.plan_shift(  # tomorrow: served by nobody yet
        actor=world.chief,
        route=patrol.route,
        team=patrol.team,
        date=timezone.localdate() + dt.timedelta(days=1),
        start=dt.time(19),
        end=dt.time(21),
    )
    now = timezone.now()
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=2)
    rows = {r.name: r for r in selectors.contributions(world.chief, start=start, end=end)}
    assert (
        rows["volunteer_a"].shifts,
        rows["volunteer_a"].checkins,
        rows["volunteer_a"].hazards,
    ) == (1, 2, 1)
    assert (rows["小卖部老板"].shifts, rows["小卖部老板"].checkins) == (1, 0)
    assert (rows["officer_a"].shifts, rows["officer_a"].checkins) == (0, 1)
    by_team = selectors.contributions(world.chief, start=start, end=end, team=patrol.team)
    assert [(r.name, r.shifts, r.checkins, r.hazards) for r in by_team] == [
        ("volunteer_a", 1, 2, 1),
        ("小卖部老板", 1, 0, 0),
    ]
    # Outside the period, or outside the jurisdiction: nothing.
    assert selectors.contributions(world.chief, start=end, end=end + dt.timedelta(days=1)) == []
    assert selectors.contributions(world.officer_b, start=start, end=end) == []


# --- demo ---------------------------------------------------------------------------------


def test_the_demo_patrols_a_township_with_buildings_once(world, client, monkeypatch):
    from fengqiao.demo import patrols as demo
    from tests.factories import BuildingFactory

    monkeypatch.setattr(demo, "HAZARD_SHARE", 0.5)

    for n in range(4):
        BuildingFactory(
            code=f"B-A1-{n}",
            name=f"甲村{n + 2}号",
            grid=world.grid_a1,
            lon=120.002 + n / 1000,
            lat=30.004,
        )
    _staff("volunteer_a", ["volunteer"], region=world.grid_a1, grant_region=world.grid_a1)
    counts = demo.demo_patrols(days=3)
    assert counts["patrol_routes"] == 1 and counts["patrol_shifts"] == 3 + 8 + 1
    route = PatrolRoute.objects.get()
    assert route.station == world.station_a and route.region == world.community_a
    assert route.points.count() == 5
    team = Team.objects.get(kind=Team.Kind.JOINT_DEFENCE)
    assert list(team.members.values_list("name", flat=True)) == ["volunteer_a"]
    assert CheckIn.objects.count() == counts["patrol_checkins"] > 0
    assert all(c.unit_path == world.station_a.path for c in CheckIn.objects.all())
    hazards = CheckIn.objects.filter(report__isnull=False).select_related("report")
    assert hazards.count() == counts["patrol_hazards"] > 0
    assert all(c.report.source == f"dispatch.checkin:{c.pk}" for c in hazards)
    assert all(c.hazard_code == c.report.tracking_code for c in hazards)
    # Today's day shift puts the township's patrollers with a login on 我的巡逻.
    volunteer = selectors.shifts_of(world.grid_worker_a1)
    assert volunteer and volunteer[0].route == route
    assert demo.demo_patrols(days=3) == dict.fromkeys(counts, 0)
    client.force_login(world.chief)
    assert client.get(f"/dispatch/patrols/routes/{route.pk}/").status_code == 200
