"""Confirming an alert's clue (确认线索属实): staff in the alert's scope, never the clue's own
reporter, once; open or ended alerts alike; audited; the button and the badge on the page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.community.models import Alert, Sighting
from fengqiao.community.notices import services as notices

pytestmark = pytest.mark.django_db

CONFIRMED = "community.sighting_confirmed"


def _alert(world, grid=None, actor=None):
    return notices.raise_alert(
        actor=actor or world.officer_a,
        kind=Alert.Kind.MISSING_PERSON,
        title="寻找走失老人张大爷",
        description="78 岁，身高 1.65 米，穿灰色外套，说本地话",
        grids=[grid or world.grid_a1],
    )


def _sighting(alert, reporter, text="在公交站看到一位穿灰外套的老人"):
    return notices.report_sighting(actor=reporter, alert=alert, text=text)


def _confirm_url(sighting):
    return reverse("community:alert-sighting-confirm", args=[sighting.alert_id, sighting.pk])


def _unchanged(sighting):
    sighting.refresh_from_db()
    return (
        sighting.confirmed_at is None
        and sighting.confirmed_by_id is None
        and not AuditEvent.objects.filter(action=CONFIRMED).exists()
    )


def test_an_officer_in_scope_confirms_a_residents_clue(world, groups):
    sighting = _sighting(_alert(world), world.resident)
    confirmed = notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    assert confirmed.confirmed_by == world.officer_a and confirmed.confirmed_at is not None
    sighting.refresh_from_db()
    assert sighting.confirmed_by_id == world.officer_a.pk
    assert sighting.confirmed_at == confirmed.confirmed_at
    event = AuditEvent.objects.get(action=CONFIRMED)
    assert event.actor == world.officer_a
    assert event.object_id == str(sighting.alert_id)
    assert event.changes["sighting"] == sighting.pk


def test_the_page_confirms_and_redirects_to_the_alert(client, world, groups):
    sighting = _sighting(_alert(world), world.resident)
    client.force_login(world.officer_a)
    answer = client.post(_confirm_url(sighting))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("community:alert", args=[sighting.alert_id])
    sighting.refresh_from_db()
    assert sighting.confirmed_by_id == world.officer_a.pk
    assert client.get(_confirm_url(sighting)).status_code == 405


def test_the_reporter_may_not_confirm_their_own_clue(client, world, groups):
    sighting = _sighting(_alert(world), world.officer_a, text="巡逻时在桥头看到")
    with pytest.raises(PermissionDenied) as refused:
        notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    assert "自己" in str(refused.value)
    client.force_login(world.officer_a)
    assert client.post(_confirm_url(sighting)).status_code == 403
    assert _unchanged(sighting)


def test_officer_b_gets_404_and_the_service_refuses(client, world, groups):
    sighting = _sighting(_alert(world), world.resident)
    client.force_login(world.officer_b)
    assert client.post(_confirm_url(sighting)).status_code == 404
    with pytest.raises(PermissionDenied):
        notices.confirm_sighting(actor=world.officer_b, sighting=sighting)
    assert _unchanged(sighting)


def test_a_clue_of_another_alert_is_404_under_this_one(client, world, groups):
    first = _alert(world)
    other = _sighting(_alert(world, grid=world.grid_b1, actor=world.officer_b), world.officer_b)
    client.force_login(world.officer_a)
    url = reverse("community:alert-sighting-confirm", args=[first.pk, other.pk])
    assert client.post(url).status_code == 404
    assert _unchanged(other)


def test_a_clue_is_confirmed_once(client, world, groups):
    sighting = _sighting(_alert(world), world.resident)
    notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    stale = Sighting.objects.get(pk=sighting.pk)
    stale.confirmed_at = stale.confirmed_by = None  # a page loaded before the first confirm
    with pytest.raises(ValidationError) as refused:
        notices.confirm_sighting(actor=world.chief, sighting=stale)
    assert refused.value.messages == ["这条线索已确认"]
    client.force_login(world.chief)
    page = client.post(_confirm_url(sighting), follow=True)
    assert "这条线索已确认" in page.content.decode()
    sighting.refresh_from_db()
    assert sighting.confirmed_by_id == world.officer_a.pk
    assert AuditEvent.objects.filter(action=CONFIRMED).count() == 1


def test_residents_and_the_ground_may_not_confirm(client, world, groups):
    sighting = _sighting(_alert(world), world.chief, text="巡逻时在桥头看到")
    for actor in (world.resident, world.grid_worker_a1):
        with pytest.raises(PermissionDenied):
            notices.confirm_sighting(actor=actor, sighting=sighting)
        client.force_login(actor)
        assert client.post(_confirm_url(sighting)).status_code == 403
    client.logout()
    assert client.post(_confirm_url(sighting)).status_code == 302  # to the login page
    assert _unchanged(sighting)


def test_a_clue_may_be_confirmed_after_the_alert_ended(world, groups):
    alert = _alert(world)
    sighting = _sighting(alert, world.resident)
    notices.close_alert(actor=world.officer_a, alert=alert, note="已在车站找到")
    notices.confirm_sighting(actor=world.officer_a, sighting=sighting)
    sighting.refresh_from_db()
    assert sighting.confirmed_at is not None


def test_the_page_offers_the_button_on_others_clues_and_shows_the_badge(client, world, groups):
    alert = _alert(world)
    theirs = _sighting(alert, world.resident)
    own = _sighting(alert, world.officer_a, text="巡逻时在桥头看到")
    page_url = reverse("community:alert", args=[alert.pk])

    client.force_login(world.officer_a)
    html = client.get(page_url).content.decode()
    assert "确认线索属实" in html
    assert _confirm_url(theirs) in html and _confirm_url(own) not in html
    assert "已确认 ·" not in html

    client.force_login(world.grid_worker_a1)  # sees every clue, may not confirm
    html = client.get(page_url).content.decode()
    assert "确认线索属实" not in html

    notices.confirm_sighting(actor=world.chief, sighting=own)
    client.force_login(world.officer_a)
    html = client.get(page_url).content.decode()
    assert html.count("已确认 ·") == 1 and _confirm_url(own) not in html
    assert _confirm_url(theirs) in html

    notices.confirm_sighting(actor=world.officer_a, sighting=theirs)
    client.force_login(world.resident)  # the reporter sees their clue was confirmed
    html = client.get(page_url).content.decode()
    assert html.count("已确认 ·") == 1 and "确认线索属实" not in html
