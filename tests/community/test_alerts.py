"""Alerts: who receives them, acknowledgements, sightings (with bad photos and replays) and
closing as found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.community.models import Alert, AlertRecipient, Message, Sighting
from fengqiao.community.notices import selectors as notice_selectors
from fengqiao.community.notices import services as notices
from tests.factories import AssignmentFactory, BuildingFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def head_of(building, username):
    user = UserFactory(username=username)
    person = PersonFactory(
        user=user, name=username, region=building.grid, role_codes=["building_head"]
    )
    AssignmentFactory(person=person, duty="building_head", building=building)
    return user


@pytest.fixture
def heads(world):
    """A building head in each grid: A1's (inside the alert), A2's and B1's (outside)."""
    building_a2 = BuildingFactory(code="B-A2", name="甲村2号", grid=world.grid_a2)
    return {
        "a1": head_of(world.building_a1, "head_a1"),
        "a2": head_of(building_a2, "head_a2"),
        "b1": head_of(world.building_b1, "head_b1"),
    }


def _raise(world, **kwargs):
    values = {
        "actor": world.officer_a,
        "kind": Alert.Kind.MISSING_PERSON,
        "title": "寻找走失老人张大爷",
        "description": "78 岁，身高 1.65 米，穿灰色外套，说本地话",
        "grids": [world.grid_a1],
        "last_seen_place": "甲村菜市场",
        "last_seen_at": timezone.now() - dt.timedelta(hours=2),
        "lon": 120.004,
        "lat": 30.004,
    }
    values.update(kwargs)
    return notices.raise_alert(**values)


def test_recipients_are_the_grids_heads_packagers_and_group_members_once(world, groups, heads):
    alert = _raise(world)
    users = set(AlertRecipient.objects.filter(alert=alert).values_list("user_id", flat=True))
    assert users == {
        heads["a1"].pk,
        world.grid_worker_a1.pk,  # packages grid A1, and is in its building group
        world.resident.pk,
        groups.neighbour.pk,
    }
    assert AlertRecipient.objects.filter(alert=alert).count() == len(users)  # once each
    assert heads["a2"].pk not in users and heads["b1"].pk not in users
    assert world.officer_b.pk not in users
    assert world.officer_a.pk not in users  # the sender, though the beat's officer


def test_the_beats_officer_receives_an_alert_someone_else_raised(world, groups):
    alert = _raise(world, actor=world.chief)
    assert AlertRecipient.objects.filter(alert=alert, user=world.officer_a).exists()


def test_one_alert_message_per_group_of_the_grid(world, groups, heads):
    alert = _raise(world)
    posted = Message.objects.filter(alert=alert)
    assert [m.group_id for m in posted] == [groups.building_a1.pk]
    assert posted.get().kind == Message.Kind.ALERT
    assert "寻找走失老人张大爷" in posted.get().text


def test_an_alert_is_audited_and_pushed_after_commit(
    world, groups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alert = _raise(world)
    assert len(callbacks) == 2  # the outward push, and the note to open pages (live)
    event = AuditEvent.objects.get(action="community.alert_raised")
    assert event.object_id == str(alert.pk)
    assert event.changes["recipients"] == 3


def test_grids_outside_the_jurisdiction_are_refused(world, groups, heads):
    with pytest.raises(PermissionDenied):
        _raise(world, grids=[world.grid_a1, world.grid_b1])
    assert Alert.objects.count() == 0
    assert AlertRecipient.objects.count() == 0


def test_a_grid_worker_may_not_raise_an_alert(world, groups):
    with pytest.raises(PermissionDenied):
        _raise(world, actor=world.grid_worker_a1)
    assert Alert.objects.count() == 0


def test_bad_input_is_named_field_by_field(world, groups):
    with pytest.raises(ValidationError) as error:
        _raise(
            world,
            kind="rumour",
            title="",
            description="",
            grids=[],
            last_seen_at=timezone.now() + dt.timedelta(days=1),
            lon=120.0,
            lat=None,
            photo=SimpleUploadedFile("x.pdf", b"%PDF-1.4 not a photo"),
        )
    assert set(error.value.message_dict) == {
        "kind",
        "title",
        "description",
        "grids",
        "last_seen_at",
        "lon",
        "photo",
    }
    assert "不是 JPEG、PNG 或 GIF 照片" in error.value.message_dict["photo"][0]
    assert Alert.objects.count() == 0


def test_an_oversized_photo_is_refused(world, groups, settings):
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (8 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        _raise(world, photo=big)
    assert "太大" in error.value.message_dict["photo"][0]


def test_an_alert_with_a_photo_keeps_it(world, groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alert = _raise(world, photo=png())
    assert alert.photo.name.startswith("alerts/")


def test_a_replayed_alert_is_the_same_alert(world, groups, heads):
    first = _raise(world, client_key="alert-key-0001")
    again = _raise(world, client_key="alert-key-0001")
    assert again.pk == first.pk
    assert Alert.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.ALERT).count() == 1


def test_recipients_acknowledge_once(world, groups):
    alert = _raise(world)
    first = notices.acknowledge_alert(actor=world.grid_worker_a1, alert=alert)
    again = notices.acknowledge_alert(actor=world.grid_worker_a1, alert=alert)
    assert first.acknowledged_at == again.acknowledged_at
    assert AuditEvent.objects.filter(action="community.alert_acknowledged").count() == 1
    with pytest.raises(PermissionDenied):
        notices.acknowledge_alert(actor=world.officer_b, alert=alert)


def test_a_recipient_reports_a_sighting(world, groups, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alert = _raise(world)
    sighting = notices.report_sighting(
        actor=world.resident,
        alert=alert,
        text="在公交站看到一位穿灰外套的老人",
        place="甲村公交站",
        lon=120.006,
        lat=30.006,
        photo=png(),
        client_key="seen-key-0001",
    )
    assert sighting.reporter_name == "resident" or sighting.reporter_name
    assert sighting.seen_at is not None
    again = notices.report_sighting(
        actor=world.resident, alert=alert, text="在公交站看到", client_key="seen-key-0001"
    )
    assert again.pk == sighting.pk
    assert Sighting.objects.count() == 1


def test_a_sighting_with_a_wrong_type_photo_is_refused(world, groups):
    alert = _raise(world)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 an executable", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        notices.report_sighting(actor=world.resident, alert=alert, text="看到了", photo=fake)
    assert "photo" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        notices.report_sighting(actor=world.resident, alert=alert, text="")
    assert "text" in error.value.message_dict
    assert Sighting.objects.count() == 0


def test_someone_outside_the_alert_may_not_report(world, groups):
    alert = _raise(world)
    stranger = UserFactory(username="stranger")
    for actor in (stranger, world.officer_b):
        with pytest.raises(PermissionDenied):
            notices.report_sighting(actor=actor, alert=alert, text="看到了")
    # staff in scope who did not receive it may still report
    notices.report_sighting(actor=world.chief, alert=alert, text="巡逻时看到")
    assert Sighting.objects.count() == 1


def test_closing_as_found_ends_sightings_and_a_second_close_is_refused(world, groups):
    alert = _raise(world)
    closed = notices.close_alert(actor=world.officer_a, alert=alert, note="已在车站找到")
    assert closed.status == Alert.Status.FOUND
    alert.refresh_from_db()
    assert alert.status == "found" and alert.closing_note == "已在车站找到"
    with pytest.raises(ValidationError):
        notices.close_alert(actor=world.officer_a, alert=alert, note="again")
    with pytest.raises(ValidationError):
        notices.report_sighting(actor=world.resident, alert=alert, text="看到了")
    assert AuditEvent.objects.filter(action="community.alert_closed").count() == 1


def test_only_staff_in_scope_may_close(world, groups):
    alert = _raise(world)
    for actor in (world.grid_worker_a1, world.officer_b, world.resident):
        with pytest.raises(PermissionDenied):
            notices.close_alert(actor=actor, alert=alert, note="")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_who_sees_the_alert(world, groups, heads):
    alert = _raise(world)
    assert notice_selectors.alerts_for(world.resident).get() == alert  # a recipient
    assert notice_selectors.alerts_for(heads["a1"]).get() == alert
    assert notice_selectors.alerts_for(world.chief).get() == alert  # staff in scope
    assert not notice_selectors.alerts_for(world.officer_b).exists()
    assert not notice_selectors.alerts_for(heads["b1"]).exists()


def test_the_map_shows_the_last_seen_point_and_located_sightings(world, groups):
    alert = _raise(world)
    notices.report_sighting(actor=world.resident, alert=alert, text="看到", lon=120.02, lat=30.02)
    notices.report_sighting(actor=world.resident, alert=alert, text="没有位置")
    drawn, marks = notice_selectors.alert_map(alert, list(alert.sightings.all()))
    assert drawn is not None
    assert [mark.kind for mark in marks] == ["last-seen", "sighting"]
    for mark in marks:
        assert 0 <= mark.x <= drawn.width and 0 <= mark.y <= drawn.height
