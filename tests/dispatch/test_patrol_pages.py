"""The patrol pages through the Django test client: 我的巡逻 and its 打卡, routes, shifts
and a team's page; who may open which, and what a refused post leaves behind."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.dispatch.models import CheckIn, PatrolRoute, PatrolShift
from fengqiao.intake.models import Report
from tests.dispatch.test_patrols import OFFICE, SCHOOL, make_patrol
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def patrol(world):
    return make_patrol(world)


def _signed_in(client, user):
    client.force_login(user)
    return client


def _checkin_post(point, **extra) -> dict:
    return {
        "point": point.pk,
        "lon": f"{point.lon:.6f}",
        "lat": f"{point.lat:.6f}",
        "accuracy": "15",
        "client_key": "page-checkin-0001",
        **extra,
    }


def _text(response) -> str:
    return response.content.decode()


# --- 我的巡逻 -----------------------------------------------------------------------------


def test_my_patrol_shows_todays_route_points_and_the_big_button(client, patrol):
    response = _signed_in(client, patrol.volunteer).get(reverse("dispatch:patrol_mine"))
    assert response.status_code == 200
    page = _text(response)
    assert "甲村夜巡" in page and "村委会" in page and "小学门口" in page
    assert "甲村群防群治队" in page
    assert "data-patrol-checkin" in page and "fengqiao/patrol.js" in page
    # The first point not yet visited is chosen; no inline script (strict CSP).
    assert re.search(rf'value="{patrol.office.pk}" checked', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "onclick" not in page


def test_my_patrol_says_so_when_there_is_no_shift_today(client, world):
    response = _signed_in(client, world.officer_a).get(reverse("dispatch:patrol_mine"))
    assert response.status_code == 200 and "今天没有安排您的巡逻班次" in _text(response)


def test_my_patrol_is_for_patrollers_only(client, world):
    url = reverse("dispatch:patrol_mine")
    assert client.get(url).status_code == 302  # to the login page
    assert _signed_in(client, world.resident).get(url).status_code == 403
    assert _signed_in(client, world.chief).get(url).status_code == 403


def test_checking_in_records_it_and_moves_to_the_next_point(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    response = client.post(reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office))
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:patrol_mine")
    checkin = CheckIn.objects.get()
    assert checkin.point == patrol.office and checkin.shift == patrol.shift
    assert checkin.accuracy_m == 15 and not checkin.flagged
    page = _text(client.get(reverse("dispatch:patrol_mine")))
    assert "已在“村委会”打卡" in page and "已打卡" in page
    assert re.search(rf'value="{patrol.school.pk}" checked', page)  # the next one


def test_a_far_check_in_is_recorded_and_the_phone_is_told_how_far(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    client.post(reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office, lat="30.008000"))
    page = _text(client.get(reverse("dispatch:patrol_mine")))
    assert CheckIn.objects.get().off_point
    assert re.search(r"偏离打卡点 3\d\d 米", page)


def test_sending_the_same_tap_again_makes_one_check_in(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    for _ in range(2):
        response = client.post(reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office))
        assert response.status_code == 302
    assert CheckIn.objects.count() == 1
    assert "这次打卡已经记录过了" in _text(client.get(reverse("dispatch:patrol_mine")))


def test_a_check_in_without_a_location_is_sent_back_with_how_to_fix_it(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    before = db_snapshot()
    response = client.post(
        reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office, lon="", lat="")
    )
    assert response.status_code == 400 and "请打开手机定位" in _text(response)
    assert db_snapshot() == before


def test_a_hazard_from_the_check_in_form_gets_a_tracking_code(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    client.post(
        reverse("dispatch:patrol_checkin"),
        _checkin_post(patrol.office, hazard="消防通道被三轮车堵住了"),
    )
    report = Report.objects.get()
    assert report.kind == "hazard" and CheckIn.objects.get().hazard_code == report.tracking_code
    assert report.tracking_code in _text(client.get(reverse("dispatch:patrol_mine")))


def test_a_refused_hazard_is_shown_on_its_field_and_nothing_is_kept(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    before = db_snapshot()
    response = client.post(
        reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office, hazard="短")
    )
    assert response.status_code == 400 and "至少 5 个字" in _text(response)
    assert db_snapshot() == before


def test_another_townships_point_is_not_found(client, world, patrol):
    client = _signed_in(client, world.officer_b)
    before = db_snapshot()
    response = client.post(reverse("dispatch:patrol_checkin"), _checkin_post(patrol.office))
    assert response.status_code == 404 and db_snapshot() == before


# --- routes -------------------------------------------------------------------------------


def _route_post(world, **extra) -> dict:
    return {
        "name": "甲村白天巡",
        "station": world.station_a.pk,
        "region": world.grid_a1.pk,
        "points": "村委会，120.005，30.005，80\n\n祠堂, 120.006, 30.006",
        "note": "",
        "active": "on",
        **extra,
    }


def test_a_chief_creates_a_route_from_lines_of_points(client, world):
    client = _signed_in(client, world.chief)
    assert client.get(reverse("dispatch:patrol_route_new")).status_code == 200
    response = client.post(reverse("dispatch:patrol_route_new"), _route_post(world))
    route = PatrolRoute.objects.get(name="甲村白天巡")
    assert response.status_code == 302
    assert response["Location"] == reverse("dispatch:patrol_route", args=[route.pk])
    assert [(p.name, p.radius_m) for p in route.points.order_by("order")] == [
        ("村委会", 80),
        ("祠堂", 100),
    ]
    assert route.region == world.grid_a1


def test_a_bad_line_is_named_on_the_form_and_nothing_is_saved(client, world):
    client = _signed_in(client, world.chief)
    before = db_snapshot()
    response = client.post(
        reverse("dispatch:patrol_route_new"),
        _route_post(world, points="村委会，120.005，30.005\n祠堂，东经，30.006"),
    )
    assert response.status_code == 400 and "第 2 个打卡点" in _text(response)
    assert db_snapshot() == before


def test_a_route_of_another_station_cannot_be_chosen(client, world):
    client = _signed_in(client, world.chief)
    before = db_snapshot()
    response = client.post(
        reverse("dispatch:patrol_route_new"), _route_post(world, station=world.station_b.pk)
    )
    assert response.status_code == 400 and db_snapshot() == before


def test_editing_a_route_shows_its_points_and_saves_changes(client, world, patrol):
    client = _signed_in(client, world.chief)
    url = reverse("dispatch:patrol_route_edit", args=[patrol.route.pk])
    page = _text(client.get(url))
    assert "村委会, 120.005000, 30.005000, 80" in page
    response = client.post(
        url,
        {
            "name": "甲村夜巡",
            "station": world.station_a.pk,
            "region": world.community_a.pk,
            "points": f"{SCHOOL['name']}, 120.015, 30.005\n{OFFICE['name']}, 120.005, 30.005, 60",
            "active": "on",
        },
    )
    assert response.status_code == 302
    points = list(patrol.route.points.order_by("order").values_list("name", "radius_m"))
    assert points == [("小学门口", 100), ("村委会", 60)]


def test_the_route_page_shows_the_days_check_ins_with_the_flagged_ones_marked(
    client, world, patrol, django_assert_max_num_queries
):
    from fengqiao.dispatch import patrol_services as services

    services.check_in(actor=patrol.volunteer, point=patrol.office, lon=120.005, lat=30.005)
    services.check_in(actor=world.officer_a, point=patrol.office, lon=120.005, lat=30.0085)
    client = _signed_in(client, world.chief)
    url = reverse("dispatch:patrol_route", args=[patrol.route.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    page = _text(response)
    assert response.status_code == 200
    assert "volunteer_a" in page and "officer_a" in page
    assert "1 条需核实" in page and "班次外打卡" in page
    assert re.search(r"偏离打卡点 3\d\d 米", page)
    assert page.count('class="flagged"') == 1
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert "当天还没有打卡" in _text(client.get(url, {"day": yesterday}))


def test_another_townships_route_is_not_found_and_lists_stay_home(client, world, patrol):
    client = _signed_in(client, world.officer_b)
    for name in ("dispatch:patrol_route", "dispatch:patrol_route_edit"):
        assert client.get(reverse(name, args=[patrol.route.pk])).status_code == 404
    assert "甲村夜巡" not in _text(client.get(reverse("dispatch:patrol_routes")))
    assert "甲村夜巡" not in _text(client.get(reverse("dispatch:patrol_shifts")))


def test_the_ground_may_not_open_the_station_pages(client, patrol):
    client = _signed_in(client, patrol.volunteer)
    for name in ("patrol_routes", "patrol_route_new", "patrol_shifts", "patrol_shift_new"):
        assert client.get(reverse(f"dispatch:{name}")).status_code == 403


# --- shifts and teams ---------------------------------------------------------------------


def test_a_chief_plans_a_shift_and_finds_it_on_its_day(client, world, patrol):
    client = _signed_in(client, world.chief)
    day = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("dispatch:patrol_shift_new"),
        {
            "route": patrol.route.pk,
            "date": day.isoformat(),
            "start": "19:00",
            "end": "21:30",
            "team": patrol.team.pk,
            "people": [world.officer_a.person.pk],
            "note": "节前加强",
        },
    )
    assert response.status_code == 302
    shift = PatrolShift.objects.exclude(pk=patrol.shift.pk).get()
    assert list(shift.people.all()) == [world.officer_a.person]
    page = _text(client.get(response["Location"]))
    assert "19:00–21:30" in page and "甲村夜巡" in page and "节前加强" in page


def test_a_shift_with_bad_times_is_sent_back(client, world, patrol):
    client = _signed_in(client, world.chief)
    before = db_snapshot()
    response = client.post(
        reverse("dispatch:patrol_shift_new"),
        {
            "route": patrol.route.pk,
            "date": timezone.localdate().isoformat(),
            "start": "08:00",
            "end": "08:00",
            "team": patrol.team.pk,
        },
    )
    assert response.status_code == 400 and "结束时间不能与开始时间相同" in _text(response)
    assert db_snapshot() == before


def test_the_team_page_shows_members_shifts_and_contributions(
    client, world, patrol, django_assert_max_num_queries
):
    from fengqiao.dispatch import patrol_services as services

    services.check_in(
        actor=patrol.volunteer,
        point=patrol.office,
        lon=120.005,
        lat=30.005,
        hazard="巷口路灯坏了很久",
    )
    client = _signed_in(client, world.chief)
    assert "甲村群防群治队" in _text(client.get(reverse("dispatch:patrol_teams")))
    url = reverse("dispatch:patrol_team", args=[patrol.team.pk])
    with django_assert_max_num_queries(18):
        response = client.get(url)
    page = _text(response)
    assert response.status_code == 200 and "小卖部老板" in page
    row = re.search(
        r"<th scope=\"row\">volunteer_a</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page
    )
    assert row and row.groups() == ("1", "1", "1")
    assert '<th scope="row">小卖部老板</th><td>1</td><td>0</td><td>0</td>' in page


def test_another_townships_team_is_not_found(client, world, patrol):
    client = _signed_in(client, world.officer_b)
    url = reverse("dispatch:patrol_team", args=[patrol.team.pk])
    assert client.get(url).status_code == 404
    assert "甲村群防群治队" not in _text(client.get(reverse("dispatch:patrol_teams")))
