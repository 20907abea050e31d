"""The residents' doors of the one-click alarm: the alarm page (anonymous, signed in, from
a group, from a kiosk), its status page, the silent mode, the kiosk start page, and the
errors that leave the page as it was and write nothing."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fengqiao.dispatch.models import Incident
from fengqiao.intake.models import Report
from tests.community.conftest import join, make_group

pytestmark = pytest.mark.django_db

ALARM = "/alarm/"
POINT = {"lon": "120.005", "lat": "30.005", "location_source": "device"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _send(client, key="alarm-page-key-01", **fields):
    """Open the page (as the phone does) and tap the button."""
    client.get(ALARM)
    return client.post(ALARM, {"client_key": key, **fields})


def _nothing_written():
    return Incident.objects.count() == 0 and Report.objects.count() == 0


def _text(response) -> str:
    return response.content.decode()


# --- the page ---------------------------------------------------------------------------


def test_the_page_is_one_big_button_with_its_script_and_no_inline_script(client):
    response = client.get(ALARM)
    page = _text(response)
    assert response.status_code == 200
    assert 'class="alarm-button"' in page and "一键报警" in page
    assert "/static/fengqiao/alarm.js" in page and "<script>" not in page
    assert 'name="client_key" value="' in page and 'name="phone"' in page
    assert 'name="silent"' in page and 'href="tel:110"' in page
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_an_alarm_with_the_phones_location_goes_to_its_status_page(client, world):
    response = _send(client, note="楼下有人打架", phone="138 1234 5678", **POINT)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/alarm/sent/{incident.report.tracking_code}/"
    assert incident.channel == "one_click_alarm" and incident.location_source == "device"
    assert incident.grid == world.grid_a1 and not incident.location_uncertain
    assert incident.phone_masked.endswith("5678") and not incident.phone_verified
    assert incident.sender_hash  # bound to this browser's session
    page = _text(client.get(response["Location"]))
    assert "报警已收到" in page and incident.number in page
    assert 'href="tel:110"' in page and "接下来" in page
    assert f"/report/status/{incident.report.tracking_code}/" in page
    assert "13812345678" not in page


def test_a_retry_with_the_same_key_and_a_second_tap_are_one_alarm(client, world):
    first = _send(client, key="alarm-page-key-01", **POINT)
    again = client.post(ALARM, {"client_key": "alarm-page-key-01", **POINT})
    other_tap = client.post(ALARM, {"client_key": "alarm-page-key-02", **POINT})
    assert first["Location"] == again["Location"] == other_tap["Location"]
    assert Incident.objects.count() == 1 and Report.objects.count() == 1


def test_a_remembered_fix_is_sent_as_last_known_and_marked_uncertain(client, world):
    _send(client, lon="120.005", lat="30.005", location_source="last_known")
    incident = Incident.objects.get()
    assert incident.location_source == "last_known" and incident.location_uncertain


def test_a_note_and_a_photo_go_with_the_alarm(client, world):
    photo = SimpleUploadedFile("scene.png", PNG, content_type="image/png")
    _send(client, note="有人持刀", photo=photo, **POINT)
    incident = Incident.objects.get()
    assert "有人持刀" in incident.text and incident.report.photos.count() == 1


# --- where, when the phone cannot say -----------------------------------------------------


def test_the_building_chosen_now_is_the_place(client, world):
    _send(client, grid_code=world.grid_a1.code, building=world.building_a1.code)
    incident = Incident.objects.get()
    assert incident.building == world.building_a1 and incident.location_source == "building"
    assert incident.lon is None and not incident.location_uncertain


def test_the_building_remembered_by_the_phone_is_the_place(client, world):
    _send(client, saved_grid=world.grid_a1.code, saved_building=world.building_a1.code)
    incident = Incident.objects.get()
    assert incident.building == world.building_a1 and incident.location_source == "building"


def test_a_remembered_building_that_is_gone_is_an_error_the_page_forgets(client, world):
    response = _send(client, saved_building="B-GONE", note="救命")
    page = _text(response)
    assert response.status_code == 400 and "没有找到这个楼栋（编码 B-GONE）" in page
    assert "data-forget-saved" in page and "救命" in page
    assert _nothing_written()


def test_the_building_picker_lists_a_grids_buildings(client, world):
    page = _text(client.get("/alarm/buildings/", {"grid_code": world.grid_a1.code}))
    assert world.building_a1.code in page and "甲村1号" in page
    assert "乙社区1幢" not in page
    empty = _text(client.get("/alarm/buildings/", {"grid_code": world.grid_a2.code}))
    assert "还没有登记楼栋" in empty


def test_no_place_at_all_is_a_clear_error_and_nothing_is_lost(client, world):
    response = _send(client, note="有人砸门", phone="13812345678")
    page = _text(response)
    assert response.status_code == 400
    assert "无法确定您的位置：请打开定位，或选择您所在的楼栋" in page
    assert "有人砸门" in page and 'value="13812345678"' in page
    assert 'value="alarm-page-key-01"' in page  # sending it again cannot make a second alarm
    assert 'details class="place-picker" data-building-picker open' in page
    assert _nothing_written()


def test_an_oversize_note_is_refused_with_the_limit(client, world):
    note = "情" * 501
    response = _send(client, note=note, **POINT)
    page = _text(response)
    assert response.status_code == 400 and "说明请控制在 500 字以内" in page
    assert note in page and _nothing_written()


@pytest.mark.parametrize(
    ("phone", "message"),
    [("12345abc", "电话号码“12345abc”格式不正确"), ("110", "是服务号码，不是个人电话")],
)
def test_a_bad_phone_is_refused_naming_it(client, world, phone, message):
    response = _send(client, phone=phone, **POINT)
    assert response.status_code == 400 and message in _text(response)
    assert _nothing_written()


# --- signed in, and from a group --------------------------------------------------------


@pytest.fixture
def building_group(world):
    village = make_group("甲村居民群", "community", world.community_a)
    group = make_group(
        "甲村1号楼栋群", "building", world.grid_a1, parent=village, building=world.building_a1
    )
    join(village, world.resident, name="李大姐", phone="+8613812345678")
    join(group, world.resident, name="李大姐", phone="+8613812345678")
    return group


def test_a_signed_in_resident_is_called_back_on_their_confirmed_phone(
    client, world, building_group
):
    client.force_login(world.resident)
    page = _text(client.get(ALARM))
    assert "138****5678" in page and 'name="phone"' not in page
    client.post(ALARM, {"client_key": "alarm-page-key-01", **POINT})
    incident = Incident.objects.get()
    assert incident.phone_verified and incident.phone_masked.endswith("5678")


def test_from_a_group_page_the_groups_building_is_the_fallback(client, world, building_group):
    client.force_login(world.resident)
    page = _text(client.get(ALARM, {"group": building_group.pk}))
    assert "甲村1号楼栋群" in page and f'name="group" value="{building_group.pk}"' in page
    group_page = _text(client.get(f"/community/g/{building_group.pk}/"))
    assert f"/alarm/?group={building_group.pk}" in group_page
    client.post(ALARM, {"client_key": "alarm-page-key-01", "group": building_group.pk})
    incident = Incident.objects.get()
    assert incident.building == world.building_a1 and incident.location_source == "group"


def test_a_community_groups_fallback_is_a_grid_of_its_community(client, world, building_group):
    village = building_group.parent
    client.force_login(world.resident)
    client.post(ALARM, {"client_key": "alarm-page-key-01", "group": village.pk})
    incident = Incident.objects.get()
    assert incident.grid.parent == world.community_a and incident.location_source == "group"
    assert incident.location_uncertain


def test_a_group_the_resident_cannot_open_lends_no_place(client, world, building_group):
    other = make_group("乙社区居民群", "community", world.community_b)
    client.force_login(world.resident)
    page = _text(client.get(ALARM, {"group": other.pk}))
    assert "乙社区居民群" not in page
    response = client.post(ALARM, {"client_key": "alarm-page-key-01", "group": other.pk})
    assert response.status_code == 400 and "无法确定您的位置" in _text(response)
    assert _nothing_written()


# --- silent ------------------------------------------------------------------------------


def test_a_silent_alarm_is_red_and_its_page_looks_like_nothing(client, world):
    response = _send(client, silent="on", **POINT)
    incident = Incident.objects.get()
    assert incident.silent and incident.risk == "red"
    page = _text(client.get(response["Location"]))
    main = page[page.index('<main id="main"') :]
    assert "已提交" in page
    for word in ("报警", "110", "警情", incident.number, "民警"):
        assert word not in main
    assert re.search(r"<title>\s*已提交", page)


# --- the kiosk ---------------------------------------------------------------------------


def test_the_kiosk_start_page_has_three_big_doors(client):
    response = client.get("/kiosk/")
    page = _text(response)
    assert response.status_code == 200
    assert "/alarm/?channel=kiosk" in page and "/report/?channel=kiosk" in page
    assert 'href="/report/status/"' in page and "/static/fengqiao/kiosk.js" in page
    assert 'data-idle-seconds="60"' in page


def test_a_kiosk_is_placed_once_by_a_building_code(client, world):
    page = _text(client.get("/kiosk/", {"place": "B-A1"}))
    assert 'data-place-code="B-A1"' in page and "本终端的位置已设置为：甲村1号" in page
    assert "/alarm/?channel=kiosk&amp;place=B-A1" in page


def test_an_unknown_kiosk_place_is_a_clear_error(client, world):
    response = client.get("/kiosk/", {"place": "NO-SUCH"})
    page = _text(response)
    assert response.status_code == 400
    assert "没有编码为“NO-SUCH”的楼栋" in page and "data-place-code" not in page


def test_an_alarm_from_the_kiosk_is_at_the_kiosks_place(client, world, settings):
    settings.FENGQIAO_KIOSK_IDLE_SECONDS = 5
    page = _text(client.get(ALARM, {"channel": "kiosk", "place": "B-A1"}))
    assert "本终端所在地：甲村1号" in page and 'data-idle-seconds="5"' in page
    assert "/static/fengqiao/kiosk.js" in page
    response = client.post(
        ALARM, {"client_key": "kiosk-alarm-key1", "channel": "kiosk", "kiosk_place": "B-A1"}
    )
    incident = Incident.objects.get()
    assert incident.channel == "kiosk" and incident.location_source == "kiosk"
    assert incident.building == world.building_a1
    sent = _text(client.get(response["Location"]))
    assert "返回首页" in sent and 'data-kiosk-home="/kiosk/"' in sent


def test_a_kiosk_alarm_with_an_unknown_place_is_refused(client, world):
    client.get(ALARM, {"channel": "kiosk"})
    response = client.post(
        ALARM, {"client_key": "kiosk-alarm-key1", "channel": "kiosk", "kiosk_place": "NO-SUCH"}
    )
    assert response.status_code == 400
    assert "本终端设置的楼栋编码“NO-SUCH”不存在" in _text(response)
    assert _nothing_written()


# --- the status page, the doors to the alarm, abuse --------------------------------------


def test_the_status_page_is_only_for_alarms(client, world):
    assert client.get("/alarm/sent/NOSUCHCODE/").status_code == 404
    client.get("/report/")
    client.post(
        "/report/",
        {
            "kind": "hazard",
            "text": "路灯坏了好几天了",
            "grid_code": world.grid_a1.code,
            "client_key": "report-key-0001",
        },
    )
    report = Report.objects.get()
    assert client.get(f"/alarm/sent/{report.tracking_code}/").status_code == 404


def test_the_report_form_links_to_the_alarm(client):
    page = _text(client.get("/report/"))
    assert 'href="/alarm/"' in page
    kiosk_page = _text(client.get("/report/", {"channel": "kiosk"}))
    assert 'href="/alarm/?channel=kiosk"' in kiosk_page and "fengqiao/kiosk.js" in kiosk_page


def test_too_many_alarms_from_one_address_are_refused_with_110(world, settings):
    settings.FENGQIAO_ALARM_RATE_LIMIT = {"per_address": 1}
    first = Client()
    assert _send(first, **POINT).status_code == 302
    # The first browser's retry of its alarm is still answered.
    assert first.post(ALARM, {"client_key": "alarm-page-key-01", **POINT}).status_code == 302
    second = Client()
    response = _send(second, key="alarm-page-key-02", **POINT)
    assert response.status_code == 429 and "请立即拨打 110" in _text(response)
    assert Incident.objects.count() == 1
