"""The demo's anti-fraud work: a campaign per township with homes, four months of events
and warnings in its grids, sealed phones and sensible amounts; once only, and the same
seed gives the same records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fengqiao.demo.antifraud import demo_antifraud
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent

pytestmark = pytest.mark.django_db


def _records():
    events = OutreachEvent.objects.unscoped_for_jobs().order_by("held_on", "grid__code", "title")
    warnings = FraudWarning.objects.unscoped_for_jobs().order_by("warned_at", "person_name")
    return (
        list(events.values_list("grid__code", "kind", "held_on", "people_reached", "app_installs")),
        list(warnings.values_list("person_name", "level", "outcome", "amount_stopped")),
    )


def _wipe():
    OutreachEvent.objects.unscoped_for_jobs().delete()
    FraudWarning.objects.unscoped_for_jobs().delete()
    Campaign.objects.unscoped_for_jobs().delete()


def test_the_demo_records_anti_fraud_work_once_and_the_same_each_time(world):
    counts = demo_antifraud(seed=7)
    assert counts["antifraud_campaigns"] == 2  # both townships have a station and homes
    assert counts["antifraud_events"] == OutreachEvent.objects.unscoped_for_jobs().count() > 0
    assert counts["antifraud_warnings"] == FraudWarning.objects.unscoped_for_jobs().count() > 0
    campaign = Campaign.objects.unscoped_for_jobs().get(station=world.station_a)
    assert campaign.kind == "anti_fraud"
    assert set(campaign.grids.all()) == {world.grid_a1, world.grid_a2}
    for event in OutreachEvent.objects.unscoped_for_jobs().select_related("grid"):
        assert event.scope_path == event.grid.path and event.grid.level == "grid"
        assert 0 <= event.app_installs <= event.people_reached
        assert campaign.starts_on <= event.held_on or event.campaign_id != campaign.pk
    for warning in FraudWarning.objects.unscoped_for_jobs():
        assert warning.payment_stopped or warning.amount_stopped == 0
        assert warning.amount_lost == 0 or warning.outcome == "already_lost"
        assert warning.amount_stopped == warning.amount_stopped.quantize(Decimal("0.01"))
        if warning.method != "visit":
            assert warning.phone.startswith("+86") and "****" in warning.phone_masked
    assert demo_antifraud(seed=7) == dict.fromkeys(counts, 0)

    first = _records()
    _wipe()
    demo_antifraud(seed=7)
    assert _records() == first
