"""The pages: the public catalogue, applying and tracking (no full numbers), the staff's
queue and actions, scope (officer_b gets 404 for township A's application) and who may
not process (residents, anonymous visitors)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.services import services as svc
from fengqiao.services.models import Application
from tests.services.conftest import ID_NUMBER, PHONE, book, next_slot

pytestmark = pytest.mark.django_db


def _apply_page(client, service, mode, **data):
    url = reverse("services:apply", args=[service.pk])
    page = client.get(url, {"mode": mode})
    assert page.status_code == 200
    key = page.context["form"]["client_key"].value()
    values = {"mode": mode, "client_key": key, "applicant_name": "王小明", "phone": PHONE}
    values.update(data)
    return client.post(url, values)


def test_the_catalogue_and_a_service_page_are_public(client, permit):
    page = client.get(reverse("services:catalogue"))
    assert page.status_code == 200 and "居住证申领" in page.content.decode()
    detail = client.get(reverse("services:detail", args=[permit.pk])).content.decode()
    assert "租房合同" in detail and "预约到窗口办理" in detail and "申请上门服务" in detail


def test_a_resident_books_a_slot_on_the_page_and_tracks_it_without_full_numbers(client, permit):
    slot = next_slot()
    listed = client.get(
        reverse("services:apply", args=[permit.pk]), {"mode": "window", "day": slot.date()}
    )
    assert slot.isoformat() in listed.content.decode()
    answer = _apply_page(client, permit, "window", booked_for=slot.isoformat(), id_number=ID_NUMBER)
    assert answer.status_code == 302
    app = Application.objects.unscoped_for_jobs().get()
    assert app.booked_for == slot and app.channel == "window"
    status = client.get(reverse("services:track", args=[app.tracking_code])).content.decode()
    assert "已预约" in status
    for number in (PHONE, ID_NUMBER, "+86" + PHONE):
        assert number not in status


def test_a_booking_in_the_past_on_the_page_says_so_next_to_the_slot(client, permit):
    answer = _apply_page(client, permit, "window", booked_for="2020-01-06T09:00:00+08:00")
    assert answer.status_code == 400
    assert "不能预约已经过去的时间" in answer.content.decode()
    assert not Application.objects.unscoped_for_jobs().exists()


def test_a_kiosk_application_gets_the_kiosk_channel(client, world, permit):
    answer = _apply_page(client, permit, "online", **{"from": "kiosk", "place": "B-A1"})
    assert answer.status_code == 302
    assert Application.objects.unscoped_for_jobs().get().channel == "kiosk"


def test_a_door_request_by_building_code(client, world, permit):
    answer = _apply_page(
        client,
        permit,
        "door",
        building_code="B-A1",
        address_detail="2单元301",
        door_reason="elderly",
    )
    assert answer.status_code == 302
    app = Application.objects.unscoped_for_jobs().get()
    assert app.building == world.building_a1 and app.assignee.user == world.officer_a
    bad = _apply_page(client, permit, "door", building_code="NOPE", door_reason="elderly")
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()


def test_the_applicant_cancels_and_rates_on_the_status_page(client, world, permit):
    app = book(permit, channel="online")
    svc.complete(
        actor=world.officer_a, application=svc.accept(actor=world.officer_a, application=app)
    )
    url = reverse("services:rate", args=[app.tracking_code])
    assert client.post(url, {"satisfaction": "9"}).status_code == 400
    assert client.post(url, {"satisfaction": "5", "feedback": "好"}).status_code == 302
    assert Application.objects.unscoped_for_jobs().get().satisfaction == 5
    other = book(permit, channel="online")
    answer = client.post(reverse("services:cancel", args=[other.tracking_code]), {})
    assert answer.status_code == 302
    assert Application.objects.unscoped_for_jobs().get(pk=other.pk).state == "cancelled"
    assert client.post(reverse("services:cancel", args=["SXXXXXXXXXX"]), {}).status_code == 404


def test_the_queue_shows_masked_phones_and_the_officer_acts(client, world, permit):
    app = book(permit, channel="online")
    client.force_login(world.officer_a)
    queue = client.get(reverse("services:queue")).content.decode()
    assert app.tracking_code in queue and PHONE not in queue and app.phone_masked in queue
    url = reverse("services:act", args=[app.pk])
    assert client.post(url, {"action": "accept"}).status_code == 302
    answer = client.post(url, {"action": "ask_missing", "materials": ["租房合同"]})
    assert answer.status_code == 302
    assert Application.objects.unscoped_for_jobs().get().state == "missing"
    refused = client.post(url, {"action": "refuse", "reason": ""})
    assert refused.status_code == 400 and "不予办理的理由" in refused.content.decode()
    page = client.get(reverse("services:application", args=[app.pk])).content.decode()
    assert "租房合同" in page and PHONE not in page and ID_NUMBER not in page


def test_an_action_on_an_application_already_moved_is_refused_on_the_page(client, world, permit):
    app = book(permit, channel="online")
    svc.accept(actor=world.chief, application=app)
    client.force_login(world.officer_a)
    answer = client.post(reverse("services:act", args=[app.pk]), {"action": "accept"})
    assert answer.status_code == 400  # no longer booked: the page says what it is now


def test_officer_b_gets_404_for_township_a(client, world, permit):
    app = book(permit, channel="online")
    client.force_login(world.officer_b)
    assert client.get(reverse("services:application", args=[app.pk])).status_code == 404
    url = reverse("services:act", args=[app.pk])
    assert client.post(url, {"action": "accept"}).status_code == 404
    assert app.tracking_code not in client.get(reverse("services:queue")).content.decode()
    reveal = reverse("services:reveal", args=[app.pk, "phone"])
    assert client.post(reveal, {"phone-reason": "核实身份信息"}).status_code == 404
    assert Application.objects.unscoped_for_jobs().get().state == "booked"
    assert not AuditEvent.objects.filter(action="registry.revealed").exists()


def test_residents_and_visitors_cannot_process(client, world, permit):
    app = book(permit, channel="online")
    url = reverse("services:act", args=[app.pk])
    assert client.post(url, {"action": "accept"}).status_code == 302  # to the login page
    client.force_login(world.resident)
    assert client.post(url, {"action": "accept"}).status_code == 403
    assert client.get(reverse("services:queue")).status_code == 403
    assert Application.objects.unscoped_for_jobs().get().state == "booked"
    assert not AuditEvent.objects.filter(action="services.submit").exists()


def test_the_full_phone_only_for_a_reason_logged(client, world, permit):
    app = book(permit, channel="online")
    client.force_login(world.officer_a)
    url = reverse("services:reveal", args=[app.pk, "phone"])
    assert client.post(url, {"phone-reason": ""}).status_code == 400
    shown = client.post(url, {"phone-reason": "电话通知补正材料"})
    assert shown.status_code == 200 and "5678" in shown.content.decode()
    event = AuditEvent.objects.get(action="registry.revealed")
    assert event.actor == world.officer_a and event.object_id == str(app.pk)


def test_my_door_requests_list_those_routed_to_me(client, world, permit):
    app = book(
        permit,
        channel="door",
        building=world.building_a1,
        address_detail="1号",
        door_reason="elderly",
    )
    client.force_login(world.officer_a)
    page = client.get(reverse("services:door")).content.decode()
    assert app.applicant_name in page and "甲村1号" in page
    client.force_login(world.chief)
    assert app.applicant_name not in client.get(reverse("services:door")).content.decode()


def test_the_chief_keeps_the_catalogue_on_pages(client, world, permit):
    client.force_login(world.chief)
    assert client.get(reverse("services:manage")).status_code == 200
    answer = client.post(
        reverse("services:service_new"),
        {
            "station": world.station_a.pk,
            "kind": "id_renewal",
            "name": "身份证换领",
            "materials": "居民身份证\n户口簿",
            "time_limit_days": "60",
            "promised_days": "90",
            "channels": ["window"],
            "slot_capacity": "4",
        },
    )
    assert answer.status_code == 400 and "承诺时限不能长于法定时限" in answer.content.decode()
    close = client.post(reverse("services:service_open", args=[permit.pk]), {"open": "0"})
    assert close.status_code == 302
    assert not type(permit).objects.unscoped_for_jobs().get(pk=permit.pk).open
    client.force_login(world.officer_a)
    assert (
        client.post(reverse("services:service_open", args=[permit.pk]), {"open": "1"}).status_code
        == 403
    )


def test_the_queue_costs_the_same_for_ten_applications_as_for_one(
    client, world, permit, django_assert_max_num_queries
):
    for n in range(10):
        book(permit, channel="online", applicant_name=f"申请人{n}")
    book(
        permit,
        channel="door",
        building=world.building_a1,
        address_detail="1号",
        door_reason="elderly",
    )
    client.force_login(world.officer_a)
    client.get(reverse("services:queue"))  # warm the session and the user's scope
    with django_assert_max_num_queries(14):
        page = client.get(reverse("services:queue"))
    assert page.content.decode().count("申请人") == 10


def test_a_signed_in_resident_sees_only_her_own_applications(client, world, permit):
    client.force_login(world.resident)
    _apply_page(client, permit, "online")
    book(permit, channel="online", applicant_name="别人")
    mine = Application.objects.unscoped_for_jobs().get(user=world.resident)
    page = client.get(reverse("services:track_lookup")).content.decode()
    assert mine.tracking_code in page
    other = Application.objects.unscoped_for_jobs().exclude(pk=mine.pk).get()
    assert other.tracking_code not in page
